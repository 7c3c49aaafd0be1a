import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUGGESTS_CONTACT } from '../src/ai/insights/types.ts';
import { createImportsService } from '../src/modules/imports/imports.service.ts';
import { createInsightsService } from '../src/modules/insights/insights.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

/**
 * Consent and do-not-contact from CSV columns, through the real import API, in the
 * normal path and the bulk path: records and flags as the file says, a bad value refuses
 * its row (naming the column and the values allowed), re-import adds only what changed.
 */
const { url, app } = useServer();
const db = () => app().database.db;

let A: Awaited<ReturnType<typeof Client.signup>>;
let writeKey: string;
beforeAll(async () => {
  A = await Client.signup(url, 'Consent Import');
  writeKey = (await A.client.post('/api/v1/tracking/keys', { name: 'Site' })).body.write_key;
});

async function upload(client: Client, body: string) {
  const form = new FormData();
  form.append('file', new Blob([body]), 'consents.csv');
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; mapping: { columns: Record<string, string> }; preview: { rows: { lead: Record<string, unknown> }[] } };
}

/** Uploads, starts (bulk or not) and runs the queued job in-process (the test server has no workers); the mode it ran in. */
async function importCsv(client: Client, body: string, bulk: 'on' | 'off') {
  const up = await upload(client, body);
  expect((await client.post(`/api/v1/imports/${up.id}/start`, { bulk })).status).toBe(202);
  const job = await db().selectFrom('jobs').selectAll().where('queue', '=', 'imports').where('status', '=', 'queued').where('payload', '@>', JSON.stringify({ import_id: up.id }) as never).executeTakeFirstOrThrow();
  await db().updateTable('jobs').set({ status: 'running', attempts: 1 }).where('id', '=', job.id).execute();
  const modes: string[] = [];
  const logger = { info: (o: unknown, msg?: string) => void modes.push(String(msg ?? o)), warn: (o: unknown, msg?: string) => void modes.push(String(msg ?? o)) };
  await createImportsService(db(), { maxUploadBytes: 1 << 20, batchSize: 2, logger }).handleJob({ ...job, attempts: 1 }, { progress: async () => {}, signal: new AbortController().signal });
  const done = (await client.get(`/api/v1/imports/${up.id}`)).body;
  expect(done.status, JSON.stringify(done)).toBe('completed');
  return { up, done, bulk: modes.includes('import loaded in bulk') };
}

async function leadByEmail(email: string) {
  return db().selectFrom('leads').select(['id', 'do_not_contact', 'do_not_contact_at', 'unsubscribed', 'consent_withdrawn']).where('email', '=', email).executeTakeFirst();
}
async function consentsOf(leadId: string) {
  return db().selectFrom('lead_consents').select(['purpose', 'lawful_basis', 'source', 'granted_at', 'withdrawn_at', 'recorded_by']).where('lead_id', '=', leadId).orderBy('purpose').orderBy('created_at').execute();
}
async function track(events: Record<string, unknown>[]) {
  const res = await fetch(url('/api/v1/track'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ write_key: writeKey, events }) });
  return (await res.json()) as { inserted: number };
}

