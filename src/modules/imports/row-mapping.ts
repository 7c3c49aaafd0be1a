import type { Address, CustomFieldType, JsonValue, LeadStatus } from '../../db/schema.ts';
import { leadNames, nameProblem, NO_IDENTITY } from '../leads/lead-names.ts';
import { customKey, LEAD_FIELDS, type ImportMapping, type LeadField } from './header-mapping.ts';
import { CONSENT_FIELDS, mergeConsents, parseConsent, parseFlag, parseLawfulBasis, type ImportedConsent } from './consent-columns.ts';
import { EMPTY_DIRECTORY, resolveOwner, resolveTeam, type OwnerDirectory } from './owner-directory.ts';
import {
  customValue, inferType, isBlank, mapValue, MAX_CATEGORIES, parseEmail, parseNumber, parseStatus, parseTags, parseTimestamp, widen,
} from './value-parsing.ts';

/** Pure: one CSV record → the lead as it will be stored, or the reason it cannot be. */
export interface PreparedLead {
  line: number;
  email: string | null;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  company: string | null;
  job_title: string | null;
  status: LeadStatus | null;
  stage: string | null;
  source: string | null;
  campaign: string | null;
  tags: string[] | null;
  deal_value: number | null;
  address: Address | null;
  custom_fields: Record<string, JsonValue>;
  created_at: string | null;
  closed_at: string | null;
  next_follow_up_at: string | null;
  last_contacted_at: string | null;
  assigned_to: string | null;
  team_id: string | null;
  /** Null: the file does not say (an update keeps the lead's flag). */
  do_not_contact: boolean | null;
  unsubscribed: boolean | null;
  /** Consent states from consent_* columns (consent-columns.ts), recorded with the lead. */
  consents: ImportedConsent[] | null;
}

export interface RowError {
  line: number;
  reason: string;
  raw: string[];
}

export interface CustomFieldState {
  key: string;
  label: string;
  type: CustomFieldType;
  categories: Set<string>;
}

export interface CustomFieldsState {
  fields: { key: string; label: string; type: CustomFieldType; categories: string[] }[];
  changed: string[];
  decimalComma: boolean;
}

const MAX_LENGTH: Partial<Record<LeadField, number>> = {
  full_name: 510, company: 255, job_title: 255, campaign: 255, external_id: 255,
  phone: 50, stage: 100, source: 100,
};

interface ColumnPlan {
  index: number;
  header: string;
  field?: LeadField;
  customKey?: string;
  /** Owner and team columns: where a cell that names no user or team is kept (mapping.unmatched_owners). */
  fallbackKey?: string;
  fallbackLabel?: string;
}

/**
 * Where the close date of a lead that is not closed goes: in a deals export it is the
 * expected close date. closed_at means "was closed at" and stays empty for an open lead,
 * so the date is kept here instead of being dropped.
 */
export const EXPECTED_CLOSE_KEY = 'expected_close_date';

/**
 * Custom field types for one import: what the catalogue already says, else inferred from
 * the sample; widened to text when later values stop fitting (recorded as changed, so the
 * catalogue follows in the same transaction as the rows).
 */
export class CustomFields {
  readonly fields = new Map<string, CustomFieldState>();
  readonly changed = new Set<string>();
  /** Semicolon-separated files come from locales that write 1.234,5: "8.000" is eight thousand. */
  decimalComma = false;

  /** Plain data, for the parse worker: the same types, categories and pending changes on another thread. */
  toState(): CustomFieldsState {
    return {
      fields: [...this.fields.values()].map((f) => ({ key: f.key, label: f.label, type: f.type, categories: [...f.categories] })),
      changed: [...this.changed],
      decimalComma: this.decimalComma,
    };
  }

  static fromState(state: CustomFieldsState): CustomFields {
    const cf = new CustomFields();
    for (const f of state.fields) cf.fields.set(f.key, { ...f, categories: new Set(f.categories) });
    for (const key of state.changed) cf.changed.add(key);
    cf.decimalComma = state.decimalComma;
    return cf;
  }

