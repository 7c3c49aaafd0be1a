import { sql } from 'kysely';
import type { BulkCopy, Database } from '../../db/connect.ts';
import type { Tx } from '../../db/tenant.ts';
import {
  ACTIVITY_COLUMNS, CONVERSATION_COLUMNS, JOURNEY_COLUMNS, LEAD_COLUMNS, TRUTH_COLUMNS,
  type DemoOrganization, type EncodedBatch,
} from './demo.generator.ts';

export async function insertDemoOrganization(tx: Tx, org: DemoOrganization, passwordHash: string): Promise<void> {
  await tx
    .insertInto('organizations')
    .values({
      id: org.id, name: org.name, domain: org.domain, industry: org.industry, size: 'medium',
      settings: JSON.stringify(org.settings), subscription_tier: 'demo',
    })
    .execute();
  await tx
    .insertInto('users')
    .values(org.users.map((u) => ({ id: u.id, organization_id: org.id, email: u.email, full_name: u.fullName, role: u.role })))
    .execute();
  await tx
    .insertInto('teams')
    .values(org.teams.map((t) => ({ id: t.id, organization_id: org.id, name: t.name, description: t.description, manager_id: t.managerId })))
    .execute();
  for (const team of org.teams) {
    const members = org.users.filter((u) => u.teamKey === team.key).map((u) => u.id);
    await tx.updateTable('users').set({ team_id: team.id }).where('id', 'in', members).execute();
  }
  await tx
    .insertInto('user_credentials')
    .values(org.users.map((u) => ({ user_id: u.id, organization_id: org.id, password_hash: passwordHash })))
    .execute();
}

/** Generated rows are consistent by construction: foreign-key checks may be skipped. */
const TRUSTED = { trusted: true } as const;

/**
 * Leads first (everything references them), activities before conversations (which may
 * point at a call or email activity), the rest side by side on other connections. When
 * foreign-key triggers are skipped the order no longer matters and all five run at once.
 */
export async function copyDemoBatch(database: Database, batch: EncodedBatch, parallel: boolean): Promise<void> {
  const leads = () => database.copyCsv('leads', LEAD_COLUMNS, [batch.leads], TRUSTED);
  const activities = () => database.copyCsv('activities', ACTIVITY_COLUMNS, [batch.activities], TRUSTED);
  const conversations = () => database.copyCsv('conversations', CONVERSATION_COLUMNS, [batch.conversations], TRUSTED);
  const journey = () => database.copyCsv('journey_events', JOURNEY_COLUMNS, [batch.journeyEvents], TRUSTED);
  const truth = () => database.copyCsv('demo_lead_truth', TRUTH_COLUMNS, [batch.truth], TRUSTED);
  if (parallel) {
    await Promise.all([leads(), activities(), conversations(), journey(), truth()]);
    return;
  }
  await leads();
  await Promise.all([activities().then(conversations), journey(), truth()]);
}

export const DEMO_TABLES = ['leads', 'activities', 'conversations', 'journey_events', 'demo_lead_truth'] as const;

/** One batch through a bulk loader's single connection, parents before children. */
export async function copyDemoBatchInto(copy: BulkCopy, batch: EncodedBatch): Promise<void> {
  await copy('leads', LEAD_COLUMNS, [batch.leads]);
  await copy('activities', ACTIVITY_COLUMNS, [batch.activities]);
  await copy('conversations', CONVERSATION_COLUMNS, [batch.conversations]);
  await copy('journey_events', JOURNEY_COLUMNS, [batch.journeyEvents]);
  await copy('demo_lead_truth', TRUTH_COLUMNS, [batch.truth]);
}

/** Removes a half-written demo organization after a failure; every row cascades from it. */
export async function deleteOrganization(database: Database, organizationId: string): Promise<void> {
  await database.db.deleteFrom('organizations').where('id', '=', organizationId).execute();
}

/**
 * The demo's web events carry their visitor's anonymous id; map each visitor to its lead as
 * the tracker's identify does, so later events of that visitor would attach to the lead.
 */
export async function identifyDemoVisitors(database: Database, organizationId: string): Promise<void> {
  await sql`
    INSERT INTO tracking_identities (organization_id, anonymous_id, lead_id, created_at, updated_at)
    SELECT DISTINCT ON (anonymous_id) organization_id, anonymous_id, lead_id, occurred_at, occurred_at
      FROM journey_events
     WHERE organization_id = ${organizationId}::uuid AND anonymous_id IS NOT NULL AND lead_id IS NOT NULL
     ORDER BY anonymous_id, occurred_at
    ON CONFLICT DO NOTHING`.execute(database.db);
}

/** Bulk loads skip triggers: the search words of the new leads are added afterwards. */
export async function refreshSearchWords(database: Database, organizationId: string): Promise<void> {
  await sql`SELECT app.refresh_search_words(${organizationId}::uuid)`.execute(database.db);
}
