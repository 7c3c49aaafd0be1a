import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../src/db/schema.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

/**
 * Every role × every route family, allowed and denied, through real sessions. "Allowed"
 * means the role check passed (the answer may still be 404 or 422 for the test's ids);
 * "denied" means 403. The expected table is written out here, independent of the code,
 * and matches the README's permission table.
 */
const ROLES: UserRole[] = ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'];
type Family =
  | 'leads: read' | 'leads: create/change' | 'leads: delete' | 'leads: assign' | 'leads: merge'
  | 'activities: log' | 'conversations: record' | 'organization: read' | 'organization: settings'
  | 'users: read' | 'users: invite/manage' | 'teams: change' | 'api keys' | 'own sessions'
  | 'tracking keys: read' | 'tracking keys: manage' | 'journey: record'
  | 'leads: export' | 'scores: read' | 'models: list' | 'models: train/activate' | 'leads: rescore all'
  | 'insights: read' | 'insights: acknowledge/dismiss' | 'forecasts: read' | 'forecasts: run'
  | 'privacy: requests list' | 'privacy: new request' | 'privacy: request status' | 'privacy: export download' | 'privacy: erasure preview'
  | 'privacy: retention policies' | 'privacy: retention run'
  | 'audit: read' | 'consents: read' | 'consents: record/withdraw';

const EXPECTED: Record<Family, UserRole[]> = {
  'leads: read': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'leads: create/change': ['sales_rep', 'manager', 'admin'],
  'leads: delete': ['manager', 'admin'],
  'leads: assign': ['manager', 'admin'],
  'leads: merge': ['manager', 'admin'],
  'activities: log': ['sales_rep', 'manager', 'admin'],
  'conversations: record': ['sales_rep', 'manager', 'admin'],
  'organization: read': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'organization: settings': ['admin'],
  'users: read': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'users: invite/manage': ['admin'],
  'teams: change': ['manager', 'admin'],
  'api keys': ['admin'],
  'own sessions': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'tracking keys: read': ['marketing', 'admin'],
  'tracking keys: manage': ['admin'],
  'journey: record': ['marketing', 'admin'],
  'leads: export': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'scores: read': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'models: list': ['manager', 'admin'],
  'models: train/activate': ['admin'],
  'leads: rescore all': ['manager', 'admin'],
  'insights: read': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'insights: acknowledge/dismiss': ['sales_rep', 'manager', 'admin'],
  'forecasts: read': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'forecasts: run': ['manager', 'admin'],
  'privacy: requests list': ['admin'],
  'privacy: new request': ['admin'],
  'privacy: request status': ['admin'],
  'privacy: export download': ['admin'],
  'privacy: erasure preview': ['admin'],
  'privacy: retention policies': ['admin'],
  'privacy: retention run': ['admin'],
  'audit: read': ['admin'],
  'consents: read': ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
  'consents: record/withdraw': ['marketing', 'sales_rep', 'manager', 'admin'],
};

const { url } = useServer();
const clients = new Map<UserRole, Client>();
let teamId: string;

beforeAll(async () => {
  const { client: admin } = await Client.signup(url, 'Matrix');
  clients.set('admin', admin);
  teamId = (await admin.post('/api/v1/teams', { name: 'Matrix team' })).body.id;
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const inv = await admin.post('/api/v1/invitations', { email: `${role}@matrix.example`, role, team_id: teamId });
    const c = new Client(url);
    const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: role, password: 'correct horse battery' });
    c.csrf = r.body.csrf_token;
    clients.set(role, c);
  }
});