  static from(plan: { key: string; label: string }[], sample: readonly (readonly string[])[], indexOf: Map<string, number>, catalogue: Map<string, { type: CustomFieldType; categories: string[] }>) {
    const cf = new CustomFields();
    for (const { key, label } of plan) {
      const existing = catalogue.get(key);
      const inferred = inferType(sample.map((row) => row[indexOf.get(key)!] ?? ''));
      let type = existing ? existing.type : inferred.type;
      // A field that was a category stays one while the values still fit.
      if (existing && existing.type !== inferred.type && inferred.type !== 'text' && existing.type !== 'text') {
        type = existing.type === 'category' && inferred.type === 'category' ? 'category' : widen(existing.type, inferred.type);
      }
      const categories = new Set([...(existing?.categories ?? []), ...(type === 'category' ? inferred.categories : [])]);
      cf.fields.set(key, { key, label, type, categories });
      if (!existing || existing.type !== type || categories.size !== existing.categories.length) cf.changed.add(key);
    }
    return cf;
  }

  value(key: string, cell: string): JsonValue {
    const f = this.fields.get(key)!;
    let v = customValue(cell, f.type, this.decimalComma);
    if (v === undefined) {
      f.type = 'text';
      f.categories.clear();
      this.changed.add(key);
      v = cell.trim();
    }
    if (f.type === 'category' && typeof v === 'string' && !f.categories.has(v)) {
      if (f.categories.size >= MAX_CATEGORIES || v.length > 100) {
        f.type = 'text';
        f.categories.clear();
      } else f.categories.add(v);
      this.changed.add(key);
    }
    return v;
  }
}

export function planColumns(headers: readonly string[], mapping: ImportMapping): ColumnPlan[] {
  return headers.map((header, index) => {
    const target = mapping.columns[header] ?? 'custom';
    if (target === 'ignore') return { index, header };
    if (target === 'custom') return { index, header, customKey: customKey(header) };
    if (target.startsWith('custom:')) return { index, header, customKey: target.slice('custom:'.length) };
    if (target === 'assigned_to' || target === 'team_id') {
      return (mapping.unmatched_owners ?? 'custom') === 'custom' ? { index, header, field: target, fallbackKey: customKey(header) } : { index, header, field: target };
    }
    if (target === 'closed_at') return { index, header, field: target, fallbackKey: EXPECTED_CLOSE_KEY, fallbackLabel: `${header} (expected, open leads)` };
    if ((LEAD_FIELDS as readonly string[]).includes(target)) return { index, header, field: target as LeadField };
    return { index, header };
  });
}

/** The custom fields a plan writes: key and label (the first header that uses the key). */
export function customFieldsOf(plan: readonly ColumnPlan[]): { key: string; label: string; index: number }[] {
  const seen = new Map<string, { key: string; label: string; index: number }>();
  for (const c of plan) {
    const key = c.customKey ?? c.fallbackKey;
    if (key && !seen.has(key)) seen.set(key, { key, label: c.customKey ? c.header : (c.fallbackLabel ?? c.header), index: c.index });
  }
  return [...seen.values()];
}

export type MapRow = (cells: readonly string[], line: number) => PreparedLead | RowError | null;

