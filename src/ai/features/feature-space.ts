import { asBoolean, asDate, asNumber, inferCustomFieldKind, type CustomFieldKind } from './custom-fields.ts';
import { emailKind, EMAIL_KINDS, JOB_FUNCTIONS, phonePlausible, SENIORITY, titleFunction, titleSeniority } from './lead-profile.ts';
import type { LeadSignals } from './signals.ts';

/**
 * The features of one organization's leads: fixed built-ins in four groups (matching the
 * four sub-scores) plus one per usable custom field. A feature space is learned from the
 * training leads (which categories are common enough, what each custom field is) and then
 * applied unchanged to any lead, so training and scoring encode alike. It is plain JSON,
 * stored with the model that was trained on it.
 *
 * Not features, on purpose: the pipeline's own progress. Status, stage, time in a status,
 * and the meetings and proposals that mark a stage are what the score predicts, not
 * evidence for it; a model fed with them restates the stage (and, trained on closed
 * leads whose path was decided by the outcome, learns from the future).
 */
export type FeatureGroup = 'demographic' | 'behavioral' | 'temporal' | 'conversational';

export interface FeatureDef {
  name: string;
  label: string;
  group: FeatureGroup;
  kind: 'numeric' | 'categorical';
  categories?: string[];
  /** +1: more of it may never lower the score (clear intent signals; trees are constrained). */
  monotone?: 1 | -1;
  /**
   * Numeric only: the typical value and spread over all the organization's leads, decided
   * or not (no outcome involved). The logistic model standardises with them until enough
   * outcomes arrive, so a handful of decided leads cannot set an extreme scale.
   */
  center?: number;
  scale?: number;
}

export interface FeatureSpace {
  version: 1;
  features: FeatureDef[];
  /** Learned: custom fields used and their kinds. */
  /**
   * Custom fields used, with their kinds. `log`: a non-negative, heavy-tailed number
   * (employees, revenue) is used as log(1 + x), so one very large company cannot dominate.
   */
  customFields: { key: string; kind: Exclude<CustomFieldKind, 'ignored'>; log?: boolean }[];
}

export const OTHER = '(other)';
const DAY = 86_400_000;
const log1p = (x: number) => Math.log1p(Math.max(0, x));
const days = (from: Date | null, to: Date) => (from ? Math.max(0, (to.getTime() - from.getTime()) / DAY) : Number.NaN);
const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
const latest = (...ds: (Date | null)[]) => ds.reduce<Date | null>((m, d) => (d && (!m || d > m) ? d : m), null);
const TRACKED_INTENTS = ['purchase', 'pricing_inquiry', 'demo_request', 'meeting_scheduling', 'objection', 'complaint', 'unsubscribe'] as const;

type Extractor = (s: LeadSignals) => number | string | null;
interface BuiltIn { name: string; label: string; group: FeatureGroup; kind: 'numeric' | 'categorical'; fixed?: readonly string[]; monotone?: 1 | -1; value: Extractor }

