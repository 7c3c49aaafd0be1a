import { STOPWORDS, tokenize } from './text.ts';
import type { TopicCategory, Topics } from './types.ts';

const CATEGORIES: [TopicCategory, RegExp][] = [
  ['pricing', /\b(pric(e|es|ing)|cost(s|ing)?|quote|discount|per (seat|user|license|month)|fees?|rates?|invoice|billing|\$|€|£)/i],
  ['budget', /\bbudget|\bspend\b|\bfunding\b|\bfiscal\b|\bapproval for the spend\b/i],
  ['timeline', /\b(deadline|timeline|by (monday|tuesday|wednesday|thursday|friday|end of|the end|next)|go[- ]live|launch|q[1-4]\b|this (week|month|quarter)|next (week|month|quarter|year)|asap|urgent)/i],
  ['integration', /\b(integrat(e|ion|ions)|api|webhook|connector|sync(ing)?|salesforce|hubspot|sap|erp|crm|zapier|import|export|sso|plugin)\b/i],
  ['security_compliance', /\b(security|secure|soc ?2|iso ?27001|gdpr|hipaa|ccpa|pci|compliance|compliant|encryption|encrypted|penetration|pen ?test|dpa|data processing|audit|privacy|sso|mfa|2fa)\b/i],
  ['competitor', /\b(competitor|alternative|vendor|switch(ing)? from|compared? (to|with)|versus|vs\.?)\b/i],
  ['legal_contract', /\b(contract|msa|nda|dpa|agreement|terms|legal|redline|clause|liability|indemnif|renewal|order form|sow|signature|sign)\b/i],
  ['onboarding', /\b(onboard(ing)?|implementation|set ?up|setup|training|kick[- ]?off|rollout|roll out|migration|migrate|go[- ]live)\b/i],
  ['support', /\b(support|ticket|bug|error|issue|outage|broken|not working|help ?desk|troubleshoot|crash|fix)\b/i],
  ['product_feature', /\b(feature|features|functionality|dashboard|report(s|ing)?|module|workflow|automation|mobile app|roadmap|capabilit(y|ies)|analytics|custom fields?)\b/i],
];

/** Taxonomy categories by keywords, and key phrases: the most frequent content-word n-grams (n ≤ 3). */
export function extractTopics(text: string, extra: { competitorMentioned: boolean }): Topics {
  const categories = CATEGORIES.filter(([, re]) => re.test(text)).map(([c]) => c);
  if (extra.competitorMentioned && !categories.includes('competitor')) categories.push('competitor');
  const tokens = tokenize(text);
  const counts = new Map<string, { n: number; first: number; len: number }>();
  let run: string[] = [];
  const flush = () => {
    for (let n = 1; n <= 3; n++) {
      for (let i = 0; i + n <= run.length; i++) {
        const phrase = run.slice(i, i + n).join(' ');
        const c = counts.get(phrase);
        if (c) c.n++;
        else counts.set(phrase, { n: 1, first: counts.size, len: n });
      }
    }
    run = [];
  };
  for (const t of tokens) {
    if (t.w.length < 3 || STOPWORDS.has(t.w) || /^\d/.test(t.w) || /^[!?.,;:]$/.test(t.w)) flush();
    else run.push(t.w);
  }
  flush();
  const scored = [...counts.entries()]
    .filter(([phrase, c]) => c.len > 1 || c.n > 1 || phrase.length >= 5)
    .map(([phrase, c]) => ({ phrase, score: c.n * (1 + 0.6 * (c.len - 1)) - (c.len === 1 && c.n === 1 ? 0.5 : 0), first: c.first }))
    .sort((a, b) => b.score - a.score || a.first - b.first);
  const key_phrases: string[] = [];
  for (const s of scored) {
    if (key_phrases.length >= 5) break;
    if (key_phrases.some((k) => k.includes(s.phrase) || s.phrase.includes(k))) continue;
    key_phrases.push(s.phrase);
  }
  return { key_phrases, categories };
}
