import { LEAD_STATUSES, type CustomFieldType, type LeadStatus } from '../../db/schema.ts';

/**
 * Pure parsing of the values real exports contain: "1.234,50 €", "3/14/2024 2:05 PM",
 * "Closed - Converted", "Yes"… Each parser returns a value or a reason a person can act on.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (reason: string): Parsed<never> => ({ ok: false, reason });

/** Cells that mean "no value" in exports. */
const BLANKS = new Set(['', '-', '--', 'n/a', 'na', 'null', 'none', '(none)', '#n/a', 'undefined', 'nil']);
export function isBlank(cell: string | undefined): boolean {
  return cell === undefined || BLANKS.has(cell.trim().toLowerCase());
}

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
export function parseEmail(cell: string): Parsed<string> {
  let v = cell.trim();
  // "Ada Lovelace <ada@example.com>" and "mailto:" links.
  const angle = /<([^>]+)>/.exec(v);
  if (angle) v = angle[1]!.trim();
  v = v.replace(/^mailto:/i, '').toLowerCase();
  if (!EMAIL.test(v)) return bad(`"${cell.trim()}" is not a valid email address`);
  if (v.length > 255) return bad('email is longer than 255 characters');
  return ok(v);
}

const STATUS_SYNONYMS: Record<string, LeadStatus> = {
  new: 'new', open: 'new', 'open not contacted': 'new', 'not contacted': 'new', 'new lead': 'new', lead: 'new', subscriber: 'new', fresh: 'new',
  contacted: 'contacted', 'working contacted': 'contacted', working: 'contacted', 'in progress': 'contacted', 'attempted to contact': 'contacted', attempted: 'contacted', connected: 'contacted', 'open deal': 'contacted',
  qualified: 'qualified', 'sales qualified lead': 'qualified', salesqualifiedlead: 'qualified', sql: 'qualified', 'marketing qualified lead': 'qualified', marketingqualifiedlead: 'qualified', mql: 'qualified', opportunity: 'qualified',
  proposal: 'proposal', 'proposal sent': 'proposal', 'proposal made': 'proposal', quoted: 'proposal', quote: 'proposal',
  negotiation: 'negotiation', negotiating: 'negotiation', 'negotiations started': 'negotiation', 'contract sent': 'negotiation',
  'closed won': 'closed_won', closedwon: 'closed_won', won: 'closed_won', 'closed converted': 'closed_won', converted: 'closed_won', customer: 'closed_won', 'closed deal': 'closed_won', evangelist: 'closed_won',
  'closed lost': 'closed_lost', closedlost: 'closed_lost', lost: 'closed_lost', 'closed not converted': 'closed_lost', 'not converted': 'closed_lost', 'bad timing': 'closed_lost', dead: 'closed_lost',
  nurturing: 'nurturing', nurture: 'nurturing', 'on hold': 'nurturing', 'follow up later': 'nurturing',
  unqualified: 'unqualified', disqualified: 'unqualified', junk: 'unqualified', 'not interested': 'unqualified', spam: 'unqualified',
};

const normalizeWord = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** A status from the file, through the column's value map first, then common CRM names. */
export function parseStatus(cell: string, valueMap: Record<string, string> | undefined): Parsed<LeadStatus> {
  const raw = cell.trim();
  const mapped = valueMap ? (valueMap[raw] ?? lookupInsensitive(valueMap, raw)) : undefined;
  const candidate = mapped ?? raw;
  if ((LEAD_STATUSES as readonly string[]).includes(candidate)) return ok(candidate as LeadStatus);
  const n = normalizeWord(candidate);
  const underscored = n.replaceAll(' ', '_');
  if ((LEAD_STATUSES as readonly string[]).includes(underscored)) return ok(underscored as LeadStatus);
  const syn = STATUS_SYNONYMS[n];
  if (syn) return ok(syn);
  return bad(`unknown status "${raw}"${mapped !== undefined ? ` (mapped to "${mapped}")` : ''}; use one of ${LEAD_STATUSES.join(', ')} or add it to the status value map`);
}

