import { sql } from 'kysely';
import type { Tx } from './tenant.ts';

/**
 * For a background job's analytical transaction (the organization-wide statistics of the
 * insights engine, the metrics rollup): one core at most. PostgreSQL would otherwise give the
 * scan parallel workers and take every core of a small machine for seconds, and the requests
 * of the people using LeadAI meanwhile waited behind it (bench:load on 2 cores: p50 of a
 * one-lead read 4 ms idle, 220 ms while the rollup and the statistics ran in parallel).
 * Background work may take longer; the people may not. SET LOCAL: this transaction only.
 */
export async function leaveCoresToRequests(tx: Tx): Promise<void> {
  await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(tx);
}
