import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DEFAULT_POLICIES, unitOf, type PolicyField } from '../retention/retention.policies.ts';
import { readPolicies } from '../retention/retention.queries.ts';
import { readCatalogue } from './privacy.catalogue.ts';

/**
 * The record of processing (GDPR art. 30), generated from the schema as it is now: which
 * tables and columns hold personal data, why, who can read them, and how long they are kept
 * under the organization's current settings. The annotations below are the only hand-kept
 * part; a table the catalogue finds that they do not name is listed as "not yet described",
 * so the record never silently leaves a new table out.
 */
interface Purpose {
  purpose: string;
  personal: string[];
  readers: string;
  /** The retention policy window that removes this table's rows, if any. */
  retentionKey?: PolicyField;
}

const READ_LEADS = 'users of the organization within their lead scope (admins and managers: all; sales reps: their own and team\'s leads)';

const DESCRIBED: Record<string, Purpose> = {
  leads: { purpose: 'managing prospects and customers (contact, qualification, pipeline)', personal: ['first_name', 'last_name', 'email', 'phone', 'company', 'job_title', 'address', 'custom_fields', 'tags'], readers: READ_LEADS, retentionKey: 'inactive_leads_months' },
  activities: { purpose: 'the history of contacts with a lead (calls, e-mails, meetings, notes)', personal: ['subject', 'description', 'outcome', 'metadata'], readers: READ_LEADS, retentionKey: 'inactive_leads_months' },
  conversations: { purpose: 'messages exchanged with a lead and their analysis (sentiment, intent, entities)', personal: ['subject', 'content', 'entities', 'topics', 'metadata'], readers: READ_LEADS, retentionKey: 'conversations_months' },
  journey_events: { purpose: 'website and product behaviour, for scoring and timing', personal: ['properties', 'ip_address', 'user_agent', 'anonymous_id', 'session_id'], readers: `${READ_LEADS}; marketing (website events)`, retentionKey: 'journey_events_months' },
  lead_scores: { purpose: 'conversion scores and their explanations', personal: ['explanation', 'recommendations'], readers: READ_LEADS },
  ai_insights: { purpose: 'suggestions about a lead (buying signals, churn risk, next action)', personal: ['title', 'description', 'data'], readers: READ_LEADS },
  notifications: { purpose: 'telling a user about their leads', personal: ['title', 'body'], readers: 'the user addressed', retentionKey: 'notifications_months' },
  tracking_identities: { purpose: 'linking a website visitor to a lead', personal: ['anonymous_id'], readers: 'nobody directly (used by tracking)' },
  import_errors: { purpose: 'rows refused by an import, for correction', personal: ['raw', 'reason'], readers: 'admins, managers and marketing (imports)', retentionKey: 'imports_months' },
  import_file_chunks: { purpose: 'an uploaded file while its import runs (deleted when it completes)', personal: ['data'], readers: 'nobody directly' },
  outbox_events: { purpose: 'live updates to open screens (replayed for a short time)', personal: ['payload'], readers: 'users of the organization, by their lead scope', retentionKey: 'outbox_events_days' },
  audit_log: { purpose: 'accountability for sensitive actions (ids and counts, no personal values)', personal: ['details', 'ip_address'], readers: 'admins', retentionKey: 'audit_log_months' },
  users: { purpose: 'accounts of the organization\'s staff', personal: ['email', 'full_name', 'avatar_url'], readers: 'users of the organization' },
  sessions: { purpose: 'signed-in sessions of staff', personal: ['ip_address', 'user_agent'], readers: 'the user themselves' },
  invitations: { purpose: 'inviting staff', personal: ['email'], readers: 'admins' },
  privacy_requests: { purpose: 'data subject requests (subject values only while acted on, then a keyed hash)', personal: ['subject_email', 'subject_phone'], readers: 'admins' },
  privacy_exports: { purpose: 'an export for a data subject, for 24 hours or until downloaded once', personal: ['document', 'summary'], readers: 'the admin who asked' },
  lead_consents: { purpose: 'consent given or withdrawn by a lead, per purpose, with its lawful basis and source (proof of consent)', personal: ['purpose', 'lawful_basis', 'source', 'granted_at', 'withdrawn_at'], readers: READ_LEADS },
  mailboxes: { purpose: 'a user\'s own IMAP mailbox connection, synced so that mail with leads becomes their conversations (the password or token encrypted; no mail is kept here)', personal: ['username', 'host', 'unknown_sender_to', 'last_error'], readers: 'the user themselves; admins see the state' },
  privacy_tombstones: { purpose: 'keeping erased people erased (keyed hashes only)', personal: [], readers: 'nobody directly (checked on import, tracking, lead creation)' },
  email_messages: { purpose: 'e-mails sent to a lead from LeadAI, as sent (delivery state, opens and clicks when tracking applies)', personal: ['to_address', 'subject', 'body_text', 'body_html', 'links'], readers: READ_LEADS },
  email_smtp_accounts: { purpose: 'SMTP accounts that send e-mail (the organization relay, a user\'s own; passwords encrypted)', personal: ['username', 'from_name', 'from_address'], readers: 'the user themselves; admins (the relay)' },
  email_templates: { purpose: 'e-mail templates (fields are filled in per lead when sending)', personal: [], readers: 'users who send e-mail' },
  workflow_runs: { purpose: 'what each automation rule did to a lead and when (its run log, kept 90 days)', personal: ['trigger', 'actions'], readers: 'admins and managers (automation)' },
  workflow_lead_states: { purpose: 'whether a rule\'s condition held for a lead, so it fires once per transition', personal: [], readers: 'nobody directly (used by workflows)' },
  workflows: { purpose: 'automation rules of the organization (conditions and actions, no lead data)', personal: [], readers: 'admins and managers (automation)' },
  assignment_rules: { purpose: 'rules that give new leads an owner (conditions such as source, campaign, country, score band)', personal: [], readers: 'admins and managers (automation)' },
  lead_assignments: { purpose: 'which rule gave a lead its owner, shown in the lead\'s timeline', personal: ['rule_name'], readers: READ_LEADS },
  webhook_endpoints: { purpose: 'systems the organization sends events to (URL; signing secret encrypted)', personal: ['url', 'description'], readers: 'admins' },
  webhook_deliveries: { purpose: 'events sent to those systems, with the lead as the API shows it, and each attempt\'s outcome (kept 30 days)', personal: ['body', 'error'], readers: 'admins' },
};

