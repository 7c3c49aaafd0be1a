/**
 * bench:load's database: the demo organization seeded once per size and kept (a server
 * database leadai_bench_load_<N>, or an embedded data folder), the run's sessions, samples and
 * tracking key, and the clean-up that puts the database back as it was seeded.
 *
 * Reuse is detected by a marker written only after a seed has finished: the server database's
 * COMMENT (`leadai bench:load <N> leads, organization <id>`), or a JSON file next to the
 * embedded data folder. An interrupted seed leaves no marker, so the next run starts again.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { withTenant } from '../src/db/tenant.ts';
import { ANALYSIS_QUEUE } from '../src/modules/analysis/analysis.queue.ts';
import { hashSecret, newSecret } from '../src/modules/auth/tokens.ts';
import { seedDemo } from '../src/modules/demo/demo.service.ts';
import { IMPORT_QUEUE } from '../src/modules/imports/imports.service.ts';
import { createLeadsService } from '../src/modules/leads/leads.service.ts';
import { RESCORE_QUEUE } from '../src/modules/scoring/scoring.service.ts';
import { createTrackingService } from '../src/modules/tracking/tracking.service.ts';
import { createProgress } from '../src/cli/output.ts';
import { serverUrl } from './db.ts';
import type { LoadUser } from './load-shared.ts';

export type Target = { kind: 'server'; leads: number } | { kind: 'embedded'; leads: number; dataDir: string };

export interface Prepared {
  /** What the servers get: DATABASE_URL, or LEADAI_DATA_DIR. */
  env: Record<string, string>;
  organizationId: string;
  reused: boolean;
  seedSeconds: number;
  leadsInOrganization: number;
  users: LoadUser[];
  words: string[];
  trackKey: string;
  run: string;
}

const MARKER = /^leadai bench:load (\d+) leads, organization ([0-9a-f-]{36})$/;

export async function prepare(target: Target, fresh: boolean): Promise<Prepared> {
  const { database, env, organizationId: known } = await open(target, fresh);
  try {
    let organizationId = known;
    let seedSeconds = 0;
    if (!organizationId) {
      const progress = createProgress(`Seeding ${target.leads.toLocaleString('en-US')} leads (once; kept for the next run)`, true);
      const started = performance.now();
      const result = await seedDemo(database, { leads: target.leads, anchor: new Date('2026-11-25T00:00:00Z'), onProgress: progress.update });
      progress.stop();
      seedSeconds = (performance.now() - started) / 1000;
      organizationId = result.organizationId;
      await mark(target, organizationId);
    }
    await settle(database, organizationId);
    const run = randomUUID().slice(0, 8);
    const ctx = { organizationId };
    const users = await withTenant(database.db, ctx, async (tx) => {
      const rows = (await sql<{ id: string; role: string; team_id: string | null }>`SELECT id, role, team_id FROM users WHERE organization_id = ${organizationId} AND role IN ('admin', 'manager', 'sales_rep') ORDER BY role, email`.execute(tx)).rows;
      const out: LoadUser[] = [];
      const expires = new Date(Date.now() + 86_400_000);
      for (const u of rows) {
        // The leads a user may change as well as read (the mix logs on them and moves their
        // status): a rep's own leads in their team, a manager's team's leads, any for an admin.
        const ids = u.role === 'sales_rep'
          ? (await sql<{ id: string }>`SELECT id FROM leads WHERE assigned_to = ${u.id} AND team_id IS NOT DISTINCT FROM ${u.team_id} LIMIT 400`.execute(tx)).rows
          : u.role === 'manager' && u.team_id
            ? (await sql<{ id: string }>`SELECT id FROM leads WHERE team_id = ${u.team_id} LIMIT 400`.execute(tx)).rows
            : (await sql<{ id: string }>`SELECT id FROM leads TABLESAMPLE SYSTEM (${target.leads >= 100_000 ? 0.5 : 10}) LIMIT 400`.execute(tx)).rows;
        if (ids.length < 20) continue;
        // Sessions written the way sign-in writes them (only hashes are stored).
        const session = newSecret('las_');
        const csrf = newSecret();
        await sql`INSERT INTO sessions (organization_id, user_id, token_hash, csrf_token_hash, expires_at, user_agent) VALUES (${organizationId}, ${u.id}, ${hashSecret(session)}, ${hashSecret(csrf)}, ${expires}, ${`bench:load ${run}`})`.execute(tx);
        out.push({ userId: u.id, role: u.role, session, csrf, leadIds: ids.map((r) => r.id) });
      }
      return out;
    });
    const words = (await withTenant(database.db, ctx, (tx) => sql<{ w: string }>`SELECT DISTINCT lower(split_part(company, ' ', 1)) AS w FROM leads TABLESAMPLE SYSTEM (${target.leads >= 100_000 ? 0.5 : 10}) WHERE company ~ '^[A-Za-z]{4,}' LIMIT 300`.execute(tx))).rows
      .map((r) => r.w.replace(/[^a-z]/g, '')).filter((w) => w.length >= 4);
    const admin = users.find((u) => u.role === 'admin');
    if (!admin || words.length === 0) throw new Error('the seeded organization has no admin with leads or no company words to search');
    const adminCtx = { organizationId, userId: admin.userId, role: 'admin' as const, teamId: null, actor: { type: 'user' as const, id: admin.userId }, via: 'session' as const, sessionId: null, csrfHash: null };
    const trackKey = (await createTrackingService(database.db, createLeadsService(database.db)).createKey(adminCtx, { name: `bench:load ${run}` })).write_key;
    const leadsInOrganization = Number((await withTenant(database.db, ctx, (tx) => sql<{ n: string }>`SELECT count(*) AS n FROM leads`.execute(tx))).rows[0]!.n);
    return { env, organizationId, reused: Boolean(known), seedSeconds, leadsInOrganization, users, words, trackKey, run };
  } finally {
    await database.close();
  }
}