const attempt: Record<Family, (c: Client) => Promise<{ status: number }>> = {
  'leads: read': (c) => c.get('/api/v1/leads'),
  'leads: create/change': (c) => c.post('/api/v1/leads', { first_name: 'M', last_name: randomUUID() }),
  'leads: delete': (c) => c.delete(`/api/v1/leads/${randomUUID()}`),
  'leads: assign': (c) => c.post('/api/v1/leads/assign', { lead_ids: [randomUUID()], assigned_to: null }),
  'leads: merge': (c) => c.post(`/api/v1/leads/${randomUUID()}/merge`, { source_id: randomUUID() }),
  'activities: log': (c) => c.post(`/api/v1/leads/${randomUUID()}/activities`, { type: 'note' }),
  'conversations: record': (c) => c.post(`/api/v1/leads/${randomUUID()}/conversations`, { direction: 'inbound', channel: 'email', content: 'x' }),
  'organization: read': (c) => c.get('/api/v1/organization'),
  'organization: settings': (c) => c.patch('/api/v1/organization', { settings: { matrix: true } }),
  'users: read': (c) => c.get('/api/v1/users'),
  'users: invite/manage': (c) => c.post('/api/v1/invitations', { email: `${randomUUID()}@matrix.example`, role: 'viewer' }),
  'teams: change': (c) => c.patch(`/api/v1/teams/${teamId}`, { description: 'changed' }),
  'api keys': (c) => c.get('/api/v1/api-keys'),
  'own sessions': (c) => c.get('/api/v1/auth/sessions'),
  'tracking keys: read': (c) => c.get('/api/v1/tracking/keys'),
  'tracking keys: manage': (c) => c.delete(`/api/v1/tracking/keys/${randomUUID()}`),
  'journey: record': (c) => c.post(`/api/v1/leads/${randomUUID()}/journey`, { events: [{ type: 'email_open' }] }),
  // No lead of the matrix organization is won: the export is empty, so its body parses.
  'leads: export': (c) => c.get('/api/v1/leads/export?format=ndjson&status=closed_won'),
  'scores: read': (c) => c.get(`/api/v1/leads/${randomUUID()}/score`),
  'models: list': (c) => c.get('/api/v1/models'),
  'models: train/activate': (c) => c.post('/api/v1/models/v999/activate', {}),
  'leads: rescore all': (c) => c.post('/api/v1/leads/rescore', {}),
  'insights: read': (c) => c.get('/api/v1/insights'),
  'insights: acknowledge/dismiss': (c) => c.post(`/api/v1/insights/${randomUUID()}/dismiss`, { reason: 'not relevant' }),
  'forecasts: read': (c) => c.get('/api/v1/forecasts?granularity=weekly'),
  'forecasts: run': (c) => c.post('/api/v1/forecasts', {}),
  // A lead id that exists nowhere: the admin gets 404 (allowed, nothing made), everyone else 403.
  'privacy: requests list': (c) => c.get('/api/v1/privacy/requests'),
  'privacy: new request': (c) => c.post('/api/v1/privacy/requests', { type: 'erasure', lead_id: randomUUID() }),
  'privacy: request status': (c) => c.get(`/api/v1/privacy/requests/${randomUUID()}`),
  'privacy: export download': (c) => c.get(`/api/v1/privacy/requests/${randomUUID()}/download?token=${'t'.repeat(20)}`),
  'privacy: erasure preview': (c) => c.get(`/api/v1/privacy/erasure-preview?lead_id=${randomUUID()}`),
  'privacy: retention policies': (c) => c.get('/api/v1/privacy/retention'),
  // A dry run: allowed means the report, and nothing is deleted.
  'privacy: retention run': (c) => c.post('/api/v1/privacy/retention/run', { dry_run: true }),
  'audit: read': (c) => c.get('/api/v1/audit'),
  'consents: read': (c) => c.get(`/api/v1/leads/${randomUUID()}/consents`),
  'consents: record/withdraw': (c) => c.post(`/api/v1/leads/${randomUUID()}/consents/withdraw`, { purpose: 'tracking' }),
};

describe(`permission matrix (${MODE})`, () => {
  for (const family of Object.keys(EXPECTED) as Family[]) {
    it(family, async () => {
      const outcome: Record<string, string> = {};
      for (const role of ROLES) {
        const r = await attempt[family](clients.get(role)!);
        expect(r.status, `${role} on ${family}`).toBeLessThan(500);
        outcome[role] = r.status === 403 ? 'denied' : r.status === 401 ? 'unauthenticated' : 'allowed';
      }
      const expected = Object.fromEntries(ROLES.map((role) => [role, EXPECTED[family].includes(role) ? 'allowed' : 'denied']));
      expect(outcome).toEqual(expected);
    });
  }
});

/**
 * Row scope, written out independently of the code and matching the README's role table:
 * who may log, change and delete activities and conversations on a lead that is their own,
 * their team's or another team's, and in which team they may create leads. "hidden" is a
 * 404 (the caller may not even read the lead); "denied" a 403.
 */
