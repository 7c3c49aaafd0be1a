import { LAWFUL_BASES, type ConsentPurpose, type LawfulBasis } from '../../db/schema.ts';
import type { Parsed } from './value-parsing.ts';

/**
 * Pure: the person's word as a file carries it — do-not-contact and unsubscribed flags,
 * consent per purpose, with an optional date and lawful basis for the row's consents.
 * Strict on purpose: a flag or consent read wrongly is a person contacted against their
 * will, so a value outside the short lists below refuses the row instead of guessing.
 */
export const FLAG_FIELDS = ['do_not_contact', 'unsubscribed'] as const;
export type FlagField = (typeof FLAG_FIELDS)[number];

export const CONSENT_FIELDS = {
  consent_marketing: 'marketing',
  consent_sales_contact: 'sales_contact',
  consent_tracking: 'tracking',
  consent_profiling: 'profiling',
} as const satisfies Record<string, ConsentPurpose>;
export type ConsentField = keyof typeof CONSENT_FIELDS;

export const isFlagField = (f: string): f is FlagField => (FLAG_FIELDS as readonly string[]).includes(f);
export const isConsentField = (f: string): f is ConsentField => f in CONSENT_FIELDS;

/** One consent state read from a row, written as a consent record with source 'import'. */
export interface ImportedConsent {
  purpose: ConsentPurpose;
  granted: boolean;
  lawful_basis: LawfulBasis;
  /** The row's consent_date (ISO), else null: the time of the import. */
  at: string | null;
}

const FLAG_TRUE = ['yes', 'no', 'true', 'false', '1', '0', 'y', 'n'];
export const FLAG_VALUES = FLAG_TRUE.join(', ');
const YES = new Set(['yes', 'true', '1', 'y']);
const NO = new Set(['no', 'false', '0', 'n']);

export function parseFlag(cell: string): Parsed<boolean> {
  const v = cell.trim().toLowerCase();
  if (YES.has(v)) return { ok: true, value: true };
  if (NO.has(v)) return { ok: true, value: false };
  return { ok: false, reason: `"${cell.trim()}" is not one of ${FLAG_VALUES}` };
}

const GRANTED = new Set(['granted', 'given', 'opted in', 'opt in', 'yes', 'true', '1', 'y']);
const WITHDRAWN = new Set(['withdrawn', 'revoked', 'refused', 'denied', 'opted out', 'opt out', 'no', 'false', '0', 'n']);
export const CONSENT_VALUES = 'granted, withdrawn, yes, no, true, false, 1, 0, y, n (also given, revoked, opted in, opted out)';

/** granted → true, withdrawn → false. */
export function parseConsent(cell: string): Parsed<boolean> {
  const v = cell.trim().toLowerCase().replace(/[-_]+/g, ' ');
  if (GRANTED.has(v)) return { ok: true, value: true };
  if (WITHDRAWN.has(v)) return { ok: true, value: false };
  return { ok: false, reason: `"${cell.trim()}" is not one of ${CONSENT_VALUES}` };
}

/** "Legitimate interest", "legitimate-interests", "CONTRACT" → the stored lawful basis. */
export function parseLawfulBasis(cell: string): Parsed<LawfulBasis> {
  const v = cell.trim().toLowerCase().replace(/[^a-z]+/g, '_').replace(/^_|_$/g, '');
  const found = LAWFUL_BASES.find((b) => b === v || b === `${v}s` || b.replace(/s$/, '') === v);
  return found ? { ok: true, value: found } : { ok: false, reason: `"${cell.trim()}" is not one of ${LAWFUL_BASES.join(', ')}` };
}

/** Rows of one lead (in-file duplicates): the later row's state per purpose wins. */
export function mergeConsents(a: readonly ImportedConsent[] | null, b: readonly ImportedConsent[] | null): ImportedConsent[] | null {
  if (!a || a.length === 0) return b ? [...b] : null;
  if (!b || b.length === 0) return [...a];
  const byPurpose = new Map(a.map((c) => [c.purpose, c]));
  for (const c of b) byPurpose.set(c.purpose, c);
  return [...byPurpose.values()];
}