/**
 * The seed leaves a one-off backlog: every seeded conversation and activity waits for its text
 * analysis (2.6 million conversations and 3.4 million activities for 1,000,000 leads: hours of
 * background work on a shared 2-core machine, and the first activity logged through the API
 * starts it), and the leads queued for rescoring and insights. That is a fresh installation's catch-up, not the steady state this benchmark
 * holds, so the backlog is marked analysed (without sentiment) and its job dropped; what the
 * run itself logs is analysed by the servers' workers as in production.
 */
async function settle(database: Database, organizationId: string): Promise<void> {
  // As the owner (the seed's own role), not a tenant: bookkeeping no one should hear of, so
  // without the row triggers (outbox events, rescoring and metrics markers for millions of
  // rows), as the seed's bulk load.
  await database.db.transaction().execute(async (tx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(tx);
    await sql`UPDATE conversations SET analyzed_at = now() WHERE organization_id = ${organizationId} AND analyzed_at IS NULL`.execute(tx);
    await sql`UPDATE activities SET analyzed_at = now() WHERE organization_id = ${organizationId} AND analyzed_at IS NULL`.execute(tx);
    // The same for the rescoring of the seeded (or a previous run's) leads and the jobs that
    // drain it: each run starts with the queues empty. Periodic jobs stay as they are.
    await sql`DELETE FROM lead_score_queue WHERE organization_id = ${organizationId}`.execute(tx);
    await sql`DELETE FROM lead_insight_queue WHERE organization_id = ${organizationId}`.execute(tx);
    await sql`DELETE FROM jobs WHERE queue IN (${ANALYSIS_QUEUE}, ${RESCORE_QUEUE}, ${IMPORT_QUEUE}) AND status IN ('queued', 'running')`.execute(tx);
  });
}

/**
 * Puts the database back as seeded (what the run wrote would otherwise pile up run after
 * run): the imported leads, the activities logged, the tracked visitors, the sessions and key.
 */
export async function cleanUp(target: Target, prepared: Prepared): Promise<Record<string, number>> {
  const { database } = await open(target, false);
  try {
    const { organizationId } = prepared;
    // As the owner: the application role may not delete tracking keys or sessions this way.
    return await database.db.transaction().execute(async (tx) => {
      const n = async (q: ReturnType<typeof sql>) => Number((await q.execute(tx)).numAffectedRows ?? 0);
      const org = organizationId;
      return {
        // Any run's, this one's and an interrupted one's alike (the marks are the benchmark's own).
        imported_leads: await n(sql`DELETE FROM leads WHERE organization_id = ${org} AND email LIKE '%.load-import.example'`),
        activities: await n(sql`DELETE FROM activities WHERE organization_id = ${org} AND subject LIKE 'bench:load %'`),
        journey_events: await n(sql`DELETE FROM journey_events WHERE organization_id = ${org} AND anonymous_id LIKE 'load-%'`),
        sessions: await n(sql`DELETE FROM sessions WHERE organization_id = ${org} AND user_agent LIKE 'bench:load %'`),
        tracking_keys: await n(sql`DELETE FROM tracking_keys WHERE organization_id = ${org} AND name LIKE 'bench:load %'`),
        // An import the run started but the workers had not finished: not to run at the next start.
        import_jobs: await n(sql`DELETE FROM jobs WHERE queue = ${IMPORT_QUEUE} AND status IN ('queued', 'running')`),
      };
    });
  } finally {
    await database.close();
  }
}

function databaseName(leads: number): string {
  return `leadai_bench_load_${leads}`;
}

async function open(target: Target, fresh: boolean): Promise<{ database: Database; env: Record<string, string>; organizationId: string | null }> {
  if (target.kind === 'embedded') {
    const markerFile = `${target.dataDir}.json`;
    let organizationId: string | null = null;
    if (!fresh && existsSync(markerFile)) {
      const m = JSON.parse(readFileSync(markerFile, 'utf8')) as { leads: number; organizationId: string };
      if (m.leads === target.leads) organizationId = m.organizationId;
    }
    if (!organizationId) {
      rmSync(markerFile, { force: true });
      rmSync(target.dataDir, { recursive: true, force: true });
    }
    const database = await openDatabase({ kind: 'embedded', dataDir: target.dataDir });
    await migrate(database.db);
    return { database, env: { LEADAI_DATA_DIR: target.dataDir }, organizationId };
  }
  const name = databaseName(target.leads);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  let organizationId: string | null = null;
  try {
    const row = (await admin.query<{ comment: string | null }>('SELECT shobj_description(oid, \'pg_database\') AS comment FROM pg_database WHERE datname = $1', [name])).rows[0];
    const m = row?.comment ? MARKER.exec(row.comment) : null;
    if (!fresh && m && Number(m[1]) === target.leads) organizationId = m[2]!;
    else {
      if (row) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'server', url: url.toString(), poolSize: 8 });
  await migrate(database.db);
  return { database, env: { DATABASE_URL: url.toString() }, organizationId };
}

async function mark(target: Target, organizationId: string): Promise<void> {
  if (target.kind === 'embedded') {
    writeFileSync(`${target.dataDir}.json`, JSON.stringify({ leads: target.leads, organizationId }));
    return;
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`COMMENT ON DATABASE ${databaseName(target.leads)} IS 'leadai bench:load ${target.leads} leads, organization ${organizationId}'`);
  } finally {
    await admin.end();
  }
}
