import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../src/jobs/queue.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { until } from './helpers/wait.ts';

// Workers on: analysis, rescoring and insights run in the background, as in production.
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
let admin: Awaited<ReturnType<typeof Client.signup>>;
let other: Awaited<ReturnType<typeof Client.signup>>;
let rep: Client;
let repId: string;

type Insight = { id: string; lead_id: string; lead_name: string; insight_type: string; reason: string; priority: string; confidence: number; status: string; data: Record<string, unknown>; acknowledged_at: string | null; dismissed_at: string | null; dismiss_reason: string | null; expires_at: string; title: string; description: string };

const H = 3_600_000;
const D = 24 * H;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const db = () => app().database.db;

async function withRole(role: string) {
  const created = await admin.client.post('/api/v1/api-keys', { name: `${role} key`, role });
  return Client.withKey(url, created.body.key);
}

/** Analysis, rescoring and insight evaluation of the organization have all caught up. */
async function settled(org = admin.organizationId) {
  await until('background work to settle', async () => {
    const { rows } = await sql<{ n: number }>`SELECT
      (SELECT count(*) FROM lead_insight_queue WHERE organization_id = ${org})::int
      + (SELECT count(*) FROM lead_score_queue WHERE organization_id = ${org})::int
      + (SELECT count(*) FROM conversations WHERE organization_id = ${org} AND analyzed_at IS NULL)::int
      + (SELECT count(*) FROM jobs WHERE organization_id = ${org} AND queue IN ('scoring.rescore', 'analysis.conversations', 'scoring.train') AND status IN ('queued', 'running'))::int AS n`.execute(db());
    return rows[0]!.n === 0;
  }, 60_000);
}

/** Runs the periodic sweep now (the job the worker otherwise runs every six hours). */
async function sweep() {
  const job = await enqueue(db(), { organizationId: admin.organizationId, queue: 'insights.refresh' });
  app().worker!.wake();
  await until('the insights sweep', async () => {
    const { rows } = await sql<{ status: string; last_error: string | null }>`SELECT status, last_error FROM jobs WHERE id = ${job.id}`.execute(db());
    if (rows[0]!.status === 'failed') throw new Error(rows[0]!.last_error ?? 'sweep failed');
    return rows[0]!.status === 'succeeded';
  }, 60_000);
}

