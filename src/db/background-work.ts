import { sql } from 'kysely';
import type { Tx } from './tenant.ts';

/**
 * For a background job's analytical transaction (the organization-wide statistics of the
 * insights engine, the metrics sweep's incremental rollups): one core at most. PostgreSQL
 * would otherwise give the scan parallel workers and take every core of a small machine for
 * seconds (seen under bench:load on 2 cores: PostgreSQL at 180 % while they ran, and the
 * requests' p99 with it). Background work may take longer; the people may not.
 * SET LOCAL: this transaction only.
 */
export async function leaveCoresToRequests(tx: Tx): Promise<void> {
  await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(tx);
}
