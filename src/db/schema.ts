import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Kysely's view of the schema of record (db/migrations). Kept by hand next to the SQL;
 * test/schema.test.ts compares it with the catalog so the two cannot drift apart.
 *
 * Conventions, identical in both database modes (see connect.ts for the parsers):
 *  - timestamptz → Date (strings accepted on write); date → 'YYYY-MM-DD' string;
 *  - numeric and int8 → number;
 *  - jsonb → the parsed value on read, a JSON string on write. Writing strings keeps the
 *    two drivers from guessing differently (pg would send a JS array as a SQL array).
 */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json<T> = ColumnType<T, string, string>;
export type DefaultJson<T> = ColumnType<T, string | undefined, string>;
export type Decimal = ColumnType<number, number | string, number | string>;
export type NullableDecimal = ColumnType<number | null, number | string | null, number | string | null>;
export type ReadOnly<T> = ColumnType<T, never, never>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const USER_ROLES = ['admin', 'manager', 'sales_rep', 'marketing', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const ORGANIZATION_SIZES = ['startup', 'small', 'medium', 'large', 'enterprise'] as const;
export type OrganizationSize = (typeof ORGANIZATION_SIZES)[number];
export const LEAD_STATUSES = [
  'new', 'contacted', 'qualified', 'proposal', 'negotiation',
  'closed_won', 'closed_lost', 'nurturing', 'unqualified',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const ENGAGEMENT_LEVELS = ['unknown', 'low', 'medium', 'high', 'very_high'] as const;
export type EngagementLevel = (typeof ENGAGEMENT_LEVELS)[number];
export const INSIGHT_TYPES = [
  'buying_signal', 'churn_risk', 'optimal_contact_time',
  'content_recommendation', 'next_best_action', 'competitive_threat',
] as const;
export type InsightType = (typeof INSIGHT_TYPES)[number];
export const PRIORITY_LEVELS = ['low', 'medium', 'high', 'urgent'] as const;
export type PriorityLevel = (typeof PRIORITY_LEVELS)[number];
export const ACTIVITY_TYPES = [
  'call', 'email', 'meeting', 'demo', 'proposal', 'follow_up', 'note', 'task', 'social_interaction',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
export const CONVERSATION_DIRECTIONS = ['inbound', 'outbound'] as const;
export type ConversationDirection = (typeof CONVERSATION_DIRECTIONS)[number];
export const FORECAST_TYPES = ['revenue', 'lead_volume', 'conversion_rate', 'deal_velocity'] as const;
export type ForecastType = (typeof FORECAST_TYPES)[number];
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Every enum type of the schema with its values, in declaration order. */
export const ENUMS = {
  user_role: USER_ROLES,
  organization_size: ORGANIZATION_SIZES,
  lead_status: LEAD_STATUSES,
  engagement_level: ENGAGEMENT_LEVELS,
  insight_type: INSIGHT_TYPES,
  priority_level: PRIORITY_LEVELS,
  activity_type: ACTIVITY_TYPES,
  conversation_direction: CONVERSATION_DIRECTIONS,
  forecast_type: FORECAST_TYPES,
  job_status: JOB_STATUSES,
} as const;

export interface Address {
  street?: string;
  city?: string;
  state?: string;
  country?: string;
  country_code?: string;
  postal_code?: string;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  domain: string | null;
  industry: string | null;
  size: OrganizationSize | null;
  settings: DefaultJson<JsonObject>;
  ai_config: DefaultJson<JsonObject>;
  subscription_tier: Generated<string>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  full_name: string;
  avatar_url: string | null;
  role: Generated<UserRole>;
  organization_id: string;
  team_id: string | null;
  preferences: DefaultJson<JsonObject>;
  ai_settings: DefaultJson<JsonObject>;
  is_active: Generated<boolean>;
  deactivated_at: NullableTimestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  last_active_at: NullableTimestamp;
  /** 0032: IANA name (validated by the API); null falls back to the organization's, then UTC. */
  time_zone: string | null;
}

export interface TeamsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string | null;
  manager_id: string | null;
  settings: DefaultJson<JsonObject>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface LeadsTable {
  id: Generated<string>;
  organization_id: string;
  assigned_to: string | null;
  team_id: string | null;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  job_title: string | null;
  address: ColumnType<Address | null, string | null, string | null>;
  status: Generated<LeadStatus>;
  stage: Generated<string | null>;
  source: string | null;
  campaign: string | null;
  current_score: Generated<number>;
  score_confidence: ColumnType<number, number | undefined, number>;
  predicted_value: NullableDecimal;
  conversion_probability: NullableDecimal;
  engagement_level: Generated<EngagementLevel>;
  communication_preference: DefaultJson<JsonObject>;
  optimal_contact_time: DefaultJson<JsonObject>;
  custom_fields: DefaultJson<JsonObject>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  external_id: string | null;
  deal_value: NullableDecimal;
  status_changed_at: DefaultTimestamp;
  closed_at: NullableTimestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  last_contacted_at: NullableTimestamp;
  next_follow_up_at: NullableTimestamp;
  do_not_contact: Generated<boolean>;
  do_not_contact_at: NullableTimestamp;
  do_not_contact_by: string | null;
  unsubscribed: Generated<boolean>;
  unsubscribed_at: NullableTimestamp;
  unsubscribed_by: string | null;
  consent_withdrawn: ColumnType<string[], string[] | undefined, string[]>;
  search_vector: ReadOnly<string>;
}

export interface ExplanationFactor {
  feature: string;
  group: 'demographic' | 'behavioral' | 'temporal' | 'conversational';
  points: number;
  text: string;
}

export interface LeadScoresTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  score: number;
  confidence: Decimal;
  model_version: string;
  conversion_probability: NullableDecimal;
  demographic_score: number | null;
  behavioral_score: number | null;
  temporal_score: number | null;
  conversational_score: number | null;
  explanation: Json<ExplanationFactor[]>;
  recommendations: DefaultJson<JsonValue[]>;
  created_at: DefaultTimestamp;
}

export interface AiInsightsTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  insight_type: InsightType;
  title: string;
  description: string;
  confidence: Decimal;
  priority: Generated<PriorityLevel>;
  data: DefaultJson<JsonObject>;
  expires_at: NullableTimestamp;
  acknowledged_by: string | null;
  acknowledged_at: NullableTimestamp;
  created_at: DefaultTimestamp;
  /** 0015: the detector's dedupe key, the lifecycle, and who dismissed it and why. */
  reason: Generated<string>;
  status: Generated<'open' | 'dismissed' | 'expired'>;
  dismissed_at: NullableTimestamp;
  dismissed_by: string | null;
  dismiss_reason: string | null;
  closed_at: NullableTimestamp;
  updated_at: DefaultTimestamp;
}

export interface LeadInsightQueueTable {
  organization_id: string;
  lead_id: string;
  queued_at: DefaultTimestamp;
}

export interface JourneyEventsTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string | null;
  event_type: string;
  event_name: string;
  description: string | null;
  properties: DefaultJson<JsonObject>;
  user_id: string | null;
  session_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  occurred_at: DefaultTimestamp;
  created_at: DefaultTimestamp;
  anonymous_id: string | null;
  client_event_id: string | null;
}

