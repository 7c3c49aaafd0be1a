import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

const { url } = useServer();

async function track(writeKey: string, events: Record<string, unknown>[]) {
  const res = await fetch(url('/api/v1/track'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ write_key: writeKey, events }) });
  expect(res.status).toBe(200);
}

describe(`GET /api/v1/tracking/events: the install check (${MODE})`, () => {
  it('lists the latest website events of the organization only, newest first, with the last day count; refuses roles without tracking:read', async () => {
    const a = await Client.signup(url, 'Events A');
    const b = await Client.signup(url, 'Events B');
    const keyA = (await a.client.post('/api/v1/tracking/keys', { name: 'Website' })).body.write_key as string;
    const keyB = (await b.client.post('/api/v1/tracking/keys', { name: 'Website' })).body.write_key as string;

    const empty = await a.client.get('/api/v1/tracking/events');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ data: [], last_24h: 0, last_30d: 0, last_received_at: null });

    const t0 = Date.now();
    await track(keyA, [
      { id: randomUUID(), type: 'page_view', anonymous_id: 'v1', url: 'https://a.example/pricing', title: 'Pricing', timestamp: new Date(t0 - 60_000).toISOString() },
      { id: randomUUID(), type: 'page_view', anonymous_id: 'v1', url: 'https://a.example/', title: 'Home', timestamp: new Date(t0 - 2 * 86_400_000).toISOString() },
      { id: randomUUID(), type: 'identify', anonymous_id: 'v1', email: 'ada@a.example', timestamp: new Date(t0 - 30_000).toISOString() },
    ]);
    await track(keyB, [{ id: randomUUID(), type: 'page_view', anonymous_id: 'w1', url: 'https://b.example/' }]);
    // Recorded for a known lead by a user, not received from the website: not part of the check.
    const lead = await a.client.post('/api/v1/leads', { first_name: 'Kay', last_name: 'Known' });
    expect((await a.client.post(`/api/v1/leads/${lead.body.id}/journey`, { events: [{ type: 'custom', name: 'Webinar attended' }] })).status).toBe(201);

    const r = await a.client.get('/api/v1/tracking/events?limit=5');
    expect(r.status).toBe(200);
    expect(r.body.data.map((e: { event_type: string }) => e.event_type)).toEqual(['identify', 'page_view', 'page_view']);
    expect(r.body.data[1]).toMatchObject({ event_name: 'Pricing', url: 'https://a.example/pricing', anonymous_id: 'v1' });
    expect(r.body.data[1].lead_id).toBeTruthy(); // stitched to the lead once identified
    expect(r.body.last_24h).toBe(2);
    expect(r.body.last_30d).toBe(3);
    expect(Date.parse(r.body.last_received_at)).toBeGreaterThan(t0 - 40_000);

    expect((await a.client.get('/api/v1/tracking/events?limit=1')).body.data).toHaveLength(1);
    expect((await a.client.get('/api/v1/tracking/events?limit=0')).status).toBe(400);

    const invitation = await a.client.post('/api/v1/invitations', { email: `rep-${randomUUID().slice(0, 6)}@a.example`, role: 'sales_rep' });
    const rep = new Client(url);
    const accepted = await rep.post('/api/v1/auth/accept-invitation', { token: invitation.body.token, full_name: 'Rep', password: 'correct horse battery' });
    rep.csrf = accepted.body.csrf_token;
    expect((await rep.get('/api/v1/tracking/events')).status).toBe(403);
  });
});
