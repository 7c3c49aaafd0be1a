import { formatRelative } from '../../../lib/format';

/**
 * What an insight's confidence and priority mean, in a sentence each (issue 20): confidence
 * is the share of such insights that came true on the organization's decided leads, and
 * priority is expected impact ranked across the organization. Read from `data`
 * (`confidence_basis`, `priority_basis`, `passed_over`), which Evidence leaves out.
 */
export const WHY_KEYS = new Set(['confidence_basis', 'priority_basis', 'passed_over', 'recent_contact_hours']);

interface ConfidenceBasis { method?: string; claim?: 'won' | 'lost'; decided_leads_with_this_kind?: number; of_which_right?: number; horizon_days?: number }
interface PriorityBasis { lead_worth?: number; conversion_probability?: number | null; scale?: string }
interface PassedOver { action?: string; kind?: 'call' | 'email'; last_contact_at?: string }

const obj = <T,>(v: unknown): T | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : null);

export function confidenceSentence(data: Record<string, unknown>, confidence: number): string {
  const b = obj<ConfidenceBasis>(data.confidence_basis);
  const pct = `${Math.round(confidence * 100)} %`;
  const outcome = b?.claim === 'lost' ? 'were lost' : 'were won';
  if (b?.method === 'isotonic' && b.decided_leads_with_this_kind) {
    return `${pct}: about that share of the ${b.decided_leads_with_this_kind} decided leads that showed this ${outcome}.`;
  }
  if (b?.method === 'base_rate') return `${pct}: not seen on a decided lead yet, so the share of all decided leads that ${outcome.replace('were ', '')}.`;
  return `${pct}: the engine's own reading of the evidence; no decided leads to check it against yet.`;
}

export function prioritySentence(data: Record<string, unknown>): string | null {
  const b = obj<PriorityBasis>(data.priority_basis);
  if (!b) return null;
  const p = typeof b.conversion_probability === 'number' ? `${Math.round(b.conversion_probability * 100)} % likely to buy` : 'not scored yet';
  return `Priority from expected impact: the lead (${p}) and its deal size, how soon acting matters, and the confidence, ranked against all open insights.`;
}

export function WhyNote({ data, confidence }: { data: Record<string, unknown>; confidence: number }) {
  const priority = prioritySentence(data);
  const passed = Array.isArray(data.passed_over) ? (data.passed_over as PassedOver[]) : [];
  return (
    <div className="small muted insight__why" data-testid="insight-why">
      <div>Confidence {confidenceSentence(data, confidence)}</div>
      {priority && <div>{priority}</div>}
      {passed.map((p) => (
        <div key={`${p.action}-${p.last_contact_at}`}>
          Not suggested: {p.kind === 'email' ? 'another email' : 'a call'} — {p.kind === 'email' ? 'an email went out' : 'a call was logged'} {p.last_contact_at ? formatRelative(p.last_contact_at) : 'just now'}.
        </div>
      ))}
    </div>
  );
}