const BUILT_INS: BuiltIn[] = [
  // Fit
  { name: 'title_seniority', label: 'Seniority', group: 'demographic', kind: 'categorical', fixed: SENIORITY.filter((s) => s !== 'unknown'), value: (s) => nullIfUnknown(titleSeniority(s.jobTitle)) },
  { name: 'title_function', label: 'Job function', group: 'demographic', kind: 'categorical', fixed: JOB_FUNCTIONS.filter((s) => s !== 'unknown'), value: (s) => nullIfUnknown(titleFunction(s.jobTitle)) },
  { name: 'email_kind', label: 'Email address', group: 'demographic', kind: 'categorical', fixed: EMAIL_KINDS, value: (s) => emailKind(s.email) },
  { name: 'phone_plausible', label: 'Phone number', group: 'demographic', kind: 'numeric', value: (s) => phonePlausible(s.phone) },
  { name: 'country', label: 'Country', group: 'demographic', kind: 'categorical', value: (s) => s.country },
  { name: 'source', label: 'Source', group: 'demographic', kind: 'categorical', value: (s) => s.source },
  { name: 'campaign', label: 'Campaign', group: 'demographic', kind: 'categorical', value: (s) => s.campaign },
  // Behaviour
  { name: 'page_views', label: 'Page views', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.pageViews) },
  { name: 'page_views_recent', label: 'Recent page views', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.pageViewsRecent) },
  { name: 'pricing_views', monotone: 1, label: 'Pricing page visits', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.pricingViews) },
  { name: 'pricing_views_recent', monotone: 1, label: 'Recent pricing page visits', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.pricingViewsRecent) },
  { name: 'demo_views', monotone: 1, label: 'Demo page visits', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.demoViews) },
  { name: 'contact_views', label: 'Contact page visits', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.contactViews) },
  { name: 'form_submits', monotone: 1, label: 'Form submissions', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.formSubmits) },
  { name: 'demo_requests', monotone: 1, label: 'Demo requests', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.demoRequests) },
  { name: 'email_opens', label: 'Email opens', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.emailOpens) },
  { name: 'email_clicks', monotone: 1, label: 'Email clicks', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.emailClicks) },
  { name: 'sessions', label: 'Website sessions', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.journey.sessions) },
  { name: 'calls', label: 'Calls', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.activities.calls) },
  { name: 'sales_emails', label: 'Sales emails', group: 'behavioral', kind: 'numeric', value: (s) => log1p(s.activities.emails) },
  // Time
  { name: 'lead_age_days', label: 'Lead age (days)', group: 'temporal', kind: 'numeric', value: (s) => days(s.createdAt, s.asOf) },
  { name: 'days_since_touch', label: 'Days since the last call, email or meeting', group: 'temporal', kind: 'numeric', value: (s) => days(latest(s.activities.lastAt, s.conversations.lastAt), s.asOf) },
  { name: 'days_since_web', label: 'Days since the last website visit', group: 'temporal', kind: 'numeric', value: (s) => days(s.journey.lastAt, s.asOf) },
  { name: 'reply_hours', label: 'Reply time (hours)', group: 'temporal', kind: 'numeric', value: (s) => s.conversations.replyHours ?? Number.NaN },
  { name: 'follow_up_overdue_days', label: 'Follow-up overdue (days)', group: 'temporal', kind: 'numeric', value: (s) => (s.nextFollowUpAt ? Math.max(0, (s.asOf.getTime() - s.nextFollowUpAt.getTime()) / DAY) : Number.NaN) },
  // Conversations
  { name: 'inbound_messages', label: 'Messages from the lead', group: 'conversational', kind: 'numeric', value: (s) => log1p(s.conversations.inbound) },
  { name: 'outbound_messages', label: 'Messages to the lead', group: 'conversational', kind: 'numeric', value: (s) => log1p(s.conversations.outbound) },
  { name: 'inbound_share', label: 'Share of messages from the lead', group: 'conversational', kind: 'numeric', value: (s) => ratio(s.conversations.inbound, s.conversations.inbound + s.conversations.outbound) },
  { name: 'reply_rate', label: 'Reply rate', group: 'conversational', kind: 'numeric', value: (s) => ratio(s.conversations.replies, s.conversations.outbound) },
  { name: 'sentiment', label: 'Tone of replies', group: 'conversational', kind: 'numeric', value: (s) => s.conversations.sentiment ?? s.activities.sentiment ?? Number.NaN },
  { name: 'sentiment_trend', label: 'Tone trend', group: 'conversational', kind: 'numeric', value: (s) => s.conversations.sentimentTrend ?? Number.NaN },
  { name: 'positive_share', label: 'Positive replies', group: 'conversational', kind: 'numeric', value: (s) => ratio(s.conversations.positive, s.conversations.analysed) },
  { name: 'negative_share', label: 'Negative replies', group: 'conversational', kind: 'numeric', value: (s) => ratio(s.conversations.negative, s.conversations.analysed) },
  ...TRACKED_INTENTS.map((intent): BuiltIn => ({ name: `intent_${intent}`, label: `Intent: ${intent.replace('_', ' ')}`, group: 'conversational', kind: 'numeric', value: (s) => (s.conversations.analysed > 0 ? log1p(s.conversations.intents[intent] ?? 0) : Number.NaN) })),
  { name: 'buying_signals', label: 'Buying signals', group: 'conversational', kind: 'numeric', value: (s) => log1p(s.conversations.buyingSignals + s.activities.buyingSignals) },
];

function nullIfUnknown(v: string): string | null {
  return v === 'unknown' ? null : v;
}

const norm = (v: unknown) => String(v).trim();

/**
 * Categories kept: seen in at least 3 leads, the 1,000 most frequent at most. Rarer ones pool as
 * `(other)`. Until 2026-12 at most 40 were kept (and only those in ≥ 5 leads and ≥ 0.2 %): a
 * column of hundreds of campaign ids or landing pages lost most of its signal to "(other)"
 * (cross-validated AUC 0.013 below a plain one-hot logistic regression on public lead data).
 * The models now handle many levels: beyond 40, a categorical is read as shrunken target
 * statistics (ai/scoring/target-encoding.ts) by the logistic model and the trees alike.
 */
const MIN_LEVEL_LEADS = 3;
const MAX_LEVELS = 1000;
function learnCategories(values: readonly (string | null)[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null && v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].filter(([, c]) => c >= MIN_LEVEL_LEADS).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_LEVELS).map(([v]) => v);
}

function customValue(kind: FeatureSpace['customFields'][number]['kind'], value: unknown, asOf: Date, log = false): number | string | null {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return null;
  switch (kind) {
    case 'numeric': { const x = asNumber(value); return log ? Math.log1p(Math.max(0, x)) : x; }
    case 'boolean': return asBoolean(value);
    case 'date': { const t = asDate(value); return Number.isNaN(t) ? Number.NaN : (asOf.getTime() - t) / DAY; }
    case 'category': return norm(value);
  }
}

/** Learns the feature space from training leads. Deterministic for the same leads. */
export function learnFeatureSpace(leads: readonly LeadSignals[]): FeatureSpace {
  return learnEncodedSpace(leads).space;
}