export interface ActivitiesTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  user_id: string | null;
  type: ActivityType;
  subject: string | null;
  description: string | null;
  outcome: string | null;
  scheduled_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  duration_minutes: number | null;
  sentiment_score: NullableDecimal;
  intent_detected: string | null;
  buying_signals: DefaultJson<JsonValue[]>;
  metadata: DefaultJson<JsonObject>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** 0014: when subject/description/outcome were last analysed (cleared when they change). */
  analyzed_at: NullableTimestamp;
}

export interface ConversationsTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  activity_id: string | null;
  direction: ConversationDirection;
  channel: string;
  subject: string | null;
  content: string;
  sentiment: DefaultJson<JsonObject>;
  intent: DefaultJson<JsonObject>;
  topics: DefaultJson<JsonValue[]>;
  entities: DefaultJson<JsonValue[]>;
  external_id: string | null;
  thread_id: string | null;
  metadata: DefaultJson<JsonObject>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  analyzed_at: NullableTimestamp;
}

export interface ForecastsTable {
  id: Generated<string>;
  organization_id: string;
  forecast_type: ForecastType;
  period_start: string;
  period_end: string;
  granularity: Generated<string>;
  predicted_value: Decimal;
  confidence_lower: NullableDecimal;
  confidence_upper: NullableDecimal;
  model_version: string;
  key_drivers: DefaultJson<JsonValue[]>;
  scenarios: DefaultJson<JsonObject>;
  created_at: DefaultTimestamp;
  /** 0034: the run that wrote the row, what it knew the data up to, its step ahead, forecast or backtest. */
  run_id: string | null;
  made_as_of: DefaultTimestamp;
  horizon: Generated<number>;
  kind: Generated<'forecast' | 'backtest'>;
}

