import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../src/db/schema.ts';
import { ACCESS_EXTENSION, type Access, actionsOf } from '../src/http/access.ts';
import { can } from '../src/modules/auth/permissions.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { operations, withValue, type Operation } from './helpers/openapi-requests.ts';
import { SseStream } from './helpers/sse.ts';
import { until } from './helpers/wait.ts';
import { startReceiver } from './helpers/webhook-receiver.ts';

/**
 * The cross-tenant and cross-role sweep (issue 25), driven by the server's own OpenAPI
 * document so a new route is swept without touching this file:
 * - every operation declares who may use it (`x-leadai-action`);
 * - organization A's admin, given organization B's ids in every id slot of every
 *   operation, gets no 2xx on B's rows and never sees B's ids, names or e-mails;
 * - every role lacking the declared action gets 403 problem+json, and nothing changes;
 * - lists, search, exports, the live stream and webhooks of A never carry B's data.
 * Workers run (webhooks are delivered by them) but are stopped while the database is
 * compared before and after.
 */
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const ROLES: UserRole[] = ['admin', 'manager', 'sales_rep', 'marketing', 'viewer'];

type Kind =
  | 'lead' | 'lead2' | 'activity' | 'conversation' | 'team' | 'user' | 'invitation' | 'session' | 'api_key' | 'import'
  | 'tracking_key' | 'webhook' | 'delivery' | 'mailbox' | 'template' | 'rule' | 'workflow' | 'privacy_request' | 'view'
  | 'notification' | 'insight' | 'job' | 'email' | 'model_version';

interface Org {
  label: string;
  tag: string;
  organizationId: string;
  clients: Map<UserRole, Client>;
  userIds: Map<UserRole, string>;
  ids: Record<Kind, string>;
  /** Strings that only this organization's data contains: ids, names, e-mail addresses. */
  markers: string[];
}

/** Which kind of row a path parameter names, by the path (first match). */
const PATH_KINDS: [RegExp, Kind][] = [
  [/^\/api\/v1\/auth\/sessions\/\{id\}/, 'session'], [/^\/api\/v1\/api-keys\/\{id\}/, 'api_key'],
  [/^\/api\/v1\/users\/\{id\}/, 'user'], [/^\/api\/v1\/invitations\/\{id\}/, 'invitation'], [/^\/api\/v1\/teams\/\{id\}/, 'team'],
  [/^\/api\/v1\/leads\/\{id\}/, 'lead'], [/^\/api\/v1\/activities\/\{id\}/, 'activity'], [/^\/api\/v1\/conversations\/\{id\}/, 'conversation'],
  [/^\/api\/v1\/imports\/\{id\}/, 'import'], [/^\/api\/v1\/tracking\/keys\/\{id\}/, 'tracking_key'], [/^\/api\/v1\/saved-views\/\{id\}/, 'view'],
  [/^\/api\/v1\/models\/\{version\}/, 'model_version'], [/^\/api\/v1\/jobs\/\{id\}/, 'job'], [/^\/api\/v1\/insights\/\{id\}/, 'insight'],
  [/^\/api\/v1\/notifications\/\{id\}/, 'notification'], [/^\/api\/v1\/privacy\/requests\/\{id\}/, 'privacy_request'],
  [/^\/api\/v1\/assignment-rules\/\{id\}/, 'rule'], [/^\/api\/v1\/webhooks\/deliveries\/\{id\}/, 'delivery'], [/^\/api\/v1\/webhooks\/\{id\}/, 'webhook'],
  [/^\/api\/v1\/email-templates\/\{id\}/, 'template'], [/^\/api\/v1\/emails\/\{id\}/, 'email'], [/^\/api\/v1\/mailboxes\/\{id\}/, 'mailbox'],
  [/^\/api\/v1\/workflows\/\{id\}/, 'workflow'],
];
/** Which kind of row a body or query field names, by its name (and for bare `ids`, the path). */
function fieldKind(name: string, path: string): Kind | undefined {
  if (/^(lead_ids?|source_id)$/.test(name)) return 'lead';
  if (/^team_ids?$/.test(name)) return 'team';
  if (/^(user_ids?|assigned_to|manager_id|owner_ids?|actor_id)$/.test(name)) return 'user';
  if (name === 'activity_id') return 'activity';
  if (name === 'reply_to_conversation_id') return 'conversation';
  // The audit log's filter: any entity; a lead is the one every organization has.
  if (name === 'entity_id') return 'lead';
  if (name === 'template_id') return 'template';
  if (name === 'mailbox_id') return 'mailbox';
  if (name === 'ids' && path.startsWith('/api/v1/assignment-rules')) return 'rule';
  if (name === 'ids' && path.startsWith('/api/v1/workflows')) return 'workflow';
  return undefined;
}
const isIdName = (name: string) => /^(ids?|.+_ids?|assigned_to)$/.test(name);

