import { z } from 'zod';
import { DateTimeInput } from '../../shared/schemas.ts';
import { ENGAGEMENT_LEVELS, LEAD_STATUSES } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

const Text = (max: number) => z.string().trim().max(max);
const JsonObject = z.record(z.string(), z.unknown());

export const Address = z.strictObject({
  street: Text(255).optional(),
  city: Text(255).optional(),
  state: Text(255).optional(),
  country: Text(255).optional(),
  country_code: Text(2).optional(),
  postal_code: Text(32).optional(),
});

export const LeadFields = z.strictObject({
  // The name rule (lead-names.ts, shared with imports): a first or last name, an email or a company.
  first_name: Text(255).optional(),
  last_name: Text(255).optional(),
  email: z.string().trim().toLowerCase().max(255).email({ message: 'must be an email address like ada@example.com' }).nullable().optional(),
  phone: Text(50).nullable().optional(),
  company: Text(255).nullable().optional(),
  job_title: Text(255).nullable().optional(),
  address: Address.nullable().optional(),
  status: z.enum(LEAD_STATUSES).optional(),
  stage: Text(100).nullable().optional(),
  source: Text(100).nullable().optional(),
  campaign: Text(255).nullable().optional(),
  assigned_to: Uuid.nullable().optional(),
  team_id: Uuid.nullable().optional(),
  custom_fields: JsonObject.optional(),
  tags: z.array(Text(100).min(1)).max(100).optional(),
  external_id: Text(255).nullable().optional(),
  deal_value: z.number().nonnegative().max(9_999_999_999).nullable().optional(),
  next_follow_up_at: DateTimeInput.nullable().optional(),
  do_not_contact: z.boolean().optional().describe('The person asked not to be contacted at all: no contact suggestions, no tracking, left out of exports and e-mail sending. Who and when are recorded.'),
  unsubscribed: z.boolean().optional().describe('The person unsubscribed: treated as do-not-contact for suggestions, tracking, exports and e-mail sending. Who and when are recorded.'),
});

export const LeadCreate = LeadFields;

// In a PATCH every part of the address may be null: that part is removed.
const AddressPatch = z.strictObject(Object.fromEntries(Object.entries(Address.shape).map(([k, v]) => [k, v.unwrap().nullable().optional()])) as {
  [K in keyof typeof Address.shape]: z.ZodOptional<z.ZodNullable<ReturnType<(typeof Address.shape)[K]['unwrap']>>>;
});

export const LeadPatch = LeadFields.extend({
  first_name: Text(255).min(1),
  last_name: Text(255).min(1),
  address: AddressPatch.nullable().optional().describe('Merged into the stored address key by key: only the parts sent change, a part set to null is removed; null clears the whole address.'),
  custom_fields: JsonObject.optional().describe('Merged into the stored custom fields key by key: only the keys sent change (others, say from an import or another user meanwhile, stay), a key set to null is removed.'),
}).partial().refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });

export const Lead = z.object({
  id: Uuid,
  organization_id: Uuid,
  assigned_to: Uuid.nullable(),
  team_id: Uuid.nullable(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  job_title: z.string().nullable(),
  address: z.object({ street: z.string(), city: z.string(), state: z.string(), country: z.string(), country_code: z.string(), postal_code: z.string() }).partial().nullable(),
  status: z.enum(LEAD_STATUSES),
  stage: z.string().nullable(),
  source: z.string().nullable(),
  campaign: z.string().nullable(),
  current_score: z.number(),
  score_confidence: z.number(),
  predicted_value: z.number().nullable(),
  conversion_probability: z.number().nullable(),
  engagement_level: z.enum(ENGAGEMENT_LEVELS),
  custom_fields: JsonObject,
  tags: z.array(z.string()),
  external_id: z.string().nullable(),
  deal_value: z.number().nullable(),
  status_changed_at: z.date(),
  closed_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
  last_contacted_at: z.date().nullable(),
  next_follow_up_at: z.date().nullable(),
  do_not_contact: z.boolean(),
  do_not_contact_at: z.date().nullable(),
  do_not_contact_by: Uuid.nullable().describe('The user who set or cleared it (null: an API key or an import; the audit log names the actor)'),
  unsubscribed: z.boolean(),
  unsubscribed_at: z.date().nullable(),
  unsubscribed_by: Uuid.nullable(),
  consent_withdrawn: z.array(z.string()).describe('Purposes whose consent is withdrawn now (see /leads/{id}/consents)'),
});

/** One lead as its page shows it: with what the caller may do to it (see leads.service permissionsFor). */
export const LeadDetail = Lead.extend({
  permissions: z.object({
    edit: z.boolean().describe('Change its fields and follow-up, act on its insights'),
    log_activity: z.boolean().describe('Log activities and conversations on it'),
    assign: z.boolean().describe('Give it to another user (anyone who may edit may take it themselves)'),
    merge: z.boolean(),
    delete: z.boolean(),
  }).describe("What you may do to this lead: your role's rights on a lead in your write scope (a manager reads every team's leads, but changes only their own team's)"),
});

export const SORTS = ['relevance', 'score', 'updated_at', 'created_at', 'next_follow_up_at', 'name'] as const;

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item).min(1));

const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const Money = z.coerce.number().nonnegative().max(9_999_999_999);
const Place = z.string().trim().min(1).max(255);

