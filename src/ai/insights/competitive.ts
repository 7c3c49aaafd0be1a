import { clamp, round2 } from './stats.ts';
import { DAY_MS, type Candidate, type LeadSnapshot, type Priority } from './types.ts';

/**
 * Competitive threats: the lead naming one of the organization's configured competitors
 * (or saying it is comparing vendors) in its own recent messages, with the sentence around
 * each mention and the message's sentiment. The rep naming a competitor is not a threat.
 */
const WINDOW_DAYS = 90;
const CONTEXT_CHARS = 120;
const LATE_STAGES = new Set(['proposal', 'negotiation']);

function context(content: string, start: number, end: number): string {
  const from = Math.max(0, start - CONTEXT_CHARS);
  const to = Math.min(content.length, end + CONTEXT_CHARS);
  return `${from > 0 ? '…' : ''}${content.slice(from, to).replace(/\s+/g, ' ').trim()}${to < content.length ? '…' : ''}`;
}

export function detectCompetitiveThreats(lead: LeadSnapshot, now: Date): Candidate[] {
  if (lead.status === 'closed_won' || lead.status === 'closed_lost' || lead.status === 'unqualified') return [];
  const since = now.getTime() - WINDOW_DAYS * DAY_MS;
  const mine = lead.messages.filter((m) => m.direction === 'inbound' && m.at.getTime() >= since && m.at.getTime() <= now.getTime());
  const byCompetitor = new Map<string, { name: string; mentions: { conversation_id: string; at: string; context: string; sentiment: number | null; intent: string | null }[]; sentiments: number[]; latest: number; objection: boolean }>();
  const add = (key: string, name: string, m: (typeof mine)[number], ctx: string) => {
    const e = byCompetitor.get(key) ?? byCompetitor.set(key, { name, mentions: [], sentiments: [], latest: 0, objection: false }).get(key)!;
    if (e.mentions.some((x) => x.conversation_id === m.id)) return;
    e.mentions.push({ conversation_id: m.id, at: m.at.toISOString(), context: ctx, sentiment: m.sentiment, intent: m.intent });
    if (m.sentiment !== null) e.sentiments.push(m.sentiment);
    e.latest = Math.max(e.latest, m.at.getTime());
    if (m.intent === 'objection' || m.intent === 'complaint') e.objection = true;
  };
  for (const m of mine) {
    for (const c of m.competitors) add(c.name.toLowerCase(), c.name, m, m.content ? context(m.content, c.start, c.end) : c.name);
    // Comparing vendors without naming one: still a threat, of an unknown rival.
    if (m.competitors.length === 0) for (const s of m.signals.filter((x) => x.signal === 'competitor_evaluation')) add('unnamed', 'another vendor', m, s.evidence);
  }
  return [...byCompetitor].map(([key, e]) => {
    const sentiment = e.sentiments.length > 0 ? e.sentiments.reduce((a, b) => a + b, 0) / e.sentiments.length : null;
    const negative = (sentiment !== null && sentiment <= -0.2) || e.objection;
    const late = LATE_STAGES.has(lead.status);
    const priority: Priority = negative && late ? 'urgent' : negative || late ? 'high' : 'medium';
    // A configured name matched verbatim is near-certain; "comparing vendors" is a weaker read.
    const confidence = key === 'unnamed' ? 0.55 + 0.1 * Math.min(e.mentions.length - 1, 3) : 0.8 + 0.05 * Math.min(e.mentions.length - 1, 3);
    return {
      type: 'competitive_threat' as const,
      reason: `competitor:${key}`.slice(0, 200),
      title: key === 'unnamed' ? 'Comparing other vendors' : `${e.name} mentioned`,
      description: `${lead.name} mentioned ${e.name} ${e.mentions.length === 1 ? 'once' : `${e.mentions.length} times`} in the last ${WINDOW_DAYS} days` +
        (sentiment !== null ? `, in messages of ${sentiment <= -0.2 ? 'negative' : sentiment >= 0.2 ? 'positive' : 'neutral'} tone` : '') + (late ? ` while in ${lead.status}` : '') + `: “${e.mentions[0]!.context}”`,
      confidence: round2(clamp(confidence, 0.05, 0.99)),
      priority,
      data: { competitor: e.name, mentions: e.mentions.slice(0, 10), mention_count: e.mentions.length, mean_sentiment: sentiment === null ? null : round2(sentiment), status: lead.status },
      expiresAt: new Date(e.latest + WINDOW_DAYS * DAY_MS),
    };
  });
}
