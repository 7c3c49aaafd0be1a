import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.ts';
import { withTenant } from '../src/db/tenant.ts';
import { waitForJob } from '../src/jobs/queue.ts';
import { createMetricsService } from '../src/modules/metrics/metrics.service.ts';
import { DEFAULT_POLICIES, type Policies } from '../src/modules/retention/retention.policies.ts';
import { createRetentionService } from '../src/modules/retention/retention.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

// Workers on: a requested run goes through the queue as in production (nightly runs are queued for 03:00, far off).
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const db = (): Kysely<DB> => app().database.db;

const NONE: Policies = { journey_events_months: null, conversations_months: null, inactive_leads_months: null, imports_months: null, outbox_events_days: null, notifications_months: null, audit_log_months: null };
const DAY = 86_400_000;

let a: Awaited<ReturnType<typeof Client.signup>>;
let b: Awaited<ReturnType<typeof Client.signup>>;

/** The cutoff the service computes: calendar months (or days) back by the database's calendar. */
async function cutoff(asOf: Date, n: number, unit: 'months' | 'days'): Promise<Date> {
  const r = await sql<{ c: Date }>`SELECT ${asOf}::timestamptz - ${sql.raw(unit === 'months' ? 'make_interval(months => ' : 'make_interval(days => ')}${n}::int) AS c`.execute(db());
  return new Date(r.rows[0]!.c);
}

