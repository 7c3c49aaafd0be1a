import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

const { app, url } = useServer();
let a: Awaited<ReturnType<typeof Client.signup>>;

type Item = { kind: string; id: string; at: string; title: string; summary: string | null; data: Record<string, unknown> };

async function timeline(leadId: string, query = ''): Promise<Item[]> {
  const r = await a.client.get(`/api/v1/leads/${leadId}/timeline?limit=200${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.data as Item[];
}

beforeAll(async () => {
  a = await Client.signup(url, 'Timeline Co');
});

/**
 * A call or an e-mail is often recorded twice: the activity a rep logs (or the demo writes)
 * and the conversation holding its text, linked by conversations.activity_id. The timeline
 * shows such a pair once: the activity, carrying its conversation.
 */
describe(`the lead timeline: one item per call or e-mail, score changes with their previous score (${MODE})`, () => {
  it('merges a conversation into the activity it belongs to; an unlinked conversation stays on its own', async () => {
    const lead = (await a.client.post('/api/v1/leads', { first_name: 'Dee', last_name: 'Dupe' })).body.id as string;
    const call = await a.client.post(`/api/v1/leads/${lead}/activities`, { type: 'call', subject: 'Discovery call', description: 'Talked budget', completed_at: '2026-11-20T10:00:00Z' });
    expect(call.status).toBe(201);
    const notes = await a.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'outbound', channel: 'phone', subject: 'Call notes', content: 'They want 40 seats before March.', activity_id: call.body.id, occurred_at: '2026-11-20T10:00:00Z' });
    expect(notes.status).toBe(201);
    const mail = await a.client.post(`/api/v1/leads/${lead}/activities`, { type: 'email', subject: 'Pricing sent', completed_at: '2026-11-21T10:00:00Z' });
    const mailText = await a.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'outbound', channel: 'email', subject: 'Pricing sent', content: 'Here is our pricing.', activity_id: mail.body.id, occurred_at: '2026-11-21T10:00:00Z' });
    expect(mailText.status).toBe(201);
    const reply = await a.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Re: Pricing', content: 'Thanks, looks good.', occurred_at: '2026-11-22T10:00:00Z' });
    expect(reply.status).toBe(201);

    const items = await timeline(lead);
    expect(items.map((x) => `${x.kind}:${x.id}`)).toEqual([`conversation:${reply.body.id}`, `activity:${mail.body.id}`, `activity:${call.body.id}`]);
    const merged = items.find((x) => x.id === call.body.id)!;
    expect(merged.data.conversation).toMatchObject({ id: notes.body.id, channel: 'phone', direction: 'outbound', excerpt: 'They want 40 seats before March.' });
    expect(items.find((x) => x.id === reply.body.id)!.data.conversation).toBeUndefined();

    // Asked for conversations alone, each conversation is there (there is no activity to carry it).
    const conversations = await timeline(lead, '&kinds=conversation');
    expect(conversations.map((x) => x.id).sort()).toEqual([notes.body.id, mailText.body.id, reply.body.id].sort());
    // Paging walks the merged list without repeats or gaps.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { data: Item[]; next_cursor: string | null } } = (await a.client.get(`/api/v1/leads/${lead}/timeline?limit=1${cursor ? `&cursor=${cursor}` : ''}`)) as never;
      seen.push(...r.body.data.map((x) => x.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(items.map((x) => x.id));
  });

  it('merges the demo’s pairs the same way (linked in the data, not by the API)', async () => {
    const lead = (await a.client.post('/api/v1/leads', { first_name: 'Demi', last_name: 'Pair' })).body.id as string;
    const db = app().database.db;
    const { rows } = await sql<{ id: string }>`INSERT INTO activities (organization_id, lead_id, type, subject, description, completed_at)
      VALUES (${a.organizationId}::uuid, ${lead}::uuid, 'call', 'Call with Demi Pair', 'Left a voicemail', '2026-10-01T09:00:00Z') RETURNING id`.execute(db);
    await sql`INSERT INTO conversations (organization_id, lead_id, activity_id, direction, channel, subject, content, created_at)
      VALUES (${a.organizationId}::uuid, ${lead}::uuid, ${rows[0]!.id}::uuid, 'outbound', 'phone', 'Call notes: Demi Pair', 'Left a voicemail', '2026-10-01T09:00:00Z')`.execute(db);
    const items = await timeline(lead);
    expect(items.map((x) => x.kind)).toEqual(['activity']);
  });

  it('gives each score change the score before it', async () => {
    const lead = (await a.client.post('/api/v1/leads', { first_name: 'Sco', last_name: 'Burst' })).body.id as string;
    const db = app().database.db;
    await sql`INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, explanation, created_at)
      SELECT ${a.organizationId}::uuid, ${lead}::uuid, s, 0.5, 'v1', '[]', '2026-11-01T10:00:00Z'::timestamptz + g * interval '1 minute'
      FROM unnest(ARRAY[20, 35, 50, 45]) WITH ORDINALITY AS u(s, g)`.execute(db);
    const scores = (await timeline(lead, '&kinds=score')).map((x) => [x.data.previous_score, x.data.score]);
    expect(scores).toEqual([[50, 45], [35, 50], [20, 35], [null, 20]]);
    // Paged one at a time, the previous score is still the one before it in the whole history.
    const r = await a.client.get(`/api/v1/leads/${lead}/timeline?kinds=score&limit=1`);
    expect(r.body.data[0].data).toMatchObject({ score: 45, previous_score: 50 });
  });
});
