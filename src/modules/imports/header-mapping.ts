import { checkValues, isUniquePerRow } from './column-checks.ts';

/**
 * Pure header → lead field matching. Headers from HubSpot, Salesforce, Pipedrive and
 * hand-made spreadsheets are normalised (case, accents, punctuation, spacing), then looked
 * up among synonyms; what matches nothing becomes a custom field under its header.
 */
export const LEAD_FIELDS = [
  'first_name', 'last_name', 'full_name', 'email', 'phone', 'company', 'job_title',
  'status', 'stage', 'source', 'campaign', 'tags', 'external_id', 'deal_value',
  'created_at', 'closed_at', 'next_follow_up_at', 'last_contacted_at',
  'street', 'city', 'state', 'postal_code', 'country', 'assigned_to', 'team_id',
  // The person's word (consent-columns.ts): flags and consent records, written with the row.
  'do_not_contact', 'unsubscribed', 'consent_marketing', 'consent_sales_contact', 'consent_tracking', 'consent_profiling',
  'consent_date', 'consent_lawful_basis',
] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

/** Fields a value map may translate (file value → stored value). */
export const VALUE_MAPPED_FIELDS = ['status', 'stage', 'tags', 'source', 'campaign'] as const;
export type ValueMappedField = (typeof VALUE_MAPPED_FIELDS)[number];

/**
 * What a column becomes: a lead field, a custom field (`custom` under its header, or
 * `custom:key` under a chosen key), or nothing (`ignore`).
 */
export type ColumnTarget = LeadField | 'ignore' | 'custom' | `custom:${string}`;

/** The mapping as clients and mapping files write it. */
export interface ImportMapping {
  columns: Record<string, ColumnTarget>;
  values: Partial<Record<ValueMappedField, Record<string, string>>>;
  /**
   * Owner and team cells that name no user or team of the organization: kept in a custom
   * field under the column's header ('custom', the default: nothing in the file is lost),
   * or left out ('leave_empty'). Either way the lead is not assigned.
   */
  unmatched_owners?: UnmatchedOwners;
}

export const UNMATCHED_OWNERS = ['custom', 'leave_empty'] as const;
export type UnmatchedOwners = (typeof UNMATCHED_OWNERS)[number];

/** Also the mapping file's shape (`--mapping`): every part optional, `ignore` as a list. */
export interface MappingOverride {
  columns?: Record<string, string>;
  values?: Record<string, Record<string, string>>;
  ignore?: string[];
  unmatched_owners?: string;
}