/** The kinds of period a performance_metrics row covers (0033). */
export const METRICS_PERIODS = ['day', 'week', 'month', 'quarter'] as const;
export type MetricsPeriod = (typeof METRICS_PERIODS)[number];

/** Changes not yet rolled up into performance_metrics: the earliest instant they moved (0033). */
export interface PerformanceMetricsDirtyTable {
  id: Generated<string>;
  organization_id: string;
  since: Date;
  created_at: DefaultTimestamp;
}

export interface PerformanceMetricsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  team_id: string | null;
  period: MetricsPeriod;
  period_start: string;
  period_end: string;
  leads_created: Generated<number>;
  leads_qualified: Generated<number>;
  leads_converted: Generated<number>;
  revenue_generated: ColumnType<number, number | string | undefined, number | string>;
  activities_completed: Generated<number>;
  conversion_rate: NullableDecimal;
  average_deal_size: NullableDecimal;
  sales_velocity: NullableDecimal;
  created_at: DefaultTimestamp;
}

export interface UserCredentialsTable {
  user_id: string;
  organization_id: string;
  password_hash: string;
  password_updated_at: DefaultTimestamp;
  failed_attempts: Generated<number>;
  locked_until: NullableTimestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  token_hash: string;
  csrf_token_hash: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: DefaultTimestamp;
  last_seen_at: DefaultTimestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

/** Sign-in throttling windows (not a tenant table: see db/migrations/0044_auth_throttle.sql). */
export interface AuthThrottleTable {
  key_hash: string;
  hits: number;
  reset_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  role: UserRole;
  created_by: string | null;
  created_at: DefaultTimestamp;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface InvitationsTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  role: Generated<UserRole>;
  team_id: string | null;
  token_hash: string;
  invited_by: string | null;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  organization_id: string;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  details: DefaultJson<JsonObject>;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: DefaultTimestamp;
}

export const CONSENT_PURPOSES = ['marketing', 'sales_contact', 'tracking', 'profiling'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
export const LAWFUL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];
export const CONSENT_SOURCES = ['manual', 'api', 'import', 'web_form', 'email', 'phone', 'other'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export interface LeadConsentsTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  purpose: ConsentPurpose;
  lawful_basis: LawfulBasis;
  source: ConsentSource;
  granted_at: NullableTimestamp;
  withdrawn_at: NullableTimestamp;
  recorded_by: string | null;
  withdrawn_by: string | null;
  created_at: DefaultTimestamp;
}

export const SMTP_SECURITY = ['tls', 'starttls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];
export const EMAIL_MESSAGE_STATUSES = ['queued', 'sent', 'failed'] as const;
export type EmailMessageStatus = (typeof EMAIL_MESSAGE_STATUSES)[number];

/** 0040: an organization's SMTP relay (user_id NULL) or a user's own SMTP account. */
export interface EmailSmtpAccountsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  password_sealed: string | null;
  from_name: string | null;
  from_address: string;
  updated_by: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface EmailSettingsTable {
  organization_id: string;
  track_opens: Generated<boolean>;
  track_clicks: Generated<boolean>;
  updated_by: string | null;
  updated_at: DefaultTimestamp;
}

export interface EmailTemplatesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  created_by: string | null;
  updated_by: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface EmailMessagesTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  conversation_id: string | null;
  reply_to_conversation_id: string | null;
  template_id: string | null;
  account_id: string | null;
  sent_by: string | null;
  actor_type: ColumnType<'user' | 'api_key' | 'workflow', 'user' | 'api_key' | 'workflow' | undefined, 'user' | 'api_key' | 'workflow'>;
  from_address: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  message_id: string;
  in_reply_to: string | null;
  references_ids: ColumnType<string[], string[] | undefined, string[]>;
  thread_id: string;
  status: ColumnType<EmailMessageStatus, EmailMessageStatus | undefined, EmailMessageStatus>;
  error: string | null;
  attempts: Generated<number>;
  token: string;
  track_opens: Generated<boolean>;
  track_clicks: Generated<boolean>;
  links: ColumnType<string[], string[] | undefined, string[]>;
  opened_at: NullableTimestamp;
  clicked_at: NullableTimestamp;
  sent_at: NullableTimestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface JobsTable {
  id: Generated<number>;
  organization_id: string | null;
  queue: string;
  payload: DefaultJson<JsonObject>;
  status: Generated<JobStatus>;
  priority: Generated<number>;
  run_at: DefaultTimestamp;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  dedupe_key: string | null;
  progress: DefaultJson<JobProgress>;
  result: ColumnType<JsonValue | null, string | null, string | null>;
  last_error: string | null;
  locked_by: string | null;
  locked_at: NullableTimestamp;
  created_by: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface JobProgress {
  done?: number;
  total?: number;
  message?: string;
}

export interface OutboxEventsTable {
  id: Generated<number>;
  organization_id: string;
  event_type: string;
  entity_type: string;
  entity_id: string | null;
  payload: DefaultJson<JsonObject>;
  actor_id: string | null;
  created_at: DefaultTimestamp;
  /** The organization's delivery order, set after commit by the sequencer (0031); null until then. */
  seq: number | null;
}

/** Per organization: the last seq handed out and how far retention has pruned (0031). */
export interface OutboxSequencesTable {
  organization_id: string;
  last_seq: Generated<number>;
  pruned_through: Generated<number>;
  updated_at: DefaultTimestamp;
}

export interface ScoringModelsTable {
  id: Generated<string>;
  organization_id: string;
  version: string;
  algorithm: string;
  features: DefaultJson<JsonValue[]>;
  parameters: DefaultJson<JsonObject>;
  metrics: DefaultJson<JsonObject>;
  calibration: DefaultJson<JsonValue[]>;
  training_size: Generated<number>;
  positives: Generated<number>;
  is_active: Generated<boolean>;
  trained_at: DefaultTimestamp;
  activated_at: NullableTimestamp;
  created_by: string | null;
  created_at: DefaultTimestamp;
  /** Set when a person whose outcome it learned from was erased (0037). */
  needs_retraining_since: NullableTimestamp;
}

export interface DemoLeadTruthTable {
  lead_id: string;
  organization_id: string;
  true_probability: number;
  drivers: DefaultJson<JsonObject>;
  generator_version: string;
}

export interface LeadSearchWordsTable {
  organization_id: string;
  word: string;
}

export const IMPORT_STATUSES = ['pending', 'queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const CUSTOM_FIELD_TYPES = ['number', 'boolean', 'date', 'category', 'text'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** 0010_imports.sql: CSV imports (see src/modules/imports). */
export interface ImportsTable {
  id: Generated<string>;
  organization_id: string;
  created_by: string | null;
  source: 'upload' | 'cli';
  file_name: string;
  file_size: number;
  file_sha256: string;
  format: DefaultJson<JsonObject>;
  mapping: DefaultJson<JsonObject>;
  status: ColumnType<ImportStatus, ImportStatus | undefined, ImportStatus>;
  job_id: number | null;
  checkpoint_line: Generated<number>;
  committed_ranges: DefaultJson<[number, number][]>;
  bytes_done: Generated<number>;
  batches: Generated<number>;
  rows_processed: Generated<number>;
  created_count: Generated<number>;
  updated_count: Generated<number>;
  rejected_count: Generated<number>;
  last_error: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface ImportFileChunksTable {
  organization_id: string;
  import_id: string;
  seq: number;
  data: Uint8Array;
}

export interface ImportErrorsTable {
  organization_id: string;
  import_id: string;
  line: number;
  reason: string;
  raw: DefaultJson<string[]>;
}

export interface CustomFieldDefinitionsTable {
  organization_id: string;
  key: string;
  label: string;
  type: CustomFieldType;
  categories: DefaultJson<string[]>;
  source_import_id: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface TrackingKeysTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  write_key: string;
  created_by: string | null;
  created_at: DefaultTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  replaces_id: string | null;
}

export interface TrackingIdentitiesTable {
  organization_id: string;
  anonymous_id: string;
  lead_id: string;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** Leads whose score is due (0012): filled by triggers, drained by the rescoring job. */
export interface LeadScoreQueueTable {
  organization_id: string;
  lead_id: string;
  queued_at: Generated<Date>;
}

export interface SchemaMigrationsTable {
  version: string;
  name: string;
  checksum: string;
  applied_at: DefaultTimestamp;
  duration_ms: number;
}

export interface SavedViewsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  name: string;
  query: Generated<string>;
  columns: Generated<string[]>;
  shared: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export const NOTIFICATION_KINDS = ['insight', 'assigned', 'follow_up_due', 'job_finished', 'job_failed', 'mention', 'workflow'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** 0032: messages addressed to one user, each notified once per cause (dedupe_key). */
export interface NotificationsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  kind: NotificationKind;
  title: string;
  body: string | null;
  link: string | null;
  lead_id: string | null;
  dedupe_key: string;
  read_at: NullableTimestamp;
  created_at: DefaultTimestamp;
}

export const PRIVACY_REQUEST_TYPES = ['export', 'erasure'] as const;
export type PrivacyRequestType = (typeof PRIVACY_REQUEST_TYPES)[number];
export const PRIVACY_REQUEST_STATUSES = ['received', 'in_progress', 'done', 'failed'] as const;
export type PrivacyRequestStatus = (typeof PRIVACY_REQUEST_STATUSES)[number];

export interface PrivacyRequestsTable {
  id: Generated<string>;
  organization_id: string;
  type: PrivacyRequestType;
  status: ColumnType<PrivacyRequestStatus, PrivacyRequestStatus | undefined, PrivacyRequestStatus>;
  subject_email: string | null;
  subject_phone: string | null;
  subject_lead_ids: ColumnType<string[], string[] | undefined, string[]>;
  subject_hash: string;
  received_at: DefaultTimestamp;
  due_at: DefaultTimestamp;
  requested_by: string | null;
  acted_by: string | null;
  channel: ColumnType<'api' | 'cli', 'api' | 'cli' | undefined, 'api' | 'cli'>;
  job_id: number | null;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  result: DefaultJson<JsonObject>;
  verification: ColumnType<JsonObject | null, string | null | undefined, string | null>;
  error: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  download_token_hash: string | null;
  download_expires_at: NullableTimestamp;
  downloaded_at: NullableTimestamp;
}

export interface PrivacyExportsTable {
  request_id: string;
  organization_id: string;
  document: Json<JsonObject>;
  summary: string;
  token_hash: string;
  expires_at: Timestamp;
  created_at: DefaultTimestamp;
}

export interface PrivacyTombstonesTable {
  organization_id: string;
  kind: 'email' | 'phone';
  hash: string;
  request_id: string | null;
  created_at: DefaultTimestamp;
}

/** 0036: per organization, how long each kind of personal data is kept (null: forever). */
export interface RetentionPoliciesTable {
  organization_id: string;
  journey_events_months: number | null;
  conversations_months: number | null;
  inactive_leads_months: number | null;
  imports_months: number | null;
  outbox_events_days: number | null;
  notifications_months: number | null;
  audit_log_months: number | null;
  updated_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** 0036: the latest journey event or conversation of a lead that retention deleted. */
export interface RetentionLeadActivityTable {
  organization_id: string;
  lead_id: string;
  last_at: Date;
}

export interface AssignmentRulesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  position: number;
  enabled: Generated<boolean>;
  distribution: 'single' | 'round_robin' | 'capacity';
  conditions: ColumnType<Record<string, unknown>, string | undefined, string>;
  target_team_id: string | null;
  max_open_per_rep: number | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AssignmentRuleUsersTable {
  organization_id: string;
  rule_id: string;
  user_id: string;
  ordinal: number;
}

export interface AssignmentRuleCursorsTable {
  organization_id: string;
  rule_id: string;
  last_user_id: string | null;
  assigned_count: Generated<number>;
}

export interface AssignmentSettingsTable {
  organization_id: string;
  fallback_user_id: string | null;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

/** 0043: a new lead waiting for its first score to meet a score-band assignment rule. */
export interface AssignmentWaitsTable {
  organization_id: string;
  lead_id: string;
  created_at: Generated<Date>;
}

export interface LeadAssignmentsTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  rule_id: string | null;
  rule_name: string;
  assigned_to: string | null;
  via: 'api' | 'import' | 'tracking' | 'score';
  created_at: Generated<Date>;
}

/** 0038: a webhook endpoint an admin registered (src/modules/webhooks). */
export interface WebhookEndpointsTable {
  id: Generated<string>;
  organization_id: string;
  url: string;
  description: Generated<string>;
  event_types: string[];
  secret_sealed: string;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  from_seq: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type WebhookDeliveryStatus = 'queued' | 'succeeded' | 'failed' | 'gave_up';

/** 0038: one event (or test, or replay) for one endpoint, with its attempts' outcome. */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  organization_id: string;
  endpoint_id: string;
  event_seq: number | null;
  outbox_event_id: number | null;
  event_type: string;
  lead_id: string | null;
  message_id: string;
  body: Json<JsonObject>;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  replay_of: string | null;
  created_at: Generated<Date>;
  delivered_at: Date | null;
}

/** 0038: per organization, webhook settings and the fan-out consumer's outbox position. */
export interface WebhookSettingsTable {
  organization_id: string;
  allow_private_targets: Generated<boolean>;
  last_seq: Generated<number>;
  updated_at: Generated<Date>;
}

/** 0039: a user's IMAP mailbox and its sync state (src/modules/mailboxes/). */
export interface MailboxesTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  username: string;
  auth_kind: 'password' | 'oauth2';
  secret_sealed: string;
  folders: string[];
  folder_state: DefaultJson<JsonObject>;
  state: Generated<'pending' | 'syncing' | 'ok' | 'error'>;
  sync_started_at: NullableTimestamp;
  last_synced_at: NullableTimestamp;
  last_error: string | null;
  last_error_at: NullableTimestamp;
  messages_stored: Generated<number>;
  create_leads_from_unknown: Generated<boolean>;
  unknown_sender_to: Generated<string[]>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface DB {
  mailboxes: MailboxesTable;
  privacy_requests: PrivacyRequestsTable;
  privacy_exports: PrivacyExportsTable;
  privacy_tombstones: PrivacyTombstonesTable;
  retention_policies: RetentionPoliciesTable;
  retention_lead_activity: RetentionLeadActivityTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_settings: WebhookSettingsTable;
  notifications: NotificationsTable;
  saved_views: SavedViewsTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  teams: TeamsTable;
  leads: LeadsTable;
  lead_scores: LeadScoresTable;
  ai_insights: AiInsightsTable;
  lead_insight_queue: LeadInsightQueueTable;
  journey_events: JourneyEventsTable;
  activities: ActivitiesTable;
  conversations: ConversationsTable;
  forecasts: ForecastsTable;
  performance_metrics: PerformanceMetricsTable;
  performance_metrics_dirty: PerformanceMetricsDirtyTable;
  user_credentials: UserCredentialsTable;
  sessions: SessionsTable;
  auth_throttle: AuthThrottleTable;
  api_keys: ApiKeysTable;
  invitations: InvitationsTable;
  audit_log: AuditLogTable;
  lead_consents: LeadConsentsTable;
  assignment_rules: AssignmentRulesTable;
  assignment_rule_users: AssignmentRuleUsersTable;
  assignment_rule_cursors: AssignmentRuleCursorsTable;
  assignment_settings: AssignmentSettingsTable;
  lead_assignments: LeadAssignmentsTable;
  assignment_waits: AssignmentWaitsTable;
  email_smtp_accounts: EmailSmtpAccountsTable;
  email_settings: EmailSettingsTable;
  email_templates: EmailTemplatesTable;
  email_messages: EmailMessagesTable;
  jobs: JobsTable;
  outbox_events: OutboxEventsTable;
  outbox_sequences: OutboxSequencesTable;
  scoring_models: ScoringModelsTable;
  demo_lead_truth: DemoLeadTruthTable;
  lead_search_words: LeadSearchWordsTable;
  imports: ImportsTable;
  import_file_chunks: ImportFileChunksTable;
  import_errors: ImportErrorsTable;
  custom_field_definitions: CustomFieldDefinitionsTable;
  tracking_keys: TrackingKeysTable;
  tracking_identities: TrackingIdentitiesTable;
  lead_score_queue: LeadScoreQueueTable;
  schema_migrations: SchemaMigrationsTable;
}

/** Tables that belong to one organization and are protected by Row Level Security. */
export const TENANT_TABLES = [
  'organizations', 'users', 'teams', 'leads', 'lead_scores', 'ai_insights', 'journey_events',
  'activities', 'conversations', 'forecasts', 'performance_metrics', 'user_credentials',
  'sessions', 'api_keys', 'invitations', 'audit_log', 'jobs', 'outbox_events',
  'scoring_models', 'demo_lead_truth', 'lead_search_words',
  'imports', 'import_file_chunks', 'import_errors', 'custom_field_definitions',
  'tracking_keys', 'tracking_identities', 'lead_score_queue', 'lead_insight_queue',
  'saved_views', 'outbox_sequences', 'notifications', 'performance_metrics_dirty',
  'privacy_requests', 'privacy_exports', 'privacy_tombstones',
  'retention_policies', 'retention_lead_activity',
  'lead_consents',
  'webhook_endpoints', 'webhook_deliveries', 'webhook_settings',
  'assignment_rules', 'assignment_rule_users', 'assignment_rule_cursors', 'assignment_settings', 'lead_assignments', 'assignment_waits',
  'email_smtp_accounts', 'email_settings', 'email_templates', 'email_messages',
] as const satisfies readonly (keyof DB)[];

export type Lead = Selectable<LeadsTable>;
export type NewLead = Insertable<LeadsTable>;
export type LeadUpdate = Updateable<LeadsTable>;
export type User = Selectable<UsersTable>;
export type Organization = Selectable<OrganizationsTable>;
export type Team = Selectable<TeamsTable>;
export type Job = Selectable<JobsTable>;