/** Operations the sweeps leave out, each with its reason; any other operation is swept or the test fails. */
const NOT_SWEPT: Record<string, string> = {
  'POST /api/v1/auth/logout': 'ends the sweeping admin\'s own session; it takes no id',
  'GET /api/v1/stream': 'an endless response: swept by the stream test below',
  'POST /api/v1/track': 'public beacon: the write key in the body picks the organization, not the caller',
  'POST /api/v1/auth/signup': 'public, creates a new organization, no id slot',
  'POST /api/v1/auth/login': 'public, no id slot',
  'POST /api/v1/auth/accept-invitation': 'public: the invitation token picks the organization',
  'POST /api/v1/notifications/read-all': 'any signed-in user, their own notifications: no id, no role to refuse',
  'PUT /api/v1/notifications/preferences': 'any signed-in user, their own preferences: no id, no role to refuse',
  'POST /api/v1/saved-views': 'every role saves views of its own: no id slot, no role to refuse',
  'POST /api/v1/auth/password': 'any signed-in user, their own password (the current one asked again): no id slot, no role to refuse; proven in auth-session.test.ts',
};
/** Which sweep covered each operation; the last test checks that none was left out without a reason. */
const covered = new Map<string, Set<string>>();
const cover = (op: Operation, sweep: string) => covered.set(key(op), (covered.get(key(op)) ?? new Set()).add(sweep));
/** Id-like fields that are not rows of an organization: the client's own references and the stream's position. */
const NOT_TENANT_IDS = new Set(['last_event_id', 'external_id', 'thread_id', 'session_id', 'events.0.id', 'anonymous_id']);

let orgA: Org;
let orgB: Org;
let doc: Parameters<typeof operations>[0];
let receiver: Awaited<ReturnType<typeof startReceiver>>;

