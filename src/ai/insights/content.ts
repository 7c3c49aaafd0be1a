import { OPEN_STATUSES } from './churn-risk.ts';
import { betaPosterior, clamp, probabilityGreater, round2, round3 } from './stats.ts';
import { DAY_MS, type Candidate, type LeadSnapshot, type OrgStats } from './types.ts';

/**
 * Content to send: pages and assets that the organization's decided leads engaged with
 * before their decision, ranked by the win rate of those who did (shrunk toward the
 * baseline, PRIOR decided leads' worth) — the piece whose readers won most clearly more
 * often, among those this lead has not seen yet.
 *
 * The baseline is not all decided leads: people who read anything convert more anyway, and
 * those who read much more than those who read little, so against everyone a blog post
 * engaged leads read looks like a winner and is recommended to every lead at 99 %. Each
 * piece's readers are compared with the win rate of leads that engaged with as many pieces
 * (`expected`); a piece that does not discriminate has a lift of about 1 and is not raised.
 */
const PRIOR = 10;
const MIN_WON = 3;
const MIN_LIFT = 1.2;
const MIN_CONFIDENCE = 0.7;

export function detectContent(lead: LeadSnapshot, stats: OrgStats, now: Date): Candidate | null {
  if (!OPEN_STATUSES.has(lead.status) || stats.decided === 0 || stats.won === 0) return null;
  const engaged = stats.engagedDecided > 0 && stats.engagedWon > 0;
  const base = engaged ? stats.engagedWon / stats.engagedDecided : stats.won / stats.decided;
  const baseline = engaged ? betaPosterior(stats.engagedWon, stats.engagedDecided, base, 0) : betaPosterior(stats.won, stats.decided, base, 0);
  const seen = new Set(lead.events.map((e) => e.contentKey).filter((k): k is string => k !== null));
  const ranked = stats.content
    .filter((c) => c.won >= MIN_WON && !seen.has(c.key))
    .map((c) => {
      // The rate this piece's readers would have had anyway (matched on how much they read), else the engaged baseline.
      const matched = c.expected !== undefined && c.expected > 0 && c.decided > 0 ? Math.min(0.99, c.expected / c.decided) : null;
      const rate = matched ?? base;
      const post = betaPosterior(c.won, c.decided, rate, PRIOR);
      const against = matched !== null ? { mean: matched, variance: 0 } : baseline;
      return { c, post, rate, lift: post.mean / rate, confidence: probabilityGreater(post, against) };
    })
    .filter((x) => x.lift >= MIN_LIFT && x.confidence >= MIN_CONFIDENCE)
    .sort((a, b) => b.lift - a.lift || b.c.won - a.c.won || a.c.key.localeCompare(b.c.key));
  const best = ranked[0];
  if (!best) return null;
  const { c } = best;
  return {
    type: 'content_recommendation',
    reason: `content:${c.key}`.slice(0, 200),
    title: `Send “${c.label}”`,
    description: `${c.won} of the ${c.decided} decided leads who engaged with “${c.label}” were won (${Math.round((100 * c.won) / c.decided)}%, against ${Math.round(100 * best.rate)}% expected of leads who read as much); ${lead.name} has not seen it yet.`,
    confidence: round2(clamp(best.confidence, 0.05, 0.99)),
    priority: best.lift >= 2 ? 'medium' : 'low',
    data: {
      content_key: c.key,
      label: c.label,
      won_leads: c.won,
      decided_leads: c.decided,
      win_rate: round3(c.won / c.decided),
      base_win_rate: round3(best.rate),
      baseline: c.expected !== undefined ? 'decided leads that engaged with as many pieces' : engaged ? 'decided leads that engaged with any content' : 'all decided leads',
      lift: round2(best.lift),
      alternatives: ranked.slice(1, 4).map((x) => ({ content_key: x.c.key, label: x.c.label, lift: round2(x.lift) })),
    },
    expiresAt: new Date(now.getTime() + 30 * DAY_MS),
  };
}