// Tables looked at and found to hold no personal data about leads (configuration, queues of ids, keys).
const NOT_PERSONAL = new Set(['api_keys', 'assignment_waits', 'assignment_rule_cursors', 'assignment_rule_users', 'assignment_settings', 'webhook_settings', 'demo_lead_truth', 'email_settings', 'imports', 'lead_insight_queue', 'lead_score_queue', 'organizations', 'retention_lead_activity', 'retention_policies', 'saved_views', 'schema_migrations', 'teams', 'tracking_keys']);

export interface ProcessingRecord {
  generated_at: string;
  organization: { id: string; name: string } | null;
  tables: { table: string; purpose: string; personal_columns: { column: string; type: string }[]; readers: string; retention: string }[];
  not_yet_described: string[];
}

export async function processingRecord(db: Kysely<DB>, organization: { id: string; name: string } | null): Promise<ProcessingRecord> {
  const catalogue = await readCatalogue(db);
  const retention = organization ? await retentionSettings(db, organization.id) : null;
  const tables: ProcessingRecord['tables'] = [];
  const undescribed: string[] = [];
  for (const t of catalogue) {
    const d = DESCRIBED[t.name];
    if (!d) {
      if (NOT_PERSONAL.has(t.name)) continue;
      // Text-bearing tables with a lead or a person in them that nobody described yet.
      if (t.hasLeadId || t.columns.some((c) => /email|phone|name|ip|user_agent|content|description/.test(c.name))) undescribed.push(t.name);
      continue;
    }
    const typeOf = new Map(t.columns.map((c) => [c.name, c.kind]));
    tables.push({
      table: t.name,
      purpose: d.purpose,
      personal_columns: d.personal.map((c) => ({ column: c, type: typeOf.get(c) ?? 'other' })),
      readers: d.readers,
      retention: describeRetention(d.retentionKey, retention),
    });
  }
  return { generated_at: new Date().toISOString(), organization, tables, not_yet_described: undescribed };
}

function describeRetention(field: PolicyField | undefined, policies: Partial<Record<PolicyField, number | null>> | null): string {
  if (!field) return 'kept until deleted or erased (no retention policy applies)';
  if (!policies) return `kept until deleted or erased (no retention policy saved yet; proposed: ${formatWindow(field, DEFAULT_POLICIES[field])})`;
  const value = policies[field];
  if (value == null) return 'kept until deleted or erased (the policy keeps it)';
  // Activities and leads go together, when the lead has been inactive (and unconverted) that long.
  if (field === 'inactive_leads_months') return `deleted with an unconverted lead inactive for ${formatWindow(field, value)} (retention policy)`;
  return `deleted after ${formatWindow(field, value)} (retention policy)`;
}

function formatWindow(field: PolicyField, value: number | null): string {
  return value == null ? 'forever' : `${value} ${unitOf(field)}`;
}

/** The organization's saved retention policies (0036), or null while none are saved: nothing is deleted then. */
async function retentionSettings(db: Kysely<DB>, organizationId: string): Promise<Partial<Record<PolicyField, number | null>> | null> {
  return (await readPolicies(db, organizationId)) ?? null;
}

export function recordAsText(r: ProcessingRecord): string {
  const lines = [`Record of processing${r.organization ? ` — ${r.organization.name}` : ''} (generated ${r.generated_at} from the database schema)`, ''];
  for (const t of r.tables) {
    lines.push(`${t.table}: ${t.purpose}`);
    if (t.personal_columns.length > 0) lines.push(`  personal data: ${t.personal_columns.map((c) => c.column).join(', ')}`);
    lines.push(`  readers: ${t.readers}`);
    lines.push(`  retention: ${t.retention}`);
    lines.push('');
  }
  if (r.not_yet_described.length > 0) lines.push(`Tables that may hold personal data and are not yet described: ${r.not_yet_described.join(', ')}`);
  return lines.join('\n');
}
