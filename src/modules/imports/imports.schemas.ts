import { z } from 'zod';
import { CONSENT_PURPOSES, CUSTOM_FIELD_TYPES, IMPORT_STATUSES, LAWFUL_BASES, LEAD_STATUSES } from '../../db/schema.ts';
import { LEAD_FIELDS, UNMATCHED_OWNERS, VALUE_MAPPED_FIELDS } from './header-mapping.ts';

const UnmatchedOwners = z.enum(UNMATCHED_OWNERS).meta({
  description: 'Owner (assigned_to) and team (team_id) cells that name no user or team of the organization: "custom" keeps them in a custom field under the column header (the default), "leave_empty" leaves them out. Either way such a lead is not assigned.',
  examples: ['custom'],
});

const Target = z.string().meta({
  description: `A lead field (${LEAD_FIELDS.join(', ')}), "custom" (a custom field under the column's header), "custom:<key>" or "ignore".`,
  examples: ['email', 'status', 'custom', 'custom:annual_revenue', 'ignore'],
});

export const MappingBody = z
  .strictObject({
    columns: z.record(z.string(), Target).optional().meta({ description: 'Column header → target. Changes only the columns named.', examples: [{ Converted: 'status', 'Prospect ID': 'external_id' }] }),
    values: z.record(z.string(), z.record(z.string(), z.string())).optional().meta({
      description: 'Per field (status, stage, tags, source, campaign): file value → stored value.',
      examples: [{ status: { '1': 'closed_won', '0': 'closed_lost' } }],
    }),
    ignore: z.array(z.string()).optional().meta({ description: 'Column headers to leave out.', examples: [['Notes']] }),
    unmatched_owners: UnmatchedOwners.optional(),
  })
  .meta({ id: 'ImportMappingChange' });

const Mapping = z.object({
  columns: z.record(z.string(), z.string()),
  values: z.record(z.string(), z.record(z.string(), z.string())),
  unmatched_owners: UnmatchedOwners.optional(),
});

export const ImportView = z
  .object({
    id: z.string(),
    status: z.enum(IMPORT_STATUSES).meta({ description: 'pending (uploaded; mapping editable) → queued → running → completed | failed' }),
    source: z.enum(['upload', 'cli']),
    file_name: z.string(),
    file_size: z.number(),
    format: z.object({
      encoding: z.enum(['utf-8', 'windows-1252']),
      bom: z.boolean(),
      delimiter: z.string(),
      headers: z.array(z.string()),
    }),
    mapping: Mapping,
    counts: z.object({ rows: z.number(), created: z.number(), updated: z.number(), rejected: z.number() }),
    progress: z.object({ bytes_done: z.number(), bytes_total: z.number(), percent: z.number(), batches: z.number(), checkpoint_line: z.number() }),
    job_id: z.number().nullable(),
    last_error: z.string().nullable(),
    created_at: z.date(),
    started_at: z.date().nullable(),
    finished_at: z.date().nullable(),
  })
  .meta({ id: 'Import' });

const PreviewLead = z.object({
  email: z.string().nullable(),
  external_id: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  job_title: z.string().nullable(),
  status: z.enum(LEAD_STATUSES).nullable(),
  stage: z.string().nullable(),
  source: z.string().nullable(),
  campaign: z.string().nullable(),
  tags: z.array(z.string()).nullable(),
  deal_value: z.number().nullable(),
  address: z.object({ street: z.string().optional(), city: z.string().optional(), state: z.string().optional(), country: z.string().optional(), country_code: z.string().optional(), postal_code: z.string().optional() }).nullable(),
  custom_fields: z.record(z.string(), z.unknown()),
  created_at: z.string().nullable(),
  closed_at: z.string().nullable(),
  next_follow_up_at: z.string().nullable(),
  last_contacted_at: z.string().nullable(),
  assigned_to: z.string().nullable().meta({ description: 'The user the owner column names' }),
  team_id: z.string().nullable().meta({ description: 'The team the team column names' }),
  do_not_contact: z.boolean().nullable().meta({ description: 'From a do_not_contact column; an import sets it but never lifts it on an existing lead' }),
  unsubscribed: z.boolean().nullable().meta({ description: 'From an unsubscribed column; an import sets it but never lifts it on an existing lead' }),
  consents: z
    .array(z.object({ purpose: z.enum(CONSENT_PURPOSES), granted: z.boolean(), lawful_basis: z.enum(LAWFUL_BASES), at: z.string().nullable() }))
    .nullable()
    .meta({ description: 'From consent_<purpose> columns (with consent_date and consent_lawful_basis): recorded as consent records with source import; at null means the time of the import' }),
});

const ColumnNote = z.object({
  column: z.string(),
  kind: z.enum(['kept_as_custom', 'values_do_not_fit', 'id_column', 'stage_sets_status']).meta({
    description: 'kept_as_custom: the header names a lead field but the values do not fit it, so the column stays a custom field; values_do_not_fit: mapped to a field some sampled values do not fit (those rows are refused); id_column: proposed as external_id because every sampled row has a different value; stage_sets_status: without a status column, stages that name a status ("Closed Won") set it.',
  }),
  field: z.string().meta({ description: 'The lead field concerned', examples: ['last_contacted_at'] }),
  message: z.string().meta({ examples: ['The header reads as last contacted at, but 40 of 40 sampled values are not dates (e.g. "Email Opened"): kept as the custom field “Last Activity” instead.'] }),
});

