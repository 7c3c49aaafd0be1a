import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_LEAD_IDS } from '../src/modules/events/events.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

/*
 * Every change a person would want to see live leaves an outbox event in its own
 * transaction: driven through the HTTP API (workers on, as in production), then read back
 * from outbox_events. Payloads carry ids, field names, counts and enum values only.
 */
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));

interface Row { id: string; event_type: string; entity_type: string; entity_id: string | null; actor_id: string | null; payload: Record<string, unknown> }

let admin: Awaited<ReturnType<typeof Client.signup>>;
const PERSONAL = { first_name: 'Zelda', last_name: 'Quixotic', email: 'zelda.quixotic@personal-mail.example', phone: '+1 415 555 0199', company: 'Quixotic Holdings' };

async function events(where: { type?: string; entity?: string; after?: string } = {}): Promise<Row[]> {
  const { rows } = await sql<Row>`
    SELECT id::text, event_type, entity_type, entity_id::text, actor_id::text, payload FROM outbox_events
    WHERE organization_id = ${admin.organizationId}::uuid
      AND (${where.type ?? null}::text IS NULL OR event_type = ${where.type ?? null})
      AND (${where.entity ?? null}::uuid IS NULL OR entity_id = ${where.entity ?? null}::uuid)
      AND id > ${where.after ?? '0'}::bigint
    ORDER BY outbox_events.id`.execute(app().database.db);
  return rows;
}
/**
 * Waits for the organization's rescoring (with the retraining and insight passes it chains) to
 * finish. Background work on a loaded CI machine can take tens of seconds, so the wait is long;
 * if it still times out the jobs' state says whether they were slow, failing or stuck.
 */