async function count(table: 'journey_events' | 'conversations' | 'leads' | 'notifications' | 'import_file_chunks' | 'import_errors' | 'audit_log' | 'outbox_events' | 'activities' | 'lead_scores' | 'ai_insights', org: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE organization_id = ${org}`.execute(db());
  return r.rows[0]!.n;
}

async function newLead(org: string, fields: Record<string, unknown> = {}): Promise<string> {
  const row = await db().insertInto('leads').values({ organization_id: org, first_name: 'Ret', last_name: randomUUID().slice(0, 8), ...fields }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

async function events(org: string, times: Date[], leadId: string | null = null): Promise<string[]> {
  if (times.length === 0) return [];
  const rows = await db().insertInto('journey_events').values(times.map((t) => ({ organization_id: org, lead_id: leadId, event_type: 'page_view', event_name: '/pricing', occurred_at: t, ip_address: '203.0.113.9' }))).returning('id').execute();
  return rows.map((r) => r.id);
}

async function put(client: Client, policies: Partial<Policies>) {
  return client.put('/api/v1/privacy/retention', { ...NONE, ...policies });
}

beforeAll(async () => {
  a = await Client.signup(url, 'Retain A');
  b = await Client.signup(url, 'Retain B');
});

describe(`retention policies API (${MODE})`, () => {
  it('shows the proposed defaults until saved; saving validates every field and is audited', async () => {
    const first = await a.client.get('/api/v1/privacy/retention');
    expect(first.status).toBe(200);
    expect(first.body.configured).toBe(false);
    expect(first.body.policies).toEqual(DEFAULT_POLICIES);

    // A short audit window, a window out of range and a wrong type: each named, nothing saved.
    const short = await put(a.client, { audit_log_months: 6, conversations_months: 0 });
    expect(short.status).toBe(422);
    expect(short.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(short.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['audit_log_months', 'conversations_months']);
    expect(short.body.detail).toMatch(/audit_log_months must be a whole number of months from 12 to 1200/);
    const shorter = await put(a.client, { conversations_months: 100, audit_log_months: 72 });
    expect(shorter.status).toBe(422);
    expect(shorter.body.field).toBe('audit_log_months');
    expect(shorter.body.detail).toMatch(/may not be shorter than conversations_months \(100\)/);
    const typed = await a.client.put('/api/v1/privacy/retention', { ...NONE, journey_events_months: 'thirteen' });
    expect(typed.status).toBe(400);
    expect(JSON.stringify(typed.body)).toMatch(/journey_events_months/);
    const missing = await a.client.put('/api/v1/privacy/retention', { journey_events_months: 13 });
    expect(missing.status).toBe(400);
    expect((await a.client.get('/api/v1/privacy/retention')).body.configured).toBe(false);

    const saved = await put(a.client, { journey_events_months: 13, audit_log_months: 72 });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.configured).toBe(true);
    expect(saved.body.policies).toEqual({ ...NONE, journey_events_months: 13, audit_log_months: 72 });
    const entry = await db().selectFrom('audit_log').selectAll().where('organization_id', '=', a.organizationId).where('action', '=', 'retention.policy.update').executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(a.userId);
    expect(entry.ip_address).toBe('127.0.0.1');
    expect(entry.details).toMatchObject({ journey_events_months: 13 });
    // Its nightly run is queued at 03:00 UTC (no time zone set).
    const nightly = await db().selectFrom('jobs').selectAll().where('organization_id', '=', a.organizationId).where('queue', '=', 'retention.run').where('dedupe_key', '=', 'daily').executeTakeFirstOrThrow();
    expect(nightly.run_at.getUTCHours()).toBe(3);
    expect(nightly.run_at.getTime()).toBeGreaterThan(Date.now());
    expect(nightly.run_at.getTime() - Date.now()).toBeLessThanOrEqual(DAY);
  });

  it('refuses a real run before policies are saved; a preview shows the defaults and changes nothing', async () => {
    const c = await Client.signup(url, 'Retain C');
    const run = await c.client.post('/api/v1/privacy/retention/run', { dry_run: false });
    expect(run.status).toBe(409);
    expect(run.body.detail).toMatch(/save them first/);
    const preview = await c.client.post('/api/v1/privacy/retention/run', { dry_run: true });
    expect(preview.status).toBe(200);
    expect(preview.body.configured).toBe(false);
    expect(preview.body.total_deleted).toBe(0);
    const bad = await c.client.post('/api/v1/privacy/retention/run', { dry_run: 'yes' });
    expect(bad.status).toBe(400);
  });

  it('is for admins only (privacy:manage), and an API key of a lesser role is refused too', async () => {
    const inv = await a.client.post('/api/v1/invitations', { email: `mgr-${randomUUID().slice(0, 6)}@retain.example`, role: 'manager' });
    const manager = new Client(url);
    const r = await manager.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: 'Manager', password: 'correct horse battery' });
    manager.csrf = r.body.csrf_token;
    for (const res of [
      await manager.get('/api/v1/privacy/retention'),
      await put(manager, { journey_events_months: 1 }),
      await manager.post('/api/v1/privacy/retention/run', { dry_run: true }),
      await manager.post('/api/v1/privacy/retention/run', { dry_run: false }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/may not manage privacy/);
    }
    expect((await a.client.get('/api/v1/privacy/retention')).body.policies.journey_events_months).toBe(13);
  });
});

describe(`retention runs (${MODE})`, () => {
  it('removes exactly the due rows across batch boundaries, dry-run first, other organizations untouched', async () => {
    await put(a.client, { journey_events_months: 2, notifications_months: 3, imports_months: 6, audit_log_months: 72 });
    const asOf = new Date();
    // The service's clock is the test's, so "exactly at the cut-off" is exact.
    const service = createRetentionService(db(), { now: () => asOf });
    const cut = await cutoff(asOf, 2, 'months');
    // Seven due (the newest 1 ms before the cut-off), one exactly at it, one after: batch size 3 → 3 + 3 + 1.
    const due = await events(a.organizationId, Array.from({ length: 7 }, (_, i) => new Date(cut.getTime() - 1 - i * DAY)));
    const kept = await events(a.organizationId, [cut, new Date(cut.getTime() + 1)]);
    await events(b.organizationId, [new Date(cut.getTime() - 100 * DAY)]);
    // Notifications: one due, one kept.
    const nCut = await cutoff(asOf, 3, 'months');
    for (const at of [new Date(nCut.getTime() - 1), nCut]) {
      await db().insertInto('notifications').values({ organization_id: a.organizationId, user_id: a.userId, kind: 'mention', title: 'x', dedupe_key: randomUUID(), created_at: at }).execute();
    }
    // Imports: a finished one past the window (file and error rows go, its summary stays), a running one as old (kept).
    const iCut = await cutoff(asOf, 6, 'months');
    const old = randomUUID();
    const running = randomUUID();
    await db().insertInto('imports').values([
      { id: old, organization_id: a.organizationId, source: 'upload', file_name: 'a.csv', file_size: 1, file_sha256: 'a', status: 'completed', created_at: new Date(iCut.getTime() - 9 * DAY), finished_at: new Date(iCut.getTime() - DAY) },
      { id: running, organization_id: a.organizationId, source: 'upload', file_name: 'b.csv', file_size: 1, file_sha256: 'b', status: 'running', created_at: new Date(iCut.getTime() - 9 * DAY) },
    ]).execute();
    for (const id of [old, running]) {
      await db().insertInto('import_file_chunks').values([0, 1].map((seq) => ({ organization_id: a.organizationId, import_id: id, seq, data: new Uint8Array([1]) }))).execute();
      await db().insertInto('import_errors').values([2, 3, 4].map((line) => ({ organization_id: a.organizationId, import_id: id, line, reason: 'bad email', raw: '["ada@example.com"]' }))).execute();
    }

    const before = { a: await count('journey_events', a.organizationId), b: await count('journey_events', b.organizationId) };
    const preview = await service.run(a.organizationId, { dryRun: true, batchSize: 3 });
    const cat = (r: typeof preview, c: string) => r.categories.find((x) => x.category === c)!;
    expect(cat(preview, 'journey_events')).toMatchObject({ due: 7, deleted: 0, cutoff: cut.toISOString(), oldest: new Date(cut.getTime() - 1 - 6 * DAY).toISOString(), newest: new Date(cut.getTime() - 1).toISOString() });
    expect(cat(preview, 'journey_events').sample_ids.length).toBe(5);
    expect(due).toEqual(expect.arrayContaining(cat(preview, 'journey_events').sample_ids));
    expect(cat(preview, 'notifications').due).toBe(1);
    expect(cat(preview, 'import_files').due).toBe(2);
    expect(cat(preview, 'import_errors')).toMatchObject({ due: 3, sample_ids: [`${old}:2`, `${old}:3`, `${old}:4`] });
    expect(cat(preview, 'conversations')).toMatchObject({ window: null, cutoff: null, due: 0 });
    expect(preview.total_due).toBe(13);
    // The dry run changed nothing.
    expect(await count('journey_events', a.organizationId)).toBe(before.a);

    const result = await service.run(a.organizationId, { dryRun: false, batchSize: 3 });
    expect(cat(result, 'journey_events').deleted).toBe(7);
    expect(result.total_deleted).toBe(13);
    // 7 events in 3 batches (3, 3, 1), 1 notification and 2 chunks in one each, 3 error rows in a full batch and an empty one that ends it.
    expect(result.batches).toBe(7);
    const left = await db().selectFrom('journey_events').select('id').where('organization_id', '=', a.organizationId).execute();
    expect(left.map((r) => r.id).sort()).toEqual(kept.sort());
    expect(await count('journey_events', b.organizationId)).toBe(before.b);
    expect(await count('notifications', a.organizationId)).toBe(1);
    expect(await db().selectFrom('import_file_chunks').select('import_id').where('organization_id', '=', a.organizationId).execute()).toEqual([{ import_id: running }, { import_id: running }]);
    expect((await db().selectFrom('import_errors').select('import_id').where('organization_id', '=', a.organizationId).execute()).every((r) => r.import_id === running)).toBe(true);
    expect(await db().selectFrom('imports').select('id').where('id', '=', old).executeTakeFirst()).toBeDefined();

    // The audit entry: counts per category, nothing the rows held.
    const entry = await db().selectFrom('audit_log').selectAll().where('organization_id', '=', a.organizationId).where('action', '=', 'retention.run').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(entry.actor_type).toBe('system');
    expect(entry.details).toMatchObject({ completed: true, journey_events: 7, notifications: 1, import_files: 2, import_errors: 3, total_deleted: 13, batches: 7 });
    expect(JSON.stringify(entry.details)).not.toMatch(/example\.com|203\.0\.113|pricing/);

    // Idempotent: a second run finds nothing.
    const again = await service.run(a.organizationId, { dryRun: false, batchSize: 3 });
    expect(again.total_deleted).toBe(0);
  });

  it('deletes inactive unconverted leads with their dependents, keeps won and recently active ones, and the metrics stay those of what is kept', async () => {
    const metrics = createMetricsService(db());
    const org = b.organizationId;
    await put(b.client, { inactive_leads_months: 12, journey_events_months: 1, audit_log_months: 72 });
    const asOf = new Date();
    const service = createRetentionService(db(), { now: () => asOf });
    const cut = await cutoff(asOf, 12, 'months');
    const old = new Date(cut.getTime() - 200 * DAY);
    const recent = new Date(asOf.getTime() - 10 * DAY);
    const lost = await newLead(org, { status: 'closed_lost', created_at: old, status_changed_at: old, closed_at: old, assigned_to: b.userId });
    const quiet = await newLead(org, { created_at: old, status_changed_at: new Date(cut.getTime() - 1) });
    const atCut = await newLead(org, { created_at: old, status_changed_at: cut });
    const won = await newLead(org, { status: 'closed_won', created_at: old, status_changed_at: old, closed_at: old, deal_value: 500, assigned_to: b.userId });
    const withActivity = await newLead(org, { created_at: old, status_changed_at: old });
    await db().insertInto('activities').values({ organization_id: org, lead_id: withActivity, type: 'note', created_at: recent }).execute();
    const withVisit = await newLead(org, { created_at: old, status_changed_at: old });
    await events(org, [recent], withVisit);
    const withFollowUp = await newLead(org, { created_at: old, status_changed_at: old, next_follow_up_at: new Date(asOf.getTime() + 5 * DAY) });
    // A visit 11 months ago: past the journey window (1 month), still inside the leads' (12).
    const rememberedVisit = await newLead(org, { created_at: old, status_changed_at: old });
    await events(org, [new Date(asOf.getTime() - 330 * DAY)], rememberedVisit);
    // The lost lead's own history goes with it.
    await db().insertInto('activities').values({ organization_id: org, lead_id: lost, type: 'call', created_at: old, completed_at: old, user_id: b.userId }).execute();
    await db().insertInto('conversations').values({ organization_id: org, lead_id: lost, direction: 'inbound', channel: 'email', content: 'hello', created_at: old }).execute();
    await events(org, [old], lost);
    await db().insertInto('lead_scores').values({ organization_id: org, lead_id: lost, score: 10, confidence: 0.5, model_version: 'x', explanation: '[]' }).execute();
    await db().insertInto('ai_insights').values({ organization_id: org, lead_id: lost, insight_type: 'churn_risk', title: 'x', description: 'x', confidence: 0.5 }).execute();
    await db().insertInto('notifications').values({ organization_id: org, user_id: b.userId, kind: 'assigned', title: 'x', lead_id: lost, dedupe_key: randomUUID() }).execute();
    await metrics.rollup(org, { full: true });

    const preview = await service.run(org, { dryRun: true, batchSize: 2 });
    const leads = preview.categories.find((c) => c.category === 'inactive_leads')!;
    expect(leads.due).toBe(2);
    expect(leads.sample_ids.sort()).toEqual([lost, quiet].sort());

    const result = await service.run(org, { dryRun: false, batchSize: 2 });
    expect(result.categories.find((c) => c.category === 'inactive_leads')!.deleted).toBe(2);
    const remaining = await db().selectFrom('leads').select('id').where('organization_id', '=', org).execute();
    const ids = new Set(remaining.map((r) => r.id));
    expect(ids.has(lost) || ids.has(quiet)).toBe(false);
    for (const id of [atCut, won, withActivity, withVisit, withFollowUp, rememberedVisit]) expect(ids.has(id)).toBe(true);
    for (const table of ['activities', 'lead_scores', 'ai_insights'] as const) {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE lead_id = ${lost}`.execute(db());
      expect(r.rows[0]!.n, table).toBe(0);
    }
    expect(await count('conversations', org)).toBe(0);
    // The remembered visit: the event itself went (journey window), its date stayed as the lead's sign of life.
    const memory = await db().selectFrom('retention_lead_activity').selectAll().where('lead_id', '=', rememberedVisit).executeTakeFirstOrThrow();
    expect(memory.last_at.getTime()).toBe(asOf.getTime() - 330 * DAY);
    const again = await service.run(org, { dryRun: true });
    expect(again.categories.find((c) => c.category === 'inactive_leads')!.due).toBe(0);

    // Aggregates: the rollup the deletion asked for gives exactly what a full recomputation of the kept data gives.
    expect((await db().selectFrom('performance_metrics_dirty').select('since').where('organization_id', '=', org).execute()).length).toBeGreaterThan(0);
    await metrics.rollup(org);
    const snapshot = async () => (await sql<{ k: string }>`SELECT concat_ws('|', period, period_start, user_id, team_id, leads_created, leads_converted, revenue_generated, activities_completed, conversion_rate) AS k
      FROM performance_metrics WHERE organization_id = ${org} ORDER BY 1`.execute(db())).rows.map((r) => r.k);
    const incremental = await snapshot();
    await metrics.rollup(org, { full: true });
    expect(incremental).toEqual(await snapshot());
  });

  it('prunes the audit log and the outbox on the privileged path only, never below the audit floor', async () => {
    const org = a.organizationId;
    await put(a.client, { audit_log_months: 12, outbox_events_days: 3 });
    const asOf = new Date();
    const service = createRetentionService(db(), { now: () => asOf });
    const cut = await cutoff(asOf, 12, 'months');
    const rows = await db().insertInto('audit_log').values([new Date(cut.getTime() - DAY), new Date(cut.getTime() - 1), cut, new Date(asOf.getTime() - DAY)]
      .map((at) => ({ organization_id: org, actor_type: 'system' as const, action: 'test.entry', created_at: at }))).returning('id').execute();
    const otherOrg = await db().insertInto('audit_log').values({ organization_id: b.organizationId, actor_type: 'system', action: 'test.entry', created_at: new Date(cut.getTime() - DAY) }).returning('id').executeTakeFirstOrThrow();
    const oCut = await cutoff(asOf, 3, 'days');
    const seqBase = 1_000_000;
    await db().insertInto('outbox_events').values([new Date(oCut.getTime() - 1), new Date(oCut.getTime() - DAY), oCut]
      .map((at, i) => ({ organization_id: org, event_type: 'lead.updated', entity_type: 'lead', created_at: at, seq: seqBase + i }))).execute();

    // The application role can neither delete audit entries nor call the pruning function.
    const denied = await withTenant(db(), { organizationId: org }, (tx) => tx.deleteFrom('audit_log').where('id', '=', rows[0]!.id).execute()).catch((e: Error) => e);
    expect(String(denied)).toMatch(/permission denied/);
    const deniedFn = await withTenant(db(), { organizationId: org }, (tx) => sql`SELECT app.retention_delete_audit(${org}::uuid, ARRAY[${rows[0]!.id}]::bigint[])`.execute(tx)).catch((e: Error) => e);
    expect(String(deniedFn)).toMatch(/permission denied/);
    // The function itself refuses entries younger than a year, whoever asks, and another organization's.
    const young = await sql<{ n: number }>`SELECT app.retention_delete_audit(${org}::uuid, ARRAY[${rows[3]!.id}, ${otherOrg.id}]::bigint[]) AS n`.execute(db());
    expect(young.rows[0]!.n).toBe(0);

    const result = await service.run(org, { dryRun: false, batchSize: 1 });
    expect(result.categories.find((c) => c.category === 'audit_log')!.deleted).toBe(2);
    expect(result.categories.find((c) => c.category === 'outbox_events')!.deleted).toBe(2);
    const kept = await db().selectFrom('audit_log').select('id').where('id', 'in', rows.map((r) => r.id)).execute();
    expect(kept.map((r) => r.id).sort()).toEqual([rows[2]!.id, rows[3]!.id].sort());
    expect(await db().selectFrom('audit_log').select('id').where('id', '=', otherOrg.id).executeTakeFirst()).toBeDefined();
    const outbox = await db().selectFrom('outbox_events').select('seq').where('organization_id', '=', org).where('seq', '>=', seqBase).execute();
    expect(outbox.map((r) => r.seq)).toEqual([seqBase + 2]);
  });

  it('runs as a job from the API with progress, and records who asked', async () => {
    await put(a.client, { journey_events_months: 1, audit_log_months: 72 });
    await events(a.organizationId, [new Date(Date.now() - 90 * DAY), new Date(Date.now() - 91 * DAY)]);
    // What the preview says is what the run deletes.
    const preview = await a.client.post('/api/v1/privacy/retention/run', { dry_run: true });
    expect(preview.status).toBe(200);
    const due = preview.body.categories.find((c: { category: string }) => c.category === 'journey_events').due as number;
    expect(due).toBeGreaterThanOrEqual(2);
    const started = await a.client.post('/api/v1/privacy/retention/run', { dry_run: false });
    expect(started.status).toBe(202);
    const job = await waitForJob(db(), started.body.job_id, { timeoutMs: 20_000 });
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ journey_events: due, total_deleted: preview.body.total_due });
    expect(job.progress).toMatchObject({ done: preview.body.total_due, total: preview.body.total_due });
    expect((await a.client.post('/api/v1/privacy/retention/run', { dry_run: true })).body.total_due).toBe(0);
    const entry = await db().selectFrom('audit_log').selectAll().where('organization_id', '=', a.organizationId).where('action', '=', 'retention.run').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_type: 'user', actor_id: a.userId });
  });
});
