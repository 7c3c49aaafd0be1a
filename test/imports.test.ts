import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { runImport } from '../src/modules/imports/import-runner.ts';
import { importLocalFile } from '../src/modules/imports/imports.service.ts';
import * as q from '../src/modules/imports/imports.queries.ts';
import { matchHeader, proposeMapping } from '../src/modules/imports/header-mapping.ts';
import { parseDate, parseNumber, parseStatus } from '../src/modules/imports/value-parsing.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'imports');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const { app, url } = useServer(() => ({ LEADAI_IMPORT_MAX_MB: '1' }));

async function upload(client: Client, body: Buffer | string | undefined, fileName = 'leads.csv') {
  const form = new FormData();
  if (body !== undefined) form.append('file', new Blob([body]), fileName);
  else form.append('note', 'no file here');
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function waitDone(client: Client, id: string) {
  for (let i = 0; i < 200; i++) {
    const r = await client.get(`/api/v1/imports/${id}`);
    if (r.body.status === 'completed' || r.body.status === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('import did not finish');
}

async function runQueued(id: string) {
  // The test server runs without workers: run the queued job's handler in-process.
  const db = app().database.db;
  const job = await db.selectFrom('jobs').selectAll().where('queue', '=', 'imports').where('status', '=', 'queued').where('payload', '@>', JSON.stringify({ import_id: id }) as never).executeTakeFirstOrThrow();
  await db.updateTable('jobs').set({ status: 'running', attempts: 1 }).where('id', '=', job.id).execute();
  const { createImportsService } = await import('../src/modules/imports/imports.service.ts');
  const service = createImportsService(db, { maxUploadBytes: 1 << 20, batchSize: 2 });
  await service.handleJob({ ...job, attempts: 1 }, { progress: async () => {}, signal: new AbortController().signal });
}

describe(`CSV import: parsing (${MODE})`, () => {
  it('matches headers from real exports and reads their values', () => {
    expect(matchHeader('E-mail')).toBe('email');
    expect(matchHeader('Email Address')).toBe('email');
    expect(matchHeader('Company Name')).toBe('company');
    expect(matchHeader('Mobile Phone')).toBe('phone');
    expect(matchHeader('Lead Source')).toBe('source');
    expect(matchHeader('Given name')).toBe('first_name');
    expect(matchHeader('JOB_TITLE')).toBe('job_title');
    expect(matchHeader('Annual Revenue')).toBe('custom:annual_revenue');
    expect(matchHeader('Person - Email - Work')).toBe('email');
    expect(matchHeader('Organization - Name')).toBe('company');
    expect(parseNumber('1.234,56').ok && parseNumber('1.234,56')).toEqual({ ok: true, value: 1234.56 });
    expect(parseNumber('$1,200')).toEqual({ ok: true, value: 1200 });
    expect(parseDate('3/14/2024 2:05 PM')).toEqual({ ok: true, value: { iso: '2024-03-14T14:05:00.000Z', dateOnly: false } });
    expect(parseDate('14.03.2024')).toEqual({ ok: true, value: { iso: '2024-03-14', dateOnly: true } });
    expect(parseDate('2024-02-30').ok).toBe(false);
    expect(parseStatus('Closed - Converted', undefined)).toEqual({ ok: true, value: 'closed_won' });
    expect(parseStatus('1', { '1': 'closed_won' })).toEqual({ ok: true, value: 'closed_won' });
    expect(parseStatus('Maybe', undefined).ok).toBe(false);
  });
});

describe('CSV import: mapping proposals read values, not just headers', () => {
  it('keeps a "contact" channel column, a numeric "campaign" and a non-email "email" as custom fields', () => {
    const headers = ['age', 'job', 'contact', 'campaign', 'E-mail', 'Contact Name'];
    const sample = Array.from({ length: 40 }, (_, i) => [String(20 + i), ['admin.', 'technician', 'services'][i % 3]!, ['cellular', 'telephone', 'unknown'][i % 3]!, String(1 + (i % 4)), i % 2 ? 'n/a' : 'none', `Person ${i}`]);
    const m = proposeMapping(headers, sample);
    expect(m.columns).toMatchObject({ contact: 'custom', campaign: 'custom', 'E-mail': 'custom', 'Contact Name': 'full_name', job: 'job_title', age: 'custom' });
    // The same headers with values that fit are mapped as before.
    const fitting = proposeMapping(['Contact', 'Campaign', 'Email'], Array.from({ length: 40 }, (_, i) => [`Ana Silva ${i}`, 'Spring webinar', `ana${i}@acme.example`]));
    expect(fitting.columns).toEqual({ Contact: 'full_name', Campaign: 'campaign', Email: 'email' });
  });

  it('maps name columns whose names repeat, as in any large export (16 first names over 1,000 rows)', () => {
    const names = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Tim', 'Radia', 'José', 'Zoë', 'François', 'Bjørn', 'Chloé', 'Vint'];
    const sample = Array.from({ length: 1000 }, (_, i) => [names[i % 16]!, names[(i * 7) % 16]!, ['cellular', 'telephone', 'unknown', 'email', 'sms', 'fax', 'post', 'visit', 'chat', 'video', 'other'][i % 11]!]);
    expect(proposeMapping(['First Name', 'Last Name', 'Contact'], sample).columns).toEqual({ 'First Name': 'first_name', 'Last Name': 'last_name', Contact: 'custom' });
  });
});

describe(`CSV import over the API (${MODE})`, () => {
  it('uploads, proposes a mapping with a preview, takes a value map, imports in the background, and reports errors with line numbers', async () => {
    const { client } = await Client.signup(url, 'Import Co');
    const up = await upload(client, fixture('salesforce-leads-report.csv'), 'report.csv');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.format).toMatchObject({ encoding: 'utf-8', delimiter: ',', bom: false });
    expect(up.body.mapping.columns).toMatchObject({ 'Lead ID': 'external_id', Email: 'email', 'Company / Account': 'company', 'Mobile Phone': 'phone', 'Lead Source': 'source', Converted: 'custom' });
    expect(up.body.preview.rows[0].lead).toMatchObject({ first_name: 'Margaret', email: 'margaret@mit.example', status: 'closed_won' });
    expect(up.body.preview.rows[0].lead.custom_fields.Notes).toContain('\n');
    expect(up.body.preview.errors.map((e: { line: number }) => e.line)).toEqual([6, 8]);
    const id = up.body.id as string;

    // Converted decides the outcome; the Lead Status column is left out.
    const patched = await client.patch(`/api/v1/imports/${id}`, { columns: { Converted: 'status', 'Lead Status': 'custom' }, values: { status: { '1': 'closed_won', '0': 'closed_lost' } }, ignore: ['Salutation'] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.preview.rows.map((r: { lead: { status: string } }) => r.lead.status)).toEqual(['closed_won', 'closed_lost', 'closed_lost', 'closed_lost']);
    const badMap = await client.patch(`/api/v1/imports/${id}`, { columns: { Nope: 'email' } });
    expect(badMap.status).toBe(422);

    const started = await client.post(`/api/v1/imports/${id}/start`);
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('queued');
    await runQueued(id);
    const done = await waitDone(client, id);
    expect(done).toMatchObject({ status: 'completed', counts: { rows: 5, created: 4, updated: 0, rejected: 1 } });
    expect(done.progress.percent).toBe(100);

    const errors = await fetch(url(`/api/v1/imports/${id}/errors`), { headers: { cookie: client.cookie } });
    expect(errors.headers.get('content-type')).toMatch(/text\/csv/);
    const text = await errors.text();
    expect(text.split('\n')[0]).toBe('Lead ID,Salutation,First Name,Last Name,Title,Company / Account,Email,Mobile Phone,Lead Source,Lead Status,Converted,Created Date,Mailing City,Mailing Country,Notes,line,reason');
    expect(text).toMatch(/Total,.*,8,"no name, email or company/);

    const leads = await client.get('/api/v1/leads?limit=50');
    const byEmail = Object.fromEntries(leads.body.data!.map((l: Record<string, unknown>) => [l.email, l]));
    expect(byEmail['margaret@mit.example']).toMatchObject({ status: 'closed_won', external_id: '00Q5g00000A1', company: 'MIT Instrumentation Lab' });
    expect(byEmail['margaret@mit.example']!.closed_at).not.toBeNull();
    expect(byEmail['barbara@mit.example']).toMatchObject({ status: 'closed_lost' });
    expect((byEmail['margaret@mit.example']!.custom_fields as Record<string, unknown>)['Lead Status']).toBe('Closed - Converted');

    // The catalogue, and filtering on a custom field.
    const catalogue = await client.get('/api/v1/custom-fields');
    const types = Object.fromEntries(catalogue.body.data!.map((f: Record<string, unknown>) => [f.key, f.type]));
    // Five distinct statuses in five rows read as free text; two notes as a (small) category.
    expect(types).toMatchObject({ 'Lead Status': 'text', Notes: 'category' });
    const filtered = await client.get(`/api/v1/leads?${encodeURIComponent('cf.Lead Status')}=${encodeURIComponent('Working - Contacted')}`);
    expect(filtered.body.data!.map((l: Record<string, unknown>) => l.email)).toEqual(['ken@bell.example']);

    // Another organization sees none of it.
    const other = (await Client.signup(url, 'Other Co')).client;
    for (const path of [`/api/v1/imports/${id}`, `/api/v1/imports/${id}/errors`, `/api/v1/imports/${id}/preview`]) expect((await other.get(path)).status).toBe(404);
    expect((await other.post(`/api/v1/imports/${id}/start`)).status).toBe(404);
    expect((await other.patch(`/api/v1/imports/${id}`, { ignore: ['Notes'] })).status).toBe(404);
  });

  it('lists the distinct values of value-mapped columns in the preview, and what each becomes under the value map', async () => {
    const { client } = await Client.signup(url, 'Values Co');
    const rows = ['Email,Name,Converted,Tags,Lead Source'];
    for (let i = 0; i < 30; i++) rows.push(`v${i}@values.example,Person ${i},${i % 3 === 0 ? '1' : '0'},${i % 2 ? 'vip; webinar' : 'webinar'},${i % 5 ? 'Web' : ''}`);
    const up = await upload(client, rows.join('\n') + '\n');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.preview.sample_rows).toBe(30);
    // Converted is no field name: a custom field, so no values listed for it yet.
    expect(up.body.preview.values.map((c: { column: string }) => c.column)).toEqual(['Tags', 'Lead Source']);
    expect(up.body.preview.values[0]).toEqual({
      column: 'Tags', field: 'tags', truncated: false,
      values: [{ value: 'webinar', rows: 30, valid: true, stored_as: 'webinar' }, { value: 'vip', rows: 15, valid: true, stored_as: 'vip' }],
    });
    // Blank cells are not a value.
    expect(up.body.preview.values[1].values).toEqual([{ value: 'Web', rows: 24, valid: true, stored_as: 'Web' }]);
    const id = up.body.id as string;

    const asStatus = await client.patch(`/api/v1/imports/${id}`, { columns: { Converted: 'status' } });
    expect(asStatus.status, JSON.stringify(asStatus.body)).toBe(200);
    const statusValues = asStatus.body.preview.values.find((c: { field: string }) => c.field === 'status');
    expect(statusValues).toEqual({
      column: 'Converted', field: 'status', truncated: false,
      values: [{ value: '0', rows: 20, valid: false, stored_as: null }, { value: '1', rows: 10, valid: false, stored_as: null }],
    });
    // Every sampled row in error is listed (all 30 here), not only those among the first 20 rows.
    expect(asStatus.body.preview.errors.length).toBe(30);
    expect(asStatus.body.preview.error_rows).toBe(30);
    expect(asStatus.body.preview.errors[0].reason).toMatch(/unknown status "1"/);

    const mapped = await client.patch(`/api/v1/imports/${id}`, { values: { status: { '1': 'closed_won', '0': 'closed_lost' }, source: { Web: 'website' } } });
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(200);
    const byField = Object.fromEntries(mapped.body.preview.values.map((c: { field: string; values: unknown[] }) => [c.field, c.values]));
    expect(byField.status).toEqual([{ value: '0', rows: 20, valid: false, stored_as: 'closed_lost' }, { value: '1', rows: 10, valid: false, stored_as: 'closed_won' }]);
    expect(byField.source).toEqual([{ value: 'Web', rows: 24, valid: true, stored_as: 'website' }]);
    expect(mapped.body.preview.errors).toEqual([]);
    expect(mapped.body.preview.rows[0].lead).toMatchObject({ status: 'closed_won', source: null });
    expect(mapped.body.preview.rows[1].lead).toMatchObject({ status: 'closed_lost', source: 'website' });
    // GET /preview reads the stored mapping the same way.
    expect((await client.get(`/api/v1/imports/${id}/preview`)).body.preview.values).toEqual(mapped.body.preview.values);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await fetch(url('/api/openapi.json'))).json()) as { paths: Record<string, unknown> };
    for (const path of ['/api/v1/imports', '/api/v1/imports/{id}', '/api/v1/imports/{id}/start', '/api/v1/imports/{id}/errors', '/api/v1/custom-fields']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it('lets admins, managers and marketing import; viewers and sales reps get 403', async () => {
    const { client } = await Client.signup(url, 'Roles Co');
    for (const [role, allowed] of [['marketing', true], ['manager', true], ['viewer', false], ['sales_rep', false]] as const) {
      const key = await client.post('/api/v1/api-keys', { name: role, role });
      expect(key.status).toBe(201);
      const form = new FormData();
      form.append('file', new Blob([fixture('utf8-bom.csv')]), 'leads.csv');
      const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { authorization: `Bearer ${key.body.key}` } });
      expect(res.status, role).toBe(allowed ? 201 : 403);
      const listed = await Client.withKey(url, key.body.key).get('/api/v1/imports');
      expect(listed.status, role).toBe(allowed ? 200 : 403);
      // Everyone who reads leads may read the catalogue (to filter on custom fields).
      expect((await Client.withKey(url, key.body.key).get('/api/v1/custom-fields')).status).toBe(200);
    }
  });

  it('refuses bad uploads with problem+json and keeps nothing', async () => {
    const { client, organizationId } = await Client.signup(url, 'Bad Uploads');
    const cases: [Buffer | string | undefined, number, RegExp][] = [
      [undefined, 422, /No file/],
      ['', 422, /empty/],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2, 3]), 422, /Excel/],
      ['Email,Name\n', 422, /no data rows/],
      [Buffer.alloc(1024 * 1024 + 10, 'a,b\n'), 413, /./],
    ];
    for (const [body, status, detail] of cases) {
      const r = await upload(client, body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(String(r.body.detail)).toMatch(detail);
    }
    const notMultipart = await client.post('/api/v1/imports', { file: 'x' });
    expect(notMultipart.status).toBeGreaterThanOrEqual(400);
    expect(notMultipart.status).toBeLessThan(500);
    const left = await withTenant(app().database.db, { organizationId }, (tx) => tx.selectFrom('imports').select('id').execute());
    expect(left).toEqual([]);
  });
});

