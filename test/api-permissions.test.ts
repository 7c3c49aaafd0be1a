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
  | 'insights: read' | 'insights: acknowledge/dismiss';

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