/** Returns null for a row with nothing in it (a blank line of delimiters). */
export function createRowMapper(plan: readonly ColumnPlan[], mapping: ImportMapping, custom: CustomFields, owners: OwnerDirectory = EMPTY_DIRECTORY): MapRow {
  // Deal exports carry the outcome in their stage ("Closed Won"): without a status column,
  // a stage that names a status sets it too (other stages leave the status to its default).
  const stageSetsStatus = !plan.some((c) => c.field === 'status');
  const closeColumn = plan.find((c) => c.field === 'closed_at');
  return (cells, line) => {
    if (cells.every((c) => c.trim() === '')) return null;
    const lead: PreparedLead = {
      line, email: null, external_id: null, first_name: null, last_name: null, phone: null, company: null, job_title: null,
      status: null, stage: null, source: null, campaign: null, tags: null, deal_value: null, address: null, custom_fields: {},
      created_at: null, closed_at: null, next_follow_up_at: null, last_contacted_at: null, assigned_to: null, team_id: null,
      do_not_contact: null, unsubscribed: null, consents: null,
    };
    const problems: string[] = [];
    const consentStates: { purpose: ImportedConsent['purpose']; granted: boolean }[] = [];
    let consentAt: string | null = null;
    let lawfulBasis: ImportedConsent['lawful_basis'] = 'consent';
    let fullName: string | null = null;
    const address: Address = {};
    for (const c of plan) {
      const cell = cells[c.index] ?? '';
      if (isBlank(cell)) continue;
      if (c.customKey) {
        lead.custom_fields[c.customKey] = custom.value(c.customKey, cell);
        continue;
      }
      const field = c.field;
      if (!field) continue;
      const value = cell.trim();
      const max = MAX_LENGTH[field];
      if (max !== undefined && value.length > max) {
        problems.push(`${field} (column "${c.header}") is longer than ${max} characters`);
        continue;
      }
      switch (field) {
        case 'email': {
          const r = parseEmail(value);
          if (r.ok) lead.email = r.value;
          else problems.push(r.reason);
          break;
        }
        case 'status': {
          const r = parseStatus(value, mapping.values.status);
          if (r.ok) lead.status = r.value;
          else problems.push(r.reason);
          break;
        }
        case 'deal_value': {
          const r = parseNumber(value, custom.decimalComma);
          if (!r.ok) problems.push(`deal_value: ${r.reason}`);
          else if (r.value < 0 || r.value >= 1e10) problems.push(`deal_value ${value} is out of range (0 to 9,999,999,999.99)`);
          else lead.deal_value = Math.round(r.value * 100) / 100;
          break;
        }
        case 'created_at':
        case 'closed_at':
        case 'next_follow_up_at':
        case 'last_contacted_at': {
          const r = parseTimestamp(value);
          if (r.ok) lead[field] = r.value;
          else problems.push(`${field}: ${r.reason}`);
          break;
        }
        case 'tags':
          lead.tags = parseTags(value, mapping.values.tags);
          break;
        case 'stage':
        case 'source':
        case 'campaign': {
          const mapped = mapValue(value, mapping.values[field]);
          if (mapped.length > (MAX_LENGTH[field] ?? 255)) problems.push(`${field} is longer than ${MAX_LENGTH[field]} characters`);
          else if (mapped !== '') lead[field] = mapped;
          if (field === 'stage' && stageSetsStatus && lead.status === null) {
            const status = parseStatus(mapped, undefined);
            if (status.ok) lead.status = status.value;
          }
          break;
        }
        case 'assigned_to':
        case 'team_id': {
          const id = field === 'assigned_to' ? resolveOwner(owners, value) : resolveTeam(owners, value);
          if (id) lead[field] = id;
          else if (c.fallbackKey) lead.custom_fields[c.fallbackKey] = custom.value(c.fallbackKey, value);
          break;
        }
        case 'do_not_contact':
        case 'unsubscribed': {
          const r = parseFlag(value);
          if (r.ok) lead[field] = r.value;
          else problems.push(`${field} (column "${c.header}"): ${r.reason}`);
          break;
        }
        case 'consent_marketing':
        case 'consent_sales_contact':
        case 'consent_tracking':
        case 'consent_profiling': {
          const r = parseConsent(value);
          if (r.ok) consentStates.push({ purpose: CONSENT_FIELDS[field], granted: r.value });
          else problems.push(`${field} (column "${c.header}"): ${r.reason}`);
          break;
        }
        case 'consent_date': {
          const r = parseTimestamp(value);
          if (!r.ok) problems.push(`consent_date (column "${c.header}"): ${r.reason}`);
          else if (Date.parse(r.value) > Date.now() + 60_000) problems.push(`consent_date (column "${c.header}"): "${value}" is in the future; give when the consent was given or withdrawn`);
          else consentAt = r.value;
          break;
        }
        case 'consent_lawful_basis': {
          const r = parseLawfulBasis(value);
          if (r.ok) lawfulBasis = r.value;
          else problems.push(`consent_lawful_basis (column "${c.header}"): ${r.reason}`);
          break;
        }
        case 'full_name':
          fullName = value;
          break;
        case 'street':
        case 'city':
        case 'state':
        case 'postal_code':
        case 'country':
          address[field] = value.slice(0, 255);
          break;
        case 'first_name':
        case 'last_name':
        case 'phone':
        case 'company':
        case 'job_title':
        case 'external_id':
          lead[field] = value;
          break;
      }
    }
    // The same rule as POST /leads (leads/lead-names.ts). A name left empty stays null here:
    // an update keeps the name the lead has.
    if (lead.first_name !== null || lead.last_name !== null || fullName !== null) {
      const names = leadNames({ first_name: lead.first_name, last_name: lead.last_name, full_name: fullName });
      lead.first_name = names.first_name === '' ? null : names.first_name;
      lead.last_name = names.last_name === '' ? null : names.last_name;
    }
    if (Object.keys(address).length > 0) lead.address = address;
    if (consentStates.length > 0) lead.consents = consentStates.map((st) => ({ ...st, lawful_basis: lawfulBasis, at: consentAt }));
    if (closeColumn && lead.closed_at !== null && lead.status !== 'closed_won' && lead.status !== 'closed_lost') {
      lead.custom_fields[EXPECTED_CLOSE_KEY] = custom.value(EXPECTED_CLOSE_KEY, cells[closeColumn.index] ?? '');
    }
    const nameIssue = nameProblem({ first_name: lead.first_name ?? '', last_name: lead.last_name ?? '', email: lead.email, company: lead.company });
    if (nameIssue !== null && nameIssue !== NO_IDENTITY) problems.push(nameIssue);
    if (problems.length > 0) return { line, reason: problems.join('; '), raw: [...cells] };
    if (nameIssue === NO_IDENTITY) return { line, reason: `no name, email or company (${NO_IDENTITY}; a summary or footer line?)`, raw: [...cells] };
    if (lead.email === null && lead.external_id === null) {
      return { line, reason: 'no email and no external id: a row needs one of them so that importing the file again updates the lead instead of duplicating it (map an ID column to external_id)', raw: [...cells] };
    }
    return lead;
  };
}

