import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { dealExport } from './fixtures/imports/crm-exports.ts';

const { app, url } = useServer(() => ({ LEADAI_IMPORT_MAX_MB: '20', LEADAI_WORKERS: 'true' }));

async function upload(client: Client, body: string, fileName: string) {
  const form = new FormData();
  form.append('file', new Blob([body]), fileName);
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function importFile(client: Client, csv: string, name: string) {
  const up = await upload(client, csv, name);
  expect(up.status, JSON.stringify(up.body).slice(0, 2000)).toBe(201);
  const started = await client.post(`/api/v1/imports/${up.body.id}/start`);
  expect(started.status).toBe(202);
  const done = await until(`import of ${name}`, async () => {
    const r = await client.get(`/api/v1/imports/${up.body.id}`);
    return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
  }, 240_000);
  return { upload: up.body, done };
}

const cents = (n: number) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;

describe(`Importing a CRM's history faithfully (${MODE})`, () => {
  it('brings a 10,000-deal HubSpot export in exactly: counts per outcome, the sum of amounts to the cent, create and close dates across time zones, owners', { timeout: 600_000 }, async () => {
    const { client, organizationId } = await Client.signup(url, 'History Co');
    const db = app().database.db;
    const jose = await db.insertInto('users').values({ organization_id: organizationId, email: 'jose.nunez@history.example', full_name: 'José Núñez', role: 'sales_rep' }).returning('id').executeTakeFirstOrThrow();
    const ana = await db.insertInto('users').values({ organization_id: organizationId, email: 'ana@history.example', full_name: 'Ana Silva', role: 'sales_rep' }).returning('id').executeTakeFirstOrThrow();
    // The export writes owners as the CRM had them: accents dropped, upper case, "Last, First", someone who left.
    const file = dealExport(10_000, { seed: 7, owners: ['Jose Nunez', 'ANA SILVA', 'Núñez, José', 'Former Rep'] });

    const { upload: up, done } = await importFile(client, file.csv, 'hubspot-deals.csv');
    expect(up.mapping.columns).toMatchObject({
      'Record ID': 'external_id', 'Deal Stage': 'stage', Amount: 'deal_value', 'Close Date': 'closed_at', 'Create Date': 'created_at',
      'Deal Owner': 'assigned_to', 'Last Activity': 'custom', 'Associated Company': 'company', 'Deal Name': 'custom',
    });
    expect(up.preview.error_rows).toBe(0);
    expect(done).toMatchObject({ status: 'completed', counts: { rows: 10_000, created: 10_000, updated: 0, rejected: 0 } });

    const read = <T,>(query: (tx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) => withTenant(db, { organizationId }, query);
    const byStatus = await read((tx) => tx.selectFrom('leads').select(['status', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('status').execute());
    expect(Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]))).toEqual(file.statuses);

    const totals = await read(async (tx) => (await sql<{ n: string; sum: string; with_amount: string; ids: string }>`
      SELECT count(*) AS n, sum(deal_value)::text AS sum, count(deal_value) AS with_amount, count(DISTINCT external_id) AS ids FROM leads`.execute(tx)).rows[0]!);
    expect({ n: Number(totals.n), ids: Number(totals.ids), withAmount: Number(totals.with_amount), sum: totals.sum }).toEqual({ n: 10_000, ids: 10_000, withAmount: file.withAmount, sum: cents(file.amountCents) });

    const dates = await read(async (tx) => (await sql<{ created_min: Date; created_max: Date; closed_min: Date; closed_max: Date; open_closed: string; expected_min: string; expected_max: string; expected_n: string }>`
      SELECT min(created_at) AS created_min, max(created_at) AS created_max,
             min(closed_at) FILTER (WHERE status IN ('closed_won', 'closed_lost')) AS closed_min,
             max(closed_at) FILTER (WHERE status IN ('closed_won', 'closed_lost')) AS closed_max,
             count(closed_at) FILTER (WHERE status NOT IN ('closed_won', 'closed_lost')) AS open_closed,
             min(custom_fields->>'expected_close_date') AS expected_min, max(custom_fields->>'expected_close_date') AS expected_max,
             count(custom_fields->>'expected_close_date') AS expected_n
      FROM leads`.execute(tx)).rows[0]!);
    expect({
      created: { min: dates.created_min.toISOString(), max: dates.created_max.toISOString() },
      closed: { min: dates.closed_min.toISOString(), max: dates.closed_max.toISOString() },
      expectedClose: { min: dates.expected_min, max: dates.expected_max, count: Number(dates.expected_n) },
      openWithCloseDate: Number(dates.open_closed),
    }).toEqual({ created: file.created, closed: file.closed, expectedClose: file.expectedClose, openWithCloseDate: 0 });

    // Owners: the three spellings of José and Ana's upper case reach them; the one who left is kept as a custom field.
    const owners = await read((tx) => tx.selectFrom('leads').select(['assigned_to', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('assigned_to').execute());
    expect(Object.fromEntries(owners.map((r) => [r.assigned_to ?? 'none', Number(r.n)]))).toEqual({
      [jose.id]: file.owners['Jose Nunez']! + file.owners['Núñez, José']!, [ana.id]: file.owners['ANA SILVA']!, none: file.owners['Former Rep']!,
    });
    const kept = await read(async (tx) => (await sql<{ n: string }>`SELECT count(*) AS n FROM leads WHERE custom_fields->>'Deal Owner' = 'Former Rep' AND assigned_to IS NULL`.execute(tx)).rows[0]!);
    expect(Number(kept.n)).toBe(file.owners['Former Rep']);

    // The same export again changes nothing: every deal is found by its Record ID.
    const again = await importFile(client, file.csv, 'hubspot-deals-again.csv');
    expect(again.done.counts).toEqual({ rows: 10_000, created: 0, updated: 10_000, rejected: 0 });
    const after = await read(async (tx) => (await sql<{ n: string; sum: string }>`SELECT count(*) AS n, sum(deal_value)::text AS sum FROM leads`.execute(tx)).rows[0]!);
    expect({ n: Number(after.n), sum: after.sum }).toEqual({ n: 10_000, sum: cents(file.amountCents) });
  });
});
