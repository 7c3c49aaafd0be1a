import { normalisePhone } from './privacy.keys.ts';

/**
 * What a person's traces look like in text: their e-mail (also URL-encoded), their phone
 * number in any punctuation, their full name, and their first and last names alone when no
 * one else left in the organization carries them (replacing every "Anna" in the notes would
 * erase other people's words). One source, two dialects: PostgreSQL regular expressions
 * find the rows (scan, candidates), JavaScript ones rewrite the values.
 */
export interface SubjectTraits {
  emails: string[];
  phones: string[];
  /** [first, last] pairs of the person's leads. */
  names: { first: string; last: string }[];
}

export type TraceKind = 'email' | 'phone' | 'name';

export interface TracePattern {
  kind: TraceKind;
  /** What it stands for, without the value: "e-mail 1", "last name 1" (for reports and logs). */
  label: string;
  /** PostgreSQL ARE, used with the case-insensitive operator ~*. */
  pg: string;
  /** JavaScript, flags giu. */
  js: RegExp;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Between the digits of a phone number: spaces, dots, dashes, brackets (at most 3 of them).
const PHONE_GAP_PG = '[[:space:]().-]{0,3}';
const PHONE_GAP_JS = '[\\s().-]{0,3}';

function phonePattern(normalised: string, index: number): TracePattern {
  const digits = [...normalised];
  // An optional country code or trunk prefix before the national digits, never a digit or
  // letter glued on either side (a longer number, an id).
  const pg = `(?<![[:alnum:]])(\\+?[0-9]{1,3}${PHONE_GAP_PG})?${digits.join(PHONE_GAP_PG)}(?![[:alnum:]])`;
  const js = new RegExp(`(?<![\\p{L}\\p{N}])(\\+?[0-9]{1,3}${PHONE_GAP_JS})?${digits.join(PHONE_GAP_JS)}(?![\\p{L}\\p{N}])`, 'giu');
  return { kind: 'phone', label: `phone ${index + 1}`, pg, js };
}

/** Words are bounded by anything that is not a letter or digit, in both dialects. */
function wordPattern(kind: TraceKind, label: string, words: string[]): TracePattern {
  const pgBody = words.map((w) => escapeRegex(w)).join('[[:space:],]+');
  const jsBody = words.map((w) => escapeRegex(w)).join('[\\s,]+');
  return {
    kind,
    label,
    pg: `(?<![[:alnum:]])${pgBody}(?![[:alnum:]])`,
    js: new RegExp(`(?<![\\p{L}\\p{N}])${jsBody}(?![\\p{L}\\p{N}])`, 'giu'),
  };
}

function emailPatterns(email: string, index: number): TracePattern[] {
  const e = email.trim();
  const encoded = e.replace('@', '%40');
  return [
    { kind: 'email', label: `e-mail ${index + 1}`, pg: escapeRegex(e), js: new RegExp(escapeRegex(e), 'giu') },
    { kind: 'email', label: `e-mail ${index + 1} (URL-encoded)`, pg: escapeRegex(encoded), js: new RegExp(escapeRegex(encoded), 'giu') },
  ];
}

/**
 * The patterns of a person. `distinctiveNames` are the single first or last names that no
 * other lead of the organization carries (decided by the caller, which can ask the database);
 * full names always count.
 */
export function tracePatterns(traits: SubjectTraits, distinctiveNames: ReadonlySet<string> = new Set()): TracePattern[] {
  const patterns: TracePattern[] = [];
  const emails = unique(traits.emails.map((e) => e.trim().toLowerCase()).filter((e) => e.includes('@')));
  emails.forEach((e, i) => patterns.push(...emailPatterns(e, i)));
  const phones = unique(traits.phones.map(normalisePhone).filter((p): p is string => p !== null));
  phones.forEach((p, i) => patterns.push(phonePattern(p, i)));
  const names = uniqueBy(traits.names.map((n) => ({ first: n.first.trim(), last: n.last.trim() })).filter((n) => n.first || n.last), (n) => `${n.first}\u0000${n.last}`.toLowerCase());
  names.forEach((n, i) => {
    const first = n.first.split(/\s+/).filter(Boolean);
    const last = n.last.split(/\s+/).filter(Boolean);
    if (first.length > 0 && last.length > 0) {
      patterns.push(wordPattern('name', `full name ${i + 1}`, [...first, ...last]));
      patterns.push(wordPattern('name', `full name ${i + 1} (last, first)`, [...last, ...first]));
    }
  });
  const singles = unique(names.flatMap((n) => [n.first, n.last]).filter((w) => w.length >= 2));
  singles.forEach((w, i) => {
    if (distinctiveNames.has(w.toLowerCase())) patterns.push(wordPattern('name', `name part ${i + 1}`, w.split(/\s+/)));
  });
  return patterns;
}

/** Every single first and last name of the person (lower case), to ask whether others carry them. */
export function singleNames(traits: SubjectTraits): string[] {
  return unique(traits.names.flatMap((n) => [n.first.trim(), n.last.trim()]).filter((w) => w.length >= 2).map((w) => w.toLowerCase()));
}

export const ERASED = '[erased]';

/** A text with every trace replaced by the neutral marker. */
export function scrubText(text: string, patterns: readonly TracePattern[]): string {
  let out = text;
  for (const p of patterns) out = out.replace(p.js, ERASED);
  return out;
}

/** A JSON value with every trace replaced in keys and strings; a number that is the phone becomes the marker. */
export function scrubJson(value: unknown, patterns: readonly TracePattern[]): unknown {
  if (typeof value === 'string') return scrubText(value, patterns);
  if (typeof value === 'number') {
    const s = String(value);
    return scrubText(s, patterns) === s ? value : ERASED;
  }
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, patterns));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      let key = scrubText(k, patterns);
      while (key in out) key = `${key}'`;
      out[key] = scrubJson(v, patterns);
    }
    return out;
  }
  return value;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function uniqueBy<T>(values: T[], key: (v: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const v of values) if (!seen.has(key(v))) seen.set(key(v), v);
  return [...seen.values()];
}