/** A later row of the same lead: its values win where it has them; custom fields and consents add up. */
export function foldInto(target: PreparedLead, row: PreparedLead) {
  for (const key of Object.keys(row) as (keyof PreparedLead)[]) {
    if (key === 'line' || key === 'custom_fields' || key === 'consents') continue;
    if (row[key] !== null) (target as unknown as Record<string, unknown>)[key] = row[key];
  }
  target.custom_fields = { ...target.custom_fields, ...row.custom_fields };
  target.consents = mergeConsents(target.consents, row.consents);
}

/**
 * Rows of one batch with the same email or external id are one lead: the later row's
 * values win where it has them (as if it had been imported after the first). A row whose
 * email and external id point at two different earlier rows is refused.
 */
export function mergeDuplicates(rows: PreparedLead[]): { rows: PreparedLead[]; merged: number; errors: { line: number; reason: string }[] } {
  const byEmail = new Map<string, PreparedLead>();
  const byExt = new Map<string, PreparedLead>();
  const out: PreparedLead[] = [];
  const errors: { line: number; reason: string }[] = [];
  let merged = 0;
  for (const row of rows) {
    const a = row.email ? byEmail.get(row.email) : undefined;
    const b = row.external_id ? byExt.get(row.external_id) : undefined;
    if (a && b && a !== b) {
      errors.push({ line: row.line, reason: `email ${row.email} and external id ${row.external_id} belong to two different earlier rows (lines ${a.line} and ${b.line})` });
      continue;
    }
    const target = a ?? b;
    if (!target) {
      out.push(row);
      if (row.email) byEmail.set(row.email, row);
      if (row.external_id) byExt.set(row.external_id, row);
      continue;
    }
    if (target.external_id && row.external_id && target.external_id !== row.external_id) {
      errors.push({ line: row.line, reason: `email ${row.email} is already used by line ${target.line} with another external id (${target.external_id})` });
      continue;
    }
    foldInto(target, row);
    if (target.email) byEmail.set(target.email, target);
    if (target.external_id) byExt.set(target.external_id, target);
    merged++;
  }
  return { rows: out, merged, errors };
}
