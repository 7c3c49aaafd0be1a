import { openDatabase } from '../src/db/connect.ts';
import * as q from '../src/modules/forecasts/forecasts.queries.ts';
import { withTenant } from '../src/db/tenant.ts';
import { sql } from 'kysely';
const database = await openDatabase({ kind: 'server', url: process.env.DATABASE_URL! } as never);
const db = database.db;
const org = (await sql<{ id: string }>`SELECT id FROM organizations LIMIT 1`.execute(db)).rows[0]!.id;
const T = new Date(Date.now() - 90 * 86400000);
await withTenant(db, { organizationId: org }, async (tx) => {
  const t = async (name: string, f: () => Promise<unknown>) => { const s = performance.now(); await f(); console.log(name, (performance.now() - s).toFixed(0), 'ms'); };
  await t('daily', () => q.dailyHistory(tx, { asOf: T, since: new Date(T.getTime() - 400 * 86400000), timeZone: 'UTC' }));
  await t('openCount', () => q.openCount(tx, new Date(T.getTime() - 400 * 86400000)));
  await t('openDeals', () => q.openDeals(tx, { asOf: T, live: false }));
  await t('wonDeals', () => q.wonDeals(tx, { asOf: T, since: new Date(T.getTime() - 1000 * 86400000), limit: 20000 }));
  await t('statusWinRates', () => q.statusWinRates(tx, { asOf: T, since: new Date(T.getTime() - 730 * 86400000) }));
  await t('cohort', () => q.cohortWins(tx, { from: new Date(T.getTime() - 500 * 86400000), to: new Date(T.getTime() - 100 * 86400000), asOf: T }));
});
await database.close();
