import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

/** The privacy API's edges: bad input changes nothing, other organizations' ids are 404s, the register lists requests. */
const { url, app } = useServer();

describe(`privacy requests API (${MODE})`, () => {
  it('refuses bad input with problem+json naming the field, and stores nothing', async () => {
    const { client } = await Client.signup(url, 'Privacy Edges');
    const none = await client.post('/api/v1/privacy/requests', { type: 'export' });
    expect(none.status).toBe(422);
    expect(none.body.field).toBe('email');
    const badType = await client.post('/api/v1/privacy/requests', { type: 'delete', email: 'a@b.example' });
    expect(badType.status).toBe(400);
    expect(JSON.stringify(badType.body.errors)).toContain('type');
    const badEmail = await client.post('/api/v1/privacy/requests', { type: 'export', email: 'not-an-email' });
    expect(badEmail.status).toBe(400);
    expect((await client.get('/api/v1/privacy/requests')).body.data).toEqual([]);
  });

  it("treats another organization's lead and request ids as unknown (404)", async () => {
    const a = await Client.signup(url, 'Privacy A');
    const b = await Client.signup(url, 'Privacy B');
    const lead = await b.client.post('/api/v1/leads', { first_name: 'Bea', last_name: 'Other', email: 'bea@other.example' });
    const viaLead = await a.client.post('/api/v1/privacy/requests', { type: 'erasure', lead_id: lead.body.id });
    expect(viaLead.status).toBe(404);
    expect(viaLead.body.field).toBe('lead_id');
    expect((await a.client.get(`/api/v1/privacy/erasure-preview?lead_id=${lead.body.id}`)).status).toBe(404);
    const mine = await b.client.post('/api/v1/privacy/requests', { type: 'export', email: 'bea@other.example' });
    expect(mine.status).toBe(202);
    expect(mine.body.status).toBe('received');
    expect(mine.body.requested_by.id).toBe(b.userId);
    expect(new Date(mine.body.due_at).getTime() - new Date(mine.body.received_at).getTime()).toBe(30 * 86_400_000);
    // Audited with the request's address, like every other audited action over HTTP.
    const received = await app().database.db.selectFrom('audit_log').select(['actor_id', 'ip_address']).where('action', '=', 'privacy.request').where('entity_id', '=', mine.body.id).executeTakeFirstOrThrow();
    expect(received).toMatchObject({ actor_id: b.userId, ip_address: '127.0.0.1' });
    expect((await a.client.get(`/api/v1/privacy/requests/${mine.body.id}`)).status).toBe(404);
    expect((await a.client.get(`/api/v1/privacy/requests/${mine.body.id}/download?token=${mine.body.download_token}`)).status).toBe(404);
    const list = await b.client.get('/api/v1/privacy/requests');
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([mine.body.id]);
    expect((await a.client.get('/api/v1/privacy/requests')).body.data).toEqual([]);
    // The lead lives on: nothing was acted on yet (no workers in this server).
    const preview = await b.client.get(`/api/v1/privacy/erasure-preview?lead_id=${lead.body.id}`);
    expect(preview.status).toBe(200);
    expect(preview.body.lead_ids).toEqual([lead.body.id]);
    expect(preview.body.counts.leads).toBe(1);
    // Not ready yet: a clear 412 rather than an empty file.
    expect((await b.client.get(`/api/v1/privacy/requests/${mine.body.id}/download?token=${mine.body.download_token}`)).status).toBe(412);
    expect(await app().database.db.selectFrom('privacy_requests').select('id').where('id', '=', randomUUID()).executeTakeFirst()).toBeUndefined();
  });
});
