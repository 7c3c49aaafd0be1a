/**
 * Pure header → lead field matching. Headers from HubSpot, Salesforce, Pipedrive and
 * hand-made spreadsheets are normalised (case, accents, punctuation, spacing), then looked
 * up among synonyms; what matches nothing becomes a custom field under its header.
 */
export const LEAD_FIELDS = [
  'first_name', 'last_name', 'full_name', 'email', 'phone', 'company', 'job_title',
  'status', 'stage', 'source', 'campaign', 'tags', 'external_id', 'deal_value',
  'created_at', 'closed_at', 'next_follow_up_at', 'last_contacted_at',
  'street', 'city', 'state', 'postal_code', 'country',
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
}

/** Also the mapping file's shape (`--mapping`): every part optional, `ignore` as a list. */
export interface MappingOverride {
  columns?: Record<string, string>;
  values?: Record<string, Record<string, string>>;
  ignore?: string[];
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
  external_id: ['id', 'record id', 'lead id', 'contact id', 'prospect id', 'person id', 'external id', 'crm id', 'salesforce id', 'hubspot id', 'customer id', 'uid'],
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
 * The automatic mapping: each lead field goes to the first column that names it; the
 * rest become custom fields, except columns that are empty in the whole sample (trailing
 * empty columns of spreadsheet exports), which are ignored.
 */
export function proposeMapping(headers: readonly string[], sample: readonly (readonly string[])[]): ImportMapping {
  const columns: Record<string, ColumnTarget> = {};
  const taken = new Set<string>();
  headers.forEach((header, i) => {
    const empty = sample.every((row) => (row[i] ?? '').trim() === '');
    const match = matchHeader(header);
    if (match && !taken.has(match) && valuesFit(match, sample.map((row) => (row[i] ?? '').trim()).filter((v) => v !== ''))) {
      taken.add(match);
      columns[header] = match;
    } else if (empty && /^Column \d+$/.test(header)) {
      columns[header] = 'ignore';
    } else {
      columns[header] = 'custom';
    }
  });
  // A full name column only when the first and last names are not there separately.
  if (taken.has('first_name') && taken.has('last_name')) {
    for (const [h, t] of Object.entries(columns)) if (t === 'full_name') columns[h] = 'custom';
  }
  return { columns, values: {} };
}

const NAME_TARGETS = new Set<string>(['full_name', 'first_name', 'last_name']);
const TEXT_TARGETS = new Set<string>(['job_title', 'company', 'source', 'campaign', 'stage']);
const NUMBER = /^[-+]?\d+([.,]\d+)?$/;
const MIN_DISTINCT_NAMES = 12;

/**
 * Headers alone mislead: a "contact" column can hold a person's name (Pipedrive) or the
 * channel of the last contact ("cellular", "telephone"); a "campaign" column a campaign or a
 * count of calls. A header match is kept only when the sample's values look like that field:
 * names vary from row to row (a dozen different ones at least) and are not numbers, emails
 * have an @, text fields are not all numbers. Otherwise the column stays a custom field, which is always safe.
 */
function valuesFit(target: string, values: readonly string[]): boolean {
  if (values.length === 0) return true;
  const numeric = values.filter((v) => NUMBER.test(v)).length / values.length;
  if (NAME_TARGETS.has(target)) {
    if (numeric > 0.2) return false;
    // A channel column has a handful of values; names have dozens even where they repeat
    // (a 1,000-row sample of a team's contacts may well use only 30 first names).
    const distinct = new Set(values.map((v) => v.toLowerCase())).size;
    return values.length < 20 || distinct >= MIN_DISTINCT_NAMES || distinct >= 0.2 * values.length;
  }
  if (target === 'email') return values.filter((v) => v.includes('@')).length >= 0.5 * values.length;
  if (TEXT_TARGETS.has(target)) return numeric < 0.9;
  return true;
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
  return { columns, values };
}

/** Checks a mapping file's JSON shape before applying it. */
export function parseOverride(value: unknown): MappingOverride {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingError('The mapping must be a JSON object with "columns", "values" and/or "ignore".', 'mapping');
  const v = value as Record<string, unknown>;
  const unknownKeys = Object.keys(v).filter((k) => !['columns', 'values', 'ignore'].includes(k));
  if (unknownKeys.length > 0) throw new MappingError(`Unknown key(s) in the mapping: ${unknownKeys.join(', ')} (allowed: columns, values, ignore).`, 'mapping');
  const isStringRecord = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((s) => typeof s === 'string');
  if (v.columns !== undefined && !isStringRecord(v.columns)) throw new MappingError('"columns" must map column headers to field names, e.g. {"Converted": "status"}.', 'columns');
  if (v.values !== undefined && (typeof v.values !== 'object' || v.values === null || Array.isArray(v.values))) throw new MappingError('"values" must be an object like {"status": {"1": "closed_won"}}.', 'values');
  if (v.ignore !== undefined && !(Array.isArray(v.ignore) && v.ignore.every((s) => typeof s === 'string'))) throw new MappingError('"ignore" must be a list of column headers.', 'ignore');
  return v as MappingOverride;
}