async function seed(label: string): Promise<Org> {
  const tag = `${label.toLowerCase()}${randomUUID().slice(0, 6)}`;
  const s = await Client.signup(url, `${label} ${tag}`);
  const admin = s.client;
  const ok = async (p: Promise<{ status: number; body: Record<string, any> }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };
  const clients = new Map<UserRole, Client>([['admin', admin]]);
  const userIds = new Map<UserRole, string>([['admin', s.userId]]);
  const markers = [tag, s.organizationId, s.userId, s.email];
  const team = (await ok(admin.post('/api/v1/teams', { name: `Team ${tag}` }))).id as string;
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const email = `${role.replace('_', '')}-${tag}@${tag}.example`;
    const inv = await ok(admin.post('/api/v1/invitations', { email, role }));
    const c = new Client(url);
    const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.token, full_name: `${role} ${tag}`, password: 'correct horse battery' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    c.csrf = r.body.csrf_token;
    clients.set(role, c);
    userIds.set(role, r.body.user_id ?? (await c.get('/api/v1/me')).body.user.id);
    markers.push(email, userIds.get(role)!);
  }
  const invitation = (await ok(admin.post('/api/v1/invitations', { email: `pending-${tag}@${tag}.example`, role: 'viewer' }))).id as string;
  const session = (await ok(admin.get('/api/v1/auth/sessions'))).data[0].id as string;
  const apiKey = (await ok(admin.post('/api/v1/api-keys', { name: `Key ${tag}`, role: 'viewer' }))).id as string;
  const lead = (await ok(admin.post('/api/v1/leads', { first_name: `Ada${tag}`, last_name: `Lovelace${tag}`, email: `ada-${tag}@${tag}.example`, company: `Company ${tag}`, team_id: team }))).id as string;
  const lead2 = (await ok(admin.post('/api/v1/leads', { first_name: `Grace${tag}`, last_name: `Hopper${tag}`, email: `grace-${tag}@${tag}.example` }))).id as string;
  const activity = (await ok(admin.post(`/api/v1/leads/${lead}/activities`, { type: 'call', subject: `Call ${tag}` }))).id as string;
  const conversation = (await ok(admin.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', content: `Hello from ${tag}` }))).id as string;
  await ok(admin.post(`/api/v1/leads/${lead}/consents`, { purpose: 'marketing' }));
  const boundary = `b${tag}`;
  const csv = `first_name,last_name,email\r\nImp${tag},Orted${tag},imported-${tag}@${tag}.example\r\n`;
  const upload = await fetch(url('/api/v1/imports'), {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="leads-${tag}.csv"\r\ncontent-type: text/csv\r\n\r\n${csv}--${boundary}--\r\n`,
  });
  const imported = (await upload.json()) as { id: string };
  expect(upload.status, JSON.stringify(imported)).toBeLessThan(300);
  const trackingKey = (await ok(admin.post('/api/v1/tracking/keys', {}))).id as string;
  await ok(admin.put('/api/v1/webhooks/settings', { allow_private_targets: true }));
  const webhook = (await ok(admin.post('/api/v1/webhooks', { url: `http://127.0.0.1:${receiver.port}/${label}`, description: `Hook ${tag}`, event_types: ['lead.created', 'lead.updated'] }))).id as string;
  const delivery = (await ok(admin.post(`/api/v1/webhooks/${webhook}/test`, {}))).id as string;
  const template = (await ok(admin.post('/api/v1/email-templates', { name: `Template ${tag}`, subject: `Subject ${tag}`, body_text: `Body ${tag}` }))).id as string;
  const rule = (await ok(admin.post('/api/v1/assignment-rules', { name: `Rule ${tag}`, distribution: 'single', user_ids: [userIds.get('sales_rep')] }))).id as string;
  const workflow = (await ok(admin.post('/api/v1/workflows', { name: `Workflow ${tag}`, trigger: { type: 'score_crosses', threshold: 50, direction: 'up' }, actions: [{ type: 'assign', user_id: userIds.get('sales_rep') }] }))).id as string;
  const privacyRequest = (await ok(admin.post('/api/v1/privacy/requests', { type: 'export', lead_id: lead2 }))).id as string;
  const view = (await ok(admin.post('/api/v1/saved-views', { name: `View ${tag}` }))).id as string;
  const job = String((await ok(admin.post('/api/v1/forecasts', {}))).job_id);
  // Rows only background work or IMAP would make, written directly (the same columns those make).
  const db = app().database.db;
  const org = s.organizationId;
  const one = async (q: ReturnType<typeof sql<{ id: string }>>) => (await q.execute(db)).rows[0]!.id;
  const notification = await one(sql<{ id: string }>`INSERT INTO notifications (organization_id, user_id, kind, title, lead_id, dedupe_key) VALUES (${org}, ${s.userId}, 'assigned', ${`Assigned ${tag}`}, ${lead}, ${`sweep:${tag}`}) RETURNING id`);
  const insight = await one(sql<{ id: string }>`INSERT INTO ai_insights (organization_id, lead_id, insight_type, reason, title, description, confidence) VALUES (${org}, ${lead}, 'buying_signal', 'pricing_spike', ${`Insight ${tag}`}, ${`About ${tag}`}, 0.5) RETURNING id`);
  const mailbox = await one(sql<{ id: string }>`INSERT INTO mailboxes (organization_id, user_id, host, port, security, username, auth_kind, secret_sealed) VALUES (${org}, ${s.userId}, ${`imap.${tag}.example`}, 993, 'tls', ${`box-${tag}`}, 'password', 'sealed') RETURNING id`);
  const email = await one(sql<{ id: string }>`INSERT INTO email_messages (organization_id, lead_id, from_address, to_address, subject, body_text, message_id, thread_id, token) VALUES (${org}, ${lead}, ${`me-${tag}@${tag}.example`}, ${`ada-${tag}@${tag}.example`}, ${`Mail ${tag}`}, ${`Text ${tag}`}, ${`<${tag}@${tag}.example>`}, ${`<${tag}@${tag}.example>`}, ${`tok-${tag}`}) RETURNING id`);
  // A model version only this organization has (A's v76, B's v77): B's must be unknown to A.
  const version = label === 'Alpha' ? 'v76' : 'v77';
  await sql`INSERT INTO scoring_models (organization_id, version, algorithm, is_active) VALUES (${org}, ${version}, 'prior', false)`.execute(db);
  const ids: Record<Kind, string> = {
    lead, lead2, activity, conversation, team, user: userIds.get('manager')!, invitation, session, api_key: apiKey, import: imported.id,
    tracking_key: trackingKey, webhook, delivery, mailbox, template, rule, workflow, privacy_request: privacyRequest, view,
    notification, insight, job, email, model_version: version,
  };
  // Job ids are small integers and a version is short: not markers (they occur in any text); the rest are.
  markers.push(...Object.entries(ids).filter(([k]) => k !== 'job' && k !== 'model_version').map(([, v]) => v));
  return { label, tag, organizationId: org, clients, userIds, ids, markers: [...new Set(markers.map((m) => m.toLowerCase()))] };
}

beforeAll(async () => {
  // Jobs wait until the webhook test: on the embedded database they would share its one connection with the set-up.
  await app().worker?.stop();
  receiver = await startReceiver();
  const t0 = Date.now();
  orgA = await seed('Alpha');
  orgB = await seed('Bravo');
  console.log(`access sweep: two organizations seeded in ${Date.now() - t0} ms`);
  doc = (await orgA.clients.get('admin')!.get('/api/openapi.json')).body as typeof doc;
}, 120_000);
afterAll(async () => receiver?.close());

const key = (op: Operation) => `${op.method} ${op.path}`;
const accessOf = (op: Operation) => op.extensions[ACCESS_EXTENSION] as Access | undefined;
const kindOfPath = (path: string) => PATH_KINDS.find(([re]) => re.test(path))?.[1];

/** The request for `op` with `org`'s ids in every path, query and body id slot (and minimal values elsewhere). */
function requestFor(op: Operation, org: Org): { url: string; body?: string; problems: string[] } {
  const problems: string[] = [];
  const idOf = (kind: Kind | undefined, what: string) => {
    if (!kind) {
      problems.push(`${key(op)}: no kind of row known for ${what} (add it to PATH_KINDS or fieldKind)`);
      return randomUUID();
    }
    return org.ids[kind];
  };
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(idOf(kindOfPath(op.path), `path parameter ${name}`)));
  const query = new URLSearchParams(op.query);
  let body = op.body;
  for (const slot of op.slots) {
    const name = String(slot.path.filter((p) => typeof p === 'string').at(-1));
    if (slot.in === 'path' || !isIdName(name) || NOT_TENANT_IDS.has(name) || NOT_TENANT_IDS.has(slot.name) || slot.kind !== 'text') continue;
    const id = idOf(fieldKind(name, op.path), `${slot.in} field ${slot.name}`);
    if (slot.in === 'query') query.set(slot.name, id);
    else body = withValue(body, slot.path, id);
  }
  const qs = query.toString();
  return { url: path + (qs ? `?${qs}` : ''), body: op.hasBody ? JSON.stringify(body) : undefined, problems };
}

async function send(client: Client, method: string, path: string, body?: string) {
  const res = await fetch(url(path), {
    method,
    headers: { cookie: client.cookie, ...(method !== 'GET' ? { 'x-csrf-token': client.csrf } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', raw: await res.text() };
}

/** B's markers found in `raw`, except the ids the request itself carried (echoing the caller's input reveals nothing). */
function leaks(raw: string, sent = ''): string[] {
  const text = raw.toLowerCase();
  const asked = sent.toLowerCase();
  return orgB.markers.filter((m) => text.includes(m) && !asked.includes(m));
}

/**
 * A fingerprint of every table (every column of every row) except sessions, whose
 * last_seen_at each request moves. Taken until two readings agree, so work still
 * settling from the set-up (the real-time outbox) is not mistaken for a change.
 */
async function snapshot(where?: { organizationId: string }): Promise<Record<string, string>> {
  const db = app().database.db;
  const read = async () => {
    const { rows: tables } = await sql<{ name: string; scoped: boolean }>`
      SELECT t.tablename AS name, EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name = t.tablename AND c.column_name = 'organization_id') AS scoped
      FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename NOT IN ('sessions') AND t.tablename NOT LIKE '%migration%' ORDER BY 1`.execute(db);
    const out: Record<string, string> = {};
    for (const { name, scoped } of tables) {
      if (where && !scoped) continue;
      const filter = where ? sql`WHERE x.organization_id = ${where.organizationId}` : sql``;
      const { rows } = await sql<{ h: string }>`SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${sql.table(name)} x ${filter}`.execute(db);
      out[name] = rows[0]!.h;
    }
    return out;
  };
  let previous = await read();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const current = await read();
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    previous = current;
  }
}

function changed(before: Record<string, string>, after: Record<string, string>) {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}

describe(`cross-tenant and cross-role sweep over every OpenAPI operation (${MODE})`, () => {
  let ops: Operation[];
  beforeAll(async () => {
    ops = operations(doc, (name) => orgA.ids[fieldKind(name, '') ?? 'lead']);
  });

  it('every operation declares who may use it, with known actions', () => {
    const undeclared = ops.filter((op) => accessOf(op) === undefined).map(key);
    expect(undeclared, 'operations without x-leadai-action (add config: { access } to the route)').toEqual([]);
    for (const op of ops) for (const action of actionsOf(accessOf(op)!)) expect(ROLES.some((r) => can(r, action)), `${key(op)}: ${action}`).toBe(true);
    console.log(`access sweep: ${ops.length} operations in the OpenAPI document, ${ops.filter((op) => NOT_SWEPT[key(op)]).length} left out with a reason: ${Object.keys(NOT_SWEPT).join('; ')}`);
    expect(ops.length).toBeGreaterThan(150);
  });

  it("with A's admin and B's ids in every id slot: no 2xx on B's rows, none of B's data in any answer, B unchanged", async () => {
    const admin = orgA.clients.get('admin')!;
    const before = await snapshot(orgB);
    const failures: string[] = [];
    let swept = 0;
    const statuses: Record<number, number> = {};
    const accepted: string[] = [];
    for (const op of ops) {
      if (NOT_SWEPT[key(op)]) continue;
      const req = requestFor(op, orgB);
      failures.push(...req.problems);
      const hasPathId = /\{\w+\}/.test(op.path);
      const hasIdSlot = hasPathId || req.url.includes('?') && orgB.markers.some((m) => req.url.toLowerCase().includes(m)) || (req.body !== undefined && orgB.markers.some((m) => req.body!.toLowerCase().includes(m)));
      if (!hasIdSlot) continue;
      swept++;
      cover(op, 'B ids');
      const r = await send(admin, op.method, req.url, req.body);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status < 300) accepted.push(`${key(op)} ${r.status}`);
      const shown = `${op.method} ${req.url} ${req.body ?? ''} → ${r.status} ${r.raw.slice(0, 200)}`;
      if (r.status >= 500) failures.push(`5xx: ${shown}`);
      // B's row named in the address: refused, never served. 404 mostly; 400/403/422 where the route validates or checks first.
      if (hasPathId && ![400, 403, 404, 409, 422].includes(r.status)) failures.push(`not refused: ${shown}`);
      const found = leaks(r.raw, req.url + (req.body ?? ''));
      if (found.length > 0) failures.push(`B's data (${found.join(', ')}) in: ${shown}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect(changed(before, await snapshot(orgB)), "B's tables changed").toEqual([]);
    console.log(`access sweep: ${swept} operations sent B's ids with A's admin credentials; answers by status: ${JSON.stringify(statuses)}; accepted (B's ids only as filters or list items, nothing of B's shown): ${accepted.join(', ')}`);
    expect(swept).toBeGreaterThan(80);
  });

  it('every role lacking the declared action gets 403 problem+json, and nothing changes', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    let refusals = 0;
    for (const op of ops) {
      const access = accessOf(op);
      if (!access) continue;
      const actions = actionsOf(access);
      if (actions.length === 0) continue; // public or any signed-in user: no role to refuse
      const req = requestFor(op, orgA);
      for (const role of ROLES) {
        if (actions.some((a) => can(role, a))) continue;
        refusals++;
        cover(op, 'roles');
        const r = await send(orgA.clients.get(role)!, op.method, req.url, req.body);
        let detail = '';
        try { detail = String((JSON.parse(r.raw) as { detail?: unknown }).detail ?? ''); } catch { /* reported below */ }
        if (r.status !== 403 || !/application\/problem\+json/.test(r.type) || !/may not/.test(detail)) failures.push(`${role} ${op.method} ${req.url} → ${r.status} ${r.raw.slice(0, 160)}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect(changed(before, await snapshot()), 'tables changed by refused requests').toEqual([]);
    console.log(`access sweep: ${refusals} (operation, role) pairs refused with 403`);
    expect(refusals).toBeGreaterThan(200);
  });

  it("every read of A (with A's ids) carries none of B's data: lists, search, counts, exports", async () => {
    const admin = orgA.clients.get('admin')!;
    const failures: string[] = [];
    let reads = 0;
    for (const op of ops.filter((o) => o.method === 'GET' && !NOT_SWEPT[key(o)])) {
      const req = requestFor(op, orgA);
      reads++;
      cover(op, 'reads');
      const r = await send(admin, 'GET', req.url);
      if (r.status >= 500) failures.push(`5xx: GET ${req.url} → ${r.status}`);
      const found = leaks(r.raw);
      if (found.length > 0) failures.push(`B's data (${found.join(', ')}) in GET ${req.url} → ${r.status} ${r.raw.slice(0, 200)}`);
    }
    // Searching for B's people by name, e-mail and company, and the exports in both formats.
    const bLead = `ada-${orgB.tag}@${orgB.tag}.example`;
    for (const path of [
      `/api/v1/leads?q=${encodeURIComponent(`Ada${orgB.tag}`)}`, `/api/v1/leads?q=${encodeURIComponent(bLead)}`, `/api/v1/leads?q=${encodeURIComponent(orgB.tag)}`,
      `/api/v1/leads/count?q=${encodeURIComponent(orgB.tag)}`, '/api/v1/leads/export?format=csv', '/api/v1/leads/export?format=ndjson',
      `/api/v1/leads/export?format=csv&q=${encodeURIComponent(orgB.tag)}`, '/api/v1/audit?limit=200', '/api/v1/activities?limit=200', '/api/v1/conversations?limit=200',
    ]) {
      reads++;
      const r = await send(admin, 'GET', path);
      expect(r.status, `${path} ${r.raw.slice(0, 200)}`).toBe(200);
      const found = leaks(r.raw, path);
      if (found.length > 0) failures.push(`B's data (${found.join(', ')}) in GET ${path}`);
    }
    // The exports really list A's leads (a broken export that returns nothing would pass the scan).
    expect((await send(admin, 'GET', '/api/v1/leads/export?format=csv')).raw).toContain(`Ada${orgA.tag}`);
    expect(failures, failures.join('\n')).toEqual([]);
    console.log(`access sweep: ${reads} reads by A scanned for B's data`);
  });

  it('left no operation out without a listed reason', () => {
    const missed = ops.filter((op) => !covered.has(key(op)) && !NOT_SWEPT[key(op)]).map(key);
    expect(missed, 'operations no sweep sent (sweep them, or list them in NOT_SWEPT with the reason)').toEqual([]);
    console.log(`access sweep: ${covered.size} of ${ops.length} operations swept, ${ops.length - covered.size} listed with a reason`);
  });
});

describe(`A's live stream and webhooks never carry B's events (${MODE})`, () => {
  it("B's changes reach B's webhook, and neither A's stream nor A's webhook", async () => {
    app().worker?.start();
    const admin = orgA.clients.get('admin')!;
    const stream = await SseStream.open(url('/api/v1/stream'), { cookie: admin.cookie });
    expect(stream.status).toBe(200);
    await stream.waitFor((events) => events.some((e) => e.event === 'ready'));
    const bAdmin = orgB.clients.get('admin')!;
    // B is watching too: the hub then holds both organizations' events at once.
    const bStream = await SseStream.open(url('/api/v1/stream'), { cookie: bAdmin.cookie });
    await bStream.waitFor((events) => events.some((e) => e.event === 'ready'));
    const bLead = (await bAdmin.post('/api/v1/leads', { first_name: `Live${orgB.tag}`, last_name: 'B', email: `live-${orgB.tag}@${orgB.tag}.example` })).body.id as string;
    expect((await bAdmin.patch(`/api/v1/leads/${orgB.ids.lead}`, { status: 'contacted' })).status).toBe(200);
    orgB.markers.push(bLead.toLowerCase());
    // A's own change after B's: once it has arrived on A's stream and at A's webhook, B's would have too.
    const aLead = (await admin.post('/api/v1/leads', { first_name: 'Sentinel', last_name: orgA.tag })).body.id as string;
    await stream.waitFor((events) => events.some((e) => e.data.includes(aLead)), 20_000, "A's own lead.created");
    await until("A's webhook delivery", async () => receiver.at('/Alpha').some((r) => r.body.includes(aLead)), 60_000);
    // B's event went out (to wherever it goes): by then a leak into A's endpoint would have happened.
    await until("B's webhook delivery", async () => receiver.received.some((r) => r.body.includes(bLead)), 60_000);
    await bStream.waitFor((events) => events.some((e) => e.data.includes(bLead)), 20_000, "B's own lead.created on B's stream");
    stream.close();
    bStream.close();
    const streamed = stream.events.map((e) => e.data).join('\n');
    expect(leaks(streamed), "B in A's stream").toEqual([]);
    const delivered = receiver.at('/Alpha').map((r) => r.body).join('\n');
    expect(leaks(delivered), "B in A's webhook deliveries").toEqual([]);
    // B's endpoint did get B's events: the receiver sees B's deliveries at all.
    expect(receiver.at('/Bravo').some((r) => r.body.includes(bLead))).toBe(true);
  }, 120_000);
});
