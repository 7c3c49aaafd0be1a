import { isConsentField, isFlagField, parseConsent, parseFlag, parseLawfulBasis } from './consent-columns.ts';
import { parseDate, parseEmail, parseNumber, parseStatus } from './value-parsing.ts';

/**
 * Pure: do a column's sampled values fit the lead field its header names? A header says
 * what a column was meant to hold; the values say what it holds. "Last Activity" in a
 * HubSpot export holds the name of the last event ("Email Opened"), not a date, and
 * mapping it to last_contacted_at would refuse every row. A field is proposed only when
 * the values fit it, and the check says why in words the preview can show.
 */
export interface FitCheck {
  fits: boolean;
  /** Non-blank sampled values checked. */
  checked: number;
  /** How many of them do not fit. */
  misfits: number;
  /** A few distinct values that do not fit, as the file writes them. */
  examples: string[];
  /** Why the values do not fit, when they do not ("40 of 40 sampled values are not dates"). */
  reason?: string;
}

const DATE_TARGETS = new Set(['created_at', 'closed_at', 'next_follow_up_at', 'last_contacted_at', 'consent_date']);
const NAME_TARGETS = new Set(['full_name', 'first_name', 'last_name']);
const TEXT_TARGETS = new Set(['job_title', 'company', 'source', 'campaign', 'stage']);
const PEOPLE_TARGETS = new Set(['assigned_to', 'team_id']);
const NUMBER = /^[-+]?\d+([.,]\d+)?$/;
const MIN_DISTINCT_NAMES = 12;
/**
 * Typed values (dates, amounts, emails, phones) must fit in at least this share of the
 * sampled rows: real exports have a stray cell or two (those rows are reported), but a
 * column where a fifth of the values are something else holds something else.
 */
export const TYPED_FIT_SHARE = 0.8;
/** Statuses: half, since the rest can still be mapped with a value map in the preview. */
export const STATUS_FIT_SHARE = 0.5;

/** A phone number: digits with the usual separators, an optional extension, 5 digits or more. */
function isPhone(v: string): boolean {
  const main = v.replace(/\s*(?:ext\.?|x|#)\s*\d+$/i, '');
  return /^[+(]?[\d\s().\-/]+$/.test(main) && (main.match(/\d/g) ?? []).length >= 5;
}

function typed(target: string): { test: (v: string) => boolean; noun: string; share: number } | undefined {
  if (DATE_TARGETS.has(target)) return { test: (v) => parseDate(v).ok, noun: 'dates', share: TYPED_FIT_SHARE };
  if (target === 'deal_value') return { test: (v) => parseNumber(v).ok, noun: 'amounts', share: TYPED_FIT_SHARE };
  if (target === 'email') return { test: (v) => parseEmail(v).ok, noun: 'email addresses', share: 0.5 };
  if (target === 'phone') return { test: isPhone, noun: 'phone numbers', share: TYPED_FIT_SHARE };
  // The person's word is never guessed: a "Marketing status" column of free text stays a custom field.
  if (isFlagField(target)) return { test: (v) => parseFlag(v).ok, noun: 'yes/no values', share: 1 };
  if (isConsentField(target)) return { test: (v) => parseConsent(v).ok, noun: 'consent states (granted/withdrawn, yes/no)', share: 1 };
  if (target === 'consent_lawful_basis') return { test: (v) => parseLawfulBasis(v).ok, noun: 'lawful bases', share: 1 };
  if (target === 'status') return { test: (v) => parseStatus(v, undefined).ok, noun: 'statuses', share: STATUS_FIT_SHARE };
  // Owners and teams are people's names or emails; numeric ids (HubSpot's owner ids) are not.
  if (PEOPLE_TARGETS.has(target)) return { test: (v) => !NUMBER.test(v), noun: 'names or emails (they are numbers)', share: TYPED_FIT_SHARE };
  return undefined;
}

const quote = (values: readonly string[]) => values.map((v) => `"${v.length > 40 ? `${v.slice(0, 39)}…` : v}"`).join(', ');

/** Checks trimmed, non-blank sampled values against a target (a lead field name). */
export function checkValues(target: string, values: readonly string[]): FitCheck {
  const checked = values.length;
  if (checked === 0) return { fits: true, checked, misfits: 0, examples: [] };
  const kind = typed(target);
  if (kind) {
    const bad = values.filter((v) => !kind.test(v));
    const examples = [...new Set(bad)].slice(0, 3);
    // One stray cell in a small sample is a typo, not another kind of column (its row is refused).
    const fits = checked - bad.length >= kind.share * checked || (bad.length === 1 && checked >= 3);
    return { fits, checked, misfits: bad.length, examples, ...(bad.length > 0 ? { reason: `${bad.length} of ${checked} sampled values are not ${kind.noun} (e.g. ${quote(examples)})` } : {}) };
  }
  const numeric = values.filter((v) => NUMBER.test(v));
  if (NAME_TARGETS.has(target)) {
    if (numeric.length > 0.2 * checked) {
      return { fits: false, checked, misfits: numeric.length, examples: numeric.slice(0, 3), reason: `${numeric.length} of ${checked} sampled values are numbers, not names` };
    }
    // A channel column ("cellular", "telephone") has a handful of values; names have dozens
    // even where they repeat (a 1,000-row sample of a team's contacts may use 30 first names).
    const distinct = new Set(values.map((v) => v.toLowerCase()));
    const fits = checked < 20 || distinct.size >= MIN_DISTINCT_NAMES || distinct.size >= 0.2 * checked;
    return fits
      ? { fits, checked, misfits: 0, examples: [] }
      : { fits, checked, misfits: checked, examples: [...distinct].slice(0, 3), reason: `only ${distinct.size} different values in ${checked} sampled rows (e.g. ${quote([...distinct].slice(0, 3))}): a category, not people's names` };
  }
  if (TEXT_TARGETS.has(target) && numeric.length >= 0.9 * checked) {
    return { fits: false, checked, misfits: numeric.length, examples: [...new Set(numeric)].slice(0, 3), reason: `${numeric.length} of ${checked} sampled values are numbers (e.g. ${quote([...new Set(numeric)].slice(0, 3))})` };
  }
  return { fits: true, checked, misfits: 0, examples: [] };
}

/**
 * An id column: every sampled row has a value and no two share one. Used for headers
 * like "Deal ID" or "Opportunity ID" that no synonym lists: such a column is what makes a
 * second import of the file update its leads instead of duplicating them.
 */
export function isUniquePerRow(values: readonly string[], rows: number): boolean {
  return rows >= 2 && values.length === rows && new Set(values).size === rows && values.every((v) => v.length <= 255);
}
