import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { createInsightsService } from '../src/modules/insights/insights.service.ts';
import { dueWhen } from '../src/modules/notifications/follow-up-text.ts';
import { handlesIn, mentionedIn } from '../src/modules/notifications/mentions.ts';
import { createNotificationsService, notifyInsights } from '../src/modules/notifications/notifications.service.ts';
import { createScoringService } from '../src/modules/scoring/scoring.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

// Workers on: imports run as in production (the follow-up sweep is driven by hand below, with a fixed clock).
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const db = () => app().database.db;

type Note = { id: string; kind: string; title: string; body: string | null; link: string | null; lead_id: string | null; read_at: string | null; created_at: string };

let admin: Awaited<ReturnType<typeof Client.signup>>;
let other: Awaited<ReturnType<typeof Client.signup>>;
const people: Record<string, { client: Client; id: string; email: string }> = {};
let teamA: string;
let teamB: string;

async function invite(key: string, fullName: string, email: string, role: string, teamId: string | null) {
  const inv = await admin.client.post('/api/v1/invitations', { email, role, team_id: teamId });
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  const client = new Client(url);
  const r = await client.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: fullName, password: 'correct horse battery' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  client.csrf = r.body.csrf_token;
  people[key] = { client, id: r.body.user_id, email };
}