function lookupInsensitive(map: Record<string, string>, key: string): string | undefined {
  const k = key.toLowerCase();
  for (const [from, to] of Object.entries(map)) if (from.trim().toLowerCase() === k) return to;
  return undefined;
}

/** Other value-mapped text fields (stage, source, campaign): the map, else the value. */
export function mapValue(cell: string, valueMap: Record<string, string> | undefined): string {
  const raw = cell.trim();
  if (!valueMap) return raw;
  return valueMap[raw] ?? lookupInsensitive(valueMap, raw) ?? raw;
}

export function parseTags(cell: string, valueMap: Record<string, string> | undefined): string[] {
  const tags = cell
    .split(/[,;|]/)
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => (valueMap ? (valueMap[t] ?? lookupInsensitive(valueMap, t) ?? t) : t))
    .filter((t) => t !== '')
    .map((t) => t.slice(0, 100));
  return [...new Set(tags)];
}

/**
 * Numbers as spreadsheets write them: "1,234.56", "1.234,56", "€ 1 200", "$12k" is not
 * accepted (ambiguous); "(120)" accounting negatives are.
 */
export function parseNumber(cell: string, decimalComma = false): Parsed<number> {
  let v = cell.trim().replace(/[\s\u00a0\u202f]/g, '').replace(/^[$€£¥]|[$€£¥]$|^(usd|eur|gbp)|(usd|eur|gbp)$/gi, '');
  let negative = false;
  if (/^\(.*\)$/.test(v)) {
    negative = true;
    v = v.slice(1, -1);
  }
  if (v.startsWith('-')) {
    negative = !negative;
    v = v.slice(1);
  } else if (v.startsWith('+')) v = v.slice(1);
  if (!/^[\d.,']+$/.test(v) || !/\d/.test(v)) return bad(`"${cell.trim()}" is not a number`);
  v = v.replaceAll("'", '');
  const lastComma = v.lastIndexOf(',');
  const lastDot = v.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    v = lastComma > lastDot ? v.replaceAll('.', '').replace(',', '.') : v.replaceAll(',', '');
  } else if (lastComma >= 0) {
    // "1,234" and "1,234,567" are thousands; "12,5" is a decimal comma.
    v = /^\d{1,3}(,\d{3})+$/.test(v) ? v.replaceAll(',', '') : v.split(',').length === 2 ? v.replace(',', '.') : 'x';
  } else if ((v.match(/\./g) ?? []).length > 1 || (decimalComma && /^\d{1,3}\.\d{3}$/.test(v))) {
    v = /^\d{1,3}(\.\d{3})+$/.test(v) ? v.replaceAll('.', '') : 'x';
  }
  const n = Number(v);
  if (!Number.isFinite(n)) return bad(`"${cell.trim()}" is not a number`);
  return ok(negative ? -n : n);
}

const TRUE = new Set(['true', 'yes', 'y', '1', 't', 'x', 'ja', 'oui', 'si', 'checked']);
const FALSE = new Set(['false', 'no', 'n', '0', 'f', 'nein', 'non', 'unchecked']);
export function parseBoolean(cell: string): Parsed<boolean> {
  const v = cell.trim().toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return bad(`"${cell.trim()}" is not yes/no`);
}

/**
 * Dates and date-times: ISO 8601 ("2024-03-14", "2024-03-14 14:05", "…T14:05:00Z"),
 * US "3/14/2024 2:05 PM" (day first when the first number is over 12), European
 * "14.03.2024". Returns an ISO string: a date alone as YYYY-MM-DD, a time in UTC unless
 * the value has an offset.
 */
export function parseDate(cell: string): Parsed<{ iso: string; dateOnly: boolean }> {
  const v = cell.trim();
  let y: number, mo: number, d: number;
  let rest: string;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](.*))?$/.exec(v))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    rest = m[4] ?? '';
  } else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:,?\s+(.*))?$/.exec(v))) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    [mo, d] = a > 12 ? [b, a] : [a, b];
    y = Number(m[3]);
    rest = m[4] ?? '';
  } else if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(.*))?$/.exec(v))) {
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    rest = m[4] ?? '';
  } else if ((m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:\s+(.*))?$/.exec(v))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    rest = m[4] ?? '';
  } else {
    return bad(`"${v}" is not a date (use YYYY-MM-DD, M/D/YYYY or D.M.YYYY)`);
  }
  if (y < 100) y += y < 70 ? 2000 : 1900;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || mo > 12 || d < 1 || date.getUTCDate() !== d || y < 1900 || y > 2200) return bad(`"${v}" is not a valid date`);
  const ymd = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  if (rest.trim() === '') return ok({ iso: ymd, dateOnly: true });
  const t = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(am|pm)?\s*(z|utc|[+-]\d{2}:?\d{2})?$/i.exec(rest.trim());
  if (!t) return bad(`"${v}" has a time that could not be read`);
  let h = Number(t[1]);
  const ampm = t[5]?.toLowerCase();
  if (ampm === 'pm' && h < 12) h += 12;
  if (ampm === 'am' && h === 12) h = 0;
  if (h > 23 || Number(t[2]) > 59 || Number(t[3] ?? 0) > 59) return bad(`"${v}" has an invalid time`);
  const zone = t[6] ? (/^(z|utc)$/i.test(t[6]) ? 'Z' : t[6].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
  // Milliseconds are kept: history arrives exactly as exported ("…T14:05:09.120Z").
  const fraction = t[4] ? `.${t[4].slice(0, 3).padEnd(3, '0')}` : '';
  const iso = `${ymd}T${String(h).padStart(2, '0')}:${t[2]}:${(t[3] ?? '00').padStart(2, '0')}${fraction}${zone}`;
  const parsed = new Date(iso);
  if (Number.isNaN(parsed.getTime())) return bad(`"${v}" is not a valid date`);
  return ok({ iso: parsed.toISOString(), dateOnly: false });
}