const OwnerValue = z.object({
  value: z.string().meta({ description: 'As the file writes it', examples: ['José Núñez'] }),
  rows: z.number().meta({ description: 'Sampled rows holding it' }),
  match: z.object({ id: z.string(), name: z.string(), email: z.string().nullable() }).nullable().meta({ description: 'The user or team it names (by email or name, ignoring case and accents)' }),
  reason: z.string().nullable().meta({ description: 'Why it matches no one' }),
});

const OwnerColumn = z.object({
  column: z.string(),
  field: z.enum(['assigned_to', 'team_id']),
  matched: z.array(OwnerValue),
  unmatched: z.array(OwnerValue).meta({ description: 'Kept as a custom field or left out, per mapping.unmatched_owners' }),
  truncated: z.boolean(),
});

const Duplicate = z.object({
  key: z.enum(['email', 'external_id']),
  value: z.string(),
  lines: z.array(z.number()),
  winner: z.number().meta({ description: 'The line whose values win (the last: rows are applied in file order)' }),
  reason: z.string(),
});

const ColumnValues = z.object({
  column: z.string().meta({ description: 'The column header', examples: ['Converted'] }),
  field: z.enum(VALUE_MAPPED_FIELDS),
  values: z
    .array(
      z.object({
        value: z.string().meta({ description: 'As the file writes it (for tags: one tag of a cell)', examples: ['1'] }),
        rows: z.number().meta({ description: 'Sampled rows holding it' }),
        valid: z.boolean().meta({ description: 'Whether the field takes it without a value map (for status: a status or a known CRM name like "Closed - Converted")' }),
        stored_as: z.string().nullable().meta({ description: 'What is stored under the current value map; null when the row would be refused', examples: ['closed_won'] }),
      }),
    )
    .meta({ description: 'Most frequent first, at most 50' }),
  truncated: z.boolean().meta({ description: 'The column has more distinct values than listed' }),
});

export const ImportWithPreview = ImportView.extend({
  preview: z
    .object({
      rows: z.array(z.object({ line: z.number(), lead: PreviewLead })),
      errors: z.array(z.object({ line: z.number(), reason: z.string() })).meta({ description: 'Sampled rows that will be refused, in file order (at most 100)' }),
      error_rows: z.number().meta({ description: 'All sampled rows that will be refused' }),
      custom_fields: z.array(z.object({ key: z.string(), label: z.string(), type: z.enum(CUSTOM_FIELD_TYPES) })),
      sample_rows: z.number().meta({ description: 'Rows read from the start of the file for this preview (the whole file when it is small).' }),
      values: z.array(ColumnValues).meta({ description: `Per column mapped to a value-mapped field (${VALUE_MAPPED_FIELDS.join(', ')}): its distinct values in the sampled rows, to build a value map from.` }),
      columns: z.array(ColumnNote).meta({ description: 'Notes on columns whose values do not fit the field their header names or they are mapped to, and on proposals made from values' }),
      owners: z.array(OwnerColumn).meta({ description: 'Per owner or team column: values that match a user or team of the organization, and those that do not' }),
      duplicates: z.array(Duplicate).meta({ description: 'Sampled rows that are the same lead (same email or external id): they become one lead; which row wins and why (at most 50)' }),
      duplicate_groups: z.number().meta({ description: 'All such groups in the sample' }),
    })
    .meta({ description: 'The first rows as they will be stored (null: not in the file; kept on update, default on create), the sampled rows in error, in-file duplicates, column notes, owners, and the distinct values of value-mapped columns.' }),
}).meta({ id: 'ImportWithPreview' });

export const ImportList = z.object({ data: z.array(ImportView) });

export const CustomFieldList = z
  .object({
    data: z.array(
      z.object({
        key: z.string().meta({ description: 'The key in leads.custom_fields; filter with cf.<key>=<value> on GET /leads' }),
        label: z.string(),
        type: z.enum(CUSTOM_FIELD_TYPES),
        categories: z.array(z.string()),
        source_import_id: z.string().nullable(),
        created_at: z.date(),
        updated_at: z.date(),
      }),
    ),
  })
  .meta({ id: 'CustomFieldList' });

export const StartBody = z
  .strictObject({
    bulk: z.enum(['auto', 'on', 'off']).optional().meta({
      description:
        "Load in bulk: one transaction that locks the leads table (no one can read or write leads until it ends), drops its secondary indexes, loads, and rebuilds them — faster for a large first import into a nearly empty table. 'auto' (the default) chooses it on a PostgreSQL server for a file of 100,000 rows or more into a leads table holding fewer than half as many; 'on' forces it, 'off' forbids it. Falls back to normal batches when the table cannot be locked within a few seconds.",
      example: 'auto',
    }),
  })
  .optional();
