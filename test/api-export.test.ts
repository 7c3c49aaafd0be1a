import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { neutraliseFormula } from '../src/modules/leads/leads.export.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

const { app, url } = useServer();
let admin: Awaited<ReturnType<typeof Client.signup>>;
let other: Awaited<ReturnType<typeof Client.signup>>;

/** The export is not JSON: read it as text, with the client's cookie. */
async function download(client: Client, path: string) {
  const res = await fetch(url(path), { headers: { cookie: client.cookie } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '', text: await res.text() };
}

const csvRows = (text: string) => parse(text, { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];

beforeAll(async () => {
  admin = await Client.signup(url, 'Export Co');
  other = await Client.signup(url, 'Other Export Co');
  await other.client.post('/api/v1/leads', { first_name: 'Secret', last_name: 'Other', email: 'secret@other.example', company: 'Other Co' });
  const db = app().database.db;
  // A bulk of leads written straight to the table, so the export spans several batches.
  await sql`INSERT INTO leads (organization_id, first_name, last_name, email, status, custom_fields, tags)
    SELECT ${admin.organizationId}::uuid, 'Bulk', 'Lead ' || g, 'bulk' || g || '@export.example',
      (CASE WHEN g % 3 = 0 THEN 'qualified' ELSE 'new' END)::lead_status,
      jsonb_build_object('industry', CASE WHEN g % 2 = 0 THEN 'Software' ELSE 'Retail' END, 'seats', g % 50),
      ARRAY['bulk']
    FROM generate_series(1, 4500) AS g`.execute(db);
  await admin.client.post('/api/v1/leads', {
    first_name: 'Ada', last_name: 'Lovelace', email: 'ada@engine.example', phone: '+44 20 7946 0000', company: '=HYPERLINK("http://evil.example")',
    tags: ['vip', 'uk'], address: { city: 'London', country: 'United Kingdom' }, status: 'qualified',
  });
});

describe(`lead export (${MODE})`, () => {
  it('streams every lead of the organization as CSV, with custom fields as columns, each lead once', async () => {
    const r = await download(admin.client, '/api/v1/leads/export');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv/);
    expect(r.disposition).toMatch(/attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = csvRows(r.text);
    expect(rows.length).toBe(4501);
    expect(new Set(rows.map((x) => x.id)).size).toBe(4501);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['id', 'first_name', 'email', 'status', 'tags', 'address_city', 'industry', 'seats']));
    expect(Object.keys(rows[0]!)).not.toContain('organization_id');
    expect(r.text).not.toContain('secret@other.example');
    const ada = rows.find((x) => x.email === 'ada@engine.example')!;
    expect(ada).toMatchObject({ tags: 'vip; uk', address_city: 'London', phone: '+44 20 7946 0000', industry: '' });
    // A formula would run when the file is opened in a spreadsheet: it is neutralised.
    expect(ada.company).toBe(`'=HYPERLINK("http://evil.example")`);
    const bulk = rows.find((x) => x.email === 'bulk2@export.example')!;
    expect(bulk).toMatchObject({ industry: 'Software', seats: '2', status: 'new' });
  });

  it("applies the list's filters, including custom fields, and exports NDJSON", async () => {
    const qualified = csvRows((await download(admin.client, '/api/v1/leads/export?status=qualified&cf.industry=Software')).text);
    expect(qualified.length).toBe(750);
    expect(qualified.every((x) => x.status === 'qualified' && x.industry === 'Software')).toBe(true);
    const nd = await download(admin.client, '/api/v1/leads/export?format=ndjson&q=ada');
    expect(nd.type).toMatch(/^application\/x-ndjson/);
    const lines = nd.text.trim().split('\n').map((l) => JSON.parse(l) as { email: string; custom_fields: object });
    expect(lines.map((l) => l.email)).toEqual(['ada@engine.example']);
    const none = await download(admin.client, '/api/v1/leads/export?format=ndjson&status=closed_won');
    expect(none.status).toBe(200);
    expect(none.text).toBe('');
  });

  it('answers bad parameters with 400 problem+json, and another organization sees only its own', async () => {
    for (const bad of ['format=xml', 'sort=relevance', 'colour=red', 'score_min=abc', 'cursor=x']) {
      const r = await admin.client.get(`/api/v1/leads/export?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.detail, bad).toBeTruthy();
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const theirs = csvRows((await download(other.client, '/api/v1/leads/export')).text);
    expect(theirs.map((x) => x.email)).toEqual(['secret@other.example']);
    expect((await fetch(url('/api/v1/leads/export'))).status).toBe(401);
  });

  it('neutralises spreadsheet formulas but keeps numbers and phone numbers', () => {
    expect(neutraliseFormula('=1+1')).toBe("'=1+1");
    expect(neutraliseFormula('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutraliseFormula('-2+3+cmd|')).toBe("'-2+3+cmd|");
    expect(neutraliseFormula('+1 (555) 010-0100')).toBe('+1 (555) 010-0100');
    expect(neutraliseFormula('-12.5')).toBe('-12.5');
    expect(neutraliseFormula('Acme')).toBe('Acme');
  });
});
