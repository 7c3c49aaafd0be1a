import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

/**
 * Imported history is dated by the file: a CRM export's lost, unqualified and won deals
 * land on the dashboard in the period they happened, not on the day of the import.
 */
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

async function importCsv(client: Client, csv: string) {
  const form = new FormData();
  form.append('file', new Blob([csv]), 'history.csv');
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
  const up = (await res.json()) as { id: string; mapping: { columns: Record<string, string> } };
  expect(res.status, JSON.stringify(up)).toBe(201);
  expect((await client.post(`/api/v1/imports/${up.id}/start`)).status).toBe(202);
  const done = await until('import', async () => {
    const r = await client.get(`/api/v1/imports/${up.id}`);
    return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
  });
  return { mapping: up.mapping, done };
}

describe(`Imported history on the dashboard (${MODE})`, () => {
  it('counts unqualified, lost and won rows in the period of their dates from the file, not today', async () => {
    const { client, organizationId } = await Client.signup(url, 'Dated History');
    // Everything happened 40 to 55 days ago: the previous 30-day period, none of it in the current one.
    const csv = [
      'Email,Status,Create Date,Close Date,Last Activity',
      `unq1@h.example,Unqualified,${daysAgo(55)},,${daysAgo(45)}`,
      `unq2@h.example,Unqualified,${daysAgo(50)},,`,
      `lost1@h.example,Closed Lost,${daysAgo(55)},,${daysAgo(42)}`,
      `won1@h.example,Closed Won,${daysAgo(52)},,${daysAgo(41)}`,
      `won2@h.example,Closed Won,${daysAgo(54)},${daysAgo(44)},`,
      `open1@h.example,Contacted,${daysAgo(53)},,${daysAgo(43)}`,
    ].join('\n');
    const { mapping, done } = await importCsv(client, csv);
    expect(mapping.columns).toMatchObject({ 'Create Date': 'created_at', 'Close Date': 'closed_at', 'Last Activity': 'last_contacted_at', Status: 'status' });
    expect(done).toMatchObject({ status: 'completed', counts: { created: 6, rejected: 0 } });

    const r = await client.get('/api/v1/dashboard?days=30');
    expect(r.status).toBe(200);
    expect({ lost: r.body.kpis.lost, won: r.body.kpis.won }).toEqual({
      lost: { current: 0, previous: 3, change: -1 },
      won: { current: 0, previous: 2, change: -1 },
    });
    expect(r.body.lost).toBe(0);

    // The dates chosen: a close date from the file, else the last activity, else the creation date.
    const rows = await withTenant(app().database.db, { organizationId }, async (tx) =>
      (await sql<{ email: string; status_changed_at: Date; closed_at: Date | null }>`SELECT email, status_changed_at, closed_at FROM leads ORDER BY email`.execute(tx)).rows);
    const day = (d: Date | null) => d?.toISOString().slice(0, 10) ?? null;
    expect(Object.fromEntries(rows.map((l) => [l.email, [day(l.status_changed_at), day(l.closed_at)]]))).toEqual({
      'lost1@h.example': [daysAgo(42), daysAgo(42)],
      'open1@h.example': [daysAgo(43), null],
      'unq1@h.example': [daysAgo(45), null],
      'unq2@h.example': [daysAgo(50), null],
      'won1@h.example': [daysAgo(41), daysAgo(41)],
      'won2@h.example': [daysAgo(44), daysAgo(44)],
    });
  });
});