type Where = 'own lead' | "own team's lead" | "other team's lead";
type Outcome = 'allowed' | 'denied' | 'hidden';
const WHERE: Where[] = ['own lead', "own team's lead", "other team's lead"];
const SCOPED: Record<UserRole, Record<Where, Outcome>> = {
  viewer: { 'own lead': 'denied', "own team's lead": 'denied', "other team's lead": 'denied' },
  marketing: { 'own lead': 'denied', "own team's lead": 'denied', "other team's lead": 'denied' },
  sales_rep: { 'own lead': 'allowed', "own team's lead": 'allowed', "other team's lead": 'hidden' },
  manager: { 'own lead': 'allowed', "own team's lead": 'allowed', "other team's lead": 'denied' },
  admin: { 'own lead': 'allowed', "own team's lead": 'allowed', "other team's lead": 'allowed' },
};
/** A sales rep changes only the activities they logged themselves; on an admin's they are denied where they may read the lead. */
const EDIT_ADMINS_ACTIVITY: Record<UserRole, Record<Where, Outcome>> = {
  ...SCOPED,
  sales_rep: { 'own lead': 'denied', "own team's lead": 'denied', "other team's lead": 'hidden' },
};
const outcomeOf = (status: number): Outcome | string => (status < 300 ? 'allowed' : status === 403 ? 'denied' : status === 404 ? 'hidden' : `status ${status}`);

