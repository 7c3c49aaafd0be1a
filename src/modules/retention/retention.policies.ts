/**
 * The retention categories and their policy fields: one list that the migration's columns,
 * the API schema, the job and the web form all follow. Pure: no database here.
 */
export const CATEGORIES = ['journey_events', 'conversations', 'inactive_leads', 'import_files', 'import_errors', 'outbox_events', 'notifications', 'audit_log'] as const;
export type Category = (typeof CATEGORIES)[number];

export const POLICY_FIELDS = ['journey_events_months', 'conversations_months', 'inactive_leads_months', 'imports_months', 'outbox_events_days', 'notifications_months', 'audit_log_months'] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

/** A window per field; null keeps that data forever. */
export type Policies = Record<PolicyField, number | null>;

/** Which window each category obeys (import files and their error rows share one). */
export const POLICY_OF: Record<Category, PolicyField> = {
  journey_events: 'journey_events_months',
  conversations: 'conversations_months',
  inactive_leads: 'inactive_leads_months',
  import_files: 'imports_months',
  import_errors: 'imports_months',
  outbox_events: 'outbox_events_days',
  notifications: 'notifications_months',
  audit_log: 'audit_log_months',
};

export const unitOf = (field: PolicyField): 'months' | 'days' => (field.endsWith('_days') ? 'days' : 'months');

/**
 * What the form proposes before an organization has saved its own. Leads are kept until an
 * admin chooses a window: deleting whole records is a decision, not a default.
 */
export const DEFAULT_POLICIES: Readonly<Policies> = Object.freeze({
  journey_events_months: 13,
  conversations_months: 24,
  inactive_leads_months: null,
  imports_months: 6,
  outbox_events_days: 30,
  notifications_months: 12,
  audit_log_months: 72,
});

/** The bounds the migration's CHECK constraints enforce; the API says them in its errors. */
export const LIMITS: Readonly<Record<PolicyField, { min: number; max: number }>> = Object.freeze({
  journey_events_months: { min: 1, max: 1200 },
  conversations_months: { min: 1, max: 1200 },
  inactive_leads_months: { min: 1, max: 1200 },
  imports_months: { min: 1, max: 1200 },
  outbox_events_days: { min: 1, max: 3650 },
  notifications_months: { min: 1, max: 1200 },
  // The audit log proves what happened to personal data (erasures included): at least a year.
  audit_log_months: { min: 12, max: 1200 },
});

export const LABELS: Readonly<Record<Category, string>> = Object.freeze({
  journey_events: 'Journey events',
  conversations: 'Conversations',
  inactive_leads: 'Inactive unconverted leads',
  import_files: 'Import files',
  import_errors: 'Import error rows',
  outbox_events: 'Real-time events',
  notifications: 'Notifications',
  audit_log: 'Audit log',
});

export interface PolicyProblem {
  field: PolicyField;
  message: string;
}

/**
 * Every problem at once, so a form shows them all. Beyond each window's bounds: the audit
 * log must outlive what it records, so it may not be shorter than any other window.
 */
export function policyProblems(p: Policies): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const field of POLICY_FIELDS) {
    const v = p[field];
    if (v === null) continue;
    const { min, max } = LIMITS[field];
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push({ field, message: `${field} must be a whole number of ${unitOf(field)} from ${min} to ${max}, or null to keep forever (got ${v}).` });
    }
  }
  const audit = p.audit_log_months;
  if (audit !== null && !problems.some((x) => x.field === 'audit_log_months')) {
    const longest = POLICY_FIELDS.filter((f) => f !== 'audit_log_months' && unitOf(f) === 'months' && p[f] !== null)
      .map((f) => ({ f, v: p[f]! }))
      .sort((a, b) => b.v - a.v)[0];
    if (longest && longest.v > audit) {
      problems.push({ field: 'audit_log_months', message: `audit_log_months (${audit}) may not be shorter than ${longest.f} (${longest.v}): the audit log must outlive the data it records. Use at least ${longest.v}, or null to keep it forever.` });
    }
  }
  return problems;
}
