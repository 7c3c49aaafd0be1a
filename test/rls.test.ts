import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_TABLES } from '../src/db/schema.ts';
import { withTenant, withTenantRead } from '../src/db/tenant.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';
import { createTenantRows, type TenantRows } from './helpers/fixtures.ts';

let database: TestDatabase;
let a: TenantRows;
let b: TenantRows;

// Tables whose rows the application role may read (the demo truth is closed to it).
const APP_TABLES = TENANT_TABLES.filter((t) => t !== 'demo_lead_truth');
const orgColumn = (table: string) => (table === 'organizations' ? 'id' : 'organization_id');

beforeAll(async () => {
  database = await createTestDatabase();
  a = await createTenantRows(database.db, 'Alpha');
  b = await createTenantRows(database.db, 'Beta');
});
afterAll(async () => database?.close());

describe(`Row Level Security (${MODE})`, () => {
  it('is enabled and forced on every tenant table, each of which has organization_id NOT NULL', async () => {
    const { rows } = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
      WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`.execute(database.db);
    for (const table of TENANT_TABLES) {
      const row = rows.find((r) => r.relname === table);
      expect(row, table).toBeDefined();
      expect(row!.relrowsecurity && row!.relforcerowsecurity, `${table} RLS forced`).toBe(true);
    }
    const { rows: columns } = await sql<{ table_name: string; is_nullable: string }>`
      SELECT table_name, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'organization_id'`.execute(database.db);
    for (const table of TENANT_TABLES.filter((t) => t !== 'organizations' && t !== 'jobs')) {
      expect(columns.find((c) => c.table_name === table)?.is_nullable, `${table}.organization_id`).toBe('NO');
    }
  });

  it('runs tenant transactions as the non-superuser application role', async () => {
    const who = await withTenant(database.db, { organizationId: a.organizationId }, (tx) =>
      sql<{ current_user: string; rolsuper: boolean; rolbypassrls: boolean }>`
        SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`.execute(tx),
    );
    expect(who.rows[0]).toEqual({ current_user: 'leadai_app', rolsuper: false, rolbypassrls: false });
  });

  it('reads that reuse pooled connections across tenants never see another tenant', async () => {
    // Interleaved, concurrent reads for two organizations through the same small pool.
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => {
        const org = i % 2 === 0 ? a.organizationId : b.organizationId;
        return withTenantRead(database.db, { organizationId: org }, async (db) => {
          const { rows } = await sql<{ org: string; who: string }>`SELECT organization_id::text AS org, current_user AS who FROM leads`.execute(db);
          return { org, rows };
        });
      }),
    );
    for (const { org, rows } of results) {
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.org === org && r.who === 'leadai_app')).toBe(true);
    }
    // The owner's own queries are not affected by the application role's connections.
    const owner = await sql<{ who: string }>`SELECT current_user AS who`.execute(database.db);
    expect(owner.rows[0]!.who).not.toBe('leadai_app');
  });

  it.each(APP_TABLES)('%s: only the own organization is visible', async (table) => {
    const column = orgColumn(table);
    const seen = await withTenant(database.db, { organizationId: a.organizationId }, (tx) =>
      sql<{ org: string }>`SELECT ${sql.ref(column)}::text AS org FROM ${sql.table(table)}`.execute(tx),
    );
    expect(seen.rows.length).toBeGreaterThan(0);
    expect(new Set(seen.rows.map((r) => r.org))).toEqual(new Set([a.organizationId]));
  });

  it.each(APP_TABLES)('%s: with no tenant setting nothing is visible', async (table) => {
    const count = await database.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('role', 'leadai_app', true)`.execute(tx);
      return sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(tx);
    });
    expect(count.rows[0]!.n).toBe(0);
  });

  it.each(APP_TABLES)("%s: another organization's rows cannot be updated or deleted", async (table) => {
    const column = orgColumn(table);
    const result = await withTenant(database.db, { organizationId: a.organizationId }, async (tx) => {
      // A no-op assignment: any row it reaches would count as updated.
      const updated = await sql`UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${sql.ref(column)} WHERE ${sql.ref(column)} = ${b.organizationId}`.execute(tx);
      const deleted = await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${b.organizationId}`.execute(tx).catch((e: Error) => e);
      return { updated: Number(updated.numAffectedRows ?? 0), deleted };
    }).catch((e: Error) => e);
    if (result instanceof Error) {
      // Append-only for the app role (audit, outbox, search words, metrics change markers, forecasts, privacy tombstones), insert-and-delete (assignment waits) or read-only (outbox sequences): refused outright.
      expect(['audit_log', 'outbox_events', 'outbox_sequences', 'lead_search_words', 'performance_metrics_dirty', 'forecasts', 'privacy_tombstones', 'lead_assignments', 'assignment_waits']).toContain(table);
      expect(result.message).toMatch(/permission denied/);
    } else {
      expect(result.updated).toBe(0);
      if (result.deleted instanceof Error) expect(result.deleted.message).toMatch(/permission denied/);
      else expect(Number(result.deleted.numAffectedRows ?? 0)).toBe(0);
    }
    const still = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${b.organizationId}`.execute(database.db);
    expect(still.rows[0]!.n).toBeGreaterThan(0);
  });

  it('rejects INSERT of a row for another organization, in every tenant table', async () => {
    const inserts: [string, (org: string, tx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<unknown>][] = [
      ['organizations', (_org, tx) => tx.insertInto('organizations').values({ id: randomUUID(), name: 'Intruder' }).execute()],
      ['users', (org, tx) => tx.insertInto('users').values({ organization_id: org, email: `${randomUUID()}@x.example`, full_name: 'x' }).execute()],
      ['teams', (org, tx) => tx.insertInto('teams').values({ organization_id: org, name: randomUUID() }).execute()],
      ['leads', (org, tx) => tx.insertInto('leads').values({ organization_id: org, first_name: 'x', last_name: 'y' }).execute()],
      ['lead_scores', (org, tx) => tx.insertInto('lead_scores').values({ organization_id: org, lead_id: b.leadId, score: 1, confidence: 0.1, model_version: 'x', explanation: '[]' }).execute()],
      ['ai_insights', (org, tx) => tx.insertInto('ai_insights').values({ organization_id: org, lead_id: b.leadId, insight_type: 'churn_risk', title: 'x', description: 'x', confidence: 0.1 }).execute()],
      ['journey_events', (org, tx) => tx.insertInto('journey_events').values({ organization_id: org, event_type: 'x', event_name: 'x' }).execute()],
      ['activities', (org, tx) => tx.insertInto('activities').values({ organization_id: org, lead_id: b.leadId, type: 'note' }).execute()],
      ['conversations', (org, tx) => tx.insertInto('conversations').values({ organization_id: org, lead_id: b.leadId, direction: 'inbound', channel: 'email', content: 'x' }).execute()],
      ['forecasts', (org, tx) => tx.insertInto('forecasts').values({ organization_id: org, forecast_type: 'revenue', period_start: '2026-01-01', period_end: '2026-01-02', predicted_value: 1, model_version: 'x' }).execute()],
      ['performance_metrics', (org, tx) => tx.insertInto('performance_metrics').values({ organization_id: org, period: 'week', period_start: '2026-01-01', period_end: '2026-01-02' }).execute()],
      ['performance_metrics_dirty', (org, tx) => tx.insertInto('performance_metrics_dirty').values({ organization_id: org, since: new Date() }).execute()],
      ['user_credentials', (org, tx) => tx.insertInto('user_credentials').values({ organization_id: org, user_id: b.userId, password_hash: 'x' }).execute()],
      ['sessions', (org, tx) => tx.insertInto('sessions').values({ organization_id: org, user_id: b.userId, token_hash: randomUUID(), csrf_token_hash: 'x', expires_at: new Date() }).execute()],
      ['api_keys', (org, tx) => tx.insertInto('api_keys').values({ organization_id: org, name: 'x', prefix: 'x', key_hash: randomUUID(), role: 'admin' }).execute()],
      ['invitations', (org, tx) => tx.insertInto('invitations').values({ organization_id: org, email: 'x@x.example', token_hash: randomUUID(), expires_at: new Date() }).execute()],
      ['audit_log', (org, tx) => tx.insertInto('audit_log').values({ organization_id: org, actor_type: 'system', action: 'x' }).execute()],
      ['jobs', (org, tx) => tx.insertInto('jobs').values({ organization_id: org, queue: 'x' }).execute()],
      ['outbox_events', (org, tx) => tx.insertInto('outbox_events').values({ organization_id: org, event_type: 'x', entity_type: 'x' }).execute()],
      ['scoring_models', (org, tx) => tx.insertInto('scoring_models').values({ organization_id: org, version: randomUUID().slice(0, 20), algorithm: 'x' }).execute()],
      ['lead_search_words', (org, tx) => tx.insertInto('lead_search_words').values({ organization_id: org, word: 'intruder' }).execute()],
      ['imports', (org, tx) => tx.insertInto('imports').values({ organization_id: org, source: 'upload', file_name: 'x.csv', file_size: 1, file_sha256: 'x' }).execute()],
      ['import_file_chunks', (org, tx) => tx.insertInto('import_file_chunks').values({ organization_id: org, import_id: randomUUID(), seq: 0, data: new Uint8Array([1]) }).execute()],
      ['import_errors', (org, tx) => tx.insertInto('import_errors').values({ organization_id: org, import_id: randomUUID(), line: 2, reason: 'x' }).execute()],
      ['custom_field_definitions', (org, tx) => tx.insertInto('custom_field_definitions').values({ organization_id: org, key: 'intruder', label: 'x', type: 'text' }).execute()],
      ['lead_score_queue', (org, tx) => tx.insertInto('lead_score_queue').values({ organization_id: org, lead_id: b.leadId }).execute()],
      ['lead_insight_queue', (org, tx) => tx.insertInto('lead_insight_queue').values({ organization_id: org, lead_id: b.leadId }).execute()],
      ['demo_lead_truth', (org, tx) => tx.insertInto('demo_lead_truth').values({ organization_id: org, lead_id: b.leadId, true_probability: 0.5, generator_version: 'x' }).execute()],
      ['tracking_keys', (org, tx) => tx.insertInto('tracking_keys').values({ organization_id: org, name: 'x', write_key: `lwk_${randomUUID()}` }).execute()],
      ['tracking_identities', (org, tx) => tx.insertInto('tracking_identities').values({ organization_id: org, anonymous_id: randomUUID(), lead_id: b.leadId }).execute()],
      ['saved_views', (org, tx) => tx.insertInto('saved_views').values({ organization_id: org, user_id: b.userId, name: 'intruder' }).execute()],
      ['outbox_sequences', (org, tx) => tx.insertInto('outbox_sequences').values({ organization_id: org }).execute()],
      ['notifications', (org, tx) => tx.insertInto('notifications').values({ organization_id: org, user_id: b.userId, kind: 'mention', title: 'intruder', dedupe_key: randomUUID() }).execute()],
      ['privacy_requests', (org, tx) => tx.insertInto('privacy_requests').values({ organization_id: org, type: 'export', subject_email: 'x@x.example', subject_hash: 'x' }).execute()],
      ['privacy_exports', (org, tx) => tx.insertInto('privacy_exports').values({ organization_id: org, request_id: b.privacyRequestId, document: '{}', summary: 'x', token_hash: 'x', expires_at: new Date() }).execute()],
      ['privacy_tombstones', (org, tx) => tx.insertInto('privacy_tombstones').values({ organization_id: org, kind: 'email', hash: 'f'.repeat(64) }).execute()],
      ['retention_policies', (org, tx) => tx.insertInto('retention_policies').values({ organization_id: org, journey_events_months: 1 }).execute()],
      ['retention_lead_activity', (org, tx) => tx.insertInto('retention_lead_activity').values({ organization_id: org, lead_id: b.leadId, last_at: new Date() }).execute()],
      ['lead_consents', (org, tx) => tx.insertInto('lead_consents').values({ organization_id: org, lead_id: b.leadId, purpose: 'tracking', lawful_basis: 'consent', source: 'api', granted_at: new Date() }).execute()],
      ['assignment_rules', (org, tx) => tx.insertInto('assignment_rules').values({ organization_id: org, name: 'x', position: 1, distribution: 'single', conditions: '{}' }).execute()],
      ['assignment_rule_users', (org, tx) => tx.insertInto('assignment_rule_users').values({ organization_id: org, rule_id: b.ruleId, user_id: b.userId, ordinal: 1 }).execute()],
      ['assignment_rule_cursors', (org, tx) => tx.insertInto('assignment_rule_cursors').values({ organization_id: org, rule_id: randomUUID() }).execute()],
      ['assignment_settings', (org, tx) => tx.insertInto('assignment_settings').values({ organization_id: org, fallback_user_id: null }).execute()],
      ['lead_assignments', (org, tx) => tx.insertInto('lead_assignments').values({ organization_id: org, lead_id: b.leadId, rule_name: 'x', via: 'api' }).execute()],
      ['assignment_waits', (org, tx) => tx.insertInto('assignment_waits').values({ organization_id: org, lead_id: b.leadId }).execute()],
      ['webhook_endpoints', (org, tx) => tx.insertInto('webhook_endpoints').values({ organization_id: org, url: 'https://x.example/', event_types: ['lead.created'], secret_sealed: 'x' }).execute()],
      ['webhook_deliveries', (org, tx) => tx.insertInto('webhook_deliveries').values({ organization_id: org, endpoint_id: randomUUID(), event_type: 'lead.created', message_id: 'msg_x', body: '{}' }).execute()],
      ['webhook_settings', (org, tx) => tx.insertInto('webhook_settings').values({ organization_id: org }).execute()],
      ['email_smtp_accounts', (org, tx) => tx.insertInto('email_smtp_accounts').values({ organization_id: org, user_id: b.userId, host: 'x', port: 25, security: 'none', from_address: 'x@x.example' }).execute()],
      ['email_settings', (org, tx) => tx.insertInto('email_settings').values({ organization_id: org, track_opens: true }).execute()],
      ['email_templates', (org, tx) => tx.insertInto('email_templates').values({ organization_id: org, name: 'intruder', subject: 'x', body_text: 'x' }).execute()],
      ['email_messages', (org, tx) => tx.insertInto('email_messages').values({ organization_id: org, lead_id: b.leadId, from_address: 'x', to_address: 'x', subject: 'x', body_text: 'x', message_id: 'x', thread_id: 'x', token: randomUUID() }).execute()],
    ];
    expect(inserts.map(([t]) => t).sort()).toEqual([...TENANT_TABLES].sort());
    for (const [table, insert] of inserts) {
      const error = await withTenant(database.db, { organizationId: a.organizationId }, (tx) => insert(b.organizationId, tx)).then(
        () => null,
        (e: Error) => e,
      );
      expect(error, `${table} accepted a row for another organization`).toBeInstanceOf(Error);
      expect(error!.message, table).toMatch(/row-level security|permission denied/);
    }
  });

  it("rejects moving an own row into another organization (WITH CHECK)", async () => {
    const error = await withTenant(database.db, { organizationId: a.organizationId }, (tx) =>
      tx.updateTable('leads').set({ organization_id: b.organizationId }).where('id', '=', a.leadId).execute(),
    ).then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/row-level security|foreign key/);
  });

  it('keeps the demo ground truth out of reach of the application role entirely', async () => {
    const error = await withTenant(database.db, { organizationId: a.organizationId }, (tx) =>
      tx.selectFrom('demo_lead_truth').selectAll().execute(),
    ).then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/permission denied/);
  });
});