async function rescoringEnded(db: ReturnType<typeof app>['database']['db'], what: string): Promise<void> {
  const busy = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE queue = 'scoring.rescore' AND status IN ('queued', 'running') AND run_at <= now()`.execute(db)).rows[0]!.n;
  try {
    await until(what, async () => !(await busy()), 90_000);
  } catch (error) {
    const jobs = (await sql`SELECT queue, status, dedupe_key, attempts, run_at, last_error FROM jobs ORDER BY id DESC LIMIT 10`.execute(db)).rows;
    throw new Error(`${(error as Error).message}; latest jobs: ${JSON.stringify(jobs)}`, { cause: error });
  }
}
const lastId = async () => (await events()).at(-1)?.id ?? '0';
const keys = (e: Row) => Object.keys(e.payload).sort();

async function invite(email: string, role: string) {
  const invitation = await admin.client.post('/api/v1/invitations', { email, role });
  const client = new Client(url);
  const accepted = await client.post('/api/v1/auth/accept-invitation', { token: invitation.body.token, full_name: 'Rep Person', password: 'a long password 1' });
  client.csrf = accepted.body.csrf_token;
  return { client, userId: accepted.body.user_id as string };
}

beforeAll(async () => {
  admin = await Client.signup(url, 'Events Co');
});

describe(`outbox events for every live change (${MODE})`, () => {
  it('leads: created, updated with the fields that really changed, status_changed, assigned, merged, deleted — with actor and previous owner', async () => {
    const rep = await invite('rep@events.example', 'sales_rep');
    expect((await events({ type: 'user.created', entity: rep.userId }))).toHaveLength(1);
    const team = (await admin.client.post('/api/v1/teams', { name: 'East' })).body;
    expect((await events({ type: 'team.created', entity: team.id }))[0]!.payload).toEqual({ team_id: team.id });

    const created = await admin.client.post('/api/v1/leads', PERSONAL);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const [born] = await events({ type: 'lead.created', entity: id });
    expect(born).toMatchObject({ entity_type: 'lead', actor_id: admin.userId, payload: { lead_id: id } });
    expect(keys(born!)).toEqual(['lead_id']);

    // The same email again is no change; status, owner and company are.
    let mark = await lastId();
    const patched = await admin.client.patch(`/api/v1/leads/${id}`, { email: PERSONAL.email, status: 'qualified', assigned_to: rep.userId, company: 'Other Holdings' });
    expect(patched.status).toBe(200);
    const change = (await events({ entity: id, after: mark })).filter((e) => e.event_type.startsWith('lead.'));
    expect(change.map((e) => e.event_type)).toEqual(['lead.updated', 'lead.status_changed', 'lead.assigned']);
    expect(change.every((e) => e.actor_id === admin.userId)).toBe(true);
    expect((change[0]!.payload.fields as string[]).sort()).toEqual(['assigned_to', 'company', 'status']);
    expect(change[1]!.payload).toEqual({ lead_id: id, fields: ['status'], from: 'new', to: 'qualified' });
    expect(change[2]!.payload).toEqual({ lead_id: id, fields: ['assigned_to'], to: rep.userId, team_id: null, previous_assigned_to: null, previous_team_id: null });

    // A PATCH that changes nothing says nothing.
    mark = await lastId();
    expect((await admin.client.patch(`/api/v1/leads/${id}`, { status: 'qualified', company: 'Other Holdings' })).status).toBe(200);
    expect((await events({ entity: id, after: mark })).filter((e) => e.event_type.startsWith('lead.'))).toEqual([]);

    // Bulk assignment: the lead leaves the rep (told through previous_*).
    mark = await lastId();
    expect((await admin.client.post('/api/v1/leads/assign', { lead_ids: [id], assigned_to: admin.userId, team_id: team.id })).status).toBe(200);
    const [moved] = await events({ type: 'lead.assigned', entity: id, after: mark });
    expect(moved!.payload).toMatchObject({ lead_id: id, to: admin.userId, team_id: team.id, previous_assigned_to: rep.userId, previous_team_id: null });

    // Merge: the source's readers are told it went into the target.
    const source = (await admin.client.post('/api/v1/leads', { first_name: 'Zed', last_name: 'Duplicate', tags: ['dup'] })).body.id as string;
    await admin.client.patch(`/api/v1/leads/${source}`, { assigned_to: rep.userId });
    mark = await lastId();
    expect((await admin.client.post(`/api/v1/leads/${id}/merge`, { source_id: source })).status).toBe(200);
    const [merged] = await events({ type: 'lead.merged', after: mark });
    expect(merged).toMatchObject({ entity_id: source, payload: { lead_id: source, into: id, previous_assigned_to: rep.userId, previous_team_id: null } });
    expect((await events({ type: 'lead.updated', entity: id, after: mark }))[0]!.payload.fields).toEqual(['tags']);

    // Activities and conversations name their lead.
    const activity = (await admin.client.post(`/api/v1/leads/${id}/activities`, { type: 'call', subject: `Call with ${PERSONAL.first_name}` })).body.id as string;
    await admin.client.patch(`/api/v1/activities/${activity}`, { outcome: 'Spoke' });
    await admin.client.delete(`/api/v1/activities/${activity}`);
    expect((await events({ entity: activity })).map((e) => [e.event_type, e.payload.lead_id])).toEqual([['activity.created', id], ['activity.updated', id], ['activity.deleted', id]]);
    const conversation = (await admin.client.post(`/api/v1/leads/${id}/conversations`, { direction: 'inbound', channel: 'email', content: `Hi, ${PERSONAL.first_name} here: ${PERSONAL.phone}` })).body.id as string;
    expect((await events({ type: 'conversation.created', entity: conversation }))[0]!.payload).toEqual({ lead_id: id });

    // Deletion says who could read it before.
    mark = await lastId();
    expect((await admin.client.delete(`/api/v1/leads/${id}`)).status).toBe(204);
    const [gone] = await events({ type: 'lead.deleted', after: mark });
    expect(gone!.payload).toEqual({ lead_id: id, previous_assigned_to: admin.userId, previous_team_id: team.id });
  });

  it('leaves no event for a request that fails: validation, or a rollback after the event was written', async () => {
    const id = (await admin.client.post('/api/v1/leads', { first_name: 'Roll', last_name: 'Back' })).body.id as string;
    const mark = await lastId();
    expect((await admin.client.patch(`/api/v1/leads/${id}`, { email: 'not an email' })).status).toBe(400);
    // A deferred check fails at COMMIT, after the lead and its event were written in the transaction.
    const db = app().database.db;
    await sql`CREATE OR REPLACE FUNCTION app.test_refuse_rollback() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.last_name = 'Refused' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER test_refuse_rollback AFTER INSERT OR UPDATE ON leads DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app.test_refuse_rollback()`.execute(db);
    try {
      expect((await admin.client.patch(`/api/v1/leads/${id}`, { last_name: 'Refused', status: 'contacted' })).status).toBe(500);
      expect((await admin.client.post('/api/v1/leads', { first_name: 'Never', last_name: 'Refused' })).status).toBe(500);
    } finally {
      await sql`DROP TRIGGER test_refuse_rollback ON leads`.execute(db);
    }
    expect((await admin.client.get(`/api/v1/leads/${id}`)).body.status).toBe('new');
    // (The workers' events meanwhile, such as scores, have no actor.)
    expect((await events({ after: mark })).filter((e) => e.actor_id !== null)).toEqual([]);
  });

  it('tracking: one journey.recorded per lead per batch (stitched events counted), nothing for anonymous visitors', async () => {
    const key = (await admin.client.post('/api/v1/tracking/keys', { name: 'Site' })).body.write_key as string;
    const track = (events: unknown[]) => fetch(url('/api/v1/track'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ write_key: key, events }) });
    const run = Math.random().toString(36).slice(2, 8);
    const view = (anon: string, n: number) => ({ id: `${run}-${anon}-${n}`, type: 'page_view', anonymous_id: `${run}-${anon}`, url: `https://events.example/p/${n}` });
    let mark = await lastId();
    expect((await track([view('a', 1), view('a', 2), view('a', 3)])).status).toBe(200);
    expect(await events({ type: 'journey.recorded', after: mark })).toEqual([]);

    mark = await lastId();
    const email = `visitor-${run}@events.example`;
    expect((await track([{ id: `${run}-id`, type: 'identify', anonymous_id: `${run}-a`, email, traits: { name: 'Vera Visitor' } }, view('a', 4), view('a', 5), view('b', 1)])).status).toBe(200);
    const recorded = await events({ type: 'journey.recorded', after: mark });
    expect(recorded).toHaveLength(1);
    const leadId = recorded[0]!.entity_id!;
    // Three stitched from the first batch, three of this one (identify included); visitor b is anonymous.
    expect(recorded[0]!.payload).toEqual({ lead_id: leadId, count: 6 });
    expect((await events({ type: 'lead.created', entity: leadId, after: mark }))[0]!.payload).toEqual({ lead_id: leadId });

    mark = await lastId();
    const posted = await admin.client.post(`/api/v1/leads/${leadId}/journey`, { events: [{ type: 'custom', name: 'Webinar' }, { type: 'custom', name: 'Trial' }] });
    expect(posted.status).toBeLessThan(300);
    expect((await events({ type: 'journey.recorded', after: mark })).map((e) => [e.payload, e.actor_id])).toEqual([[{ lead_id: leadId, count: 2 }, admin.userId]]);
    const leaked = (await events({ type: 'journey.recorded' })).find((e) => JSON.stringify(e.payload).includes(email));
    expect(leaked).toBeUndefined();
  });

  it('saved views (private to their owner), users and teams', async () => {
    const view = (await admin.client.post('/api/v1/saved-views', { name: 'Mine', query: 'status=new' })).body.id as string;
    expect((await events({ type: 'view.created', entity: view }))[0]!.payload).toEqual({ recipient_id: admin.userId });
    await admin.client.patch(`/api/v1/saved-views/${view}`, { shared: true });
    expect((await events({ type: 'view.updated', entity: view }))[0]!.payload).toEqual({ fields: ['shared'] });
    await admin.client.delete(`/api/v1/saved-views/${view}`);
    expect((await events({ type: 'view.deleted', entity: view }))[0]!.payload).toEqual({});

    const user = await invite('manager@events.example', 'manager');
    await admin.client.patch(`/api/v1/users/${user.userId}`, { role: 'sales_rep' });
    await admin.client.patch(`/api/v1/users/${user.userId}`, { is_active: false });
    expect((await events({ entity: user.userId })).map((e) => [e.event_type, e.payload.fields ?? null])).toEqual([
      ['user.created', null], ['user.updated', ['role']], ['user.deactivated', ['is_active']],
    ]);
    const team = (await admin.client.post('/api/v1/teams', { name: 'West' })).body.id as string;
    await admin.client.patch(`/api/v1/teams/${team}`, { description: 'Coast' });
    await admin.client.delete(`/api/v1/teams/${team}`);
    expect((await events({ entity: team })).map((e) => e.event_type)).toEqual(['team.created', 'team.updated', 'team.deleted']);
  });

  it('imports: started, progress per batch with counts, completed; the job finishes with an event', async () => {
    const csv = ['first_name,last_name,email', ...Array.from({ length: 30 }, (_, i) => `Imp${i},Orted,imp${i}@events.example`)].join('\n');
    const form = new FormData();
    form.append('file', new Blob([csv]), 'leads.csv');
    const uploaded = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: admin.client.cookie, 'x-csrf-token': admin.client.csrf } });
    const id = ((await uploaded.json()) as { id: string }).id;
    expect((await admin.client.post(`/api/v1/imports/${id}/start`)).status).toBe(202);
    await until('the import', async () => ['completed', 'failed'].includes((await admin.client.get(`/api/v1/imports/${id}`)).body.status));
    const seen = await events({ entity: id });
    expect(seen[0]).toMatchObject({ event_type: 'import.started', actor_id: admin.userId });
    const progress = seen.filter((e) => e.event_type === 'import.progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.reduce((n, e) => n + (e.payload.created as number), 0)).toBe(30);
    expect(seen.at(-1)).toMatchObject({ event_type: 'import.completed', payload: { done: csv.length, total: csv.length, rows: 30, created: 30, updated: 0, rejected: 0 } });
    const finished = await until('the job event', async () => (await events({ type: 'job.finished' })).find((e) => e.payload.queue === 'imports'));
    expect(finished.payload).toMatchObject({ status: 'succeeded', queue: 'imports' });
    expect(keys(finished)).toEqual(['done', 'job_id', 'queue', 'status', 'total']);
  });

  it('batch rescoring: lead.scored names every lead, in chunks of at most 1,000, with the model version', async () => {
    // Many leads at once as an import would write them; then every lead rescored on request.
    const db = app().database.db;
    const n = MAX_LEAD_IDS + 150;
    // Their first scores are news (the queue takes them as soon as they are inserted); a
    // rescoring that changes no score says nothing.
    const mark = await lastId();
    await sql`INSERT INTO leads (organization_id, first_name, last_name, email, job_title)
      SELECT ${admin.organizationId}::uuid, 'Batch', 'Lead ' || g, 'batch' || g || '@events.example', CASE WHEN g % 2 = 0 THEN 'VP of Sales' ELSE 'Student' END
      FROM generate_series(1, ${n}::int) AS g`.execute(db);
    const ids = new Set((await sql<{ id: string }>`SELECT id::text FROM leads WHERE organization_id = ${admin.organizationId}::uuid AND first_name = 'Batch'`.execute(db)).rows.map((r) => r.id));
    expect(ids.size).toBe(n);
    expect((await admin.client.post('/api/v1/leads/rescore', {})).status).toBe(202);
    const scored = await until('every lead scored', async () => {
      const rows = await events({ type: 'lead.scored', after: mark });
      const named = new Set(rows.flatMap((e) => e.payload.lead_ids as string[]));
      return [...ids].every((id) => named.has(id)) && rows;
    }, 45_000);
    for (const e of scored) {
      expect(keys(e)).toEqual(['lead_ids', 'model_version']);
      expect((e.payload.lead_ids as string[]).length).toBeLessThanOrEqual(MAX_LEAD_IDS);
      expect(e.actor_id).toBeNull();
    }
    expect(scored.length).toBeGreaterThanOrEqual(2);
    // Automatic work (nobody started it) tells its results, not its progress: no job events.
    await rescoringEnded(db, 'the rescoring to end');
    expect((await events({ after: mark })).filter((e) => e.event_type.startsWith('job.') && e.payload.queue === 'scoring.rescore')).toEqual([]);
    const trained = await events({ type: 'model.trained' });
    expect(trained.length).toBeGreaterThanOrEqual(1);
    expect(trained[0]!.payload).toMatchObject({ version: 'v1' });

  });

  it('insights: acknowledged and dismissed through the API, each once', async () => {
    const db = app().database.db;
    const mark = await lastId();
    const lead = (await admin.client.post('/api/v1/leads', { first_name: 'Insight', last_name: 'Lead' })).body.id as string;
    // The workers score the new lead and evaluate its insights, which expires any insight the
    // engine does not confirm (such as the hand-made one below): let that pass end first.
    await until('the new lead scored', async () => (await events({ type: 'lead.scored', after: mark })).some((e) => (e.payload.lead_ids as string[]).includes(lead)), 60_000);
    await rescoringEnded(db, 'the new lead evaluated');
    const { rows } = await sql<{ id: string }>`INSERT INTO ai_insights (organization_id, lead_id, insight_type, reason, title, description, confidence, priority)
      VALUES (${admin.organizationId}::uuid, ${lead}::uuid, 'buying_signal', 'test', 'Insight Lead asked for pricing', 'Free text', 0.8, 'high') RETURNING id::text`.execute(db);
    const id = rows[0]!.id;
    expect((await admin.client.post(`/api/v1/insights/${id}/acknowledge`)).status).toBe(200);
    expect((await admin.client.post(`/api/v1/insights/${id}/acknowledge`)).status).toBe(200);
    expect((await admin.client.post(`/api/v1/insights/${id}/dismiss`, { reason: 'Not relevant' })).status).toBe(200);
    expect((await events({ entity: id })).map((e) => [e.event_type, e.payload, e.actor_id])).toEqual([
      ['insight.updated', { lead_id: lead, insight_type: 'buying_signal', priority: 'high', fields: ['acknowledged_at'] }, admin.userId],
      ['insight.updated', { lead_id: lead, insight_type: 'buying_signal', priority: 'high', fields: ['status'] }, admin.userId],
    ]);
  });

  it('no payload carries a lead\'s name, e-mail, phone or company', async () => {
    const all = await events();
    expect(all.length).toBeGreaterThan(50);
    const text = JSON.stringify(all.map((e) => e.payload));
    for (const s of [...Object.values(PERSONAL), 'Vera Visitor', 'visitor-', 'Imp1', 'imp1@', 'Batch', 'VP of Sales']) expect(text).not.toContain(s);
    // Only the contract's keys and plain values: ids, field names, counts, enum values.
    for (const e of all) for (const v of Object.values(e.payload)) expect(['string', 'number', 'boolean', 'object']).toContain(typeof v);
  });
});