/** Every notification of this person (all pages), optionally of one kind. */
async function inbox(client: Client, kind?: string): Promise<Note[]> {
  const all: Note[] = [];
  let cursor: string | null = null;
  do {
    const r: Awaited<ReturnType<Client['get']>> = await client.get(`/api/v1/notifications?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    all.push(...(r.body.data as Note[]));
    cursor = r.body.next_cursor;
  } while (cursor);
  return kind ? all.filter((n) => n.kind === kind) : all;
}

async function newLead(client: Client, body: Record<string, unknown>) {
  const r = await client.post('/api/v1/leads', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

async function createdEvents(recipientId: string, kind: string) {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events WHERE event_type = 'notification.created' AND payload->>'recipient_id' = ${recipientId} AND payload->>'kind' = ${kind}`.execute(db());
  return rows[0]!.n;
}

/**
 * Scoring and insight evaluation of the organization have caught up: an evaluation that runs
 * after a test's hand-written insight would expire it (no detector confirms it).
 */
async function settled(org: string) {
  await until('background work to settle', async () => {
    const { rows } = await sql<{ n: number }>`SELECT
      (SELECT count(*) FROM lead_insight_queue WHERE organization_id = ${org})::int
      + (SELECT count(*) FROM lead_score_queue WHERE organization_id = ${org})::int
      + (SELECT count(*) FROM jobs WHERE organization_id = ${org} AND queue IN ('scoring.rescore', 'analysis.conversations', 'scoring.train') AND status IN ('queued', 'running'))::int AS n`.execute(db());
    return rows[0]!.n === 0;
  }, 60_000);
}

beforeAll(async () => {
  admin = await Client.signup(url, 'Notify Co');
  other = await Client.signup(url, 'Elsewhere Co');
  teamA = (await admin.client.post('/api/v1/teams', { name: 'Team A' })).body.id;
  teamB = (await admin.client.post('/api/v1/teams', { name: 'Team B' })).body.id;
  await invite('manager', 'Marie Curie', 'mcurie@notify.example', 'manager', teamA);
  await invite('rep', 'Paul Martin', 'paul.martin@notify.example', 'sales_rep', teamA);
  await invite('rep2', 'Zoë Durand', 'zdurand@notify.example', 'sales_rep', teamA);
  await invite('viewer', 'Marie Dupont', 'mdupont@notify.example', 'viewer', null);
  await invite('marketing', 'Omar Haddad', 'omar@notify.example', 'marketing', null);
  await invite('outsider', 'Ivan Petrov', 'ivan@notify.example', 'sales_rep', teamB);
});

describe(`Notifications (${MODE})`, () => {
  it('a lead assigned to someone else notifies them once, in the transaction, with its event; not oneself, not when switched off', async () => {
    const rep = people.rep!;
    const lead = await newLead(admin.client, { first_name: 'Ada', last_name: 'Lovelace', company: 'Engines Ltd', team_id: teamA });
    expect((await admin.client.patch(`/api/v1/leads/${lead}`, { assigned_to: rep.id })).status).toBe(200);
    // The same owner again, and another field: no second notification.
    await admin.client.patch(`/api/v1/leads/${lead}`, { assigned_to: rep.id, job_title: 'CTO' });
    const got = await inbox(rep.client, 'assigned');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ title: 'Notify Co Admin assigned Ada Lovelace (Engines Ltd) to you', link: `/leads/${lead}`, lead_id: lead, read_at: null });
    expect(await createdEvents(rep.id, 'assigned')).toBe(1);

    // Created already assigned to someone: that is an assignment too.
    const created = await newLead(admin.client, { first_name: 'Grace', last_name: 'Hopper', assigned_to: rep.id, team_id: teamA });
    expect((await inbox(rep.client, 'assigned')).map((n) => n.lead_id)).toContain(created);

    // A rep's own lead (assigned to themselves by default): nothing.
    await newLead(rep.client, { first_name: 'Self', last_name: 'Made' });
    expect(await inbox(rep.client, 'assigned')).toHaveLength(2);

    // Bulk: one notification with the count, not one per lead.
    const a = await newLead(admin.client, { first_name: 'Bulk', last_name: 'One', team_id: teamA });
    const b = await newLead(admin.client, { first_name: 'Bulk', last_name: 'Two', team_id: teamA });
    expect((await admin.client.post('/api/v1/leads/assign', { lead_ids: [a, b], assigned_to: rep.id })).status).toBe(200);
    const bulk = (await inbox(rep.client, 'assigned')).filter((n) => n.lead_id === null);
    expect(bulk).toMatchObject([{ title: 'Notify Co Admin assigned 2 leads to you', link: '/leads?assigned_to=me' }]);

    // Reassigned away and back later: a new assignment, a new notification.
    await admin.client.patch(`/api/v1/leads/${lead}`, { assigned_to: people.rep2!.id });
    await admin.client.patch(`/api/v1/leads/${lead}`, { assigned_to: rep.id });
    expect((await inbox(rep.client, 'assigned')).filter((n) => n.lead_id === lead)).toHaveLength(2);

    // rep2 switches assignments off: nothing arrives, and no event.
    const rep2 = people.rep2!;
    const put = await rep2.client.request('PUT', '/api/v1/notifications/preferences', { kinds: { assigned: false } });
    expect(put.status).toBe(200);
    expect(put.body.kinds).toEqual({ insight: true, assigned: false, follow_up_due: true, job_finished: true, job_failed: true, mention: true, workflow: true });
    const before = await createdEvents(rep2.id, 'assigned');
    const third = await newLead(admin.client, { first_name: 'Quiet', last_name: 'Please', team_id: teamA });
    await admin.client.patch(`/api/v1/leads/${third}`, { assigned_to: rep2.id });
    expect((await inbox(rep2.client, 'assigned')).filter((n) => n.lead_id === third)).toHaveLength(0);
    expect(await createdEvents(rep2.id, 'assigned')).toBe(before);
    // Left-out kinds keep their setting; GET says the same.
    await rep2.client.request('PUT', '/api/v1/notifications/preferences', { kinds: { mention: true } });
    expect((await rep2.client.get('/api/v1/notifications/preferences')).body.kinds.assigned).toBe(false);
  });

  it('mention rules: @first.last, a unique @firstname, @email-local-part, accents and case ignored; never an e-mail address', () => {
    const org = [
      { id: 'mc', full_name: 'Marie Curie', email: 'mcurie@x.example' },
      { id: 'md', full_name: 'Marie Dupont', email: 'mdupont@x.example' },
      { id: 'zd', full_name: 'Zoë Durand', email: 'zdurand@x.example' },
      { id: 'jl', full_name: 'Jean-Luc Picard', email: 'captain@x.example' },
    ];
    expect(mentionedIn('Ask @Marie.Curie about it.', org)).toEqual(['mc']);
    expect(mentionedIn('@marie, can you look?', org)).toEqual([]); // two Maries: neither
    expect(mentionedIn('cc @ZOE and @zoë', org)).toEqual(['zd']);
    expect(mentionedIn('thanks @mdupont!', org)).toEqual(['md']);
    expect(mentionedIn('@jean-luc.picard and @captain', org)).toEqual(['jl']);
    expect(mentionedIn('write to zdurand@x.example or marie@curie.fr', org)).toEqual([]);
    expect(mentionedIn('@nobody here', org)).toEqual([]);
    expect(handlesIn('Done. @Zoë.Durand.')).toEqual(['zoe.durand']);
  });

  it('a note mentioning people notifies each once (not the author, not someone who cannot read the lead); an edit notifies only the newly mentioned', async () => {
    const rep = people.rep!;
    const lead = await newLead(rep.client, { first_name: 'Noted', last_name: 'Lead', company: 'Acme', team_id: teamA });
    const note = await rep.client.post(`/api/v1/leads/${lead}/activities`, { type: 'note', description: 'Pricing question: @marie.curie can you help? @paul (that is me) and @ivan from team B.' });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    const manager = await inbox(people.manager!.client, 'mention');
    expect(manager).toHaveLength(1);
    expect(manager[0]).toMatchObject({ title: 'Paul Martin mentioned you on Noted Lead (Acme)', link: `/leads/${lead}`, lead_id: lead });
    expect(manager[0]!.body).toContain('@marie.curie can you help?');
    expect(await inbox(rep.client, 'mention')).toHaveLength(0);
    // Ivan is a rep of another team: he could not open the lead, so he is not told of it.
    expect(await inbox(people.outsider!.client, 'mention')).toHaveLength(0);

    const edited = await rep.client.patch(`/api/v1/activities/${note.body.id}`, { description: 'Pricing question: @marie.curie can you help? Also @mdupont and @Zoe.' });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(await inbox(people.manager!.client, 'mention')).toHaveLength(1);
    expect(await inbox(people.viewer!.client, 'mention')).toHaveLength(1);
    expect(await inbox(people.rep2!.client, 'mention')).toHaveLength(1);
    expect(await createdEvents(people.manager!.id, 'mention')).toBe(1);
  });

  it('a high or urgent insight raised on a lead notifies its owner once', async () => {
    const rep = people.rep!;
    const lead = await newLead(admin.client, { first_name: 'Hot', last_name: 'Prospect', assigned_to: rep.id, team_id: teamA });
    const unowned = await newLead(admin.client, { first_name: 'No', last_name: 'Owner' });
    const org = admin.organizationId;
    const actor = { organizationId: org, actor: { id: null } };
    await settled(org);
    const insert = (leadId: string, priority: string, impact: number) =>
      sql`INSERT INTO ai_insights (organization_id, lead_id, insight_type, reason, title, description, confidence, priority, data, expires_at)
          VALUES (${org}, ${leadId}, 'buying_signal', ${`test-${priority}-${impact}`}, 'Visited pricing three times today', 'Pricing visits', 0.8, ${priority}::priority_level,
                  ${JSON.stringify({ priority_basis: { impact } })}::jsonb, now() + interval '7 days')`;
    await withTenant(db(), { organizationId: org }, async (tx) => {
      await insert(lead, 'urgent', 1e9).execute(tx);
      await insert(lead, 'medium', 1).execute(tx);
      await insert(unowned, 'urgent', 1e9).execute(tx);
      expect(await notifyInsights(tx, actor, [lead, unowned])).toBe(1);
    });
    // Seen again (another evaluation of the same lead): nothing new.
    await withTenant(db(), { organizationId: org }, (tx) => notifyInsights(tx, actor, [lead]));
    const got = await inbox(rep.client, 'insight');
    expect(got).toMatchObject([{ title: 'Urgent insight on Hot Prospect', body: 'Visited pricing three times today', link: `/leads/${lead}`, lead_id: lead }]);

    // Through the insights engine: the sweep's reprioritisation raises a low insight with a huge impact, and its owner hears of it.
    const other = await newLead(admin.client, { first_name: 'Rising', last_name: 'Star', assigned_to: rep.id, team_id: teamA });
    await settled(org);
    await withTenant(db(), { organizationId: org }, (tx) => insert(other, 'low', 1e12).execute(tx));
    await createInsightsService(db()).refresh(org, { leadIds: [unowned], schedule: false });
    const raised = (await inbox(rep.client, 'insight')).filter((n) => n.lead_id === other);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.title).toMatch(/^(Urgent|High-priority) insight on Rising Star$/);
  });

  it('follow-ups falling due: once per lead and due time, in each owner’s time zone (fixed clock)', async () => {
    const rep = people.rep!;
    const rep2 = people.rep2!;
    // Each sets their own time zone through the users API (any case: stored as the tz database spells it).
    expect((await rep.client.patch(`/api/v1/users/${rep.id}`, { time_zone: 'europe/paris' })).body.time_zone).toBe('Europe/Paris');
    expect((await rep2.client.patch(`/api/v1/users/${rep2.id}`, { time_zone: 'America/New_York' })).status).toBe(200);
    expect((await rep.client.get('/api/v1/me')).body.user.time_zone).toBe('Europe/Paris');
    // …but nothing else about themselves, nor anyone else's.
    expect((await rep.client.patch(`/api/v1/users/${rep.id}`, { time_zone: 'UTC', role: 'admin' })).status).toBe(403);
    expect((await rep.client.patch(`/api/v1/users/${rep2.id}`, { time_zone: 'UTC' })).status).toBe(403);

    const due = '2030-01-15T13:30:00.000Z';
    const paris = await newLead(admin.client, { first_name: 'Paris', last_name: 'Call', assigned_to: rep.id, team_id: teamA, next_follow_up_at: due });
    const york = await newLead(admin.client, { first_name: 'York', last_name: 'Call', assigned_to: rep2.id, team_id: teamA, next_follow_up_at: due });
    const closed = await newLead(admin.client, { first_name: 'Closed', last_name: 'Deal', assigned_to: rep.id, team_id: teamA, next_follow_up_at: due, status: 'closed_won' });
    const later = await newLead(admin.client, { first_name: 'Not', last_name: 'Yet', assigned_to: rep.id, team_id: teamA, next_follow_up_at: '2030-01-15T15:00:00.000Z' });

    let clock = new Date('2030-01-15T13:20:00.000Z');
    const service = createNotificationsService(db(), { now: () => clock });
    const first = await service.sweepFollowUps({ since: new Date('2030-01-15T13:00:00.000Z'), schedule: false });
    expect(first.notified).toBe(2);
    const mine = await inbox(rep.client, 'follow_up_due');
    expect(mine).toMatchObject([{ title: 'Follow-up due today at 14:30: Paris Call', lead_id: paris, link: `/leads/${paris}` }]);
    expect(mine[0]!.body).toContain('Europe/Paris');
    expect(await inbox(rep2.client, 'follow_up_due')).toMatchObject([{ title: 'Follow-up due today at 08:30: York Call', lead_id: york }]);
    expect(mine.some((n) => n.lead_id === closed || n.lead_id === later)).toBe(false);

    // The next run overlaps (and a retried run repeats): nothing twice.
    clock = new Date('2030-01-15T13:25:00.000Z');
    expect((await service.sweepFollowUps({ since: new Date('2030-01-15T13:00:00.000Z'), schedule: false })).notified).toBe(0);
    // A new follow-up date on the same lead is a new reminder.
    await admin.client.patch(`/api/v1/leads/${paris}`, { next_follow_up_at: '2030-01-15T13:40:00.000Z' });
    expect((await service.sweepFollowUps({ since: new Date('2030-01-15T13:35:00.000Z'), schedule: false })).notified).toBe(1);
    expect(await inbox(rep.client, 'follow_up_due')).toHaveLength(2);

    // The server started the periodic chain: one sweep queued (its dedupe key), for every organization.
    const queued = sql<{ payload: { since?: string }; run_at: Date }>`SELECT payload, run_at FROM jobs WHERE queue = 'notifications.follow-ups' AND status = 'queued' AND organization_id IS NULL`;
    expect((await queued.execute(db())).rows).toHaveLength(1);
    // A sweep queues its successor, which takes over where it stopped, FOLLOW_UP_EVERY_MS later.
    await sql`UPDATE jobs SET status = 'cancelled' WHERE queue = 'notifications.follow-ups' AND status = 'queued'`.execute(db());
    await service.sweepFollowUps({ since: new Date('2030-01-15T13:45:00.000Z') });
    const next = (await queued.execute(db())).rows;
    expect(next.map((r) => [r.payload.since, new Date(r.run_at).toISOString()])).toEqual([['2030-01-15T13:40:00.000Z', '2030-01-15T13:30:00.000Z']]);

    // Wording around midnight and on other days, in the zone's own calendar.
    const now = new Date('2030-01-15T22:50:00.000Z'); // 23:50 in Paris
    expect(dueWhen(new Date('2030-01-15T23:05:00.000Z'), now, 'Europe/Paris')).toBe('tomorrow at 00:05');
    expect(dueWhen(new Date('2030-01-15T23:05:00.000Z'), now, 'America/New_York')).toBe('today at 18:05');
    expect(dueWhen(new Date('2030-01-18T08:00:00.000Z'), now, 'UTC')).toBe('on Fri 18 Jan at 08:00');
    const bad = await rep.client.patch(`/api/v1/users/${rep.id}`, { time_zone: 'Mars/Olympus_Mons' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('time_zone');
  });

  it('an import finishing, and a retraining someone asked for finishing or failing, tell the person who started it', async () => {
    const manager = people.manager!;
    const form = new FormData();
    form.append('file', new Blob(['first_name,last_name,email\nImported,One,imp1@x.example\nImported,Two,imp2@x.example\n']), 'contacts.csv');
    const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: manager.client.cookie, 'x-csrf-token': manager.client.csrf } });
    const up = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(up)).toBe(201);
    expect((await manager.client.post(`/api/v1/imports/${up.id}/start`)).status).toBe(202);
    await until('the import', async () => ['completed', 'failed'].includes((await manager.client.get(`/api/v1/imports/${up.id}`)).body.status));
    expect(await inbox(manager.client, 'job_finished')).toMatchObject([{ title: 'Your import of contacts.csv is done', body: '2 leads created, 0 leads updated.', link: '/leads/import', lead_id: null }]);
    expect(await inbox(admin.client, 'job_finished')).toHaveLength(0);

    const org = admin.organizationId;
    const model = await createScoringService(db()).train(org, { createdBy: admin.userId, rescore: 'queued' });
    const trained = await inbox(admin.client, 'job_finished');
    expect(trained).toMatchObject([{ title: `The scoring model you asked for is ready (${model.version})`, link: '/settings/model' }]);
    // Automatic retraining (no one asked): nobody is told.
    await createScoringService(db()).train(org, { activate: 'unless-rolled-back', rescore: 'queued' });
    expect(await inbox(admin.client, 'job_finished')).toHaveLength(1);

    const service = createNotificationsService(db());
    expect(await service.trainingFailed(org, { jobId: 4242, userId: admin.userId, error: 'not enough decided leads' })).toBe(1);
    expect(await service.trainingFailed(org, { jobId: 4242, userId: admin.userId, error: 'not enough decided leads' })).toBe(0);
    expect(await inbox(admin.client, 'job_failed')).toMatchObject([{ title: 'The retraining you asked for failed', body: 'It stopped with: not enough decided leads. The current model stays in use.' }]);
  });

  it('lists unread first then newest with keyset paging; read, read-all and unread_count; read events', async () => {
    const viewer = people.viewer!;
    const org = admin.organizationId;
    // Five notifications made directly, created a second apart.
    const ids: string[] = [];
    await withTenant(db(), { organizationId: org }, async (tx) => {
      for (let i = 0; i < 5; i++) {
        const { rows } = await sql<{ id: string }>`INSERT INTO notifications (organization_id, user_id, kind, title, dedupe_key, created_at)
          VALUES (${org}, ${viewer.id}, 'mention', ${`n${i}`}, ${`paging:${i}`}, now() - make_interval(secs => ${10 - i})) RETURNING id`.execute(tx);
        ids.push(rows[0]!.id);
      }
    });
    const start = await viewer.client.get('/api/v1/notifications?limit=100');
    const unreadBefore = start.body.unread_count as number;
    // Read the newest two: they go behind every unread one.
    const read = await viewer.client.post(`/api/v1/notifications/${ids[4]}/read`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: ids[4], kind: 'mention', title: 'n4' });
    expect(read.body.read_at).not.toBeNull();
    await viewer.client.post(`/api/v1/notifications/${ids[3]}/read`);
    // Reading again changes nothing and emits nothing more.
    const again = await viewer.client.post(`/api/v1/notifications/${ids[3]}/read`);
    expect(again.status).toBe(200);
    const { rows: events } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events WHERE event_type = 'notification.read' AND payload->>'recipient_id' = ${viewer.id}`.execute(db());
    expect(events[0]!.n).toBe(2);

    const pages: Note[][] = [];
    let cursor: string | null = null;
    let unreadCount: number | undefined;
    do {
      const r: Awaited<ReturnType<Client['get']>> = await viewer.client.get(`/api/v1/notifications?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      pages.push(r.body.data);
      unreadCount = r.body.unread_count;
      cursor = r.body.next_cursor;
    } while (cursor);
    const order = pages.flat();
    expect(unreadCount).toBe(unreadBefore - 2);
    expect(new Set(order.map((n) => n.id)).size).toBe(order.length);
    const mine = order.filter((n) => ids.includes(n.id)).map((n) => n.title);
    expect(mine).toEqual(['n2', 'n1', 'n0', 'n4', 'n3']);
    const firstRead = order.findIndex((n) => n.read_at !== null);
    expect(order.slice(firstRead).every((n) => n.read_at !== null)).toBe(true);
    for (let i = 1; i < firstRead; i++) expect(order[i - 1]!.created_at >= order[i]!.created_at).toBe(true);

    const unreadOnly = await viewer.client.get('/api/v1/notifications?unread_only=true&limit=100');
    expect(unreadOnly.body.data.every((n: Note) => n.read_at === null)).toBe(true);
    expect(unreadOnly.body.data).toHaveLength(unreadCount!);

    const all = await viewer.client.post('/api/v1/notifications/read-all');
    expect(all.body).toEqual({ updated: unreadCount });
    expect((await viewer.client.get('/api/v1/notifications')).body.unread_count).toBe(0);
    expect((await viewer.client.post('/api/v1/notifications/read-all')).body).toEqual({ updated: 0 });
    const { rows: allEvents } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events WHERE event_type = 'notification.read' AND payload->>'recipient_id' = ${viewer.id} AND payload->>'all' = 'true'`.execute(db());
    expect(allEvents[0]!.n).toBe(1);
  });

  it('another user’s or another organization’s notification is a 404; every role reads its own; bad input is a 400 naming the field', async () => {
    const managerNote = (await inbox(people.manager!.client))[0]!;
    expect(managerNote).toBeDefined();
    for (const c of [people.rep!.client, people.viewer!.client, other.client]) {
      const r = await c.post(`/api/v1/notifications/${managerNote.id}/read`);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect((await c.get('/api/v1/notifications?limit=100')).body.data.some((n: Note) => n.id === managerNote.id)).toBe(false);
    }
    expect((await inbox(people.manager!.client)).find((n) => n.id === managerNote.id)!.read_at).toBeNull();

    for (const key of ['manager', 'rep', 'rep2', 'viewer', 'marketing', 'outsider'] as const) {
      const c = people[key]!.client;
      expect((await c.get('/api/v1/notifications')).status, key).toBe(200);
      expect((await c.get('/api/v1/notifications/preferences')).status, key).toBe(200);
      expect((await c.post('/api/v1/notifications/read-all')).status, key).toBe(200);
    }
    expect((await admin.client.get('/api/v1/notifications')).status).toBe(200);
    // An API key is no person: it has no notifications.
    const key = await admin.client.post('/api/v1/api-keys', { name: 'robot', role: 'admin' });
    const robot = Client.withKey(url, key.body.key);
    expect((await robot.get('/api/v1/notifications')).status).toBe(403);

    const c = people.rep!.client;
    const cases: [() => ReturnType<Client['get']>, string][] = [
      [() => c.get('/api/v1/notifications?limit=0'), 'limit'],
      [() => c.get('/api/v1/notifications?limit=abc'), 'limit'],
      [() => c.get('/api/v1/notifications?unread_only=maybe'), 'unread_only'],
      [() => c.get('/api/v1/notifications?cursor=bm9wZQ'), 'cursor'],
      [() => c.get('/api/v1/notifications?colour=red'), 'colour'],
      [() => c.post('/api/v1/notifications/not-a-uuid/read'), 'id'],
      [() => c.request('PUT', '/api/v1/notifications/preferences', { kinds: { birthday: true } }), 'birthday'],
      [() => c.request('PUT', '/api/v1/notifications/preferences', { kinds: { mention: 'yes' } }), 'mention'],
      [() => c.request('PUT', '/api/v1/notifications/preferences', {}), 'kinds'],
    ];
    for (const [call, field] of cases) {
      const r = await call();
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(r.body), field).toContain(field);
    }
  });
});
