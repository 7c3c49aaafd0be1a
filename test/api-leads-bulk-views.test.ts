import { describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

describe(`bulk status and tags, saved views (${MODE})`, () => {
  const { url } = useServer();

  async function rep(admin: Client, email: string, role: string) {
    const invitation = await admin.post('/api/v1/invitations', { email, role });
    const client = new Client(url);
    const accepted = await client.post('/api/v1/auth/accept-invitation', { token: invitation.body.token, full_name: email.split('@')[0], password: 'a long password 1' });
    client.csrf = accepted.body.csrf_token;
    return client;
  }

  it('changes the status and tags of many leads, records each status change, and leaves others alone', async () => {
    const { client: admin } = await Client.signup(url, 'Bulk Co');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await admin.post('/api/v1/leads', { first_name: `B${i}`, last_name: 'Lead', tags: ['old', 'keep'] })).body.id);
    const r = await admin.post('/api/v1/leads/bulk', { lead_ids: [...ids, '0193609e-3000-75cb-8630-c62afa0e2a4d'], status: 'qualified', add_tags: ['vip'], remove_tags: ['old'] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ updated: 3, not_found: ['0193609e-3000-75cb-8630-c62afa0e2a4d'] });
    for (const id of ids) {
      const lead = (await admin.get(`/api/v1/leads/${id}`)).body;
      expect(lead.status).toBe('qualified');
      expect(lead.tags.sort()).toEqual(['keep', 'vip']);
      const journey = (await admin.get(`/api/v1/leads/${id}/journey`)).body.data;
      expect(journey.some((e: { event_type: string }) => e.event_type === 'status_change')).toBe(true);
    }
    expect((await admin.post('/api/v1/leads/bulk', { lead_ids: ids })).status).toBe(400);
    const viewer = await rep(admin, 'viewer@bulk.example', 'viewer');
    const refused = await viewer.post('/api/v1/leads/bulk', { lead_ids: ids, status: 'new' });
    expect(refused.status).toBe(403);
    expect((await admin.get(`/api/v1/leads/${ids[0]}`)).body.status).toBe('qualified');
  });

  it('keeps saved views per user, shares them on request, and lets only the owner change them', async () => {
    const { client: admin } = await Client.signup(url, 'Views Co');
    const mine = await admin.post('/api/v1/saved-views', { name: 'Hot qualified', query: 'status=qualified&sort=score&cf.industry=Software', columns: ['name', 'score'] });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ name: 'Hot qualified', query: 'status=qualified&sort=score&cf.industry=Software', columns: ['name', 'score'], shared: false, mine: true });
    expect((await admin.post('/api/v1/saved-views', { name: 'Hot qualified' })).status).toBe(409);
    const badQuery = await admin.post('/api/v1/saved-views', { name: 'x', query: '?status=new' });
    expect(badQuery.status).toBe(400);

    const other = await rep(admin, 'rep@views.example', 'sales_rep');
    expect((await other.get('/api/v1/saved-views')).body.data).toEqual([]);
    await admin.patch(`/api/v1/saved-views/${mine.body.id}`, { shared: true });
    const seen = (await other.get('/api/v1/saved-views')).body.data;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: 'Hot qualified', shared: true, mine: false });
    expect((await other.patch(`/api/v1/saved-views/${mine.body.id}`, { name: 'Mine now' })).status).toBe(403);
    expect((await other.delete(`/api/v1/saved-views/${mine.body.id}`)).status).toBe(403);
    expect((await other.post('/api/v1/saved-views', { name: 'Hot qualified' })).status).toBe(201);

    const stranger = (await Client.signup(url, 'Elsewhere')).client;
    expect((await stranger.get('/api/v1/saved-views')).body.data).toEqual([]);
    expect((await stranger.delete(`/api/v1/saved-views/${mine.body.id}`)).status).toBe(404);
    expect((await admin.delete(`/api/v1/saved-views/${mine.body.id}`)).status).toBe(204);
  });
});