describe(`CSV import engine (${MODE})`, () => {
  async function newOrg(name: string) {
    return (await Client.signup(url, name)).organizationId;
  }
  const countLeads = (organizationId: string) =>
    withTenant(app().database.db, { organizationId }, (tx) => tx.selectFrom('leads').select(['email', 'first_name', 'status', 'custom_fields', 'tags', 'deal_value', 'company']).orderBy('email').execute());

  it('imports every fixture export; the same files again create no duplicates', async () => {
    const organizationId = await newOrg('Fixtures');
    const db = app().database.db;
    const files = ['hubspot-contacts.csv', 'salesforce-leads-report.csv', 'pipedrive-persons.csv', 'spreadsheet.tsv', 'utf8-bom.csv', 'windows-1252.csv'];
    const first: Record<string, unknown> = {};
    for (const f of files) first[f] = (await importLocalFile(db, { organizationId, path: join(FIXTURES, f), batchSize: 2 })).counts;
    expect(first).toEqual({
      'hubspot-contacts.csv': { rows: 5, created: 3, updated: 0, rejected: 2 },
      'salesforce-leads-report.csv': { rows: 5, created: 3, updated: 0, rejected: 2 },
      'pipedrive-persons.csv': { rows: 4, created: 4, updated: 0, rejected: 0 },
      'spreadsheet.tsv': { rows: 4, created: 3, updated: 0, rejected: 1 },
      'utf8-bom.csv': { rows: 3, created: 2, updated: 1, rejected: 0 },
      'windows-1252.csv': { rows: 3, created: 3, updated: 0, rejected: 0 },
    });
    const leads = await countLeads(organizationId);
    expect(leads.length).toBe(18);
    const by = Object.fromEntries(leads.map((l) => [l.email, l]));
    expect(by['jose@espana.example']).toMatchObject({ first_name: 'José', company: 'Compañía Eléctrica', custom_fields: { Umsatz: 1250000 } });
    expect(by['zoe@ümlaut.example']?.first_name).toBe('Zoë');
    expect(by['chloe@cafe.example']).toMatchObject({ first_name: 'Chloé', company: 'Café Crème' });
    expect(by['linus@linux.example']).toMatchObject({ first_name: 'Linus', deal_value: 12500.5, tags: ['Hot lead', 'Kernel'] });
    expect(by['guido@python.example']?.deal_value).toBe(8000);
    expect(by['anders@ms.example']?.company).toBe('Microsoft; Developer Division');
    expect(by['radia@dell.example']).toMatchObject({ status: 'closed_won', custom_fields: { plan: 'Enterprise', 'trial user': true, seats: 120 } });
    expect(by['grace.hopper@navy.example']?.custom_fields).toMatchObject({ annual_revenue: 50000000, employees: 5000, industry: 'Government' });

    const catalogue = Object.fromEntries((await withTenant(db, { organizationId }, (tx) => q.listCustomFields(tx))).map((f) => [f.key, f.type]));
    expect(catalogue).toMatchObject({ annual_revenue: 'number', employees: 'number', 'trial user': 'boolean', seats: 'number', Umsatz: 'number' });

    for (const f of files) {
      const again = (await importLocalFile(db, { organizationId, path: join(FIXTURES, f), batchSize: 3 })).counts;
      expect(again.created, f).toBe(0);
    }
    expect((await countLeads(organizationId)).length).toBe(18);
  });

  it('dry run changes nothing and reports what would happen', async () => {
    const organizationId = await newOrg('Dry');
    const db = app().database.db;
    const r = await importLocalFile(db, { organizationId, path: join(FIXTURES, 'spreadsheet.tsv'), dryRun: true });
    expect(r.counts).toEqual({ rows: 4, created: 3, updated: 0, rejected: 1 });
    expect(r.errors).toEqual([{ line: 5, reason: expect.stringMatching(/created_at: "not a date" is not a date/) }]);
    expect(r.preview?.[0]?.lead).toMatchObject({ email: 'tim@w3.example', status: 'qualified', tags: ['web', 'standards'] });
    expect(await countLeads(organizationId)).toEqual([]);
    expect(await withTenant(db, { organizationId }, (tx) => tx.selectFrom('imports').select('id').execute())).toEqual([]);
  });

  it('an import aborted after two batches resumes from its checkpoint: every row exactly once', async () => {
    const organizationId = await newOrg('Resume');
    const db = app().database.db;
    const dir = mkdtempSync(join(tmpdir(), 'leadai-import-'));
    const path = join(dir, 'big.csv');
    const lines = ['Email,First Name,Last Name,Score'];
    for (let i = 1; i <= 95; i++) lines.push(`lead${i}@example.com,Lead,Number ${i},${i}`);
    lines.push('lead7@example.com,Lead,Seven Again,7');
    writeFileSync(path, lines.join('\n') + '\n');

    // The CLI path, whole: the duplicate email on the last line updates its lead.
    const whole = await importLocalFile(db, { organizationId, path, batchSize: 10 });
    expect(whole.counts).toEqual({ rows: 96, created: 95, updated: 1, rejected: 0 });
    expect((await countLeads(organizationId)).length).toBe(95);

    // A second organization: an upload-style import interrupted mid-way, then resumed.
    const org2 = await newOrg('Resume 2');
    const created = await withTenant(db, { organizationId: org2 }, (tx) =>
      q.insertImport(tx, { organization_id: org2, created_by: null, source: 'cli', file_name: 'big.csv', file_size: readFileSync(path).length, file_sha256: 'x', format: JSON.stringify({ encoding: 'utf-8', bom: false, delimiter: ',', headers: ['Email', 'First Name', 'Last Name', 'Score'] }), mapping: JSON.stringify({ columns: { Email: 'email', 'First Name': 'first_name', 'Last Name': 'last_name', Score: 'custom' }, values: {} }) }),
    );
    const source = () => (async function* () { yield readFileSync(path); })();
    const abort = new AbortController();
    await expect(runImport(db, created, source, { batchSize: 10, signal: abort.signal, onBatch: (n) => n === 2 && abort.abort(new Error('killed')) })).rejects.toThrow(/killed/);
    const half = await withTenant(db, { organizationId: org2 }, (tx) => q.getImport(tx, created.id));
    expect(half!.batches).toBeGreaterThanOrEqual(2);
    expect(half!.batches).toBeLessThan(10);
    const leadsHalf = await countLeads(org2);
    expect(leadsHalf.length).toBe(half!.created_count);
    expect(half!.checkpoint_line).toBe(1 + half!.batches * 10);
    const counts = await runImport(db, half!, source, { batchSize: 10 });
    expect(counts).toEqual({ rows: 96, created: 95, updated: 1, rejected: 0 });
    const all = await countLeads(org2);
    expect(all.length).toBe(95);
    expect(new Set(all.map((l) => l.email)).size).toBe(95);
    const done = await withTenant(db, { organizationId: org2 }, (tx) => q.getImport(tx, created.id));
    expect(done).toMatchObject({ status: 'completed', checkpoint_line: 97, rows_processed: 96 });

    // Two writers (server mode): batches may commit out of order; killed, then resumed.
    if (MODE === 'server') {
      const org3 = await newOrg('Resume 3');
      const imp3 = await withTenant(db, { organizationId: org3 }, (tx) => q.insertImport(tx, { organization_id: org3, created_by: null, source: 'cli', file_name: 'big.csv', file_size: created.file_size, file_sha256: 'y', format: JSON.stringify(created.format), mapping: JSON.stringify(created.mapping) }));
      const abort3 = new AbortController();
      await expect(runImport(db, imp3, source, { batchSize: 7, writers: 2, signal: abort3.signal, onBatch: (n) => n === 5 && abort3.abort(new Error('killed')) })).rejects.toThrow(/killed/);
      const again = await withTenant(db, { organizationId: org3 }, (tx) => q.getImport(tx, imp3.id));
      expect(await runImport(db, again!, source, { batchSize: 7, writers: 2 })).toEqual({ rows: 96, created: 95, updated: 1, rejected: 0 });
      const leads3 = await countLeads(org3);
      expect(leads3.length).toBe(95);
      expect(new Set(leads3.map((l) => l.email)).size).toBe(95);
    }
  });
});
