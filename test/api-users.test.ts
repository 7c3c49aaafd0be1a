import { describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

const { url } = useServer();

async function invite(admin: Client, email: string, role: string, teamId?: string) {
  const inv = await admin.post('/api/v1/invitations', { email, role, ...(teamId ? { team_id: teamId } : {}) });
  expect(inv.status).toBe(201);
  const c = new Client(url);
  const accepted = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: email.split('@')[0], password: 'correct horse battery' });
  expect(accepted.status).toBe(201);
  c.csrf = accepted.body.csrf_token;
  return { client: c, userId: accepted.body.user_id as string, token: inv.body.token as string, invitationId: inv.body.id as string };
}

describe(`organization, teams, users and invitations over HTTP (${MODE})`, () => {
  it('reads and changes the own organization; settings merge; only admins change them', async () => {
    const { client } = await Client.signup(url, 'Settings Co');
    expect((await client.patch('/api/v1/organization', { settings: { competitors: ['Globex'] } })).status).toBe(200);
    const r = await client.patch('/api/v1/organization', { industry: 'Software', settings: { currency: 'EUR' } });
    expect(r.body.settings).toEqual({ competitors: ['Globex'], currency: 'EUR' });
    expect(r.body.industry).toBe('Software');
    const viewer = await invite(client, 'viewer@settings.example', 'viewer');
    expect((await viewer.client.get('/api/v1/organization')).body.name).toBe('Settings Co');
    expect((await viewer.client.patch('/api/v1/organization', { name: 'Mine now' })).status).toBe(403);
  });

  it('invitations are single-use, revocable and land the person in the right role and team', async () => {
    const { client } = await Client.signup(url, 'Invite Co');
    const team = (await client.post('/api/v1/teams', { name: 'North' })).body;
    const rep = await invite(client, 'rep@invite.example', 'sales_rep', team.id);
    const me = await rep.client.get('/api/v1/me');
    expect(me.body.user).toMatchObject({ role: 'sales_rep', team_id: team.id, email: 'rep@invite.example' });
    const reuse = await new Client(url).post('/api/v1/auth/accept-invitation', { token: rep.token, full_name: 'Again', password: 'correct horse battery' });
    expect(reuse.status).toBe(404);
    const open = await client.post('/api/v1/invitations', { email: 'late@invite.example', role: 'viewer' });
    expect((await client.delete(`/api/v1/invitations/${open.body.id}`)).status).toBe(204);
    expect((await new Client(url).post('/api/v1/auth/accept-invitation', { token: open.body.token, full_name: 'Late', password: 'correct horse battery' })).status).toBe(404);
    expect((await rep.client.post('/api/v1/invitations', { email: 'x@invite.example', role: 'admin' })).status).toBe(403);
    const teams = await client.get('/api/v1/teams');
    expect(teams.body.data).toEqual([expect.objectContaining({ name: 'North', members: 1 })]);
  });

  it('deactivating a user stops their sessions and API keys at once; the last admin stays', async () => {
    const { client, userId: adminId } = await Client.signup(url, 'Offboard Co');
    const second = await invite(client, 'second-admin@offboard.example', 'admin');
    const key = (await second.client.post('/api/v1/api-keys', { name: 'theirs', role: 'viewer' })).body.key as string;
    const keyClient = Client.withKey(url, key);
    expect((await keyClient.get('/api/v1/leads')).status).toBe(200);
    expect((await client.patch(`/api/v1/users/${second.userId}`, { is_active: false })).status).toBe(200);
    expect((await second.client.get('/api/v1/me')).status).toBe(401);
    expect((await keyClient.get('/api/v1/leads')).status).toBe(401);
    const relogin = await new Client(url).post('/api/v1/auth/login', { email: 'second-admin@offboard.example', password: 'correct horse battery' });
    expect(relogin.status).toBe(401);
    const last = await client.patch(`/api/v1/users/${adminId}`, { role: 'viewer' });
    expect(last.status).toBe(412);
    expect(last.body.detail).toMatch(/last active admin/);
  });

  it('a role change applies to the next request of that user, even one just recognised', async () => {
    const { client } = await Client.signup(url, 'Demote Co');
    const second = await invite(client, 'demoted@demote.example', 'manager');
    expect((await second.client.post('/api/v1/leads', { first_name: 'Before', last_name: 'Change' })).status).toBe(201);
    expect((await client.patch(`/api/v1/users/${second.userId}`, { role: 'viewer' })).status).toBe(200);
    const denied = await second.client.post('/api/v1/leads', { first_name: 'After', last_name: 'Change' });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/viewer/);
  });

  it("refuses other organizations' users, teams and invitations by id", async () => {
    const a = await Client.signup(url, 'A Co');
    const b = await Client.signup(url, 'B Co');
    const bTeam = (await b.client.post('/api/v1/teams', { name: 'B team' })).body;
    const bInv = (await b.client.post('/api/v1/invitations', { email: 'z@b.example', role: 'viewer' })).body;
    expect((await a.client.patch(`/api/v1/users/${b.userId}`, { role: 'viewer' })).status).toBe(404);
    expect((await a.client.patch(`/api/v1/teams/${bTeam.id}`, { name: 'mine' })).status).toBe(404);
    expect((await a.client.delete(`/api/v1/teams/${bTeam.id}`)).status).toBe(404);
    expect((await a.client.delete(`/api/v1/invitations/${bInv.id}`)).status).toBe(404);
    const invalid = await a.client.post('/api/v1/invitations', { email: 'q@a.example', role: 'viewer', team_id: bTeam.id });
    expect(invalid.status).toBe(422);
    expect((await a.client.get('/api/v1/users')).body.data.map((u: { id: string }) => u.id)).toEqual([a.userId]);
    expect((await a.client.get('/api/v1/teams')).body.data).toEqual([]);
  });
});
