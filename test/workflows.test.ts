import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../src/jobs/queue.ts';
import { emitEvent, systemActor } from '../src/modules/events/events.service.ts';
import { WORKFLOWS_QUEUE } from '../src/modules/workflows/workflows.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const db = () => app().database.db;
const WAIT = 60_000;

let A: Awaited<ReturnType<typeof Client.signup>>;
let B: Awaited<ReturnType<typeof Client.signup>>;
let rep: { client: Client; userId: string };
let manager: { client: Client; userId: string };

async function invite(role: 'sales_rep' | 'manager' | 'viewer' | 'marketing', name: string) {
  const inv = await A.client.post('/api/v1/invitations', { email: `${role}-${randomUUID().slice(0, 6)}@flows.example`, role });
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: name, password: 'correct horse battery' });
  c.csrf = r.body.csrf_token;
  const me = await c.get('/api/v1/me');
  return { client: c, userId: (me.body.user?.id ?? me.body.id) as string };
}

async function newLead(body: Record<string, unknown> = {}) {
  const tag = randomUUID().slice(0, 8);
  const r = await A.client.post('/api/v1/leads', { first_name: 'Wendy', last_name: `Flow ${tag}`, email: `w-${tag}@leads.example`, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string };
}

async function createWorkflow(body: Record<string, unknown>) {
  const r = await A.client.post('/api/v1/workflows', { name: `WF ${randomUUID().slice(0, 4)}`, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; name: string };
}

/** Every background job of the organization finished (rescoring, insights, the workflows' consumer). */
async function idle() {
  await until('background work to finish', async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE organization_id = ${A.organizationId} AND status IN ('queued', 'running') AND run_at <= now() + interval '1 second'`.execute(db());
    const { rows: behind } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events WHERE organization_id = ${A.organizationId} AND (seq IS NULL OR seq > coalesce((SELECT last_seq FROM workflow_cursors WHERE organization_id = ${A.organizationId}), 0))`.execute(db());
    const { rows: enabled } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM workflows WHERE organization_id = ${A.organizationId} AND enabled`.execute(db());
    return rows[0]!.n === 0 && (behind[0]!.n === 0 || enabled[0]!.n === 0);
  }, WAIT);
}

async function runs(workflowId: string) {
  const r = await A.client.get(`/api/v1/workflows/${workflowId}/runs?limit=200`);
  expect(r.status).toBe(200);
  return (r.body.data as { lead_id: string; status: string; dry_run: boolean; hop: number; actions: { type: string; ok: boolean; result: string | null; error: string | null }[]; trigger: Record<string, unknown> }[]).filter((x) => !x.dry_run);
}

async function firedFor(workflowId: string, leadId: string) {
  return (await runs(workflowId)).filter((r) => r.lead_id === leadId && r.status !== 'skipped');
}

/** The scoring module's write, as it does it (current_score and a lead.scored event): a score we choose. */
async function setScore(leadId: string, score: number) {
  await idle();
  await db().transaction().execute(async (trx) => {
    await sql`UPDATE leads SET current_score = ${score} WHERE id = ${leadId}`.execute(trx);
    await emitEvent(trx, systemActor(A.organizationId), { type: 'lead.scored', entityType: 'lead', entityId: null, payload: { lead_ids: [leadId] } });
  });
  await idle();
}

async function setStatus(leadId: string, status: string) {
  const r = await A.client.patch(`/api/v1/leads/${leadId}`, { status });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  await idle();
}

beforeAll(async () => {
  A = await Client.signup(url, 'Flows');
  B = await Client.signup(url, 'Other Flows');
  rep = await invite('sales_rep', 'Rita Rep');
  manager = await invite('manager', 'Manny Manager');
}, WAIT);

describe(`workflows (${MODE})`, () => {
  it('validates with messages that name the field, and CRUD, reorder, pause work for managers', async () => {
    const bad = await A.client.post('/api/v1/workflows', { name: 'x', trigger: { type: 'score_crosses', threshold: 150, direction: 'up' }, actions: [] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/threshold|actions/);
    const noRecipient = await A.client.post('/api/v1/workflows', { name: 'x', trigger: { type: 'no_touch', days: 3 }, actions: [{ type: 'notify' }] });
    expect(noRecipient.status).toBe(400);
    expect(JSON.stringify(noRecipient.body)).toMatch(/recipient/);
    const foreignUser = await A.client.post('/api/v1/workflows', { name: 'x', trigger: { type: 'no_touch', days: 3 }, actions: [{ type: 'assign', user_id: B.userId }] });
    expect(foreignUser.status).toBe(422);
    expect(foreignUser.body.detail).toMatch(/not a user of your organization/);

    const one = (await manager.client.post('/api/v1/workflows', { name: 'First', trigger: { type: 'no_touch', days: 30 }, actions: [{ type: 'add_tag', tag: 'stale' }] }));
    expect(one.status).toBe(201);
    const two = await createWorkflow({ name: 'Second', enabled: false, trigger: { type: 'form_submitted' }, actions: [{ type: 'webhook' }] });
    const list = await manager.client.get('/api/v1/workflows');
    const ids = (list.body.data as { id: string }[]).map((w) => w.id);
    expect(ids.slice(-2)).toEqual([one.body.id, two.id]);
    const reordered = await A.client.put('/api/v1/workflows/order', { ids: [two.id, one.body.id, ...ids.filter((i) => i !== two.id && i !== one.body.id)] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.data[0].id).toBe(two.id);
    const partial = await A.client.put('/api/v1/workflows/order', { ids: [two.id] });
    expect(partial.status).toBe(422);
    expect(partial.body.detail).toMatch(/every workflow/);
    const paused = await A.client.post(`/api/v1/workflows/${one.body.id}/pause`);
    expect(paused.body.enabled).toBe(false);
    const patched = await A.client.patch(`/api/v1/workflows/${one.body.id}`, { name: 'Renamed' });
    expect(patched.body.name).toBe('Renamed');
    expect((await A.client.delete(`/api/v1/workflows/${one.body.id}`)).status).toBe(204);
    expect((await A.client.get(`/api/v1/workflows/${one.body.id}`)).status).toBe(404);
    expect((await A.client.delete(`/api/v1/workflows/${two.id}`)).status).toBe(204);
  });

  it('another organization sees nothing (404), and roles other than manager and admin get 403', async () => {
    const wf = await createWorkflow({ trigger: { type: 'no_touch', days: 30 }, actions: [{ type: 'webhook' }] });
    for (const [method, path] of [['GET', `/api/v1/workflows/${wf.id}`], ['PATCH', `/api/v1/workflows/${wf.id}`], ['DELETE', `/api/v1/workflows/${wf.id}`], ['POST', `/api/v1/workflows/${wf.id}/pause`], ['POST', `/api/v1/workflows/${wf.id}/dry-run`], ['GET', `/api/v1/workflows/${wf.id}/runs`]] as const) {
      const r = await B.client.request(method, path, method === 'PATCH' ? { name: 'mine now' } : method === 'POST' ? {} : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect((await B.client.get('/api/v1/workflows')).body.data).toEqual([]);
    const theirs = await B.client.put('/api/v1/workflows/order', { ids: [wf.id] });
    expect(theirs.status).toBe(422);
    for (const role of ['sales_rep', 'viewer', 'marketing'] as const) {
      const c = role === 'sales_rep' ? rep.client : (await invite(role, `A ${role}`)).client;
      const r = await c.get('/api/v1/workflows');
      expect(r.status).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(r.body.detail).toMatch(/assignment rules and workflows/);
      expect((await c.post(`/api/v1/workflows/${wf.id}/dry-run`)).status).toBe(403);
    }
    await A.client.delete(`/api/v1/workflows/${wf.id}`);
  });

  it('status change: fires once per change, every action does its part, attributed to the workflow; the run log says what each did', async () => {
    const wf = await createWorkflow({
      name: 'Qualified follow-up',
      trigger: { type: 'status_changed', to: 'qualified' },
      actions: [
        { type: 'assign', user_id: rep.userId },
        { type: 'notify', user_ids: [manager.userId], owner: true, message: 'Call them today' },
        { type: 'create_task', subject: 'Call the lead', due_in_days: 2 },
        { type: 'add_tag', tag: 'hot' },
        { type: 'webhook' },
        { type: 'send_email', template_id: randomUUID() },
      ],
    });
    const lead = await newLead();
    const other = await newLead();
    await setStatus(lead.id, 'contacted');
    expect(await firedFor(wf.id, lead.id)).toHaveLength(0);
    await setStatus(lead.id, 'qualified');
    await setStatus(other.id, 'proposal');
    const fired = await firedFor(wf.id, lead.id);
    expect(fired).toHaveLength(1);
    expect(await firedFor(wf.id, other.id)).toHaveLength(0);
    const run = fired[0]!;
    expect(run.status).toBe('partial');
    expect(run.trigger).toMatchObject({ type: 'status_changed', from: 'contacted', to: 'qualified' });
    expect(run.actions.map((a) => [a.type, a.ok])).toEqual([['assign', true], ['notify', true], ['create_task', true], ['add_tag', true], ['webhook', true], ['send_email', false]]);
    expect(run.actions[0]!.result).toBe('Assigned to Rita Rep');
    // The e-mail module refuses it in words (this organization has no SMTP account and the template is made up).
    expect(run.actions[5]!.error).toMatch(/cannot be e-mailed|No SMTP account|template_id does not name a template/);

    const after = (await A.client.get(`/api/v1/leads/${lead.id}`)).body;
    expect(after.assigned_to).toBe(rep.userId);
    expect(after.tags).toContain('hot');
    const tasks = await sql<{ subject: string; scheduled_at: Date; description: string }>`SELECT subject, scheduled_at, description FROM activities WHERE lead_id = ${lead.id} AND type = 'task'`.execute(db());
    expect(tasks.rows).toHaveLength(1);
    expect(tasks.rows[0]!.description).toContain(`by workflow "${wf.name}"`);
    const dueInDays = (tasks.rows[0]!.scheduled_at.getTime() - Date.now()) / 86_400_000;
    expect(dueInDays).toBeGreaterThan(1.9);
    expect(dueInDays).toBeLessThan(2.1);
    const notes = await sql<{ user_id: string; kind: string; body: string }>`SELECT user_id, kind, body FROM notifications WHERE lead_id = ${lead.id} AND kind = 'workflow' ORDER BY user_id`.execute(db());
    expect(notes.rows.map((n) => n.user_id).sort()).toEqual([rep.userId, manager.userId].sort());
    expect(notes.rows[0]!.body).toBe('Call them today');
    // The rep hears of the assignment too, as with any assignment.
    const assigned = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications WHERE lead_id = ${lead.id} AND kind = 'assigned' AND user_id = ${rep.userId}`.execute(db());
    expect(assigned.rows[0]!.n).toBe(1);
    // The timeline says who did it.
    const timeline = await A.client.get(`/api/v1/leads/${lead.id}/timeline`);
    expect(JSON.stringify(timeline.body)).toContain(`Assigned to Rita Rep by workflow \\"${wf.name}\\"`);
    // workflow.fired for webhooks: ids, the workflow's name and its trigger, no personal data.
    const fired2 = await sql<{ payload: Record<string, unknown>; entity_id: string }>`SELECT payload, entity_id FROM outbox_events WHERE organization_id = ${A.organizationId} AND event_type = 'workflow.fired'`.execute(db());
    expect(fired2.rows).toHaveLength(1);
    expect(fired2.rows[0]!.payload).toEqual({ workflow_id: wf.id, workflow_name: wf.name, lead_id: lead.id, trigger: { type: 'status_changed', to: 'qualified' } });
    // The changes' events carry the workflow, so its own changes never retrigger it.
    const changes = await sql<{ payload: Record<string, unknown> }>`SELECT payload FROM outbox_events WHERE organization_id = ${A.organizationId} AND event_type = 'lead.assigned' AND entity_id = ${lead.id}`.execute(db());
    expect(changes.rows[0]!.payload).toMatchObject({ workflow_id: wf.id, workflow_hop: 1 });

    // Another change into qualified is another transition: it fires again, once.
    await setStatus(lead.id, 'proposal');
    await setStatus(lead.id, 'qualified');
    expect(await firedFor(wf.id, lead.id)).toHaveLength(2);
    // The run log pages newest first.
    const page1 = await A.client.get(`/api/v1/workflows/${wf.id}/runs?limit=1`);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await A.client.get(`/api/v1/workflows/${wf.id}/runs?limit=1&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data[0].id).not.toBe(page1.body.data[0].id);
    expect(new Date(page2.body.data[0].created_at).getTime()).toBeLessThanOrEqual(new Date(page1.body.data[0].created_at).getTime());
    expect((await A.client.get(`/api/v1/workflows/${wf.id}/runs?cursor=nonsense`)).status).toBe(400);
    await A.client.post(`/api/v1/workflows/${wf.id}/pause`);
  }, 4 * WAIT);

  // Webhook actions here: a tag would queue a rescoring, whose model score (or insight
  // evaluation) would overwrite the values these tests set by hand.
  it('score crossing: fires once when it crosses, not while it stays above, re-arms when it falls back', async () => {
    const lead = await newLead();
    await setScore(lead.id, 20);
    const wf = await createWorkflow({ trigger: { type: 'score_crosses', threshold: 70, direction: 'up' }, actions: [{ type: 'webhook' }] });
    const down = await createWorkflow({ trigger: { type: 'score_crosses', threshold: 40, direction: 'down' }, actions: [{ type: 'webhook' }] });
    await setScore(lead.id, 75);
    expect(await firedFor(wf.id, lead.id)).toHaveLength(1);
    await setScore(lead.id, 90);
    await setScore(lead.id, 80);
    expect(await firedFor(wf.id, lead.id)).toHaveLength(1);
    expect(await firedFor(down.id, lead.id)).toHaveLength(0);
    await setScore(lead.id, 30);
    expect(await firedFor(down.id, lead.id)).toHaveLength(1);
    await setScore(lead.id, 71);
    expect(await firedFor(wf.id, lead.id)).toHaveLength(2);
    // A lead already above the threshold when the workflow was made did not fire.
    const high = await newLead();
    await setScore(high.id, 95);
    const late = await createWorkflow({ trigger: { type: 'score_crosses', threshold: 60, direction: 'up' }, actions: [{ type: 'webhook' }] });
    await setScore(high.id, 96);
    expect(await firedFor(late.id, high.id)).toHaveLength(0);
    for (const w of [wf, down, late]) await A.client.post(`/api/v1/workflows/${w.id}/pause`);
  }, 4 * WAIT);

  it('buying signal and competitor detected: fire when the insight appears, once, again after it went away', async () => {
    const lead = await newLead();
    await idle();
    const signal = await createWorkflow({ trigger: { type: 'insight_detected', insight_type: 'buying_signal' }, actions: [{ type: 'webhook' }] });
    const rival = await createWorkflow({ trigger: { type: 'insight_detected', insight_type: 'competitive_threat' }, actions: [{ type: 'webhook' }] });
    // The insights engine's write, as it does it: an open insight and insight.created.
    const raise = async (type: string) => db().transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: string }>`INSERT INTO ai_insights (organization_id, lead_id, insight_type, reason, title, description, confidence, priority, data, expires_at)
        VALUES (${A.organizationId}, ${lead.id}, ${type}::insight_type, ${`test-${randomUUID()}`}, 'Signal', 'Seen in a message', 0.8, 'medium', '{}', now() + interval '7 days') RETURNING id`.execute(trx);
      await emitEvent(trx, systemActor(A.organizationId), { type: 'insight.created', entityType: 'insight', entityId: rows[0]!.id, payload: { lead_id: lead.id, insight_type: type } });
    });
    await raise('buying_signal');
    await idle();
    expect(await firedFor(signal.id, lead.id)).toHaveLength(1);
    expect(await firedFor(rival.id, lead.id)).toHaveLength(0);
    await raise('buying_signal');
    await raise('competitive_threat');
    await idle();
    expect(await firedFor(signal.id, lead.id)).toHaveLength(1);
    expect(await firedFor(rival.id, lead.id)).toHaveLength(1);
    await db().transaction().execute(async (trx) => {
      await sql`UPDATE ai_insights SET status = 'expired' WHERE lead_id = ${lead.id} AND insight_type = 'buying_signal'`.execute(trx);
      await emitEvent(trx, systemActor(A.organizationId), { type: 'insight.updated', entityType: 'insight', entityId: null, payload: { lead_id: lead.id, fields: ['status'] } });
    });
    await idle();
    await raise('buying_signal');
    await idle();
    expect(await firedFor(signal.id, lead.id)).toHaveLength(2);
    for (const w of [signal, rival]) await A.client.post(`/api/v1/workflows/${w.id}/pause`);
  }, 4 * WAIT);

  it('no touch for N days: fires when the last touch is that old (event or sweep), re-arms on a touch', async () => {
    const wf = await createWorkflow({ trigger: { type: 'no_touch', days: 5 }, conditions: { statuses: ['new', 'contacted'] }, actions: [{ type: 'create_task', subject: 'Revive', due_in_days: 0 }] });
    const lead = await newLead();
    await idle();
    expect(await firedFor(wf.id, lead.id)).toHaveLength(0);
    // A completed call ten days ago is the lead's last touch (leads.last_contacted_at).
    const old = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await sql`UPDATE leads SET created_at = ${old} WHERE id = ${lead.id}`.execute(db());
    const call = await A.client.post(`/api/v1/leads/${lead.id}/activities`, { type: 'call', subject: 'Intro', completed_at: old });
    expect(call.status, JSON.stringify(call.body)).toBe(201);
    await idle();
    expect(await firedFor(wf.id, lead.id)).toHaveLength(1);
    // A touch now re-arms it.
    await A.client.post(`/api/v1/leads/${lead.id}/activities`, { type: 'call', subject: 'Again', completed_at: new Date().toISOString() });
    await idle();
    expect(await firedFor(wf.id, lead.id)).toHaveLength(1);
    // Time passes (the touch is old again): the periodic sweep fires it, once.
    await sql`UPDATE leads SET last_contacted_at = ${old} WHERE id = ${lead.id}`.execute(db());
    for (let i = 0; i < 2; i++) {
      await sql`UPDATE workflow_cursors SET swept_at = NULL WHERE organization_id = ${A.organizationId}`.execute(db());
      await enqueue(db(), { organizationId: A.organizationId, queue: WORKFLOWS_QUEUE, dedupeKey: 'consume' });
      app().worker?.wake();
      await until('the sweep', async () => (await sql<{ s: Date | null }>`SELECT swept_at AS s FROM workflow_cursors WHERE organization_id = ${A.organizationId}`.execute(db())).rows[0]?.s, WAIT);
      await idle();
    }
    const fired = await firedFor(wf.id, lead.id);
    expect(fired).toHaveLength(2);
    expect(fired[0]!.trigger).toMatchObject({ type: 'no_touch', source: 'sweep' });
    await A.client.post(`/api/v1/workflows/${wf.id}/pause`);
  }, 4 * WAIT);

  it('form submitted (tracking): fires once per submission, for forms named like the filter', async () => {
    const key = (await A.client.post('/api/v1/tracking/keys', { name: 'Site' })).body.write_key as string;
    const wf = await createWorkflow({ trigger: { type: 'form_submitted', form: 'demo' }, actions: [{ type: 'add_tag', tag: 'demo-request' }] });
    const email = `form-${randomUUID().slice(0, 6)}@leads.example`;
    const track = async (events: Record<string, unknown>[]) => {
      const res = await fetch(url('/api/v1/track'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ write_key: key, events }) });
      expect(res.status).toBe(200);
      await idle();
    };
    await track([{ id: randomUUID(), type: 'identify', anonymous_id: 'anon-f', email }, { id: randomUUID(), type: 'form_submit', anonymous_id: 'anon-f', name: 'Newsletter' }]);
    const leadId = (await sql<{ id: string }>`SELECT id FROM leads WHERE email = ${email}`.execute(db())).rows[0]!.id;
    expect(await firedFor(wf.id, leadId)).toHaveLength(0);
    await track([{ id: randomUUID(), type: 'form_submit', anonymous_id: 'anon-f', name: 'Book a demo' }]);
    expect(await firedFor(wf.id, leadId)).toHaveLength(1);
    await track([{ id: randomUUID(), type: 'page_view', anonymous_id: 'anon-f', url: 'https://x.example/' }]);
    expect(await firedFor(wf.id, leadId)).toHaveLength(1);
    await track([{ id: randomUUID(), type: 'form_submit', anonymous_id: 'anon-f', name: 'Demo again' }]);
    expect(await firedFor(wf.id, leadId)).toHaveLength(2);
    await A.client.post(`/api/v1/workflows/${wf.id}/pause`);
  }, 4 * WAIT);

  it('never loops: two workflows that undo each other stop after three changes; a workflow never retriggers itself', async () => {
    const toContacted = await createWorkflow({ name: 'Back to contacted', trigger: { type: 'status_changed', to: 'nurturing' }, actions: [{ type: 'change_status', status: 'contacted' }] });
    const toNurturing = await createWorkflow({ name: 'Back to nurturing', trigger: { type: 'status_changed', to: 'contacted' }, actions: [{ type: 'change_status', status: 'nurturing' }] });
    const lead = await newLead();
    await setStatus(lead.id, 'nurturing');
    await idle();
    const a = await runs(toContacted.id);
    const b = await runs(toNurturing.id);
    const ran = [...a, ...b].filter((r) => r.lead_id === lead.id && r.status !== 'skipped').map((r) => r.hop).sort();
    expect(ran).toEqual([1, 2, 3]);
    const cut = [...a, ...b].filter((r) => r.lead_id === lead.id && r.status === 'skipped');
    expect(cut).toHaveLength(1);
    expect(cut[0]!.actions[0]!.error).toMatch(/3 workflow changes in a row/);
    expect((await A.client.get(`/api/v1/leads/${lead.id}`)).body.status).toBe('contacted');
    for (const w of [toContacted, toNurturing]) await A.client.post(`/api/v1/workflows/${w.id}/pause`);

    // Any status change → nurturing: its own change is a status change too, and does not retrigger it.
    const self = await createWorkflow({ trigger: { type: 'status_changed' }, actions: [{ type: 'change_status', status: 'negotiation' }, { type: 'add_tag', tag: 'touched' }] });
    const other = await newLead();
    await setStatus(other.id, 'qualified');
    await idle();
    expect(await firedFor(self.id, other.id)).toHaveLength(1);
    expect((await A.client.get(`/api/v1/leads/${other.id}`)).body.status).toBe('negotiation');
    await A.client.post(`/api/v1/workflows/${self.id}/pause`);
  }, 4 * WAIT);

  it('pause stops firing; resume fires only on changes after it', async () => {
    const wf = await createWorkflow({ trigger: { type: 'score_crosses', threshold: 50, direction: 'up' }, actions: [{ type: 'webhook' }] });
    const lead = await newLead();
    await setScore(lead.id, 10);
    await A.client.post(`/api/v1/workflows/${wf.id}/pause`);
    await setScore(lead.id, 60);
    expect(await firedFor(wf.id, lead.id)).toHaveLength(0);
    const resumed = await A.client.post(`/api/v1/workflows/${wf.id}/resume`);
    expect(resumed.body.enabled).toBe(true);
    await setScore(lead.id, 65);
    expect(await firedFor(wf.id, lead.id)).toHaveLength(0);
    await setScore(lead.id, 10);
    await setScore(lead.id, 55);
    expect(await firedFor(wf.id, lead.id)).toHaveLength(1);
    await A.client.post(`/api/v1/workflows/${wf.id}/pause`);
  }, 4 * WAIT);

  it('dry run: lists the leads it holds for now and what each action would do, and changes nothing', async () => {
    const lead = await newLead({ source: 'Webinar' });
    const skip = await newLead({ source: 'Ads' });
    await setStatus(lead.id, 'qualified');
    await setStatus(skip.id, 'qualified');
    const wf = await createWorkflow({
      trigger: { type: 'status_changed', to: 'qualified' }, conditions: { sources: ['webinar'] }, enabled: false,
      actions: [{ type: 'assign', user_id: rep.userId }, { type: 'add_tag', tag: 'dry' }, { type: 'change_status', status: 'proposal' }, { type: 'send_email', template_id: randomUUID() }],
    });
    await idle();
    const count = async () => (await sql<{ leads: string; acts: number; notes: number; events: number; journey: number }>`SELECT
      (SELECT string_agg(id::text || status::text || coalesce(assigned_to::text, '') || array_to_string(tags, ',') || updated_at::text, ';' ORDER BY id) FROM leads WHERE organization_id = ${A.organizationId}) AS leads,
      (SELECT count(*)::int FROM activities WHERE organization_id = ${A.organizationId}) AS acts,
      (SELECT count(*)::int FROM notifications WHERE organization_id = ${A.organizationId}) AS notes,
      (SELECT count(*)::int FROM outbox_events WHERE organization_id = ${A.organizationId}) AS events,
      (SELECT count(*)::int FROM journey_events WHERE organization_id = ${A.organizationId}) AS journey`.execute(db())).rows[0];
    const before = await count();
    const r = await A.client.post(`/api/v1/workflows/${wf.id}/dry-run`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const found = (r.body.leads as { lead_id: string; actions: { type: string; ok: boolean; result: string | null; error: string | null }[] }[]).find((l) => l.lead_id === lead.id);
    expect(found).toBeDefined();
    expect((r.body.leads as { lead_id: string }[]).some((l) => l.lead_id === skip.id)).toBe(false);
    expect(found!.actions.map((a) => a.result ?? a.error)).toEqual(['Would assign to Rita Rep', 'Would add tag "dry"', 'Would change status from qualified to proposal', expect.stringMatching(/^Would send e-mail template /)]);
    expect(await count()).toEqual(before);
    const log = await A.client.get(`/api/v1/workflows/${wf.id}/runs`);
    expect(log.body.data[0]).toMatchObject({ dry_run: true, lead_id: null });
  }, 2 * WAIT);
});
