import { clamp, round2 } from './stats.ts';
import type { Calibration, Candidate, InsightType, KindCalibration } from './types.ts';

/**
 * What an insight's confidence means, and how it is made to mean it. Every insight kind
 * makes a claim about the lead's outcome: a buying signal, a content piece, "call now" or
 * "send a proposal" say the lead is on its way to buy (right when it is won); a churn risk,
 * a competitor, "escalate" or "re-engage" say the deal is in danger (right when it is lost).
 * Confidence is the share of such insights that were right: learned per kind from the
 * organization's own decided leads, by replaying the detectors on each as it stood a week
 * before its decision (held out: nothing after that moment is read), then an isotonic fit
 * of the outcome on the detector's raw confidence, each step shrunk toward the kind's rate,
 * which is itself shrunk toward the organization's base rate of that outcome.
 *
 * The best contact time makes no claim about the outcome (it is about when a reply comes):
 * it keeps its own confidence, P(the window beats the lead's usual rate).
 */
export type Claim = 'won' | 'lost';
const CLAIMS: Record<string, Claim> = {
  buying_signal: 'won', content_recommendation: 'won', churn_risk: 'lost', competitive_threat: 'lost',
  'next_best_action:call_now': 'won', 'next_best_action:send_proposal': 'won', 'next_best_action:escalate_to_manager': 'lost', 'next_best_action:re_engage': 'lost',
};
/** Pseudo-observations of the prior: for a step toward its kind, for a kind toward the base rate. */
const STEP_PRIOR = 10;
const KIND_PRIOR = 20;

/** The calibration key of an insight: its type and the family of its reason ('stalled:proposal' → 'stalled'). */
export function kindOf(c: { type: InsightType; reason: string }): string {
  return `${c.type}:${c.reason.split(':')[0]}`;
}

export function claimOf(c: { type: InsightType; reason: string }): Claim | null {
  return CLAIMS[`${c.type}:${c.reason.split(':')[0]}`] ?? CLAIMS[c.type] ?? null;
}

/** Pool-adjacent-violators: the non-decreasing step function of hit rate on raw confidence. */
export function isotonic(pairs: readonly { raw: number; hit: boolean }[]): { upTo: number; n: number; hits: number }[] {
  const sorted = [...pairs].sort((a, b) => a.raw - b.raw);
  const blocks: { upTo: number; n: number; hits: number }[] = [];
  for (const p of sorted) {
    const last = blocks[blocks.length - 1];
    // Equal raw values are one observation group: they cannot be told apart.
    if (last && last.upTo === p.raw) {
      last.n++;
      last.hits += p.hit ? 1 : 0;
    } else blocks.push({ upTo: p.raw, n: 1, hits: p.hit ? 1 : 0 });
    while (blocks.length >= 2) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.hits / a.n < b.hits / b.n) break;
      blocks.splice(blocks.length - 2, 2, { upTo: b.upTo, n: a.n + b.n, hits: a.hits + b.hits });
    }
  }
  return blocks;
}

/** Fits every kind's curve from replayed insights (raw confidence, and whether the claim came true). */
export function fitCalibration(observations: readonly { kind: string; claim: Claim; raw: number; won: boolean }[], decided: number, won: number, horizonDays: number): Calibration {
  const base = { won: (won + 1) / (decided + 2), lost: (decided - won + 1) / (decided + 2) };
  const byKind = new Map<string, { claim: Claim; pairs: { raw: number; hit: boolean }[] }>();
  for (const o of observations) {
    const e = byKind.get(o.kind) ?? byKind.set(o.kind, { claim: o.claim, pairs: [] }).get(o.kind)!;
    e.pairs.push({ raw: o.raw, hit: o.claim === 'won' ? o.won : !o.won });
  }
  const kinds: Record<string, KindCalibration> = {};
  for (const [kind, { claim, pairs }] of byKind) {
    const hits = pairs.filter((p) => p.hit).length;
    const rate = (hits + KIND_PRIOR * base[claim]) / (pairs.length + KIND_PRIOR);
    // Shrinking each step toward the kind's rate keeps the curve non-decreasing (a convex mix
    // of a non-decreasing sequence and a constant, weighted by counts) only approximately;
    // a running maximum restores it.
    let floor = 0;
    const steps = isotonic(pairs).map((b) => {
      floor = Math.max(floor, (b.hits + STEP_PRIOR * rate) / (b.n + STEP_PRIOR));
      return { upTo: b.upTo, n: b.n, hits: b.hits, rate: floor };
    });
    kinds[kind] = { n: pairs.length, hits, rate, steps };
  }
  return { decided, won, horizonDays, kinds };
}

/**
 * The calibrated confidence of a candidate: its kind's curve at its raw confidence; the
 * base rate of its claim when the kind never fired on a decided lead; unchanged when the
 * organization has no decided lead yet (nothing to learn from) or the kind makes no claim.
 */
export function calibrate(c: Candidate, calibration: Calibration | null): Candidate {
  const claim = claimOf(c);
  if (!claim || !calibration || calibration.decided === 0) {
    return { ...c, data: { ...c.data, confidence_basis: { method: 'uncalibrated', raw_confidence: c.confidence } } };
  }
  const kind = calibration.kinds[kindOf(c)];
  const base = claim === 'won' ? (calibration.won + 1) / (calibration.decided + 2) : (calibration.decided - calibration.won + 1) / (calibration.decided + 2);
  let rate = base;
  let method = 'base_rate';
  if (kind && kind.steps.length > 0) {
    const step = kind.steps.find((s) => c.confidence <= s.upTo) ?? kind.steps[kind.steps.length - 1]!;
    rate = step.rate;
    method = 'isotonic';
  }
  return {
    ...c,
    confidence: round2(clamp(rate, 0.01, 0.99)),
    data: { ...c.data, confidence_basis: { method, claim, raw_confidence: c.confidence, kind: kindOf(c), decided_leads_with_this_kind: kind?.n ?? 0, of_which_right: kind?.hits ?? 0, base_rate: round2(base), lift: kind ? round2(kind.rate / base) : null, horizon_days: calibration.horizonDays } },
  };
}

/** Below this lift over the base rate of its claim, measured on at least MIN_DISCRIMINATION_SAMPLE replays, a recommendation tells nothing. */
export const MIN_LIFT = 1.1;
export const MIN_DISCRIMINATION_SAMPLE = 30;

/**
 * How much more often than the base rate of its claim a kind came true on the decided leads
 * (its rate ÷ the base rate); null while fewer than MIN_DISCRIMINATION_SAMPLE decided leads
 * showed it. A content recommendation that fires on every lead has a lift of about 1.
 */
export function liftOf(c: { type: InsightType; reason: string }, calibration: Calibration | null): number | null {
  const claim = claimOf(c);
  const kind = calibration?.kinds[kindOf(c)];
  if (!claim || !calibration || !kind || kind.n < MIN_DISCRIMINATION_SAMPLE) return null;
  const base = claim === 'won' ? (calibration.won + 1) / (calibration.decided + 2) : (calibration.decided - calibration.won + 1) / (calibration.decided + 2);
  return kind.rate / base;
}
