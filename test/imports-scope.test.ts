import { beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../src/db/schema.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

/**
 * An import writes leads, so it follows the rules of POST and PATCH /leads: marketing (no
 * assign permission) cannot set owners or teams, a manager assigns only within their team
 * and changes only their team's leads, a sales rep cannot import at all, and an admin can
 * do everything. Nothing outside the importer's scope changes.
 */
const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));

let admin: Client;
const teams: Record<string, string> = {};
const users: Record<string, { id: string; client: Client }> = {};
const leads: Record<string, string> = {};

async function member(name: string, role: UserRole, team: string | null) {
  const inv = await admin.post('/api/v1/invitations', { email: `${name.toLowerCase().replace(" ", ".")}@scope.example`, role, team_id: team ? teams[team] : null });
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: name, password: 'correct horse battery' });
  c.csrf = r.body.csrf_token;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  users[name] = { id: (await c.get('/api/v1/me')).body.user.id, client: c };
}

async function upload(client: Client, csv: string) {
  const form = new FormData();
  form.append('file', new Blob([csv]), 'owners.csv');
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function runImport(client: Client, csv: string) {
  const up = await upload(client, csv);
  expect(up.status, JSON.stringify(up.body).slice(0, 1000)).toBe(201);
  expect((await client.post(`/api/v1/imports/${up.body.id}/start`)).status).toBe(202);
  const done = await until('import', async () => {
    const r = await client.get(`/api/v1/imports/${up.body.id}`);
    return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
  });
  const errors = await fetch(url(`/api/v1/imports/${up.body.id}/errors`), { headers: { cookie: client.cookie } });
  return { preview: up.body.preview, mapping: up.body.mapping, done, errors: await errors.text() };
}

const lead = async (id: string) => (await admin.get(`/api/v1/leads/${id}`)).body as { assigned_to: string | null; team_id: string | null; company: string | null; custom_fields: Record<string, unknown> };
const byEmail = async (email: string) => {
  const r = await admin.get(`/api/v1/leads?q=${encodeURIComponent(email)}`);
  return r.body.data.find((l: { email: string }) => l.email === email) as { id: string; assigned_to: string | null; team_id: string | null; company: string | null; custom_fields: Record<string, unknown> } | undefined;
};

beforeAll(async () => {
  ({ client: admin } = await Client.signup(url, 'Scope Co'));
  for (const name of ['Alpha', 'Beta']) teams[name] = (await admin.post('/api/v1/teams', { name })).body.id;
  await member('Mara Manager', 'manager', 'Alpha');
  await member('Mika Marketing', 'marketing', null);
  await member('Rita Rep', 'sales_rep', 'Alpha');
  await member('Bert Rep', 'sales_rep', 'Beta');
  const create = async (email: string, body: Record<string, unknown>) => {
    const r = await admin.post('/api/v1/leads', { first_name: email.split('@')[0], email, company: 'Original', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    leads[email] = r.body.id;
  };
  await create('beta@lead.example', { team_id: teams.Beta, assigned_to: users['Bert Rep']!.id });
  await create('alpha@lead.example', { team_id: teams.Alpha, assigned_to: users['Rita Rep']!.id });
});

describe(`Imports follow the role and team rules (${MODE})`, () => {
  it('marketing: owner and team columns stay custom fields (the preview says why); no lead changes owner or team', async () => {
    const csv = [
      'Email,First Name,Company,Lead Owner,Team',
      'beta@lead.example,,Marketing Co,Rita Rep,Alpha',
      'new-marketing@lead.example,Nia,Nia Co,Rita Rep,Alpha',
    ].join('\n');
    const { preview, done } = await runImport(users['Mika Marketing']!.client, csv);
    const notes = preview.columns.filter((n: { column: string }) => n.column === 'Lead Owner' || n.column === 'Team');
    expect(notes.map((n: { column: string; kind: string; message: string }) => [n.column, n.kind, /may not assign/.test(n.message)])).toEqual([
      ['Lead Owner', 'kept_as_custom', true], ['Team', 'kept_as_custom', true],
    ]);
    expect(preview.owners).toEqual([]);
    expect(done).toMatchObject({ status: 'completed', counts: { created: 1, updated: 1, rejected: 0 } });

    const beta = await lead(leads['beta@lead.example']!);
    expect({ assigned_to: beta.assigned_to, team_id: beta.team_id }).toEqual({ assigned_to: users['Bert Rep']!.id, team_id: teams.Beta });
    const created = await byEmail('new-marketing@lead.example');
    expect(created).toMatchObject({ assigned_to: null, team_id: null, custom_fields: { 'Lead Owner': 'Rita Rep', Team: 'Alpha' } });
  });

  it('manager: names outside their team match nobody, and leads of another team are refused, unchanged', async () => {
    const csv = [
      'Email,First Name,Company,Lead Owner,Team',
      'beta@lead.example,,Manager Co,Mara Manager,Alpha',
      'alpha@lead.example,,Alpha Co,Bert Rep,Beta',
      'new-a@lead.example,Ana,A Co,Rita Rep,Alpha',
      'new-b@lead.example,Ben,B Co,,',
    ].join('\n');
    const { preview, done, errors } = await runImport(users['Mara Manager']!.client, csv);
    const owners = Object.fromEntries(preview.owners.map((c: { column: string; matched: { value: string }[]; unmatched: { value: string; reason: string }[] }) => [c.column, {
      matched: c.matched.map((v) => v.value), unmatched: c.unmatched.map((v) => [v.value, v.reason]),
    }]));
    expect(owners).toEqual({
      'Lead Owner': { matched: ['Mara Manager', 'Rita Rep'], unmatched: [['Bert Rep', 'not in your team: you may assign leads only to members of your own team']] },
      Team: { matched: ['Alpha'], unmatched: [['Beta', 'not your team: you may place leads only in your own team']] },
    });
    expect(done).toMatchObject({ status: 'completed', counts: { created: 2, updated: 1, rejected: 1 } });
    expect(errors).toMatch(/beta@lead\.example.*belongs to another team or owner; your role \(manager\) may not change it/);

    // Another team's lead: untouched, owner, team and company alike.
    const beta = await lead(leads['beta@lead.example']!);
    expect({ assigned_to: beta.assigned_to, team_id: beta.team_id, company: beta.company }).toEqual({ assigned_to: users['Bert Rep']!.id, team_id: teams.Beta, company: 'Marketing Co' });
    // Their own team's lead: updated, but not handed to another team's rep or team.
    const alpha = await lead(leads['alpha@lead.example']!);
    expect({ assigned_to: alpha.assigned_to, team_id: alpha.team_id, company: alpha.company }).toEqual({ assigned_to: users['Rita Rep']!.id, team_id: teams.Alpha, company: 'Alpha Co' });
    // New leads: assigned within the team, and in the team (as POST /leads places a manager's leads).
    expect(await byEmail('new-a@lead.example')).toMatchObject({ assigned_to: users['Rita Rep']!.id, team_id: teams.Alpha });
    expect(await byEmail('new-b@lead.example')).toMatchObject({ assigned_to: null, team_id: teams.Alpha });
  });

  it('sales rep: may not import at all; nothing changes', async () => {
    const up = await upload(users['Rita Rep']!.client, 'Email,Lead Owner,Team\nbeta@lead.example,Rita Rep,Alpha\n');
    expect(up.status).toBe(403);
    expect(up.body.detail).toMatch(/sales_rep.*imports/);
    const beta = await lead(leads['beta@lead.example']!);
    expect({ assigned_to: beta.assigned_to, team_id: beta.team_id }).toEqual({ assigned_to: users['Bert Rep']!.id, team_id: teams.Beta });
  });

  it('a marketing API key (the CLI with LEADAI_API_KEY) follows the same rules: no owner or team changes', async () => {
    const key = (await admin.post('/api/v1/api-keys', { name: 'marketing cli', role: 'marketing' })).body.key as string;
    const form = new FormData();
    form.append('file', new Blob(['Email,Lead Owner,Team\nbeta@lead.example,Rita Rep,Alpha\n']), 'owners.csv');
    const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
    const up = (await res.json()) as { id: string };
    expect(res.status).toBe(201);
    const viaKey = Client.withKey(url, key);
    expect((await viaKey.post(`/api/v1/imports/${up.id}/start`)).status).toBe(202);
    const done = await until('import', async () => {
      const r = await viaKey.get(`/api/v1/imports/${up.id}`);
      return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
    });
    expect(done).toMatchObject({ status: 'completed', counts: { updated: 1, rejected: 0 } });
    const beta = await lead(leads['beta@lead.example']!);
    expect({ assigned_to: beta.assigned_to, team_id: beta.team_id, owner: beta.custom_fields['Lead Owner'] }).toEqual({ assigned_to: users['Bert Rep']!.id, team_id: teams.Beta, owner: 'Rita Rep' });
  });

  it('admin: assigns owners and teams across the organization', async () => {
    const { done } = await runImport(admin, 'Email,Lead Owner,Team\nbeta@lead.example,Rita Rep,Alpha\n');
    expect(done).toMatchObject({ status: 'completed', counts: { updated: 1, rejected: 0 } });
    const beta = await lead(leads['beta@lead.example']!);
    expect({ assigned_to: beta.assigned_to, team_id: beta.team_id }).toEqual({ assigned_to: users['Rita Rep']!.id, team_id: teams.Alpha });
  });
});
