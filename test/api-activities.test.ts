import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

const { app, url } = useServer();
let a: Awaited<ReturnType<typeof Client.signup>>;
let b: Awaited<ReturnType<typeof Client.signup>>;
let leadId: string;
let theirLeadId: string;

beforeAll(async () => {
  a = await Client.signup(url, 'Activity A');
  b = await Client.signup(url, 'Activity B');
  leadId = (await a.client.post('/api/v1/leads', { first_name: 'Tim', last_name: 'Line' })).body.id;
  theirLeadId = (await b.client.post('/api/v1/leads', { first_name: 'Their', last_name: 'Lead' })).body.id;
});

describe(`activities, conversations and the timeline over HTTP (${MODE})`, () => {
  it('logging a completed call updates last_contacted_at; a note does not', async () => {
    const when = '2026-11-20T10:00:00.000Z';
    const call = await a.client.post(`/api/v1/leads/${leadId}/activities`, { type: 'call', subject: 'Intro call', completed_at: when, duration_minutes: 15 });
    expect(call.status).toBe(201);
    expect(call.body.user_id).toBe(a.userId);
    expect((await a.client.get(`/api/v1/leads/${leadId}`)).body.last_contacted_at).toBe(when);
    await a.client.post(`/api/v1/leads/${leadId}/activities`, { type: 'note', description: 'Prefers mornings', completed_at: '2026-11-21T10:00:00.000Z' });
    expect((await a.client.get(`/api/v1/leads/${leadId}`)).body.last_contacted_at).toBe(when);
    const list = await a.client.get(`/api/v1/leads/${leadId}/activities`);
    expect(list.body.data.map((x: { type: string }) => x.type).sort()).toEqual(['call', 'note']);
    const calls = await a.client.get('/api/v1/activities?type=call');
    expect(calls.body.data.every((x: { type: string }) => x.type === 'call')).toBe(true);
  });

  it('records conversations; changing their text clears the analysis time', async () => {
    const created = await a.client.post(`/api/v1/leads/${leadId}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Pricing?', content: 'What does the Pro plan cost for 20 seats?', occurred_at: '2026-11-22T09:00:00Z' });
    expect(created.status).toBe(201);
    expect((await a.client.get(`/api/v1/leads/${leadId}`)).body.last_contacted_at).toBe('2026-11-22T09:00:00.000Z');
    await app().database.db.updateTable('conversations').set({ analyzed_at: new Date() }).where('id', '=', created.body.id).execute();
    const patched = await a.client.patch(`/api/v1/conversations/${created.body.id}`, { content: 'What does the Pro plan cost for 25 seats?' });
    expect(patched.status).toBe(200);
    expect(patched.body.analyzed_at).toBeNull();
    expect((await a.client.get('/api/v1/conversations?direction=inbound')).body.data.length).toBe(1);
  });

  it('merges the history into one timeline, newest first, paged without gaps or repeats', async () => {
    await a.client.patch(`/api/v1/leads/${leadId}`, { status: 'contacted' });
    const all: { kind: string; at: string; id: string }[] = [];
    let cursor: string | null = null;
    do {
      const r: { status: number; body: { data: { kind: string; at: string; id: string }[]; next_cursor: string | null } } = (await a.client.get(`/api/v1/leads/${leadId}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`)) as never;
      expect(r.status).toBe(200);
      all.push(...r.body.data);
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(all.map((x) => x.kind).sort()).toEqual(['activity', 'activity', 'conversation', 'journey_event']);
    const times = all.map((x) => Date.parse(x.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(new Set(all.map((x) => x.id)).size).toBe(all.length);
    const onlyActivities = await a.client.get(`/api/v1/leads/${leadId}/timeline?kinds=activity`);
    expect(onlyActivities.body.data.every((x: { kind: string }) => x.kind === 'activity')).toBe(true);
  });

  it('pages activities, conversations and the timeline through rows that share a millisecond', async () => {
    const lead = (await a.client.post('/api/v1/leads', { first_name: 'Micro', last_name: 'Second' })).body.id as string;
    const db = app().database.db;
    const at = sql`'2026-03-01 10:00:00.123'::timestamptz + g * interval '1 microsecond'`;
    await sql`INSERT INTO activities (organization_id, lead_id, type, subject, created_at, completed_at)
      SELECT ${a.organizationId}::uuid, ${lead}::uuid, 'note', 'n' || g, ${at}, ${at} FROM generate_series(1, 5) AS g`.execute(db);
    await sql`INSERT INTO conversations (organization_id, lead_id, direction, channel, content, created_at)
      SELECT ${a.organizationId}::uuid, ${lead}::uuid, 'inbound', 'email', 'c' || g, ${at} FROM generate_series(1, 5) AS g`.execute(db);
    for (const [path, expected] of [[`/api/v1/leads/${lead}/activities`, 5], [`/api/v1/leads/${lead}/conversations`, 5], [`/api/v1/leads/${lead}/timeline`, 10]] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r: { body: { data: { id: string }[]; next_cursor: string | null } } = (await a.client.get(`${path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`)) as never;
        seen.push(...r.body.data.map((x) => x.id));
        cursor = r.body.next_cursor;
      } while (cursor);
      expect(new Set(seen).size, path).toBe(expected);
      expect(seen.length, path).toBe(expected);
    }
  });

  it("keeps every other organization's lead, activity and conversation out of reach", async () => {
    const theirActivity = (await b.client.post(`/api/v1/leads/${theirLeadId}/activities`, { type: 'call' })).body.id as string;
    const theirConversation = (await b.client.post(`/api/v1/leads/${theirLeadId}/conversations`, { direction: 'outbound', channel: 'email', content: 'hi' })).body.id as string;
    for (const path of [
      `/api/v1/leads/${theirLeadId}/activities`, `/api/v1/leads/${theirLeadId}/conversations`, `/api/v1/leads/${theirLeadId}/timeline`,
      `/api/v1/activities/${theirActivity}`, `/api/v1/conversations/${theirConversation}`,
    ]) expect((await a.client.get(path)).status, path).toBe(404);
    expect((await a.client.post(`/api/v1/leads/${theirLeadId}/activities`, { type: 'note' })).status).toBe(404);
    expect((await a.client.patch(`/api/v1/activities/${theirActivity}`, { subject: 'x' })).status).toBe(404);
    expect((await a.client.delete(`/api/v1/conversations/${theirConversation}`)).status).toBe(404);
    const linked = await a.client.post(`/api/v1/leads/${leadId}/conversations`, { direction: 'outbound', channel: 'phone', content: 'notes', activity_id: theirActivity });
    expect(linked.status).toBe(422);
    expect((await a.client.get('/api/v1/activities?limit=200')).body.data.some((x: { id: string }) => x.id === theirActivity)).toBe(false);
    expect((await b.client.get(`/api/v1/activities/${theirActivity}`)).status).toBe(200);
  });
});
