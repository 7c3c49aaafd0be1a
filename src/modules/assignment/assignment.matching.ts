/**
 * Assignment rules, decided without I/O: whether a rule's condition holds for a lead, and
 * who gets each lead of a batch given the rules' eligible users, their cursors and the
 * users' open leads. The service loads those (set-wise, cursors locked) and writes the
 * result; everything here is deterministic, so the dry run and the real thing agree.
 */

export const DISTRIBUTIONS = ['single', 'round_robin', 'capacity'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export interface RuleConditions {
  sources?: string[] | undefined;
  campaigns?: string[] | undefined;
  countries?: string[] | undefined;
  regions?: string[] | undefined;
  score_min?: number | undefined;
  score_max?: number | undefined;
}

export interface MatchRule {
  id: string;
  name: string;
  distribution: Distribution;
  conditions: RuleConditions;
  max_open_per_rep: number | null;
}

/** What a rule's condition reads of a lead. */
export interface LeadFacts {
  id: string;
  source: string | null;
  campaign: string | null;
  address: { country?: string; country_code?: string; state?: string } | null;
  current_score: number;
  /**
   * Whether the lead has had its first score. New leads are scored seconds after they arrive
   * (by the rescoring job): until then their score says nothing, so a score-band rule waits.
   */
  scored: boolean;
}

export interface Assignment {
  leadId: string;
  userId: string;
  /** null: the fallback owner. */
  ruleId: string | null;
  ruleName: string;
}

export const FALLBACK_NAME = 'Fallback owner';

/** Values compare as people type them: case and surrounding spaces do not matter. */
const norm = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();
const inList = (list: string[] | undefined, ...values: (string | null | undefined)[]) => {
  if (!list || list.length === 0) return true;
  const wanted = new Set(list.map(norm));
  return values.some((v) => norm(v) !== '' && wanted.has(norm(v)));
};

export const hasScoreBand = (c: RuleConditions) => c.score_min !== undefined || c.score_max !== undefined;

/** Every condition the rule gives holds (AND); a rule without conditions takes every lead. */
export function conditionsHold(c: RuleConditions, lead: LeadFacts, options: { ignoreScore?: boolean } = {}): boolean {
  return inList(c.sources, lead.source)
    && inList(c.campaigns, lead.campaign)
    // A country is written as a name or an ISO code; either matches.
    && inList(c.countries, lead.address?.country, lead.address?.country_code)
    // Region is the address's state (the lead model's word for region/province).
    && inList(c.regions, lead.address?.state)
    && (options.ignoreScore || c.score_min === undefined || lead.current_score >= c.score_min)
    && (options.ignoreScore || c.score_max === undefined || lead.current_score <= c.score_max);
}

/** A rule's live state during one evaluation: who may get its leads and who got the last one. */
export interface RuleState {
  /** Active users, in the rule's order (listed order, or a team's members by name). */
  candidates: string[];
  lastUserId: string | null;
  assigned: number;
}

/** The candidates in turn order, starting after the one who got the last lead. */
function rotation(state: RuleState): string[] {
  const at = state.lastUserId ? state.candidates.indexOf(state.lastUserId) : -1;
  return [...state.candidates.slice(at + 1), ...state.candidates.slice(0, at + 1)];
}

/** Who this rule gives its next lead to, or null when nobody is eligible (the lead falls through). */
export function pick(rule: MatchRule, state: RuleState, open: Map<string, number>): string | null {
  if (state.candidates.length === 0) return null;
  if (rule.distribution === 'single') return state.candidates[0]!;
  const turn = rotation(state);
  if (rule.distribution === 'round_robin') return turn[0]!;
  // Capacity: the fewest open leads under the maximum; ties go by turn, so equals alternate.
  let best: string | null = null;
  for (const user of turn) {
    const n = open.get(user) ?? 0;
    if (n >= (rule.max_open_per_rep ?? Infinity)) continue;
    if (best === null || n < (open.get(best) ?? 0)) best = user;
  }
  return best;
}

/**
 * Decides a batch in order: each lead goes to the first rule (in the given order) whose
 * condition holds and that has someone eligible, else to the fallback (when active), else
 * stays unassigned. `states` and `open` are updated as leads are handed out, so a batch is
 * spread exactly as the same leads one by one would be. A lead not scored yet that reaches a
 * score-band rule whose other conditions hold waits (`waiting`): no later rule and no fallback
 * takes it, and it is decided again once its first score is in (assignScoredLeads).
 */
export function planAssignments(
  leads: readonly LeadFacts[], rules: readonly MatchRule[], states: Map<string, RuleState>, open: Map<string, number>, fallbackUserId: string | null,
): { assignments: Assignment[]; unassigned: string[]; waiting: string[] } {
  const assignments: Assignment[] = [];
  const unassigned: string[] = [];
  const waiting: string[] = [];
  for (const lead of leads) {
    let done = false;
    for (const rule of rules) {
      if (!lead.scored && hasScoreBand(rule.conditions)) {
        if (!conditionsHold(rule.conditions, lead, { ignoreScore: true })) continue;
        waiting.push(lead.id);
        done = true;
        break;
      }
      const state = states.get(rule.id);
      if (!state || !conditionsHold(rule.conditions, lead)) continue;
      const user = pick(rule, state, open);
      if (!user) continue;
      state.lastUserId = user;
      state.assigned++;
      open.set(user, (open.get(user) ?? 0) + 1);
      assignments.push({ leadId: lead.id, userId: user, ruleId: rule.id, ruleName: rule.name });
      done = true;
      break;
    }
    if (done) continue;
    if (fallbackUserId) {
      open.set(fallbackUserId, (open.get(fallbackUserId) ?? 0) + 1);
      assignments.push({ leadId: lead.id, userId: fallbackUserId, ruleId: null, ruleName: FALLBACK_NAME });
    } else {
      unassigned.push(lead.id);
    }
  }
  return { assignments, unassigned, waiting };
}