/** The feature space learned from training leads, and those leads encoded in it. */
export function learnEncodedSpace(leads: readonly LeadSignals[]): { space: FeatureSpace; encoded: EncodedLeads } {
  const features: FeatureDef[] = [];
  for (const b of BUILT_INS) {
    if (b.kind === 'numeric') features.push({ name: b.name, label: b.label, group: b.group, kind: 'numeric', ...(b.monotone ? { monotone: b.monotone } : {}) });
    else {
      const categories = b.fixed ? [...b.fixed] : learnCategories(leads.map((s) => { const v = b.value(s); return v === null ? null : norm(v); }));
      features.push({ name: b.name, label: b.label, group: b.group, kind: 'categorical', categories: b.fixed ? categories : [...categories, OTHER] });
    }
  }
  const keys = [...new Set(leads.flatMap((s) => Object.keys(s.customFields)))].sort();
  const customFields: FeatureSpace['customFields'] = [];
  for (const key of keys) {
    const values = leads.map((s) => s.customFields[key]);
    const kind = inferCustomFieldKind(values);
    if (kind === 'ignored') continue;
    customFields.push(kind === 'numeric' && heavyTailed(values.map(asNumber)) ? { key, kind, log: true } : { key, kind });
    const name = `cf:${key}`;
    if (kind === 'category') {
      const categories = learnCategories(leads.map((s) => customValue('category', s.customFields[key], s.asOf) as string | null));
      if (categories.length === 0) { customFields.pop(); continue; }
      features.push({ name, label: key, group: 'demographic', kind: 'categorical', categories: [...categories, OTHER] });
    } else {
      features.push({ name, label: kind === 'date' ? `${key} (days ago)` : key, group: 'demographic', kind: 'numeric' });
    }
  }
  // One encoding for every feature: the numeric ones' spread comes from it, and training
  // reuses it (the typical value and spread do not change how a lead is encoded).
  const encoded = encodeLeads({ version: 1, features, customFields }, leads);
  features.forEach((f, j) => {
    if (f.kind === 'numeric') Object.assign(f, numericStats(encoded.columns[j]!));
  });
  return { space: { version: 1, features, customFields }, encoded };
}

/** Non-negative with a long right tail: the 99th percentile is over 20 times the median (or the median is 0 and the values reach 100). */
function heavyTailed(values: number[]): boolean {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length < 10 || v[0]! < 0) return false;
  const median = v[Math.floor(v.length / 2)]!;
  const p99 = v[Math.floor(0.99 * (v.length - 1))]!;
  return median > 0 ? p99 > 20 * median : p99 >= 100;
}

/** Median and standard deviation of the present values (0 and 1 when there are none). */
function numericStats(column: Float64Array): { center: number; scale: number } {
  // Plain loops and a typed-array sort (numeric without a comparator): filter/reduce with
  // callbacks were most of this at 100,000 leads × 40 numeric features.
  const v = new Float64Array(column.length);
  let m = 0;
  for (let i = 0; i < column.length; i++) if (column[i] === column[i]) v[m++] = column[i]!;
  if (m === 0) return { center: 0, scale: 1 };
  const present = v.subarray(0, m).sort();
  const center = present[Math.floor(m / 2)]!;
  let sum = 0;
  for (let i = 0; i < m; i++) sum += present[i]!;
  const mean = sum / m;
  let ss = 0;
  for (let i = 0; i < m; i++) ss += (present[i]! - mean) ** 2;
  const sd = Math.sqrt(ss / m);
  return { center, scale: sd > 1e-9 ? sd : 1 };
}

export interface EncodedLeads {
  /** Column-major: one array per feature, NaN for missing; categorical codes index `categories`. */
  columns: Float64Array[];
  features: FeatureDef[];
  n: number;
}

/** Encodes leads in a learned space: unseen categories become `(other)`, or missing. */
export function encodeLeads(space: FeatureSpace, leads: readonly LeadSignals[]): EncodedLeads {
  const n = leads.length;
  const builtIns = new Map(BUILT_INS.map((b) => [b.name, b]));
  const customKinds = new Map(space.customFields.map((c) => [`cf:${c.key}`, c]));
  const columns = space.features.map((f) => {
    const col = new Float64Array(n);
    const codes = f.kind === 'categorical' ? new Map(f.categories!.map((c, i) => [c, i])) : null;
    const other = codes?.get(OTHER) ?? Number.NaN;
    const b = builtIns.get(f.name);
    const custom = customKinds.get(f.name);
    for (let i = 0; i < n; i++) {
      const s = leads[i]!;
      const raw = b ? b.value(s) : custom ? customValue(custom.kind, s.customFields[custom.key], s.asOf, custom.log) : null;
      if (codes) col[i] = raw === null || raw === '' ? Number.NaN : (codes.get(norm(raw)) ?? other);
      else col[i] = typeof raw === 'number' ? raw : Number.NaN;
    }
    return col;
  });
  return { columns, features: space.features, n };
}
