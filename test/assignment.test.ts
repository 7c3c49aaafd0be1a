import { randomUUID } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserRole } from '../src/db/schema.ts';
import { createImportsService } from '../src/modules/imports/imports.service.ts';
import { assignScoredLeads } from '../src/modules/assignment/assignment.service.ts';
import { createScoringService } from '../src/modules/scoring/scoring.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

const { url, app } = useServer();
const db = () => app().database.db;

let A: Awaited<ReturnType<typeof Client.signup>>;
let B: Awaited<ReturnType<typeof Client.signup>>;
const users: Record<string, { id: string; client: Client }> = {};
let teamId: string;
let otherTeamUserId: string;
let writeKey: string;

async function member(org: typeof A, name: string, role: UserRole, team: string | null) {
  const inv = await org.client.post('/api/v1/invitations', { email: `${name.toLowerCase().replace(/\W/g, '.')}-${randomUUID().slice(0, 6)}@assign.example`, role, team_id: team });
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: name, password: 'correct horse battery' });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  c.csrf = r.body.csrf_token;
  return { id: (await c.get('/api/v1/me')).body.user.id as string, client: c };
}

async function newLead(body: Record<string, unknown> = {}, client = A.client) {
  const tag = randomUUID().slice(0, 8);
  const r = await client.post('/api/v1/leads', { first_name: 'Lee', last_name: `Lead ${tag}`, email: `lee-${tag}@leads.example`, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; assigned_to: string | null; team_id: string | null };
}

async function rule(body: Record<string, unknown>, client = A.client) {
  const r = await client.post('/api/v1/assignment-rules', { name: `Rule ${randomUUID().slice(0, 4)}`, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; name: string; position: number };
}

/** Every rule and the fallback go: each test starts from an organization without rules. */
async function clearRules() {
  for (const r of (await A.client.get('/api/v1/assignment-rules')).body.data as { id: string }[]) {
    expect((await A.client.delete(`/api/v1/assignment-rules/${r.id}`)).status).toBe(204);
  }
  expect((await A.client.put('/api/v1/assignment-rules/fallback', { user_id: null })).status).toBe(200);
}

async function timelineAssignments(leadId: string) {
  const r = await A.client.get(`/api/v1/leads/${leadId}/timeline?kinds=assignment`);
  expect(r.status).toBe(200);
  return r.body.data as { kind: string; summary: string; data: { rule_id: string | null; rule_name: string; assigned_to: string; assigned_to_name: string; via: string; fallback: boolean } }[];
}

async function importCsv(csv: string, bulk: 'on' | 'off') {
  const form = new FormData();
  form.append('file', new Blob([csv]), 'leads.csv');
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: A.client.cookie, 'x-csrf-token': A.client.csrf } });
  expect(res.status).toBe(201);
  const up = (await res.json()) as { id: string };
  expect((await A.client.post(`/api/v1/imports/${up.id}/start`, { bulk })).status).toBe(202);
  const job = await db().selectFrom('jobs').selectAll().where('queue', '=', 'imports').where('status', '=', 'queued').where('payload', '@>', JSON.stringify({ import_id: up.id }) as never).executeTakeFirstOrThrow();
  await db().updateTable('jobs').set({ status: 'running', attempts: 1 }).where('id', '=', job.id).execute();
  await createImportsService(db(), { maxUploadBytes: 1 << 20, batchSize: 3 }).handleJob({ ...job, attempts: 1 }, { progress: async () => {}, signal: new AbortController().signal });
  const done = (await A.client.get(`/api/v1/imports/${up.id}`)).body;
  expect(done.status, JSON.stringify(done)).toBe('completed');
}

const ownerOf = async (email: string) => (await db().selectFrom('leads').select(['id', 'assigned_to']).where('email', '=', email).executeTakeFirstOrThrow());