/** A qualified lead with buying signals: the insights engine suggests contacting it. */
async function engagedLead(email: string) {
  const lead = (await A.client.post('/api/v1/leads', { first_name: 'Eve', last_name: 'Engaged', email, status: 'qualified', assigned_to: A.userId })).body as { id: string };
  const at = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
  await A.client.post(`/api/v1/leads/${lead.id}/journey`, { events: [5, 3, 1].map((h) => ({ type: 'page_view', url: 'https://www.ci.example/pricing', title: 'Pricing', timestamp: at(h) })) });
  await A.client.post(`/api/v1/leads/${lead.id}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Next steps', content: 'We are ready to move forward, please send the contract for 40 seats.' });
  await createInsightsService(db()).evaluateLeads(A.organizationId, [lead.id]);
  return lead.id;
}
const contactSuggestions = async (id: string) =>
  ((await A.client.get(`/api/v1/leads/${id}/insights?status=open&limit=200`)).body.data as { insight_type: 'next_best_action' }[]).filter((x) => SUGGESTS_CONTACT.has(x.insight_type));

function file(tag: string, marketingOfAnn = 'granted') {
  return [
    'Email,First Name,Last Name,Do Not Contact,Email Opt Out,Marketing consent,Tracking consent,GDPR lawful basis,Consent date',
    `ann-${tag}@ci.example,Ann,Able,no,no,${marketingOfAnn},withdrawn,Legitimate interest,2026-01-15`,
    `bob-${tag}@ci.example,Bob,Baker,n,yes,,,,`,
    `cat-${tag}@ci.example,Cat,Cole,perhaps,no,granted,,,`,
    `dan-${tag}@ci.example,Dan,Dow,0,false,sometimes,granted,,`,
    `eve-${tag}@ci.example,Eve,Engaged,YES,,,,,`,
  ].join('\n');
}

describe(`consent and do-not-contact from CSV imports (${MODE})`, () => {
  for (const bulk of ['off', 'on'] as const) {
    it(`${bulk === 'on' ? 'bulk' : 'normal'} path: flags and consent records as the file says, bad values refuse their rows, re-import adds only what changed`, async () => {
      const tag = `${bulk}-${randomUUID().slice(0, 6)}`;
      const eve = await engagedLead(`eve-${tag}@ci.example`);
      expect((await contactSuggestions(eve)).length).toBeGreaterThan(0);

      const first = await importCsv(A.client, file(tag), bulk);
      expect(first.bulk).toBe(bulk === 'on');
      // Proposed from the headers alone.
      expect(first.up.mapping.columns).toMatchObject({
        'Do Not Contact': 'do_not_contact', 'Email Opt Out': 'unsubscribed', 'Marketing consent': 'consent_marketing', 'Tracking consent': 'consent_tracking',
        'GDPR lawful basis': 'consent_lawful_basis', 'Consent date': 'consent_date',
      });
      expect(first.up.preview.rows[0]!.lead).toMatchObject({ do_not_contact: false, unsubscribed: false, consents: [{ purpose: 'marketing', granted: true, lawful_basis: 'legitimate_interests', at: '2026-01-15T00:00:00.000Z' }, { purpose: 'tracking', granted: false }] });
      expect(first.done).toMatchObject({ counts: { rows: 5, created: 2, updated: 1, rejected: 2 } });

      // A bad value refuses the row, naming the column and what is allowed; nothing of it is written.
      const errors = await (await fetch(url(`/api/v1/imports/${first.up.id}/errors`), { headers: { cookie: A.client.cookie } })).text();
      expect(errors).toContain('do_not_contact (column ""Do Not Contact""): ""perhaps"" is not one of yes, no, true, false, 1, 0, y, n');
      expect(errors).toContain('consent_marketing (column ""Marketing consent""): ""sometimes"" is not one of granted, withdrawn');
      expect(await leadByEmail(`cat-${tag}@ci.example`)).toBeUndefined();
      expect(await leadByEmail(`dan-${tag}@ci.example`)).toBeUndefined();

      const ann = (await leadByEmail(`ann-${tag}@ci.example`))!;
      expect(ann).toMatchObject({ do_not_contact: false, unsubscribed: false, consent_withdrawn: ['tracking'] });
      const jan15 = new Date('2026-01-15T00:00:00Z');
      expect(await consentsOf(ann.id)).toEqual([
        { purpose: 'marketing', lawful_basis: 'legitimate_interests', source: 'import', granted_at: jan15, withdrawn_at: null, recorded_by: A.userId },
        { purpose: 'tracking', lawful_basis: 'legitimate_interests', source: 'import', granted_at: null, withdrawn_at: jan15, recorded_by: A.userId },
      ]);
      const overview = (await A.client.get(`/api/v1/leads/${ann.id}/consents`)).body;
      expect(overview).toMatchObject({ status: { marketing: 'granted', tracking: 'withdrawn', sales_contact: 'unknown' }, contactable: true, trackable: false });
      const bob = (await leadByEmail(`bob-${tag}@ci.example`))!;
      expect(bob).toMatchObject({ do_not_contact: false, unsubscribed: true });
      expect((await A.client.get(`/api/v1/leads/${bob.id}/consents`)).body).toMatchObject({ contactable: false, trackable: false });

      // The existing lead marked do-not-contact: its contact suggestions ended in the import's
      // transaction, and the tracker no longer records the person.
      expect(await leadByEmail(`eve-${tag}@ci.example`)).toMatchObject({ do_not_contact: true });
      expect(await contactSuggestions(eve)).toEqual([]);
      const visitor = randomUUID();
      expect((await track([{ id: randomUUID(), type: 'identify', anonymous_id: visitor, email: `eve-${tag}@ci.example` }, { id: randomUUID(), type: 'page_view', anonymous_id: visitor, url: 'https://www.ci.example/' }])).inserted).toBe(0);

      // Audited with counts, never the people's values.
      const audit = await db().selectFrom('audit_log').select(['action', 'actor_id', 'details']).where('entity_id', '=', first.up.id).where('action', '=', 'consent.import').execute();
      expect(audit.length).toBeGreaterThan(0);
      expect(audit.every((a) => a.actor_id === A.userId)).toBe(true);
      expect(JSON.stringify(audit)).not.toMatch(/ci\.example|Ann|Eve/);

      // The same file again: nothing new recorded; a "no" in a flag column lifts nothing.
      const again = await importCsv(A.client, file(tag).replace(`eve-${tag}@ci.example,Eve,Engaged,YES`, `eve-${tag}@ci.example,Eve,Engaged,no`), bulk);
      expect(again.done).toMatchObject({ counts: { created: 0, updated: 3 } });
      expect((await consentsOf(ann.id)).length).toBe(2);
      expect(await leadByEmail(`eve-${tag}@ci.example`)).toMatchObject({ do_not_contact: true });

      // A newer export where Ann withdrew marketing: her grant is closed, not duplicated.
      await importCsv(A.client, file(tag, 'withdrawn'), bulk);
      const after = await consentsOf(ann.id);
      expect(after).toHaveLength(2);
      expect(after[0]).toMatchObject({ purpose: 'marketing', granted_at: jan15, withdrawn_at: jan15 });
      expect((await leadByEmail(`ann-${tag}@ci.example`))!.consent_withdrawn).toEqual(['marketing', 'tracking']);
    });
  }
});
