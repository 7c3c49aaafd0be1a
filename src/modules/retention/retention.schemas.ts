import { z } from 'zod';
import { CATEGORIES, DEFAULT_POLICIES, LIMITS, POLICY_FIELDS, unitOf, type PolicyField } from './retention.policies.ts';

const window = (field: PolicyField) => z.number().int().nullable()
  .describe(`${unitOf(field) === 'months' ? 'Months' : 'Days'} to keep (${LIMITS[field].min}–${LIMITS[field].max}); null keeps forever. Proposed: ${DEFAULT_POLICIES[field] ?? 'null'}.`);

const fields = Object.fromEntries(POLICY_FIELDS.map((f) => [f, window(f)])) as Record<PolicyField, ReturnType<typeof window>>;

export const PoliciesBody = z.strictObject(fields).describe(
  'Every window, in whole months (outbox events: days); null keeps forever. journey_events_months: web visits; conversations_months: messages; '
  + 'inactive_leads_months: leads never won with no activity, conversation, visit, contact, status change or pending follow-up for that long; '
  + 'imports_months: uploaded files and rejected rows of finished imports; outbox_events_days: real-time events (the server-wide window applies too); '
  + 'notifications_months; audit_log_months: at least 12, and not shorter than any other window in months.',
);

const Policies = z.object(fields);
export const PoliciesResponse = z.object({
  configured: z.boolean().describe('False until an admin saves policies: until then nothing is deleted, and `policies` shows the proposed defaults'),
  policies: Policies,
  defaults: Policies,
  limits: z.record(z.string(), z.object({ min: z.number().int(), max: z.number().int() })),
  updated_at: z.string().nullable(),
  updated_by: z.string().nullable(),
});

export const RunBody = z.strictObject({
  dry_run: z.boolean().describe('true: report what would go now and change nothing; false: delete it in the background (a job)'),
});

export const CategoryReport = z.object({
  category: z.enum(CATEGORIES),
  label: z.string(),
  policy_field: z.enum(POLICY_FIELDS),
  window: z.number().int().nullable(),
  unit: z.enum(['months', 'days']),
  cutoff: z.string().nullable().describe('Rows strictly older than this are due; null: kept forever'),
  due: z.number().int(),
  oldest: z.string().nullable(),
  newest: z.string().nullable(),
  sample_ids: z.array(z.string()).describe('The first few due rows (oldest first) by primary key; import rows as import_id:line'),
  deleted: z.number().int(),
});

export const RetentionReport = z.object({
  organization_id: z.string(),
  dry_run: z.boolean(),
  configured: z.boolean(),
  as_of: z.string(),
  batch_size: z.number().int(),
  batches: z.number().int(),
  categories: z.array(CategoryReport),
  total_due: z.number().int(),
  total_deleted: z.number().int(),
});

export const RunAccepted = z.object({ job_id: z.number().int(), deduplicated: z.boolean() });