beforeAll(async () => {
  A = await Client.signup(url, 'Assigning');
  B = await Client.signup(url, 'Other Assigning');
  teamId = (await A.client.post('/api/v1/teams', { name: 'DACH' })).body.id;
  const other = (await A.client.post('/api/v1/teams', { name: 'Nordics' })).body.id;
  for (const name of ['Ana', 'Ben', 'Cem']) users[name] = await member(A, name, 'sales_rep', teamId);
  users.Dora = await member(A, 'Dora', 'sales_rep', other);
  users.Max = await member(A, 'Max Manager', 'manager', teamId);
  users.Vic = await member(A, 'Vic Viewer', 'viewer', null);
  otherTeamUserId = users.Dora.id;
  users.BRep = await member(B, 'Bea', 'sales_rep', null);
  writeKey = (await A.client.post('/api/v1/tracking/keys', { name: 'Site' })).body.write_key;
});

beforeEach(clearRules);

describe(`assignment rules (${MODE})`, () => {
  it('round-robin within a team: the active members in turn, by name; the timeline and the event name the rule', async () => {
    const r = await rule({ name: 'DACH round-robin', distribution: 'round_robin', team_id: teamId });
    const got = [];
    for (let i = 0; i < 6; i++) got.push((await newLead()).assigned_to);
    // Team members by name: Ana, Ben, Cem, Max Manager.
    const order = [users.Ana!.id, users.Ben!.id, users.Cem!.id, users.Max!.id];
    expect(got).toEqual([...order, ...order].slice(0, 6));
    const lead = await newLead();
    expect(lead.assigned_to).toBe(order[2]);
    expect(lead.team_id).toBe(teamId);
    const [entry] = await timelineAssignments(lead.id);
    expect(entry).toMatchObject({ kind: 'assignment', summary: 'DACH round-robin', data: { rule_id: r.id, rule_name: 'DACH round-robin', assigned_to: users.Cem!.id, assigned_to_name: 'Cem', via: 'api', fallback: false } });
    const events = await db().selectFrom('outbox_events').select(['event_type', 'payload']).where('entity_id', '=', lead.id).where('event_type', '=', 'lead.assigned').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ to: users.Cem!.id, rule_id: r.id, rule_name: 'DACH round-robin', previous_assigned_to: null });
    // The new owner hears of it.
    const note = await db().selectFrom('notifications').select(['kind', 'lead_id']).where('user_id', '=', users.Cem!.id).where('lead_id', '=', lead.id).executeTakeFirst();
    expect(note?.kind).toBe('assigned');
  });

  it('conditions: source AND country list → a single user; territory by region; campaign; first match wins in order, and reordering changes who wins', async () => {
    const webinar = await rule({ name: 'Webinar DACH', distribution: 'single', user_ids: [users.Ana!.id], conditions: { sources: ['webinar'], countries: ['DE', 'AT', 'CH'] } });
    const bavaria = await rule({ name: 'Bavaria', distribution: 'single', user_ids: [users.Ben!.id], conditions: { regions: ['Bayern'] } });
    const spring = await rule({ name: 'Spring campaign', distribution: 'single', user_ids: [users.Cem!.id], conditions: { campaigns: ['spring-2026'] } });
    expect((await newLead({ source: 'Webinar', address: { country_code: 'AT' } })).assigned_to).toBe(users.Ana!.id);
    expect((await newLead({ source: 'webinar', address: { country: 'Austria', country_code: 'at' } })).assigned_to).toBe(users.Ana!.id);
    // Source matches, country does not: AND.
    expect((await newLead({ source: 'webinar', address: { country_code: 'FR' } })).assigned_to).toBeNull();
    // Both the webinar rule and the Bavaria rule hold: the first in order wins.
    const both = { source: 'webinar', address: { country_code: 'DE', state: 'Bayern' } };
    expect((await newLead(both)).assigned_to).toBe(users.Ana!.id);
    expect((await newLead({ address: { country_code: 'DE', state: 'bayern' } })).assigned_to).toBe(users.Ben!.id);
    expect((await newLead({ campaign: 'spring-2026' })).assigned_to).toBe(users.Cem!.id);
    const reordered = await A.client.put('/api/v1/assignment-rules/order', { ids: [bavaria.id, spring.id, webinar.id] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.data.map((r: { name: string; position: number }) => [r.name, r.position])).toEqual([['Bavaria', 1], ['Spring campaign', 2], ['Webinar DACH', 3]]);
    expect((await newLead(both)).assigned_to).toBe(users.Ben!.id);
    // A disabled rule is skipped.
    expect((await A.client.patch(`/api/v1/assignment-rules/${bavaria.id}`, { enabled: false })).body.enabled).toBe(false);
    expect((await newLead(both)).assigned_to).toBe(users.Ana!.id);
  });

  it('score band and capacity: a new lead waits for its first score, then the fewest open leads under the maximum take it, then the next rule', async () => {
    const band = await rule({ name: 'Cold band', distribution: 'capacity', user_ids: [users.Ana!.id, users.Ben!.id], max_open_per_rep: 2, conditions: { score_max: 60 } });
    await rule({ name: 'Overflow', distribution: 'single', user_ids: [users.Cem!.id] });
    expect((await A.client.put('/api/v1/assignment-rules/fallback', { user_id: users.Dora!.id })).status).toBe(200);
    // Earlier tests' leads closed (lost and unqualified are not open): both start at 0 open leads.
    await db().updateTable('leads').set({ status: 'closed_lost' }).where('assigned_to', '=', users.Ana!.id).execute();
    await db().updateTable('leads').set({ status: 'unqualified' }).where('assigned_to', '=', users.Ben!.id).execute();
    // Unscored, the band cannot be judged: neither the next rule nor the fallback takes them.
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await newLead());
    expect(created.map((l) => l.assigned_to)).toEqual([null, null, null, null, null]);
    // The rescoring job scores them (the real model, a prior for a new organization: low
    // scores) and then decides the leads that waited, in the order they arrived.
    const scoring = createScoringService(db());
    await scoring.drainQueue(A.organizationId);
    expect(await assignScoredLeads(db(), A.organizationId)).toBe(5);
    const owners = await db().selectFrom('leads').select(['id', 'assigned_to', 'current_score']).where('id', 'in', created.map((l) => l.id)).execute();
    expect(owners.every((o) => o.current_score <= 60)).toBe(true);
    const byId = new Map(owners.map((o) => [o.id, o.assigned_to]));
    const got = created.map((l) => byId.get(l.id));
    expect(got.slice(0, 4).sort()).toEqual([users.Ana!.id, users.Ana!.id, users.Ben!.id, users.Ben!.id].sort());
    // Both at the maximum (2 open): the capacity rule has nobody, the next rule takes it.
    expect(got[4]).toBe(users.Cem!.id);
    const [entry] = await timelineAssignments(created[0]!.id);
    expect(entry!.data).toMatchObject({ rule_id: band.id, rule_name: 'Cold band', via: 'score' });
    // Nothing waits any more: a second pass assigns nobody twice.
    expect(await assignScoredLeads(db(), A.organizationId)).toBe(0);
    // An imported row waits the same way (the import records its waits after its INSERT).
    const imported = `scored-import-${randomUUID().slice(0, 6)}@import.example`;
    await db().updateTable('leads').set({ status: 'closed_lost' }).where('assigned_to', 'in', [users.Ana!.id, users.Ben!.id]).execute();
    await importCsv(`first_name,last_name,email\nIm,Ported,${imported}`, 'off');
    expect((await ownerOf(imported)).assigned_to).toBeNull();
    await scoring.drainQueue(A.organizationId);
    expect(await assignScoredLeads(db(), A.organizationId)).toBe(1);
    const importedLead = await ownerOf(imported);
    expect([users.Ana!.id, users.Ben!.id]).toContain(importedLead.assigned_to);
    expect((await timelineAssignments(importedLead.id))[0]!.data).toMatchObject({ rule_name: 'Cold band', via: 'score' });
    // Ana and Ben back at two open leads each, as before the import.
    await db().updateTable('leads').set({ status: 'closed_lost' }).where('id', '=', importedLead.id).execute();
    await db().updateTable('leads').set({ status: 'new' }).where('id', 'in', created.slice(0, 4).map((l) => l.id)).execute();
    // One of Ana's becomes won (not open): she has room again.
    const anas = await db().selectFrom('leads').select('id').where('assigned_to', '=', users.Ana!.id).where('status', '=', 'new').execute();
    await A.client.patch(`/api/v1/leads/${anas[0]!.id}`, { status: 'closed_won' });
    const next = await newLead();
    await scoring.drainQueue(A.organizationId);
    await assignScoredLeads(db(), A.organizationId);
    expect((await db().selectFrom('leads').select('assigned_to').where('id', '=', next.id).executeTakeFirstOrThrow()).assigned_to).toBe(users.Ana!.id);
    // A lead outside the band's other conditions never waits: with a source the band does not
    // take, it goes straight on (here: the next rule).
    await A.client.patch(`/api/v1/assignment-rules/${band.id}`, { conditions: { score_max: 60, sources: ['webinar'] } });
    expect((await newLead({ source: 'referral' })).assigned_to).toBe(users.Cem!.id);
    // A lead above the band does not match: the dry run over an existing lead with a score.
    const hot = await newLead({ assigned_to: null });
    await db().updateTable('leads').set({ current_score: 85 }).where('id', '=', hot.id).execute();
    await A.client.patch(`/api/v1/assignment-rules/${band.id}`, { conditions: { score_min: 80 }, max_open_per_rep: 100 });
    const dry = await A.client.post('/api/v1/assignment-rules/dry-run', { lead_ids: [hot.id] });
    expect(dry.status).toBe(200);
    expect(dry.body.data[0]).toMatchObject({ lead_id: hot.id, outcome: 'rule', rule_id: band.id, rule_name: 'Cold band' });
    expect([users.Ana!.id, users.Ben!.id]).toContain(dry.body.data[0].assigned_to);
    // The dry run changed nothing.
    expect((await ownerOf((await db().selectFrom('leads').select('email').where('id', '=', hot.id).executeTakeFirstOrThrow()).email!)).assigned_to).toBeNull();
  });

  it('inactive users never receive leads (skipped; nobody eligible falls through to the fallback); an explicit owner is kept', async () => {
    await rule({ name: 'Ana and Ben', distribution: 'round_robin', user_ids: [users.Ana!.id, users.Ben!.id] });
    await rule({ name: 'Only Ben', distribution: 'single', user_ids: [users.Ben!.id] });
    expect((await A.client.put('/api/v1/assignment-rules/fallback', { user_id: users.Cem!.id })).body.user_id).toBe(users.Cem!.id);
    expect((await A.client.patch(`/api/v1/users/${users.Ana!.id}`, { is_active: false })).status).toBe(200);
    try {
      for (let i = 0; i < 3; i++) expect((await newLead()).assigned_to).toBe(users.Ben!.id);
      expect((await A.client.patch(`/api/v1/users/${users.Ben!.id}`, { is_active: false })).status).toBe(200);
      const lead = await newLead();
      expect(lead.assigned_to).toBe(users.Cem!.id);
      expect((await timelineAssignments(lead.id))[0]).toMatchObject({ summary: 'Fallback owner', data: { rule_id: null, fallback: true, assigned_to: users.Cem!.id } });
      // An inactive fallback gets nothing either.
      expect((await A.client.patch(`/api/v1/users/${users.Cem!.id}`, { is_active: false })).status).toBe(200);
      expect((await newLead()).assigned_to).toBeNull();
    } finally {
      for (const n of ['Ana', 'Ben', 'Cem']) await A.client.patch(`/api/v1/users/${users[n]!.id}`, { is_active: true });
    }
    // Explicit owner (or explicit null) stands; a rep's own lead stays the rep's.
    expect((await newLead({ assigned_to: otherTeamUserId })).assigned_to).toBe(otherTeamUserId);
    expect((await newLead({ assigned_to: null })).assigned_to).toBeNull();
    expect((await newLead({}, users.Dora!.client)).assigned_to).toBe(users.Dora!.id);
    expect(await db().selectFrom('lead_assignments').select('id').where('assigned_to', '=', otherTeamUserId).execute()).toHaveLength(0);
  });

  it.each(['off', 'on'] as const)('CSV import (bulk %s): rows without an owner are spread by the rules, in file order; rows with one keep it', async (bulk) => {
    const r = await rule({ name: 'Import RR', distribution: 'round_robin', user_ids: [users.Ana!.id, users.Ben!.id, users.Cem!.id] });
    const tag = randomUUID().slice(0, 6);
    const emails = Array.from({ length: 7 }, (_, i) => `imp${i}-${tag}@import.example`);
    const dora = (await db().selectFrom('users').select('email').where('id', '=', otherTeamUserId).executeTakeFirstOrThrow()).email;
    const csv = ['first_name,last_name,email,owner', ...emails.map((e, i) => `Im,Port${i},${e},${i === 3 ? dora : ''}`)].join('\n');
    await importCsv(csv, bulk);
    const owners = await Promise.all(emails.map(ownerOf));
    expect(owners[3]!.assigned_to).toBe(otherTeamUserId);
    const spread = owners.filter((_, i) => i !== 3).map((o) => o.assigned_to);
    const counts = new Map<string | null, number>();
    for (const o of spread) counts.set(o, (counts.get(o) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([users.Ana!.id, users.Ben!.id, users.Cem!.id].sort());
    expect([...counts.values()].sort()).toEqual([2, 2, 2]);
    const entries = await timelineAssignments(owners[0]!.id);
    expect(entries[0]).toMatchObject({ summary: 'Import RR', data: { rule_id: r.id, via: 'import' } });
    // Written by the import's own INSERT: owner and the owner's team, no second write of the row.
    const teams = await db().selectFrom('leads').select('team_id').where('id', 'in', owners.filter((_, i) => i !== 3).map((o) => o.id)).execute();
    expect(teams.every((t) => t.team_id === teamId)).toBe(true);
    // One batch event per rule and owner, naming the leads.
    const events = await db().selectFrom('outbox_events').select('payload').where('organization_id', '=', A.organizationId).where('event_type', '=', 'leads.assigned').execute();
    const named = events.flatMap((e) => ((e.payload as { rule_id?: string }).rule_id === r.id ? ((e.payload as { lead_ids: string[] }).lead_ids) : []));
    expect(named.sort()).toEqual(owners.filter((_, i) => i !== 3).map((o) => o.id).sort());
    expect(await timelineAssignments(owners[3]!.id)).toHaveLength(0);
  });

  it('tracking identification: a lead the tracker creates is assigned by the rules', async () => {
    const r = await rule({ name: 'Website leads', distribution: 'single', user_ids: [users.Ben!.id], conditions: { sources: ['website'] } });
    const email = `visitor-${randomUUID().slice(0, 6)}@web.example`;
    const res = await fetch(url('/api/v1/track'), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ write_key: writeKey, events: [{ id: randomUUID(), type: 'identify', anonymous_id: randomUUID(), email, traits: { first_name: 'Vis', last_name: 'Itor' } }] }),
    });
    expect(res.status).toBe(200);
    const lead = await ownerOf(email);
    expect(lead.assigned_to).toBe(users.Ben!.id);
    expect((await timelineAssignments(lead.id))[0]).toMatchObject({ summary: 'Website leads', data: { rule_id: r.id, via: 'tracking' } });
  });

  it('a merge keeps the source lead\'s assignment history in the target\'s timeline', async () => {
    await rule({ name: 'Merge me', distribution: 'single', user_ids: [users.Cem!.id] });
    const [target, source] = [await newLead(), await newLead()];
    const merged = await A.client.post(`/api/v1/leads/${target.id}/merge`, { source_id: source.id });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body.moved).toMatchObject({ lead_assignments: 1 });
    expect((await timelineAssignments(target.id)).map((e) => e.summary)).toEqual(['Merge me', 'Merge me']);
  });

  it('dry run: the N most recent unowned leads, which rule and who; owned leads say so', async () => {
    const none = await newLead();
    expect(none.assigned_to).toBeNull();
    await rule({ name: 'Everyone to Ana', distribution: 'single', user_ids: [users.Ana!.id] });
    const r = await A.client.post('/api/v1/assignment-rules/dry-run', { recent: 5 });
    expect(r.status).toBe(200);
    expect(r.body.data.length).toBeGreaterThan(0);
    expect(r.body.data.find((d: { lead_id: string }) => d.lead_id === none.id)).toMatchObject({ outcome: 'rule', rule_name: 'Everyone to Ana', assigned_to: users.Ana!.id, assigned_to_name: 'Ana' });
    const owned = await newLead({ assigned_to: users.Ben!.id });
    const d2 = await A.client.post('/api/v1/assignment-rules/dry-run', { lead_ids: [owned.id] });
    expect(d2.body.data[0]).toMatchObject({ outcome: 'owned', assigned_to: users.Ben!.id, rule_id: null });
  });

  it('validation: targets as the distribution needs them, in words', async () => {
    // 422: the rules refuse a well-formed rule; 400: the schema refuses the request's shape.
    const bad = async (body: Record<string, unknown>, field: string, status = 422) => {
      const r = await A.client.post('/api/v1/assignment-rules', { name: 'Bad', ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(JSON.stringify(r.body)).toContain(field);
      return r.body;
    };
    await bad({ distribution: 'round_robin' }, 'user_ids');
    await bad({ distribution: 'round_robin', team_id: teamId, user_ids: [users.Ana!.id] }, 'team_id');
    await bad({ distribution: 'single', user_ids: [users.Ana!.id, users.Ben!.id] }, 'user_ids');
    await bad({ distribution: 'capacity', user_ids: [users.Ana!.id] }, 'max_open_per_rep');
    await bad({ distribution: 'single', user_ids: [users.Ana!.id], conditions: { score_min: 80, score_max: 20 } }, 'score_min');
    await bad({ distribution: 'single', user_ids: [users.Ana!.id], conditions: { colour: 'red' } }, 'conditions.colour', 400);
    await bad({ distribution: 'sometimes', user_ids: [users.Ana!.id] }, 'distribution', 400);
    const r = await A.client.put('/api/v1/assignment-rules/order', { ids: [randomUUID()] });
    expect(r.status).toBe(422);
    expect(r.body.detail ?? r.body.title).toMatch(/every assignment rule exactly once/);
  });

  it("tenant isolation: another organization's rules are 404, its users and teams are refused as targets, its leads are not dry-run", async () => {
    const mine = await rule({ name: 'Mine', distribution: 'single', user_ids: [users.Ana!.id] });
    for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'Stolen' }], ['DELETE', undefined]] as const) {
      const r = await B.client.request(method, `/api/v1/assignment-rules/${mine.id}`, body);
      expect(r.status, method).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain('Mine');
    }
    expect((await B.client.get('/api/v1/assignment-rules')).body.data).toEqual([]);
    expect((await B.client.put('/api/v1/assignment-rules/order', { ids: [mine.id] })).status).toBe(422);
    const foreignUser = await A.client.post('/api/v1/assignment-rules', { name: 'X', distribution: 'single', user_ids: [users.BRep!.id] });
    expect(foreignUser.status).toBe(422);
    expect(foreignUser.body.detail).toMatch(/not a user of your organization/);
    expect((await B.client.post('/api/v1/assignment-rules', { name: 'X', distribution: 'round_robin', team_id: teamId })).status).toBe(422);
    expect((await B.client.put('/api/v1/assignment-rules/fallback', { user_id: users.Ana!.id })).status).toBe(422);
    const lead = await newLead();
    const dry = await B.client.post('/api/v1/assignment-rules/dry-run', { lead_ids: [lead.id] });
    expect(dry.status).toBe(404);
    expect((await A.client.get(`/api/v1/assignment-rules/${mine.id}`)).body.name).toBe('Mine');
  });

  it('roles: managers may manage rules; reps and viewers get 403 problem+json on every route', async () => {
    const byManager = await rule({ name: 'By manager', distribution: 'single', user_ids: [users.Ana!.id] }, users.Max!.client);
    expect((await users.Max!.client.get('/api/v1/assignment-rules')).body.data.map((r: { id: string }) => r.id)).toContain(byManager.id);
    // Dora: a rep (Ana's sessions ended when she was deactivated above).
    for (const who of ['Dora', 'Vic'] as const) {
      const c = users[who]!.client;
      const calls = [
        c.get('/api/v1/assignment-rules'), c.post('/api/v1/assignment-rules', { name: 'X', distribution: 'single', user_ids: [users.Ana!.id] }),
        c.get(`/api/v1/assignment-rules/${byManager.id}`), c.patch(`/api/v1/assignment-rules/${byManager.id}`, { name: 'Y' }), c.delete(`/api/v1/assignment-rules/${byManager.id}`),
        c.put('/api/v1/assignment-rules/order', { ids: [byManager.id] }), c.get('/api/v1/assignment-rules/fallback'), c.put('/api/v1/assignment-rules/fallback', { user_id: null }),
        c.post('/api/v1/assignment-rules/dry-run', { recent: 3 }),
      ];
      for (const r of await Promise.all(calls)) {
        expect(r.status, who).toBe(403);
        expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      }
    }
  });
});