const SYNONYMS: Record<LeadField, string[]> = {
  first_name: ['first name', 'firstname', 'given name', 'forename', 'first', 'fname', 'vorname', 'prenom'],
  last_name: ['last name', 'lastname', 'surname', 'family name', 'last', 'lname', 'nachname', 'nom'],
  full_name: ['name', 'full name', 'contact name', 'person name', 'lead name', 'contact', 'person', 'customer name', 'prospect name'],
  email: ['email', 'e mail', 'email address', 'e mail address', 'mail', 'work email', 'business email', 'primary email', 'email work', 'email home', 'email other', 'emails'],
  phone: ['phone', 'phone number', 'telephone', 'telephone number', 'tel', 'mobile', 'mobile phone', 'mobile phone number', 'mobile number', 'cell', 'cell phone', 'work phone', 'business phone', 'phone work', 'phone mobile', 'phone home', 'phone other', 'phones'],
  company: ['company', 'company name', 'organization', 'organisation', 'organization name', 'organisation name', 'account', 'account name', 'business', 'business name', 'employer', 'associated company', 'firm', 'org', 'company account', 'firma', 'entreprise', 'empresa'],
  job_title: ['job title', 'title', 'position', 'role', 'job', 'job position', 'job role', 'occupation', 'designation'],
  status: ['status', 'lead status', 'contact status', 'outcome', 'lead outcome'],
  stage: ['stage', 'lifecycle stage', 'lead stage', 'pipeline stage', 'deal stage', 'sales stage', 'funnel stage'],
  source: ['source', 'lead source', 'original source', 'source of lead', 'channel', 'utm source', 'lead origin', 'origin', 'acquisition channel'],
  campaign: ['campaign', 'campaign name', 'utm campaign', 'lead campaign', 'marketing campaign'],
  tags: ['tags', 'tag', 'labels', 'label', 'keywords'],
  external_id: ['id', 'record id', 'lead id', 'contact id', 'prospect id', 'person id', 'external id', 'crm id', 'salesforce id', 'hubspot id', 'customer id', 'uid', 'deal id', 'opportunity id'],
  deal_value: ['deal value', 'value', 'amount', 'deal amount', 'opportunity amount', 'opportunity value', 'deal size', 'won amount'],
  created_at: ['create date', 'created date', 'created', 'created at', 'date created', 'creation date', 'created time', 'add time', 'date added', 'added on', 'lead created date'],
  closed_at: ['close date', 'closed date', 'closed at', 'date closed', 'converted date', 'won time', 'closed on', 'won date'],
  next_follow_up_at: ['next follow up', 'next follow up date', 'follow up date', 'next activity date', 'next step date', 'follow up'],
  last_contacted_at: ['last contacted', 'last contacted date', 'last contact date', 'last activity date', 'last activity', 'last contact'],
  street: ['street', 'street address', 'address', 'address line 1', 'address 1', 'mailing street', 'billing street'],
  city: ['city', 'town', 'mailing city', 'billing city'],
  state: ['state', 'province', 'region', 'state province', 'state region', 'county', 'mailing state', 'mailing state province', 'billing state'],
  postal_code: ['zip', 'zip code', 'postal code', 'postcode', 'post code', 'zip postal code', 'mailing zip', 'mailing postal code', 'mailing zip postal code', 'billing zip'],
  country: ['country', 'country region', 'country name', 'mailing country', 'billing country', 'nation'],
  assigned_to: [
    'owner', 'lead owner', 'contact owner', 'deal owner', 'account owner', 'record owner', 'opportunity owner', 'company owner', 'hubspot owner',
    'owner name', 'owner email', 'sales rep', 'sales representative', 'salesperson', 'sales person', 'rep', 'assigned to', 'assignee', 'assigned user',
  ],
  team_id: ['team', 'team name', 'sales team', 'owner team', 'hubspot team', 'primary team', 'lead owner team', 'deal owner team', 'contact owner team'],
  do_not_contact: ['dnc', 'do not contact', 'donotcontact', 'do not contact flag', 'no contact', 'contact blocked'],
  unsubscribed: ['unsubscribed', 'unsubscribe', 'email opt out', 'has opted out of email', 'opted out of email', 'opted out', 'opt out', 'email unsubscribed', 'unsubscribed from all email', 'do not email'],
  consent_marketing: ['marketing consent', 'gdpr consent', 'consent', 'email consent', 'marketing opt in', 'opt in', 'consent to marketing', 'gdpr marketing consent', 'newsletter consent'],
  consent_sales_contact: ['sales consent', 'sales contact consent', 'consent to contact', 'contact consent', 'consent sales contact'],
  consent_tracking: ['tracking consent', 'cookie consent', 'consent tracking', 'analytics consent', 'consent to tracking'],
  consent_profiling: ['profiling consent', 'consent profiling', 'consent to profiling'],
  consent_date: ['consent date', 'consent given date', 'consent timestamp', 'gdpr consent date', 'date of consent', 'opt in date', 'consent given at'],
  consent_lawful_basis: ['lawful basis', 'legal basis', 'gdpr lawful basis', 'legal basis for processing', 'lawful basis for processing', 'consent basis', 'consent lawful basis'],
};

/**
 * Company facts that CRMs export under many names and that scoring wants under one key,
 * whichever CRM the file came from. They are custom fields with a canonical key.
 */
const CANONICAL_CUSTOM: Record<string, string[]> = {
  annual_revenue: ['annual revenue', 'revenue', 'company revenue', 'yearly revenue', 'annual turnover', 'turnover'],
  employees: ['employees', 'number of employees', 'no of employees', 'employee count', 'company size', 'headcount', 'num employees', 'employees count'],
  industry: ['industry', 'sector', 'vertical', 'industry type'],
  website: ['website', 'website url', 'web site', 'url', 'company website', 'domain', 'company domain name'],
};

// Words that only say whose field it is: "Person - Email", "Contact First Name".
const ENTITY_PREFIXES = ['person', 'contact', 'lead', 'prospect', 'customer', 'primary', 'mailing', 'your', 'organization', 'organisation'];