async function newLead(body: Record<string, unknown>) {
  const r = await admin.client.post('/api/v1/leads', { assigned_to: admin.userId, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

const insightsOf = async (leadId: string, query = '') => (await admin.client.get(`/api/v1/leads/${leadId}/insights?limit=200${query}`)).body.data as Insight[];
const open = async (leadId: string) => insightsOf(leadId, '&status=open');

beforeAll(async () => {
  admin = await Client.signup(url, 'Insights Co');
  other = await Client.signup(url, 'Other Insights Co');
  expect((await admin.client.patch('/api/v1/organization', { settings: { competitors: ['Globex'], timezone: 'UTC' } })).status).toBe(200);
  const inv = await admin.client.post('/api/v1/invitations', { email: 'rep@insights.example', role: 'sales_rep' });
  rep = new Client(url);
  const accepted = await rep.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: 'Rita Rep', password: 'correct horse battery' });
  rep.csrf = accepted.body.csrf_token;
  repId = accepted.body.user_id;
}, 60_000);

// Each test waits on background work (analysis, scoring, insights) on a shared 2-core machine.
describe(`AI insights over HTTP (${MODE})`, { timeout: 150_000 }, () => {
  let hot: string;
  let cool: string;
  let rival: string;
  let rivalNearMiss: string;

  it('raises buying signals from messages and a pricing spike, and the action to call now; not for the near miss', async () => {
    hot = await newLead({ first_name: 'Hana', last_name: 'Hot', email: 'hana@initech.example', company: 'Initech', status: 'qualified' });
    cool = await newLead({ first_name: 'Carl', last_name: 'Cool', email: 'carl@initrode.example', company: 'Initrode', status: 'qualified' });
    const pricing = (hoursAgo: number) => ({ type: 'page_view', url: 'https://insights.example/pricing', title: 'Pricing', timestamp: iso(hoursAgo * H) });
    expect((await admin.client.post(`/api/v1/leads/${hot}/journey`, { events: [pricing(5), pricing(3), pricing(1)] })).status).toBe(201);
    expect((await admin.client.post(`/api/v1/leads/${hot}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Next steps', content: 'Hi, the team loved the demo. We are ready to move forward, please send the contract for 40 seats.' })).status).toBe(201);
    // Near miss: two pricing visits and a polite, signal-free message.
    await admin.client.post(`/api/v1/leads/${cool}/journey`, { events: [pricing(4), pricing(2)] });
    await admin.client.post(`/api/v1/leads/${cool}/conversations`, { direction: 'inbound', channel: 'email', content: 'Thanks for the information, I will read it next week.' });

    const found = await until('the buying signals', async () => {
      const xs = await open(hot);
      return xs.some((x) => x.reason === 'pricing_spike') && xs.some((x) => x.reason === 'conversation_signals') ? xs : null;
    }, 60_000);
    const spike = found.find((x) => x.reason === 'pricing_spike')!;
    // Priority comes from expected impact (worth × time sensitivity × confidence); the detector's own reading is its severity.
    expect(spike).toMatchObject({ insight_type: 'buying_signal', lead_name: 'Hana Hot', status: 'open', acknowledged_at: null, data: { priority_basis: { severity: 'high' } } });
    expect(spike.data.confidence_basis).toBeDefined();
    expect((spike.data.event_ids as string[]).length).toBe(3);
    const said = found.find((x) => x.reason === 'conversation_signals')!;
    expect(said.data.priority_basis).toMatchObject({ severity: 'urgent' });
    expect(JSON.stringify(said.data)).toMatch(/purchase_intent|contract_request/);
    expect(found.find((x) => x.insight_type === 'next_best_action')).toMatchObject({ reason: 'call_now', title: 'Call Hana Hot now' });

    await settled();
    expect((await open(cool)).filter((x) => x.insight_type === 'buying_signal')).toEqual([]);
    // The behavioural fields are kept current too.
    const lead = (await admin.client.get(`/api/v1/leads/${hot}`)).body;
    expect(lead.engagement_level).not.toBe('unknown');
  });

  it('no "Call … now" once a call is logged: regenerated, the action passes over the call', async () => {
    expect((await open(hot)).find((x) => x.reason === 'call_now')).toBeDefined();
    const call = await admin.client.post(`/api/v1/leads/${hot}/activities`, { type: 'call', subject: 'Called Hana about the contract', completed_at: new Date().toISOString(), duration_minutes: 10 });
    expect(call.status, JSON.stringify(call.body)).toBe(201);
    await until('the call to end "Call … now"', async () => !(await open(hot)).some((x) => x.reason === 'call_now'), 60_000);
    await settled();
    const actions = (await open(hot)).filter((x) => x.insight_type === 'next_best_action');
    expect(actions.every((a) => !/^Call /.test(a.title))).toBe(true);
    // The call itself is why: said on the action that took its place, if any.
    for (const a of actions) expect(a.data.passed_over).toEqual([expect.objectContaining({ action: 'call_now', kind: 'call' })]);
    const closed = (await insightsOf(hot, '&status=expired&type=next_best_action')).find((x) => x.reason === 'call_now');
    expect(closed).toBeDefined();
  });

  it('keeps one open insight per lead, type and reason: new evidence updates it', async () => {
    const before = (await open(hot)).find((x) => x.reason === 'pricing_spike')!;
    await admin.client.post(`/api/v1/leads/${hot}/journey`, { events: [{ type: 'page_view', url: 'https://insights.example/pricing', timestamp: iso(30 * 60_000) }] });
    const after = await until('the updated spike', async () => {
      const s = (await open(hot)).find((x) => x.reason === 'pricing_spike');
      return s && (s.data.visits as number) === 4 ? s : null;
    }, 60_000);
    expect(after.id).toBe(before.id);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ai_insights WHERE lead_id = ${hot} AND reason = 'pricing_spike' AND status = 'open'`.execute(db());
    expect(rows[0]!.n).toBe(1);
    // The database itself refuses a second open one.
    const dup = await sql`INSERT INTO ai_insights (organization_id, lead_id, insight_type, reason, title, description, confidence) VALUES (${admin.organizationId}, ${hot}, 'buying_signal', 'pricing_spike', 'x', 'x', 0.5)`.execute(db()).catch((e: Error) => e);
    expect(dup).toBeInstanceOf(Error);
  });

  it('raises a competitive threat from the lead naming a competitor, with context; not when the rep names it; expires when the mention goes', async () => {
    rival = await newLead({ first_name: 'Rhea', last_name: 'Rival', email: 'rhea@umbrella.example', status: 'negotiation' });
    rivalNearMiss = await newLead({ first_name: 'Nate', last_name: 'Near', email: 'nate@umbrella.example', status: 'negotiation' });
    const mention = await admin.client.post(`/api/v1/leads/${rival}/conversations`, { direction: 'inbound', channel: 'email', content: 'To be honest we are also evaluating Globex. Their offer is cheaper and we are frustrated with the delays so far.' });
    await admin.client.post(`/api/v1/leads/${rivalNearMiss}/conversations`, { direction: 'outbound', channel: 'email', content: 'Unlike Globex, our platform includes forecasting at no extra cost.' });
    const threat = await until('the competitive threat', async () => (await open(rival)).find((x) => x.insight_type === 'competitive_threat'), 60_000);
    expect(threat).toMatchObject({ reason: 'competitor:globex', data: { competitor: 'Globex' } });
    // Named in negotiation with a negative tone: the detector reads it as urgent (the priority also weighs the lead's worth).
    expect(threat.data.priority_basis).toMatchObject({ severity: 'urgent' });
    expect(JSON.stringify(threat.data.mentions)).toMatch(/evaluating Globex/);
    await until('the escalation', async () => (await open(rival)).find((x) => x.insight_type === 'next_best_action' && x.reason === 'escalate_to_manager'), 60_000);
    await settled();
    expect((await open(rivalNearMiss)).filter((x) => x.insight_type === 'competitive_threat')).toEqual([]);

    // The lead's reason no longer holds (the message edited): the insight expires.
    expect((await admin.client.patch(`/api/v1/conversations/${mention.body.id}`, { content: 'We looked around, and we are happy to continue with you.' })).status).toBe(200);
    await until('the threat to expire', async () => !(await open(rival)).some((x) => x.insight_type === 'competitive_threat'), 60_000);
    const expired = await insightsOf(rival, '&status=expired&type=competitive_threat');
    expect(expired.map((x) => x.id)).toContain(threat.id);
  });

  it('finds the best hour of the week to call from replies, in the lead\'s time zone, and stores it on the lead', async () => {
    const lead = await newLead({ first_name: 'Tia', last_name: 'Tuesday', email: 'tia@globodyne.example', custom_fields: { timezone: 'UTC' } });
    const nearMiss = await newLead({ first_name: 'Ray', last_name: 'Random', email: 'ray@globodyne.example', custom_fields: { timezone: 'UTC' } });
    // Tuesdays 10:00 UTC over the last weeks: always answered within the hour; Fridays 16:00: never.
    const lastTuesday = new Date();
    lastTuesday.setUTCDate(lastTuesday.getUTCDate() - ((lastTuesday.getUTCDay() + 7 - 2) % 7 || 7));
    lastTuesday.setUTCHours(10, 0, 0, 0);
    for (let w = 0; w < 4; w++) {
      const tue = lastTuesday.getTime() - w * 7 * D;
      const fri = tue + 3 * D + 6 * H - 7 * D;
      await admin.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'outbound', channel: 'email', content: 'Following up on our call.', occurred_at: new Date(tue).toISOString() });
      await admin.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', content: 'Thanks, noted.', occurred_at: new Date(tue + 40 * 60_000).toISOString() });
      await admin.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'outbound', channel: 'email', content: 'Checking in.', occurred_at: new Date(fri).toISOString() });
      // The near miss: touched at the same times, never answers.
      await admin.client.post(`/api/v1/leads/${nearMiss}/conversations`, { direction: 'outbound', channel: 'email', content: 'Following up on our call.', occurred_at: new Date(tue).toISOString() });
    }
    const best = await until('the contact time insight', async () => (await open(lead)).find((x) => x.insight_type === 'optimal_contact_time'), 60_000);
    expect(best.title).toMatch(/Tuesday (09|10):00/);
    await settled();
    const stored = (await sql<{ optimal_contact_time: Record<string, unknown>; communication_preference: Record<string, unknown>; engagement_level: string }>`
      SELECT optimal_contact_time, communication_preference, engagement_level::text FROM leads WHERE id = ${lead}`.execute(db())).rows[0]!;
    expect(stored.optimal_contact_time).toMatchObject({ day_of_week: 'Tuesday', timezone: 'UTC', source: 'lead' });
    expect(stored.communication_preference).toMatchObject({ preferred_channel: 'email', response_rate: 0.5 });
    expect(stored.engagement_level).not.toBe('unknown');
    expect((await open(nearMiss)).filter((x) => x.insight_type === 'optimal_contact_time')).toEqual([]);
  });

  it('recommends content that won leads read before converting, and flags a lead stalled longer than usual (periodic sweep)', async () => {
    const story = (daysAgo: number) => ({ type: 'page_view', url: 'https://insights.example/customers/acme-story', title: 'How Acme doubled its win rate', timestamp: iso(daysAgo * D) });
    for (let i = 0; i < 6; i++) {
      const won = await newLead({ first_name: `Won${i}`, last_name: 'Lead', email: `won${i}@corp${i}.example`, status: 'closed_won' });
      await admin.client.post(`/api/v1/leads/${won}/journey`, { events: [story(20 + i)] });
      // The lost leads read too (another page): the story must beat readers of anything, not everyone.
      const lost = await newLead({ first_name: `Lost${i}`, last_name: 'Lead', email: `lost${i}@corp${i}.example`, status: 'closed_lost' });
      await admin.client.post(`/api/v1/leads/${lost}/journey`, { events: [{ type: 'page_view', url: 'https://insights.example/blog/news', title: 'Company news', timestamp: iso((20 + i) * D) }] });
    }
    const reader = await newLead({ first_name: 'Rhoda', last_name: 'Reader', email: 'rhoda@hooli.example', status: 'contacted' });
    const alreadyRead = await newLead({ first_name: 'Andy', last_name: 'Already', email: 'andy@hooli.example', status: 'contacted' });
    await admin.client.post(`/api/v1/leads/${alreadyRead}/journey`, { events: [story(2)] });
    // Proposals: five recent ones, and one sitting there for two months.
    const proposals = [];
    for (let i = 0; i < 5; i++) proposals.push(await newLead({ first_name: `Prop${i}`, last_name: 'Lead', email: `prop${i}@p.example`, status: 'proposal' }));
    const stuck = await newLead({ first_name: 'Stu', last_name: 'Stuck', email: 'stu@p.example', status: 'proposal', deal_value: 90_000 });
    await settled();
    await sql`UPDATE leads SET status_changed_at = now() - make_interval(days => 2 + (right(email, 9) = 'p.example')::int) WHERE id = ANY(${proposals}::uuid[])`.execute(db());
    await sql`UPDATE leads SET status_changed_at = now() - interval '60 days' WHERE id = ${stuck}`.execute(db());
    await sweep();

    const rec = (await open(reader)).find((x) => x.insight_type === 'content_recommendation');
    expect(rec).toMatchObject({ reason: 'content:page:/customers/acme-story', data: { won_leads: 6, decided_leads: 6 } });
    expect(rec!.title).toMatch(/How Acme doubled its win rate/);
    expect((await open(alreadyRead)).filter((x) => x.insight_type === 'content_recommendation')).toEqual([]);

    const stall = (await open(stuck)).find((x) => x.insight_type === 'churn_risk');
    expect(stall).toMatchObject({ reason: 'stalled:proposal', data: { days_in_status: 60 } });
    expect((await open(stuck)).find((x) => x.insight_type === 'next_best_action')).toMatchObject({ reason: 'escalate_to_manager' });
    for (const p of proposals) expect((await open(p)).filter((x) => x.insight_type === 'churn_risk')).toEqual([]);
  });

  it('expires insights whose time ran out: at once for readers, and in the table at the next sweep', async () => {
    const target = (await open(hot)).find((x) => x.reason === 'conversation_signals')!;
    await sql`UPDATE ai_insights SET expires_at = now() - interval '1 second' WHERE id = ${target.id}`.execute(db());
    expect((await open(hot)).map((x) => x.id)).not.toContain(target.id);
    expect((await admin.client.get(`/api/v1/insights/${target.id}`)).body.status).toBe('expired');
    // The reason still holds, so the sweep raises a fresh one after closing the old.
    await sweep();
    const { rows } = await sql<{ status: string }>`SELECT status FROM ai_insights WHERE id = ${target.id}`.execute(db());
    expect(rows[0]!.status).toBe('expired');
    expect((await open(hot)).filter((x) => x.reason === 'conversation_signals')).toHaveLength(1);
  });

  it('acknowledges, dismisses with a reason, and does not raise a dismissed insight again while its reason lasts', async () => {
    const [spike] = (await open(hot)).filter((x) => x.reason === 'pricing_spike');
    const ack = await admin.client.post(`/api/v1/insights/${spike!.id}/acknowledge`, {});
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ id: spike!.id, status: 'open', acknowledged_by: admin.userId });
    expect(ack.body.acknowledged_at).toBeTruthy();
    const inbox = (await admin.client.get('/api/v1/insights/inbox')).body.data as Insight[];
    expect(inbox.map((x) => x.id)).not.toContain(spike!.id);

    const noReason = await admin.client.post(`/api/v1/insights/${spike!.id}/dismiss`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const dismissed = await admin.client.post(`/api/v1/insights/${spike!.id}/dismiss`, { reason: 'They are our existing customer checking the new plans.' });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ status: 'dismissed', dismiss_reason: 'They are our existing customer checking the new plans.' });
    expect((await admin.client.post(`/api/v1/insights/${spike!.id}/dismiss`, { reason: 'again' })).status).toBe(409);

    await admin.client.post(`/api/v1/leads/${hot}/journey`, { events: [{ type: 'page_view', url: 'https://insights.example/pricing', timestamp: iso(10 * 60_000) }] });
    await settled();
    expect((await open(hot)).filter((x) => x.reason === 'pricing_spike')).toEqual([]);
    expect((await insightsOf(hot, '&status=dismissed')).map((x) => x.id)).toEqual([spike!.id]);
  });

  it('orders the inbox by priority, then confidence, then recency, over the user\'s own leads', async () => {
    const inbox = (await admin.client.get('/api/v1/insights/inbox?limit=200')).body.data as Insight[];
    expect(inbox.length).toBeGreaterThan(3);
    const rank: Record<string, number> = { urgent: 3, high: 2, medium: 1, low: 0 };
    for (let i = 1; i < inbox.length; i++) {
      const a = inbox[i - 1]!;
      const b = inbox[i]!;
      expect(rank[a.priority]! > rank[b.priority]! || (a.priority === b.priority && a.confidence >= b.confidence)).toBe(true);
    }
    expect(inbox.every((x) => x.status === 'open' && x.acknowledged_at === null)).toBe(true);
    // Paging gives the same order.
    const first = await admin.client.get('/api/v1/insights/inbox?limit=2');
    const second = await admin.client.get(`/api/v1/insights/inbox?limit=2&cursor=${first.body.next_cursor}`);
    expect([...first.body.data, ...second.body.data].map((x: Insight) => x.id)).toEqual(inbox.slice(0, 4).map((x) => x.id));
    // The rep owns no lead yet: an empty inbox. An API key has none.
    expect((await rep.get('/api/v1/insights/inbox')).body.data).toEqual([]);
    expect((await (await withRole('admin')).get('/api/v1/insights/inbox')).status).toBe(422);
  });

  it('filters the list by type, priority, lead, owner, acknowledged and status, with keyset paging', async () => {
    const all = (await admin.client.get('/api/v1/insights?limit=200')).body.data as Insight[];
    const types = await admin.client.get('/api/v1/insights?type=buying_signal,competitive_threat&limit=200');
    expect(types.body.data.length).toBeGreaterThan(0);
    expect(types.body.data.every((x: Insight) => ['buying_signal', 'competitive_threat'].includes(x.insight_type))).toBe(true);
    expect((await admin.client.get('/api/v1/insights?priority=urgent&limit=200')).body.data.every((x: Insight) => x.priority === 'urgent')).toBe(true);
    expect((await admin.client.get(`/api/v1/insights?lead_id=${rival}&limit=200`)).body.data.every((x: Insight) => x.lead_id === rival)).toBe(true);
    expect((await admin.client.get('/api/v1/insights?acknowledged=true')).body.data.map((x: Insight) => x.reason)).toEqual(['pricing_spike']);
    expect((await admin.client.get('/api/v1/insights?owner=me&limit=200')).body.data.length).toBe(all.length);
    expect((await admin.client.get('/api/v1/insights?owner=none')).body.data).toEqual([]);
    expect((await admin.client.get('/api/v1/insights?status=dismissed')).body.data).toHaveLength(1);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Insight[]; next_cursor: string | null } } = await admin.client.get(`/api/v1/insights?limit=3${cursor ? `&cursor=${cursor}` : ''}`) as never;
      paged.push(...page.body.data.map((x) => x.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged).toEqual(all.map((x) => x.id));
    const bad = await admin.client.get('/api/v1/insights?type=horoscope');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('answers 404 across organizations and checks roles: viewers read, reps see and act only on their leads', async () => {
    const some = (await admin.client.get('/api/v1/insights?status=open&limit=1')).body.data[0] as Insight;
    expect((await other.client.get(`/api/v1/insights/${some.id}`)).status).toBe(404);
    expect((await other.client.post(`/api/v1/insights/${some.id}/acknowledge`, {})).status).toBe(404);
    expect((await other.client.post(`/api/v1/insights/${some.id}/dismiss`, { reason: 'x' })).status).toBe(404);
    expect((await other.client.get('/api/v1/insights')).body.data).toEqual([]);
    expect((await other.client.get(`/api/v1/leads/${some.lead_id}/insights`)).status).toBe(404);

    const viewer = await withRole('viewer');
    expect((await viewer.get(`/api/v1/insights/${some.id}`)).status).toBe(200);
    expect((await viewer.post(`/api/v1/insights/${some.id}/acknowledge`, {})).status).toBe(403);

    expect((await rep.get(`/api/v1/insights/${some.id}`)).status).toBe(404);
    expect((await rep.get('/api/v1/insights')).body.data).toEqual([]);
    // Assigned to the rep: now theirs to see, act on, and find in their inbox.
    expect((await admin.client.post('/api/v1/leads/assign', { lead_ids: [some.lead_id], assigned_to: repId })).status).toBe(200);
    expect((await rep.get(`/api/v1/insights/${some.id}`)).status).toBe(200);
    expect((await rep.get('/api/v1/insights/inbox')).body.data.map((x: Insight) => x.lead_id)).toContain(some.lead_id);
    expect((await rep.post(`/api/v1/insights/${some.id}/acknowledge`, {})).status).toBe(200);
  });

  it('shows insights on the lead timeline', async () => {
    const timeline = await admin.client.get(`/api/v1/leads/${rival}/timeline?limit=100`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.data.some((x: { kind: string }) => x.kind === 'insight')).toBe(true);
  });

  it('scores explained in lines people believe: no conversational sub-score without a conversation, one line per kind, no oddities', async () => {
    const quiet = await newLead({ first_name: 'Quinn', last_name: 'Quiet', email: 'quinn@initech.example', job_title: 'Director of IT' });
    const scoreOf = async (id: string) => (await admin.client.get(`/api/v1/leads/${id}/score`)).body as { scored_at: string | null; sub_scores: Record<string, number | null>; explanation: { feature: string; text: string; points: number }[] };
    const q = await until('the quiet lead\'s score', async () => { const s = await scoreOf(quiet); return s.scored_at ? s : null; }, 60_000);
    expect(q.sub_scores.conversational).toBeNull();
    expect(q.sub_scores.demographic).toEqual(expect.any(Number));
    const features = q.explanation.map((f) => f.feature);
    expect(new Set(features).size).toBe(features.length);
    expect(features.filter((f) => ['page_views', 'page_views_recent', 'sessions', 'days_since_web'].includes(f))).toEqual([]);
    expect(q.explanation.map((f) => f.text)).not.toContain('No message sent yet');
    // Hana wrote to us: her conversational sub-score is a number.
    await settled();
    expect((await scoreOf(hot)).sub_scores.conversational).toEqual(expect.any(Number));
  });
});