describe(`permission matrix by lead: own, own team's, another team's (${MODE})`, () => {
  let admin: Client;
  let otherTeamId: string;
  const userIds = new Map<UserRole, string>();
  const leads = new Map<string, string>();

  beforeAll(async () => {
    admin = clients.get('admin')!;
    otherTeamId = (await admin.post('/api/v1/teams', { name: 'Other team' })).body.id;
    const users = (await admin.get('/api/v1/users')).body.data as { id: string; role: UserRole; email: string }[];
    for (const u of users) if (u.email.endsWith('@matrix.example')) userIds.set(u.role, u.id);
    userIds.set('admin', users.find((u) => u.role === 'admin')!.id);
    for (const role of ROLES) {
      const own = await admin.post('/api/v1/leads', { first_name: 'Own', last_name: role, team_id: teamId, assigned_to: userIds.get(role) });
      const team = await admin.post('/api/v1/leads', { first_name: 'Team', last_name: role, team_id: teamId, assigned_to: null });
      const other = await admin.post('/api/v1/leads', { first_name: 'Other', last_name: role, team_id: otherTeamId, assigned_to: null, email: `other-${role}@leads.example` });
      for (const r of [own, team, other]) expect(r.status, JSON.stringify(r.body)).toBe(201);
      leads.set(`${role}/own lead`, own.body.id);
      leads.set(`${role}/own team's lead`, team.body.id);
      leads.set(`${role}/other team's lead`, other.body.id);
    }
  });

  async function matrix(act: (c: Client, leadId: string) => Promise<{ status: number }>) {
    const outcome: Record<string, Record<string, string>> = {};
    for (const role of ROLES) {
      outcome[role] = {};
      for (const where of WHERE) outcome[role][where] = outcomeOf((await act(clients.get(role)!, leads.get(`${role}/${where}`)!)).status);
    }
    return outcome;
  }
  const newActivity = async (leadId: string) => (await admin.post(`/api/v1/leads/${leadId}/activities`, { type: 'note', subject: 'by admin' })).body.id as string;
  const newConversation = async (leadId: string) => (await admin.post(`/api/v1/leads/${leadId}/conversations`, { direction: 'inbound', channel: 'email', content: 'by admin' })).body.id as string;

  it('activities: log on a lead', async () => {
    expect(await matrix((c, lead) => c.post(`/api/v1/leads/${lead}/activities`, { type: 'call' }))).toEqual(SCOPED);
  });
  it("activities: edit an admin's activity", async () => {
    expect(await matrix(async (c, lead) => c.patch(`/api/v1/activities/${await newActivity(lead)}`, { subject: 'edited' }))).toEqual(EDIT_ADMINS_ACTIVITY);
  });
  it("activities: delete an admin's activity", async () => {
    expect(await matrix(async (c, lead) => c.delete(`/api/v1/activities/${await newActivity(lead)}`))).toEqual(EDIT_ADMINS_ACTIVITY);
  });
  it('activities: a sales rep edits and deletes what they logged', async () => {
    const rep = clients.get('sales_rep')!;
    for (const where of ['own lead', "own team's lead"] as const) {
      const id = (await rep.post(`/api/v1/leads/${leads.get(`sales_rep/${where}`)}/activities`, { type: 'call' })).body.id;
      expect((await rep.patch(`/api/v1/activities/${id}`, { subject: 'mine' })).status).toBe(200);
      expect((await rep.delete(`/api/v1/activities/${id}`)).status).toBe(204);
    }
  });
  it('conversations: record on a lead', async () => {
    expect(await matrix((c, lead) => c.post(`/api/v1/leads/${lead}/conversations`, { direction: 'outbound', channel: 'phone', content: 'hi' }))).toEqual(SCOPED);
  });
  it('conversations: edit', async () => {
    expect(await matrix(async (c, lead) => c.patch(`/api/v1/conversations/${await newConversation(lead)}`, { content: 'edited' }))).toEqual(SCOPED);
  });
  it('conversations: delete', async () => {
    expect(await matrix(async (c, lead) => c.delete(`/api/v1/conversations/${await newConversation(lead)}`))).toEqual(SCOPED);
  });
  it('a rejected write changes nothing: the activity and conversation are still there, unchanged', async () => {
    const lead = leads.get("manager/other team's lead")!;
    const activity = await newActivity(lead);
    const conversation = await newConversation(lead);
    const manager = clients.get('manager')!;
    expect((await manager.patch(`/api/v1/activities/${activity}`, { subject: 'nope' })).status).toBe(403);
    expect((await manager.delete(`/api/v1/conversations/${conversation}`)).status).toBe(403);
    expect((await admin.get(`/api/v1/activities/${activity}`)).body.subject).toBe('by admin');
    expect((await admin.get(`/api/v1/conversations/${conversation}`)).status).toBe(200);
  });

  it('leads: create in their own team and in another team', async () => {
    const outcome: Record<string, Record<string, string>> = {};
    for (const role of ROLES) {
      const c = clients.get(role)!;
      outcome[role] = {
        'own team': outcomeOf((await c.post('/api/v1/leads', { first_name: 'T', last_name: randomUUID(), team_id: teamId })).status),
        'other team': outcomeOf((await c.post('/api/v1/leads', { first_name: 'T', last_name: randomUUID(), team_id: otherTeamId })).status),
      };
    }
    expect(outcome).toEqual({
      viewer: { 'own team': 'denied', 'other team': 'denied' },
      marketing: { 'own team': 'denied', 'other team': 'denied' },
      sales_rep: { 'own team': 'allowed', 'other team': 'denied' },
      manager: { 'own team': 'allowed', 'other team': 'denied' },
      admin: { 'own team': 'allowed', 'other team': 'allowed' },
    });
  });

  it('leads: a manager moves no lead into another team, by change or by assignment', async () => {
    const manager = clients.get('manager')!;
    const lead = leads.get("manager/own team's lead")!;
    expect((await manager.patch(`/api/v1/leads/${lead}`, { team_id: otherTeamId })).status).toBe(403);
    expect((await manager.post('/api/v1/leads/assign', { lead_ids: [lead], assigned_to: null, team_id: otherTeamId })).status).toBe(403);
    expect((await admin.get(`/api/v1/leads/${lead}`)).body.team_id).toBe(teamId);
  });

  it("a duplicate email answers 409 without the id of a lead the caller cannot read", async () => {
    const hiddenId = leads.get("sales_rep/other team's lead")!;
    const rep = clients.get('sales_rep')!;
    const created = await rep.post('/api/v1/leads', { first_name: 'Dup', last_name: 'Rep', email: 'other-sales_rep@leads.example' });
    expect(created.status).toBe(409);
    expect(created.body.detail).toMatch(/email/);
    expect(JSON.stringify(created.body)).not.toContain(hiddenId);
    const mine = leads.get('sales_rep/own lead')!;
    const patched = await rep.patch(`/api/v1/leads/${mine}`, { email: 'OTHER-sales_rep@leads.example' });
    expect(patched.status).toBe(409);
    expect(JSON.stringify(patched.body)).not.toContain(hiddenId);
    // Someone who may read the other lead is told which one it is.
    const byManager = await clients.get('manager')!.post('/api/v1/leads', { first_name: 'Dup', last_name: 'Manager', email: 'other-sales_rep@leads.example' });
    expect(byManager.status).toBe(409);
    expect(byManager.body.existing_id).toBe(hiddenId);
  });
});