/** Timestamps for lead columns: a date alone is midnight UTC. */
export function parseTimestamp(cell: string): Parsed<string> {
  const r = parseDate(cell);
  if (!r.ok) return r;
  return ok(r.value.dateOnly ? `${r.value.iso}T00:00:00.000Z` : r.value.iso);
}

// Custom fields -------------------------------------------------------------------------

export const MAX_CATEGORIES = 50;

/**
 * The type of a custom column from sample values: boolean, number, date when every
 * non-blank value reads as one; category when few distinct values repeat; else text.
 */
export function inferType(values: readonly string[]): { type: CustomFieldType; categories: string[] } {
  const present = values.map((v) => v.trim()).filter((v) => !isBlank(v));
  if (present.length === 0) return { type: 'text', categories: [] };
  const distinct = new Set(present);
  if (present.every((v) => parseBoolean(v).ok) && distinct.size <= 4) return { type: 'boolean', categories: [] };
  if (present.every((v) => parseNumber(v).ok)) return { type: 'number', categories: [] };
  if (present.every((v) => parseDate(v).ok)) return { type: 'date', categories: [] };
  if (distinct.size <= MAX_CATEGORIES && (distinct.size <= present.length / 2 || present.length < 4) && [...distinct].every((v) => v.length <= 100)) {
    return { type: 'category', categories: [...distinct].sort() };
  }
  return { type: 'text', categories: [] };
}

/** A cell as stored under its custom field's type; undefined when it does not fit. */
export function customValue(cell: string, type: CustomFieldType, decimalComma = false): string | number | boolean | undefined {
  const v = cell.trim();
  switch (type) {
    case 'number': {
      const r = parseNumber(v, decimalComma);
      return r.ok ? r.value : undefined;
    }
    case 'boolean': {
      const r = parseBoolean(v);
      return r.ok ? r.value : undefined;
    }
    case 'date': {
      const r = parseDate(v);
      return r.ok ? r.value.iso : undefined;
    }
    case 'category':
    case 'text':
      return v;
  }
}

/** When values stop fitting a type, the field becomes text (every value fits text). */
export function widen(a: CustomFieldType, b: CustomFieldType): CustomFieldType {
  if (a === b) return a;
  if ((a === 'category' && b === 'text') || (a === 'text' && b === 'category')) return 'text';
  return 'text';
}