export function normalizeHeader(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/#/g, ' number ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

const LOOKUP = new Map<string, ColumnTarget>();
for (const [field, names] of Object.entries(SYNONYMS) as [LeadField, string[]][]) {
  for (const name of [field.replaceAll('_', ' '), ...names]) {
    if (!LOOKUP.has(name)) LOOKUP.set(name, field);
    const compact = name.replaceAll(' ', '');
    if (!LOOKUP.has(compact)) LOOKUP.set(compact, field);
  }
}
for (const [key, names] of Object.entries(CANONICAL_CUSTOM)) {
  for (const name of [key.replaceAll('_', ' '), ...names]) {
    const target = `custom:${key}` as const;
    if (!LOOKUP.has(name)) LOOKUP.set(name, target);
    if (!LOOKUP.has(name.replaceAll(' ', ''))) LOOKUP.set(name.replaceAll(' ', ''), target);
  }
}

/** The field a header names, if any synonym matches. */
export function matchHeader(header: string): ColumnTarget | undefined {
  const n = normalizeHeader(header);
  if (n === '') return undefined;
  const direct = LOOKUP.get(n) ?? LOOKUP.get(n.replaceAll(' ', ''));
  if (direct) return direct;
  // "Person - Email - Work", "Contact Owner"? Strip an entity word and try again, but
  // never down to a bare word like "name" from "organization name" → that is the company.
  const words = n.split(' ');
  if (words.length > 1 && ENTITY_PREFIXES.includes(words[0]!)) {
    const rest = words.slice(1).join(' ');
    if (words[0] === 'organization' || words[0] === 'organisation') return rest === 'name' ? 'company' : undefined;
    return LOOKUP.get(rest) ?? LOOKUP.get(rest.replaceAll(' ', ''));
  }
  return undefined;
}

/**
 * A custom field's key: the header with only the characters the leads list's `cf.<key>=`
 * filter accepts (letters, digits, space, `_ . -`), up to 64 characters.
 */
export function customKey(header: string): string {
  const cleaned = header
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[^A-Za-z0-9_ .-]/g, '_')
    .replace(/^[^A-Za-z0-9_]+/, '')
    .slice(0, 64)
    .trim();
  return cleaned === '' ? 'column' : cleaned;
}

