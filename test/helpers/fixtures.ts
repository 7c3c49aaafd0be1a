import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';

export interface TenantRows {
  organizationId: string;
  userId: string;
  teamId: string;
  leadId: string;
  activityId: string;
  privacyRequestId: string;
  ruleId: string;
}

/**
 * One row in every tenant table for a new organization, written as the owner role (the
 * way seeding and maintenance write). Row Level Security tests read them back as the
 * application role.
 */
export async function createTenantRows(db: Kysely<DB>, name: string): Promise<TenantRows> {
  const organizationId = randomUUID();
  const userId = randomUUID();
  const teamId = randomUUID();
  const leadId = randomUUID();
  const activityId = randomUUID();
  const tag = randomUUID().slice(0, 8);
  await db.insertInto('organizations').values({ id: organizationId, name }).execute();
  await db.insertInto('users').values({ id: userId, organization_id: organizationId, email: `admin-${tag}@${tag}.example`, full_name: `${name} Admin`, role: 'admin' }).execute();
  await db.insertInto('teams').values({ id: teamId, organization_id: organizationId, name: 'Sales', manager_id: userId }).execute();
  await db.updateTable('users').set({ team_id: teamId }).where('id', '=', userId).execute();
  await db
    .insertInto('leads')
    .values({ id: leadId, organization_id: organizationId, assigned_to: userId, team_id: teamId, first_name: 'Ada', last_name: name, email: `ada@${tag}.example`, company: `${name} Corp` })
    .execute();
  await db.insertInto('activities').values({ id: activityId, organization_id: organizationId, lead_id: leadId, user_id: userId, type: 'call' }).execute();
  await db.insertInto('conversations').values({ organization_id: organizationId, lead_id: leadId, activity_id: activityId, direction: 'inbound', channel: 'email', content: 'Hello' }).execute();
  await db.insertInto('lead_scores').values({ organization_id: organizationId, lead_id: leadId, score: 50, confidence: 0.5, model_version: 'test', explanation: '[]' }).execute();
  await db.insertInto('ai_insights').values({ organization_id: organizationId, lead_id: leadId, insight_type: 'buying_signal', title: 't', description: 'd', confidence: 0.5 }).execute();
  await db.insertInto('journey_events').values({ organization_id: organizationId, lead_id: leadId, event_type: 'page_view', event_name: 'Pricing' }).execute();
  await db.insertInto('forecasts').values({ organization_id: organizationId, forecast_type: 'revenue', period_start: '2026-01-01', period_end: '2026-01-31', predicted_value: 1000, model_version: 'test' }).execute();
  await db.insertInto('performance_metrics').values({ organization_id: organizationId, user_id: userId, team_id: teamId, period: 'month', period_start: '2026-01-01', period_end: '2026-01-31' }).execute();
  await db.insertInto('user_credentials').values({ user_id: userId, organization_id: organizationId, password_hash: 'x' }).execute();
  await db.insertInto('sessions').values({ organization_id: organizationId, user_id: userId, token_hash: `s-${tag}`, csrf_token_hash: 'c', expires_at: new Date(Date.now() + 3600_000) }).execute();
  await db.insertInto('api_keys').values({ organization_id: organizationId, name: 'k', prefix: 'lk_', key_hash: `k-${tag}`, role: 'viewer', created_by: userId }).execute();
  await db.insertInto('invitations').values({ organization_id: organizationId, email: `new-${tag}@${tag}.example`, token_hash: `i-${tag}`, expires_at: new Date(Date.now() + 3600_000), invited_by: userId }).execute();
  await db.insertInto('audit_log').values({ organization_id: organizationId, actor_type: 'user', actor_id: userId, action: 'test.created' }).execute();
  await db.insertInto('jobs').values({ organization_id: organizationId, queue: 'test' }).execute();
  await db.insertInto('outbox_events').values({ organization_id: organizationId, event_type: 'lead.created', entity_type: 'lead', entity_id: leadId }).execute();
  await db.insertInto('outbox_sequences').values({ organization_id: organizationId }).onConflict((oc) => oc.column('organization_id').doNothing()).execute();
  await db.insertInto('scoring_models').values({ organization_id: organizationId, version: `v-${tag}`, algorithm: 'prior' }).execute();
  await db.insertInto('demo_lead_truth').values({ lead_id: leadId, organization_id: organizationId, true_probability: 0.3, generator_version: 'test' }).execute();
  await db.insertInto('tracking_keys').values({ organization_id: organizationId, name: 'Website', write_key: `lwk_${tag}`, created_by: userId }).execute();
  await db.insertInto('tracking_identities').values({ organization_id: organizationId, anonymous_id: `anon-${tag}`, lead_id: leadId }).execute();
  const importId = randomUUID();
  await db.insertInto('imports').values({ id: importId, organization_id: organizationId, created_by: userId, source: 'upload', file_name: 'leads.csv', file_size: 1, file_sha256: tag }).execute();
  await db.insertInto('import_file_chunks').values({ organization_id: organizationId, import_id: importId, seq: 0, data: new Uint8Array([0x61]) }).execute();
  await db.insertInto('import_errors').values({ organization_id: organizationId, import_id: importId, line: 2, reason: 'bad email', raw: '["x"]' }).execute();
  await db.insertInto('custom_field_definitions').values({ organization_id: organizationId, key: 'industry', label: 'Industry', type: 'category' }).execute();
  await db.insertInto('saved_views').values({ organization_id: organizationId, user_id: userId, name: 'Hot leads', query: 'score_min=70' }).execute();
  await db.insertInto('notifications').values({ organization_id: organizationId, user_id: userId, kind: 'assigned', title: 'Ada was assigned to you', lead_id: leadId, link: `/leads/${leadId}`, dedupe_key: `fixture:${tag}` }).execute();
  await db.insertInto('retention_policies').values({ organization_id: organizationId, journey_events_months: 13, audit_log_months: 72, updated_by: userId }).execute();
  await db.insertInto('retention_lead_activity').values({ organization_id: organizationId, lead_id: leadId, last_at: new Date() }).execute();
  await db.insertInto('lead_consents').values({ organization_id: organizationId, lead_id: leadId, purpose: 'marketing', lawful_basis: 'consent', source: 'manual', granted_at: new Date(), recorded_by: userId }).execute();
  const webhookId = randomUUID();
  await db.insertInto('webhook_endpoints').values({ id: webhookId, organization_id: organizationId, url: 'https://hooks.example/in', event_types: ['lead.created'], secret_sealed: 'v1.x.y.z', created_by: userId }).execute();
  await db.insertInto('webhook_deliveries').values({ organization_id: organizationId, endpoint_id: webhookId, event_type: 'lead.created', lead_id: leadId, message_id: `msg_${randomUUID()}`, body: '{}' }).execute();
  await db.insertInto('webhook_settings').values({ organization_id: organizationId }).execute();
  await db.insertInto('email_smtp_accounts').values({ organization_id: organizationId, user_id: null, host: 'smtp.example', port: 587, security: 'starttls', from_address: 'sales@example.com' }).execute();
  await db.insertInto('email_settings').values({ organization_id: organizationId }).execute();
  const template = await db.insertInto('email_templates').values({ organization_id: organizationId, name: `Hello ${name}`, subject: 'Hello', body_text: 'Hello {{first_name}}' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('email_messages').values({ organization_id: organizationId, lead_id: leadId, template_id: template.id, from_address: 'sales@example.com', to_address: 'lead@example.com', subject: 'Hello', body_text: 'Hello', message_id: `<${randomUUID()}@example.com>`, thread_id: `<${randomUUID()}@example.com>`, token: randomUUID() }).execute();
  // The rescoring queue gets its row from the lead's trigger; the insights queue only when the rescoring job takes it.
  await db.insertInto('lead_insight_queue').values({ organization_id: organizationId, lead_id: leadId }).execute();
  const ruleId = randomUUID();
  await db.insertInto('assignment_rules').values({ id: ruleId, organization_id: organizationId, name: 'Everyone', position: 1, distribution: 'single', conditions: '{}' }).execute();
  await db.insertInto('assignment_rule_users').values({ organization_id: organizationId, rule_id: ruleId, user_id: userId, ordinal: 0 }).execute();
  await db.insertInto('assignment_rule_cursors').values({ organization_id: organizationId, rule_id: ruleId, last_user_id: userId }).execute();
  await db.insertInto('assignment_settings').values({ organization_id: organizationId, fallback_user_id: userId }).execute();
  await db.insertInto('lead_assignments').values({ organization_id: organizationId, lead_id: leadId, rule_id: ruleId, rule_name: 'Everyone', assigned_to: userId, via: 'api' }).execute();
  await db.insertInto('assignment_waits').values({ organization_id: organizationId, lead_id: leadId }).execute();
  const privacyRequestId = randomUUID();
  await db.insertInto('privacy_requests').values({ id: privacyRequestId, organization_id: organizationId, type: 'export', subject_lead_ids: [leadId], subject_hash: tag, requested_by: userId }).execute();
  await db.insertInto('privacy_exports').values({ organization_id: organizationId, request_id: privacyRequestId, document: '{}', summary: 'Nothing', token_hash: tag, expires_at: new Date(Date.now() + 86_400_000) }).execute();
  await db.insertInto('privacy_tombstones').values({ organization_id: organizationId, kind: 'email', hash: 'e'.repeat(64) }).execute();
  return { organizationId, userId, teamId, leadId, activityId, privacyRequestId, ruleId };
}
