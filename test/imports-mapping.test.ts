import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { proposeMapping } from '../src/modules/imports/header-mapping.ts';
import { importLocalFile } from '../src/modules/imports/imports.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));

async function upload(client: Client, body: string, fileName = 'export.csv') {
  const form = new FormData();
  form.append('file', new Blob([body]), fileName);
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function run(client: Client, id: string) {
  expect((await client.post(`/api/v1/imports/${id}/start`)).status).toBe(202);
  return until('the import', async () => {
    const r = await client.get(`/api/v1/imports/${id}`);
    return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
  }, 60_000);
}

const csv = (rows: (string | number)[][]) => rows.map((r) => r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replaceAll('"', '""')}"` : String(c))).join(',')).join('\n') + '\n';
const EVENTS = ['Email Opened', 'Page Visited on Website', 'Email Clicked', 'Form Submitted'];

describe('CSV import: columns are mapped by their values, not only their headers', () => {
  it('keeps a "Last Activity" of event names, an "Amount" of words, a "Phone" of notes and a "Status" of Active/Inactive as custom fields; maps the columns whose values fit', () => {
    const headers = ['Record ID', 'Email', 'Last Activity', 'Last Activity Date', 'Amount', 'Phone', 'Status', 'Lead Status', 'Owner ID'];
    const sample = Array.from({ length: 40 }, (_, i) => [
      String(5000 + i), `p${i}@x.example`, EVENTS[i % 4]!, `2024-03-${String(1 + (i % 28)).padStart(2, '0')} 10:00`, i % 2 ? 'TBD' : 'ask Maria',
      i % 2 ? 'call after 5' : 'no phone', i % 2 ? 'Active' : 'Inactive', ['New', 'Working - Contacted', 'Qualified'][i % 3]!, String(100 + (i % 3)),
    ]);
    expect(proposeMapping(headers, sample).columns).toEqual({
      'Record ID': 'external_id', Email: 'email', 'Last Activity': 'custom', 'Last Activity Date': 'last_contacted_at', Amount: 'custom',
      Phone: 'custom', Status: 'custom', 'Lead Status': 'status', 'Owner ID': 'custom',
    });
  });

  it('proposes an id column ("Deal ID", "OpportunityId", and "Quote Id", which no synonym names) as external_id when every row has its own value; never a repeating one', () => {
    const sample = Array.from({ length: 30 }, (_, i) => [`D-${1000 + i}`, `Pipeline ${i % 2}`, `Acme ${i}`, String(i % 4)]);
    expect(proposeMapping(['Pipeline ID', 'Opportunity Name', 'Company', 'Owner Id'], sample.map((r) => [r[3]!, r[2]!, r[2]!, r[3]!])).columns).toMatchObject({ 'Pipeline ID': 'custom', 'Owner Id': 'custom' });
    expect(proposeMapping(['Pipeline ID', 'Deal ID', 'Company'], sample.map((r) => [r[1]!, r[0]!, r[2]!])).columns).toEqual({ 'Pipeline ID': 'custom', 'Deal ID': 'external_id', Company: 'company' });
    expect(proposeMapping(['OpportunityId', 'Company'], sample.map((r) => [r[0]!, r[2]!])).columns).toEqual({ OpportunityId: 'external_id', Company: 'company' });
    // No synonym: an id column found by its values ("Quote Id" repeats nowhere, "Pipeline ID" does).
    expect(proposeMapping(['Pipeline ID', 'Quote Id', 'Company'], sample.map((r) => [r[1]!, r[0]!, r[2]!])).columns).toEqual({ 'Pipeline ID': 'custom', 'Quote Id': 'external_id', Company: 'company' });
    expect(proposeMapping(['Pipeline ID', 'Quote Id', 'Company'], sample.map((r) => [r[1]!, r[3]!, r[2]!])).columns).toEqual({ 'Pipeline ID': 'custom', 'Quote Id': 'custom', Company: 'company' });
  });
});

describe(`CSV import preview: notes, owners, in-file duplicates, errors (${MODE})`, () => {
  it('says why a column whose header names a field was kept as a custom field, and warns when a mapped column has misfits', async () => {
    const { client } = await Client.signup(url, 'Notes Co');
    const rows: (string | number)[][] = [['Email', 'First Name', 'Last Name', 'Last Activity', 'Create Date', 'Quote ID']];
    for (let i = 0; i < 30; i++) rows.push([`n${i}@notes.example`, `Ana${i}`, `Núñez-${i}`, EVENTS[i % 4]!, i === 7 ? 'last spring' : `2024-02-${String(1 + (i % 28)).padStart(2, '0')}`, `D${900 + i}`]);
    const up = await upload(client, csv(rows));
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.mapping.columns).toMatchObject({ 'Last Activity': 'custom', 'Create Date': 'created_at', 'Quote ID': 'external_id' });
    const notes = Object.fromEntries(up.body.preview.columns.map((n: { column: string }) => [n.column, n]));
    expect(notes['Last Activity']).toEqual({
      column: 'Last Activity', kind: 'kept_as_custom', field: 'last_contacted_at',
      message: 'The header reads as last contacted at, but 30 of 30 sampled values are not dates (e.g. "Email Opened", "Page Visited on Website", "Email Clicked"): kept as the custom field “Last Activity” instead.',
    });
    expect(notes['Create Date']).toMatchObject({ kind: 'values_do_not_fit', field: 'created_at', message: expect.stringContaining('1 of 30 sampled values are not dates (e.g. "last spring")') });
    expect(notes['Quote ID']).toMatchObject({ kind: 'id_column', field: 'external_id' });
    // Mapping it anyway: every row would be refused, and the preview says so for the column and the rows.
    const forced = await client.patch(`/api/v1/imports/${up.body.id}`, { columns: { 'Last Activity': 'last_contacted_at' } });
    expect(forced.status).toBe(200);
    expect(forced.body.preview.columns.find((n: { column: string }) => n.column === 'Last Activity')).toMatchObject({ kind: 'values_do_not_fit', message: expect.stringMatching(/^Mapped to last contacted at, but 30 of 30 sampled values are not dates.*those rows will be refused/) });
    expect(forced.body.preview.error_rows).toBe(30);

    // The CLI shares the engine: its result carries the same notes for the same file.
    const path = join(mkdtempSync(join(tmpdir(), 'leadai-notes-')), 'export.csv');
    writeFileSync(path, csv(rows));
    const dry = await importLocalFile(app().database.db, { organizationId: (await Client.signup(url, 'Notes CLI')).organizationId, path, dryRun: true });
    expect(dry.notes).toEqual(up.body.preview.columns);
  });

  it('maps owner and team columns to users and teams by email or name (case and accents ignored), lists those that match no one, and keeps them as a custom field unless told not to', async () => {
    const { client, organizationId } = await Client.signup(url, 'Owners Co');
    const db = app().database.db;
    const jose = await db.insertInto('users').values({ organization_id: organizationId, email: 'jose.nunez@owners.example', full_name: 'José Núñez', role: 'sales_rep' }).returning('id').executeTakeFirstOrThrow();
    const zoe = await db.insertInto('users').values({ organization_id: organizationId, email: 'Zoe@Owners.example', full_name: 'Zoë Ødegaard', role: 'sales_rep' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('users').values([
      { organization_id: organizationId, email: 'kim1@owners.example', full_name: 'Kim Lee', role: 'sales_rep' },
      { organization_id: organizationId, email: 'kim2@owners.example', full_name: 'Kim Lee', role: 'sales_rep' },
    ]).execute();
    const emea = await db.insertInto('teams').values({ organization_id: organizationId, name: 'EMEA Sales' }).returning('id').executeTakeFirstOrThrow();
    const owners = ['JOSE.NUNEZ@owners.example', 'zoe@owners.example', 'Jose Nunez', 'former.rep@owners.example', 'Kim Lee'];
    const rows: string[][] = [['Email', 'Name', 'Contact owner', 'Team']];
    for (let i = 0; i < 10; i++) rows.push([`c${i}@owners.example`, `José Núñez${i}`, owners[i % 5]!, i % 2 ? 'emea sales' : 'APAC']);
    const up = await upload(client, csv(rows));
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.mapping.columns).toMatchObject({ 'Contact owner': 'assigned_to', Team: 'team_id' });
    const [ownerCol, teamCol] = up.body.preview.owners;
    expect(ownerCol.column).toBe('Contact owner');
    expect(ownerCol.matched.map((v: { value: string; match: { id: string } }) => [v.value, v.match.id]).sort()).toEqual([
      ['JOSE.NUNEZ@owners.example', jose.id], ['Jose Nunez', jose.id], ['zoe@owners.example', zoe.id],
    ].sort());
    expect(ownerCol.unmatched).toEqual([
      { value: 'former.rep@owners.example', rows: 2, match: null, reason: 'no user of your organization has this name or email' },
      { value: 'Kim Lee', rows: 2, match: null, reason: 'more than one user is called "Kim Lee"' },
    ]);
    expect(teamCol).toMatchObject({ column: 'Team', field: 'team_id', matched: [{ value: 'emea sales', rows: 5, match: { id: emea.id, name: 'EMEA Sales' } }], unmatched: [{ value: 'APAC', rows: 5, match: null }] });
    expect(up.body.preview.rows[0].lead).toMatchObject({ assigned_to: jose.id, team_id: null, custom_fields: { Team: 'APAC' } });
    expect(up.body.preview.rows[3].lead).toMatchObject({ assigned_to: null, team_id: emea.id, custom_fields: { 'Contact owner': 'former.rep@owners.example' } });

    const done = await run(client, up.body.id);
    expect(done.counts).toMatchObject({ created: 10, rejected: 0 });
    const leads = await withTenant(db, { organizationId }, (tx) => tx.selectFrom('leads').select(['email', 'assigned_to', 'team_id', 'custom_fields', 'first_name', 'last_name']).orderBy('email').execute());
    const by = Object.fromEntries(leads.map((l) => [l.email, l]));
    expect(by['c0@owners.example']).toMatchObject({ assigned_to: jose.id, team_id: null, custom_fields: { Team: 'APAC' }, first_name: 'José', last_name: 'Núñez0' });
    expect(by['c1@owners.example']).toMatchObject({ assigned_to: zoe.id, team_id: emea.id });
    expect(by['c2@owners.example']?.assigned_to).toBe(jose.id);
    expect(by['c3@owners.example']).toMatchObject({ assigned_to: null, custom_fields: { 'Contact owner': 'former.rep@owners.example' } });
    expect(by['c4@owners.example']).toMatchObject({ assigned_to: null, custom_fields: { 'Contact owner': 'Kim Lee' } });

    // Told to leave them out: no custom field, still unassigned.
    const second = await upload(client, csv(rows.map((r, i) => (i === 0 ? r : [r[0]!.replace('c', 'd'), ...r.slice(1)]))));
    const patched = await client.patch(`/api/v1/imports/${second.body.id}`, { unmatched_owners: 'leave_empty' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.mapping.unmatched_owners).toBe('leave_empty');
    expect(patched.body.preview.rows[3].lead).toMatchObject({ assigned_to: null, custom_fields: {} });
    expect([400, 422]).toContain((await client.patch(`/api/v1/imports/${second.body.id}`, { unmatched_owners: 'maybe' })).status);
    await run(client, second.body.id);
    const d3 = await withTenant(db, { organizationId }, (tx) => tx.selectFrom('leads').select(['assigned_to', 'custom_fields']).where('email', '=', 'd3@owners.example').executeTakeFirstOrThrow());
    expect(d3).toEqual({ assigned_to: null, custom_fields: {} });
  });

  it('flags rows that are the same lead (same email or external id) with the row that wins and why, and lists every row in error of the sample in file order', async () => {
    const { client, organizationId } = await Client.signup(url, 'Dupes Co');
    const rows: string[][] = [['Record ID', 'Email', 'First Name', 'Last Name', 'Company', 'Amount']];
    for (let i = 0; i < 40; i++) rows.push([`R${i}`, `u${i}@dupes.example`, `U${i}`, `Doe${i}`, 'Acme', String(100 + i)]);
    rows[5] = ['R3', 'u3@dupes.example', 'Ulla', '', '', '999']; // line 6: line 5's R3 again, a later version
    rows[12] = ['R90', 'u7@dupes.example', 'Sam', 'Doe', 'Acme', '5']; // line 13: line 9's email under another id: refused
    rows[35] = ['R35', 'not-an-email', 'X', 'Y', 'Z', '1']; // line 36: an error far down the file
    const up = await upload(client, csv(rows));
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.preview.duplicates).toEqual([
      { key: 'email', value: 'u3@dupes.example', lines: [5, 6], winner: 6, reason: expect.stringMatching(/^Lines 5, 6 have the same email u3@dupes.example: they become one lead, not 2. Line 6 wins because it comes last in the file/) },
      { key: 'external_id', value: 'R3', lines: [5, 6], winner: 6, reason: expect.any(String) },
      { key: 'email', value: 'u7@dupes.example', lines: [9, 13], winner: 13, reason: expect.any(String) },
    ]);
    expect(up.body.preview.duplicate_groups).toBe(3);
    expect(up.body.preview.errors).toEqual([
      { line: 13, reason: 'email u7@dupes.example is already used by line 9 with another external id (R7)' },
      { line: 36, reason: '"not-an-email" is not a valid email address' },
    ]);
    expect(up.body.preview.error_rows).toBe(2);

    const done = await run(client, up.body.id);
    expect(done.counts).toEqual({ rows: 40, created: 37, updated: 1, rejected: 2 });
    const r3 = await withTenant(app().database.db, { organizationId }, (tx) => tx.selectFrom('leads').select(['first_name', 'last_name', 'company', 'deal_value']).where('external_id', '=', 'R3').execute());
    // Line 6 won where it had values; line 5 filled the rest.
    expect(r3.map((l) => ({ ...l, deal_value: Number(l.deal_value) }))).toEqual([{ first_name: 'Ulla', last_name: 'Doe3', company: 'Acme', deal_value: 999 }]);
  });
});

describe(`One rule for lead names: POST /leads and imports (${MODE})`, () => {
  it('cleans, splits and requires names the same way in both', async () => {
    const { client, organizationId } = await Client.signup(url, 'Names Co');
    const cases = [
      { email: 'one@names.example', first: 'Madonna', last: '' },
      { email: 'spaces@names.example', first: '  Ada   King ', last: ' Lovelace\t' },
      { email: 'nfd@names.example', first: 'Jose\u0301', last: 'Nu\u0301n\u0303ez' },
      { email: 'only@names.example', first: '', last: '' },
    ];
    for (const c of cases) {
      const r = await client.post('/api/v1/leads', { email: c.email, ...(c.first ? { first_name: c.first } : {}), ...(c.last ? { last_name: c.last } : {}) });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const nothing = await client.post('/api/v1/leads', { phone: '+1 555 0100' });
    expect(nothing.status).toBe(422);
    expect(nothing.body.detail).toBe('A lead needs a name (first_name or last_name), an email or a company.');
    const viaApi = await withTenant(app().database.db, { organizationId }, (tx) => tx.selectFrom('leads').select(['email', 'first_name', 'last_name']).orderBy('email').execute());
    expect(viaApi).toEqual([
      { email: 'nfd@names.example', first_name: 'José', last_name: 'Núñez' },
      { email: 'one@names.example', first_name: 'Madonna', last_name: '' },
      { email: 'only@names.example', first_name: '', last_name: '' },
      { email: 'spaces@names.example', first_name: 'Ada King', last_name: 'Lovelace' },
    ]);

    // The same people in a file, into another organization: the same names, and the nameless row refused for the same reason.
    const other = await Client.signup(url, 'Names Import Co');
    const rows = [['Email', 'First Name', 'Last Name', 'Phone'], ...cases.map((c) => [c.email, c.first, c.last, '']), ['', '', '', '+1 555 0100']];
    const up = await upload(other.client, csv(rows));
    expect(up.body.preview.errors).toEqual([{ line: 6, reason: expect.stringContaining('a lead needs a name, an email or a company') }]);
    await run(other.client, up.body.id);
    const viaImport = await withTenant(app().database.db, { organizationId: other.organizationId }, (tx) => tx.selectFrom('leads').select(['email', 'first_name', 'last_name']).orderBy('email').execute());
    expect(viaImport).toEqual(viaApi);
  });
});
