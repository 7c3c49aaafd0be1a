import { statfsSync } from 'node:fs';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/**
 * Free space kept on the disk of an embedded data folder. PGlite (PostgreSQL in WASM) that
 * runs out of space mid-write does not fail the statement and carry on: measured here, the
 * insert that could not create a WAL segment failed with 53100 and the next statement spun
 * in WASM for good, freezing the whole process. So the embedded database stops taking
 * statements while less than this is free (a WAL segment is 16 MB, a checkpoint writes
 * more), says so in a DiskFullError, and resumes by itself once space is back.
 */
export const DEFAULT_DISK_RESERVE_BYTES = 64 * 1024 * 1024;

// Between checks, at most this long passes (a statfs call costs microseconds).
const RECHECK_MS = 250;

export class DiskFullError extends Error {
  readonly code = 'ENOSPC';
  /** The folder, for the CLI's message on file problems (src/cli/output.ts). */
  readonly path: string;
  constructor(
    readonly dir: string,
    readonly freeBytes: number,
    readonly reserveBytes: number,
  ) {
    super(`The disk holding the data folder ${dir} is full (${mb(freeBytes)} MB free; LeadAI keeps ${mb(reserveBytes)} MB free to protect the database). Free some space: LeadAI resumes by itself.`);
    this.name = 'DiskFullError';
    this.path = dir;
  }
}

const mb = (bytes: number) => Math.floor(bytes / (1024 * 1024));

/** Throws DiskFullError while the disk of `dir` has less than `reserveBytes` free. */
export function createDiskSpaceCheck(dir: string, reserveBytes = DEFAULT_DISK_RESERVE_BYTES): () => void {
  let checkedAt = 0;
  let free = Number.POSITIVE_INFINITY;
  return () => {
    const now = Date.now();
    // Once low, every statement looks again, so work resumes the moment space is back.
    if (free < reserveBytes || now - checkedAt >= RECHECK_MS) {
      const stats = statfsSync(dir);
      free = stats.bavail * stats.bsize;
      checkedAt = now;
    }
    if (free < reserveBytes) throw new DiskFullError(dir, free, reserveBytes);
  };
}

/**
 * Runs the check before every statement Kysely sends, except the end of a transaction: a
 * ROLLBACK (or COMMIT) refused would leave PGlite's one session inside the transaction.
 */
export function diskSpacePlugin(check: () => void): KyselyPlugin {
  return {
    transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
      if (!endsTransaction(node)) check();
      return node;
    },
    async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return result;
    },
  };
}

function endsTransaction(node: RootOperationNode): boolean {
  return node.kind === 'RawNode' && /^\s*(COMMIT|ROLLBACK|END|ABORT)\b/i.test(node.sqlFragments.join(''));
}
