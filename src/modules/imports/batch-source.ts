import { Worker } from 'node:worker_threads';
import { DomainError, type DomainErrorCode } from '../../shared/errors.ts';
import { batchesOf, committedLines, takeCustomChanges, type Batch, type CustomFieldChange } from './batch-plan.ts';
import { records } from './csv-records.ts';
import type { CsvFormat } from './csv-sniff.ts';
import type { ImportMapping } from './header-mapping.ts';
import type { OwnerDirectory } from './owner-directory.ts';
import type { CustomFields } from './row-mapping.ts';
import { createRowMapper, planColumns, type CustomFieldsState } from './row-mapping.ts';

/**
 * An import's file as mapped batches, for both write paths: parsed, mapped and grouped on
 * this thread, or on a worker thread while this one writes. Parsing and mapping are most
 * of the importer's CPU (csv-parse, the row mapper and their garbage: about 25 of 35 s per
 * million rows); on the main thread they take turns with building and sending the
 * batches' SQL, on a worker they run beside it. Both give the same batches, each with the
 * custom-field catalogue changes its rows made.
 */
export interface MappedBatch {
  batch: Batch;
  customChanges: CustomFieldChange[];
}

export type Bytes = () => AsyncIterable<Uint8Array>;

export interface BatchSourceSetup {
  format: CsvFormat;
  headers: string[];
  mapping: ImportMapping;
  /** The import's custom-field types so far; the thread version updates this object. */
  custom: CustomFields;
  /** The organization's users and teams, for owner and team columns (plain data). */
  owners: OwnerDirectory;
  /** What an earlier run committed (skipped). */
  checkpoint: number;
  ranges: [number, number][];
  batchSize: number;
}

/** On this thread. */
export async function* threadBatches(source: Bytes, setup: BatchSourceSetup): AsyncGenerator<MappedBatch> {
  const mapRow = createRowMapper(planColumns(setup.headers, setup.mapping), setup.mapping, setup.custom, setup.owners);
  const options = { mapRow, isCommitted: committedLines(setup.checkpoint, setup.ranges), size: setup.batchSize };
  // The changes are taken when a batch is handed over: the generator is paused until the
  // next one is asked for, so they are exactly this batch's.
  for await (const batch of batchesOf(records(source, setup.format), options)) yield { batch, customChanges: takeCustomChanges(setup.custom) };
}

/** What the worker is started with: the setup as plain data. */
export interface ParseWorkerInput extends Omit<BatchSourceSetup, 'custom'> {
  custom: CustomFieldsState;
}

export type ToWorker = { type: 'bytes'; chunk: Uint8Array } | { type: 'end' } | { type: 'credit'; n: number };
export type FromWorker =
  | { type: 'batch'; mapped: MappedBatch }
  | { type: 'consumed'; bytes: number }
  | { type: 'done' }
  | { type: 'error'; name: string; message: string; code?: DomainErrorCode; details?: Record<string, unknown> };

/** Batches mapped ahead of the writer, and bytes sent ahead of the parser: memory stays bounded. */
const BATCHES_AHEAD = 2;
const BYTES_AHEAD = 8 * 1024 * 1024;

/**
 * On a worker thread. This thread reads the bytes (an uploaded file is read from the
 * database, through the caller's connection) and hands them over; the worker parses,
 * maps and groups, and hands back each batch when it is given a credit.
 */
export async function* workerBatches(source: Bytes, setup: BatchSourceSetup): AsyncGenerator<MappedBatch> {
  // Workers do not inherit the TypeScript loader: a tiny bootstrap registers it first.
  const entry = new URL('./parse-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const input: ParseWorkerInput = { ...setup, custom: setup.custom.toState() };
  // A young generation that holds a batch's short-lived strings and rows (the default
  // promotes most of them and the old generation's collections dominate).
  const worker = new Worker(bootstrap, { eval: true, workerData: input, resourceLimits: { maxYoungGenerationSizeMb: 128 } });
  const ready: MappedBatch[] = [];
  let done = false;
  let failure: unknown;
  let wakeReader: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  const wake = () => {
    wakeReader?.();
    wakePump?.();
  };
  let sent = 0;
  let consumed = 0;
  let stopped = false;
  const post = (message: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(message, transfer);

  worker.on('message', (m: FromWorker) => {
    if (m.type === 'batch') ready.push(m.mapped);
    else if (m.type === 'consumed') consumed += m.bytes;
    else if (m.type === 'done') done = true;
    else failure ??= m.name === 'DomainError' && m.code ? new DomainError(m.code, m.message, m.details) : new Error(m.message);
    wake();
  });
  worker.on('error', (error) => {
    failure ??= error;
    wake();
  });
  worker.on('exit', (code) => {
    if (!done && !stopped) failure ??= new Error(`The CSV parsing thread stopped unexpectedly (exit code ${code}).`);
    wake();
  });

  const pump = (async () => {
    for await (const chunk of source()) {
      if (stopped) return;
      // A copy the worker can own (a chunk may be a view into a larger, shared buffer).
      const own = new Uint8Array(chunk);
      post({ type: 'bytes', chunk: own }, [own.buffer as ArrayBuffer]);
      sent += own.byteLength;
      while (!stopped && failure === undefined && sent - consumed > BYTES_AHEAD) await new Promise<void>((resolve) => (wakePump = resolve));
      if (stopped || failure !== undefined) return;
    }
    post({ type: 'end' });
  })().catch((error: unknown) => {
    failure ??= error;
    wake();
  });

  post({ type: 'credit', n: BATCHES_AHEAD });
  try {
    for (;;) {
      while (ready.length === 0 && !done && failure === undefined) await new Promise<void>((resolve) => (wakeReader = resolve));
      // Batches mapped before a failure are written first, as on the main thread.
      const next = ready.shift();
      if (next) {
        post({ type: 'credit', n: 1 });
        yield next;
        continue;
      }
      if (failure !== undefined) throw failure;
      return;
    }
  } finally {
    stopped = true;
    wake();
    await worker.terminate();
    await pump;
  }
}