const LeadFilterKnown = {
  q: z.string().trim().max(200).optional().describe('Full-text search over name, company and email; prefixes match ("acm" finds "Acme Corp")'),
  status: csv(z.enum(LEAD_STATUSES)).optional().describe('One or more statuses, comma-separated'),
  outcome: z.enum(['open', 'won', 'lost']).optional().describe('open: still being worked (new … negotiation, nurturing); won: closed won; lost: closed lost or unqualified'),
  stage: z.string().max(100).optional(),
  source: z.string().max(100).optional(),
  campaign: z.string().max(255).optional(),
  tags_any: csv(z.string().max(100)).optional(),
  tags_all: csv(z.string().max(100)).optional(),
  assigned_to: z.union([Uuid, z.literal('none'), z.literal('me')]).optional(),
  team_id: Uuid.optional(),
  engagement_level: csv(z.enum(ENGAGEMENT_LEVELS)).optional(),
  score_min: z.coerce.number().int().min(0).max(100).optional(),
  score_max: z.coerce.number().int().min(0).max(100).optional(),
  follow_up: z.enum(['due', 'overdue']).optional().describe('due: by the end of today (UTC); overdue: already past'),
  created_after: DateTimeInput.optional(),
  created_before: DateTimeInput.optional(),
  updated_after: DateTimeInput.optional(),
  updated_before: DateTimeInput.optional(),
  last_contacted_after: DateTimeInput.optional(),
  last_contacted_before: DateTimeInput.optional(),
  follow_up_after: DateTimeInput.optional().describe('Next follow-up at or after this time'),
  follow_up_before: DateTimeInput.optional().describe('Next follow-up before this time'),
  deal_value_min: Money.optional(),
  deal_value_max: Money.optional(),
  company: z.string().trim().min(1).max(255).optional().describe('Company name starts with this (any case)'),
  job_title: z.string().trim().min(1).max(255).optional().describe('Job title contains this (any case)'),
  has_email: Flag.optional(),
  has_phone: Flag.optional(),
  city: Place.optional().describe("The address's city (any case)"),
  region: Place.optional().describe("The address's state or region (any case)"),
  country: Place.optional().describe("The address's country, by name or two-letter code (any case)"),
};

const LeadListKnown = {
  ...LeadFilterKnown,
  sort: z.enum(SORTS).optional().describe('Default: relevance with q (best 200 matches, one page), else score'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
};

/** `cf.<field>=<value>`: equality on a custom field (as text), e.g. `cf.industry=Software`. */
export const CUSTOM_FIELD_PARAM = /^cf\.([A-Za-z0-9_][A-Za-z0-9_ .-]{0,63})$/;

/** Known parameters plus `cf.<name>` filters; anything else is named in a clear 422. */
function withCustomFieldFilters<T extends z.ZodRawShape>(known: T) {
  return z
    .object(known)
    .catchall(z.string().max(200))
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (!(key in known) && !CUSTOM_FIELD_PARAM.test(key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `Unrecognized query parameter "${key}" (custom fields are filtered as cf.<name>=<value>)` });
        }
      }
    });
}

export const LeadListQuery = withCustomFieldFilters(LeadListKnown);
export type LeadListQuery = z.infer<typeof LeadListQuery>;

export const LeadPage = z.object({ data: z.array(Lead), next_cursor: z.string().nullable() });

/** The list's filters without paging: what GET /leads/count counts. */
export const LeadCountQuery = withCustomFieldFilters({
  ...LeadFilterKnown,
  sort: LeadListKnown.sort.describe('The list\'s sort: with q and relevance (the default with q), the count is of the one page of best matches the list shows'),
  limit: LeadListKnown.limit.describe('The list\'s page size: a relevance-sorted search shows at most this many'),
});
export type LeadCountQuery = z.infer<typeof LeadCountQuery>;
export const LeadCount = z.object({
  count: z.number().describe('How many leads the filters select: exact, or the database\'s estimate when exact is false'),
  exact: z.boolean().describe('false when the count is an estimate (beyond 10,000 matches): show it as "about N"'),
  best: z.boolean().describe('true for a relevance-sorted search: count is the number of best matches the list shows (one page), say "Best N matches"'),
});

const ExportKnown = {
  ...LeadFilterKnown,
  format: z.enum(['csv', 'ndjson']).default('csv').describe('csv (one column per field and per custom field) or ndjson (one JSON lead per line)'),
  include_do_not_contact: Flag.default(false).describe('Leads that may not be contacted (do-not-contact, unsubscribed, or consent to marketing or sales contact withdrawn) are left out of exports; true includes them (the audit entry says so).'),
  sort: z.enum(['score', 'updated_at', 'created_at', 'next_follow_up_at', 'name']).default('created_at'),
};
export const LeadExportQuery = withCustomFieldFilters(ExportKnown);
export type LeadExportQuery = z.infer<typeof LeadExportQuery>;

export const MergeBody = z.strictObject({ source_id: Uuid.describe('The duplicate: its history moves to this lead, then it is deleted') });
export const MergeResult = z.object({ lead: Lead, moved: z.record(z.string(), z.number()) });
export const AssignBody = z.strictObject({
  lead_ids: z.array(Uuid).min(1).max(1000),
  assigned_to: Uuid.nullable(),
  team_id: Uuid.nullable().optional(),
});
export const AssignResult = z.object({ updated: z.number(), not_found: z.array(Uuid) });

const TagList = z.array(Text(100).min(1)).max(100);
export const BulkUpdateBody = z
  .strictObject({
    lead_ids: z.array(Uuid).min(1).max(1000),
    status: z.enum(LEAD_STATUSES).optional().describe('New status for every lead (each change is recorded in its journey)'),
    add_tags: TagList.optional().describe('Tags to add (kept once)'),
    remove_tags: TagList.optional().describe('Tags to remove'),
  })
  .refine((v) => v.status !== undefined || (v.add_tags?.length ?? 0) > 0 || (v.remove_tags?.length ?? 0) > 0, { message: 'send status, add_tags or remove_tags' });
export const BulkUpdateResult = z.object({ updated: z.number(), not_found: z.array(Uuid).describe('Ids not changed: unknown, or outside what you may change') });