describe(`tenant-safe references (${MODE})`, () => {
  // Each child row names organization A but points at organization B's lead, user, team
  // or activity: the composite foreign keys refuse it even for the owner role.
  const cases: [string, () => Promise<unknown>][] = [
    ['activities.lead_id', () => database.db.insertInto('activities').values({ organization_id: a.organizationId, lead_id: b.leadId, type: 'call' }).execute()],
    ['activities.user_id', () => database.db.insertInto('activities').values({ organization_id: a.organizationId, lead_id: a.leadId, user_id: b.userId, type: 'call' }).execute()],
    ['conversations.lead_id', () => database.db.insertInto('conversations').values({ organization_id: a.organizationId, lead_id: b.leadId, direction: 'inbound', channel: 'email', content: 'x' }).execute()],
    ['conversations.activity_id', () => database.db.insertInto('conversations').values({ organization_id: a.organizationId, lead_id: a.leadId, activity_id: b.activityId, direction: 'inbound', channel: 'email', content: 'x' }).execute()],
    ['lead_scores.lead_id', () => database.db.insertInto('lead_scores').values({ organization_id: a.organizationId, lead_id: b.leadId, score: 1, confidence: 0.1, model_version: 'x', explanation: '[]' }).execute()],
    ['ai_insights.lead_id', () => database.db.insertInto('ai_insights').values({ organization_id: a.organizationId, lead_id: b.leadId, insight_type: 'churn_risk', title: 'x', description: 'x', confidence: 0.1 }).execute()],
    ['journey_events.lead_id', () => database.db.insertInto('journey_events').values({ organization_id: a.organizationId, lead_id: b.leadId, event_type: 'x', event_name: 'x' }).execute()],
    ['leads.assigned_to', () => database.db.insertInto('leads').values({ organization_id: a.organizationId, assigned_to: b.userId, first_name: 'x', last_name: 'y' }).execute()],
    ['leads.team_id', () => database.db.insertInto('leads').values({ organization_id: a.organizationId, team_id: b.teamId, first_name: 'x', last_name: 'y' }).execute()],
    ['users.team_id', () => database.db.updateTable('users').set({ team_id: b.teamId }).where('id', '=', a.userId).execute()],
    ['teams.manager_id', () => database.db.insertInto('teams').values({ organization_id: a.organizationId, name: 'Cross', manager_id: b.userId }).execute()],
    ['lead_consents.lead_id', () => database.db.insertInto('lead_consents').values({ organization_id: a.organizationId, lead_id: b.leadId, purpose: 'tracking', lawful_basis: 'consent', source: 'api', granted_at: new Date() }).execute()],
    ['performance_metrics.user_id', () => database.db.insertInto('performance_metrics').values({ organization_id: a.organizationId, user_id: b.userId, period: 'day', period_start: '2026-01-01', period_end: '2026-01-02' }).execute()],
  ];
  it.each(cases)('%s pointing into another organization is rejected', async (_name, attempt) => {
    await expect(attempt()).rejects.toThrow(/foreign key constraint/);
  });
});