/** Headers made unique and non-empty ("Column 7" for an unnamed one), in file order. */
export function uniqueHeaders(raw: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    const base = h.trim() === '' ? `Column ${i + 1}` : h.trim();
    const n = (seen.get(base.toLowerCase()) ?? 0) + 1;
    seen.set(base.toLowerCase(), n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

/**
 * The automatic mapping: each lead field goes to the first column that names it and whose
 * sampled values fit it (column-checks.ts); an id column no synonym names ("Deal ID") but
 * whose values are unique per row becomes external_id; the rest become custom fields,
 * except columns that are empty in the whole sample (trailing empty columns of
 * spreadsheet exports), which are ignored.
 */
export function proposeMapping(headers: readonly string[], sample: readonly (readonly string[])[]): ImportMapping {
  const columns: Record<string, ColumnTarget> = {};
  const taken = new Set<string>();
  headers.forEach((header, i) => {
    const values = columnValues(sample, i);
    const match = matchHeader(header);
    if (match && !taken.has(match) && checkValues(match, values).fits) {
      taken.add(match);
      columns[header] = match;
    } else if (values.length === 0 && /^Column \d+$/.test(header)) {
      columns[header] = 'ignore';
    } else {
      columns[header] = 'custom';
    }
  });
  // A full name column only when the first and last names are not there separately.
  if (taken.has('first_name') && taken.has('last_name')) {
    for (const [h, t] of Object.entries(columns)) if (t === 'full_name') columns[h] = 'custom';
  }
  if (!taken.has('external_id')) {
    const id = idColumn(headers, sample, columns);
    if (id !== undefined) columns[id] = 'external_id';
  }
  return { columns, values: {} };
}

/** The trimmed, non-empty cells of column i in the sample. */
export function columnValues(sample: readonly (readonly string[])[], i: number): string[] {
  return sample.map((row) => (row[i] ?? '').trim()).filter((v) => v !== '');
}

// Whose id a column holds, by the word before "id": these are the row's own record.
const RECORD_WORDS = new Set(['record', 'deal', 'opportunity', 'lead', 'contact', 'person', 'prospect', 'customer', 'row', 'object']);

/**
 * A column named "… ID" (or "…Id", "…_id") that is still a custom field and holds a
 * different value in every sampled row: the row's id. "Deal ID" beats "Pipeline ID"; an
 * owner or company id repeats across rows and is never chosen.
 */
export function idColumn(headers: readonly string[], sample: readonly (readonly string[])[], columns: Record<string, ColumnTarget>): string | undefined {
  let best: { header: string; rank: number } | undefined;
  headers.forEach((header, i) => {
    if (columns[header] !== 'custom') return;
    const words = normalizeHeader(header.replace(/([a-z])Id\b/g, '$1 Id')).split(' ');
    if (words[words.length - 1] !== 'id') return;
    if (!isUniquePerRow(columnValues(sample, i), sample.length)) return;
    const rank = words.length === 2 && RECORD_WORDS.has(words[0]!) ? 2 : 1;
    if (!best || rank > best.rank) best = { header, rank };
  });
  return best?.header;
}

export class MappingError extends Error {
  constructor(message: string, readonly field: string) {
    super(message);
    this.name = 'MappingError';
  }
}

export function isColumnTarget(value: string): value is ColumnTarget {
  return (LEAD_FIELDS as readonly string[]).includes(value) || value === 'ignore' || value === 'custom' || /^custom:[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$/.test(value);
}

/**
 * Applies a client's or mapping file's changes to a mapping. Unknown headers, unknown
 * targets, a lead field given to two columns and value maps for fields that take none are
 * refused with a message naming the culprit.
 */
export function applyOverride(base: ImportMapping, headers: readonly string[], override: MappingOverride): ImportMapping {
  const columns = { ...base.columns };
  const known = new Map(headers.map((h) => [h.toLowerCase(), h]));
  const resolve = (h: string, where: string) => {
    const header = known.get(h.trim().toLowerCase());
    if (!header) throw new MappingError(`${where}: the file has no column "${h}" (its columns: ${headers.join(', ')}).`, where);
    return header;
  };
  for (const [h, target] of Object.entries(override.columns ?? {})) {
    const header = resolve(h, 'columns');
    if (!isColumnTarget(target)) {
      throw new MappingError(`columns: "${target}" (for "${h}") is not a lead field, "custom", "custom:<key>" or "ignore". Lead fields: ${LEAD_FIELDS.join(', ')}.`, 'columns');
    }
    // The column takes the field; a column that had it automatically becomes custom.
    if ((LEAD_FIELDS as readonly string[]).includes(target)) {
      for (const [other, t] of Object.entries(columns)) if (t === target && other !== header) columns[other] = 'custom';
    }
    columns[header] = target;
  }
  for (const h of override.ignore ?? []) columns[resolve(h, 'ignore')] = 'ignore';
  let unmatched = base.unmatched_owners;
  if (override.unmatched_owners !== undefined) {
    if (!(UNMATCHED_OWNERS as readonly string[]).includes(override.unmatched_owners)) {
      throw new MappingError(`unmatched_owners: "${override.unmatched_owners}" is not one of ${UNMATCHED_OWNERS.join(', ')}.`, 'unmatched_owners');
    }
    unmatched = override.unmatched_owners as UnmatchedOwners;
  }

  const counts = new Map<string, string[]>();
  for (const [h, t] of Object.entries(columns)) {
    if ((LEAD_FIELDS as readonly string[]).includes(t)) counts.set(t, [...(counts.get(t) ?? []), h]);
  }
  for (const [field, hs] of counts) {
    if (hs.length > 1) throw new MappingError(`columns: "${field}" is mapped from more than one column (${hs.join(', ')}); map it once.`, 'columns');
  }

  const values: ImportMapping['values'] = { ...base.values };
  for (const [field, map] of Object.entries(override.values ?? {})) {
    if (!(VALUE_MAPPED_FIELDS as readonly string[]).includes(field)) {
      throw new MappingError(`values: "${field}" takes no value map (only ${VALUE_MAPPED_FIELDS.join(', ')}).`, 'values');
    }
    if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some((v) => typeof v !== 'string')) {
      throw new MappingError(`values.${field} must be an object of file value → stored value, e.g. {"1": "closed_won"}.`, 'values');
    }
    values[field as ValueMappedField] = { ...map };
  }
  return { columns, values, ...(unmatched !== undefined ? { unmatched_owners: unmatched } : {}) };
}

/** Checks a mapping file's JSON shape before applying it. */
export function parseOverride(value: unknown): MappingOverride {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingError('The mapping must be a JSON object with "columns", "values", "ignore" and/or "unmatched_owners".', 'mapping');
  const v = value as Record<string, unknown>;
  const unknownKeys = Object.keys(v).filter((k) => !['columns', 'values', 'ignore', 'unmatched_owners'].includes(k));
  if (unknownKeys.length > 0) throw new MappingError(`Unknown key(s) in the mapping: ${unknownKeys.join(', ')} (allowed: columns, values, ignore, unmatched_owners).`, 'mapping');
  if (v.unmatched_owners !== undefined && typeof v.unmatched_owners !== 'string') throw new MappingError(`"unmatched_owners" must be one of ${UNMATCHED_OWNERS.join(', ')}.`, 'unmatched_owners');
  const isStringRecord = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((s) => typeof s === 'string');
  if (v.columns !== undefined && !isStringRecord(v.columns)) throw new MappingError('"columns" must map column headers to field names, e.g. {"Converted": "status"}.', 'columns');
  if (v.values !== undefined && (typeof v.values !== 'object' || v.values === null || Array.isArray(v.values))) throw new MappingError('"values" must be an object like {"status": {"1": "closed_won"}}.', 'values');
  if (v.ignore !== undefined && !(Array.isArray(v.ignore) && v.ignore.every((s) => typeof s === 'string'))) throw new MappingError('"ignore" must be a list of column headers.', 'ignore');
  return v as MappingOverride;
}
