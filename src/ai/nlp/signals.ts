import type { BuyingSignal } from './types.ts';

/**
 * Buying signals: each pattern names a signal; the evidence is the exact span of the
 * author's text that matched (offsets into the analysed text).
 */
const SIGNALS: [string, RegExp][] = [
  ['purchase_intent', /\b(ready to (move forward|sign|buy|purchase|proceed|go ahead|get started|commit)|(let's|we'd like to|we want to|we will|we'll|we've decided to) (go ahead|move forward|proceed|sign|buy|purchase)|where do (i|we) sign)\b/gi],
  ['contract_request', /\b(send|share|forward)( me| us| over| across)* (the |a |our )?(contract|msa|order form|agreement|purchase order|paperwork|sow|redlines?)\b|\bpurchase order\b|\bsigned (the )?(contract|agreement|order form)\b/gi],
  ['budget_confirmed', /\b(budget (is |has been |was |got )?(approved|allocated|signed off|confirmed|set aside|in place|available)|(we )?have (the )?budget( for)?|approved (the )?(budget|spend|purchase))\b/gi],
  ['pricing_interest', /\b(how much (does|would|will|is)[^.?!\n]{0,40}|(send|share)( me| us)?( over)? (a |the |your )?(quote|pricing|price list|proposal)|pricing for \d+[^.?!\n]{0,20}|(volume|multi-year|annual) discount)/gi],
  ['demo_interest', /\b((book|schedule|set up|see|get|arrange|like|love|want) (a |the |another )?(demo|walkthrough|trial|pilot|product tour)|(start|extend) (a |the |our )?(free )?(trial|pilot|poc))\b/gi],
  ['timeline_defined', /\b((need|want|have) (it|this|something|a solution|everything) (live|in place|running|up and running|rolled out|ready|deployed|signed)( by| before| in)?|go[- ]live (date|by|in|target)|(launch|roll ?out|implement|deploy)(ing)? (by|before|in) (q[1-4]|january|february|march|april|may|june|july|august|september|october|november|december|next|the end))\b/gi],
  ['decision_maker_involved', /\b((our|my) (ceo|cfo|cto|coo|cio|ciso|vp|director|head of \w+|owner|founder|board|procurement( team)?|legal( team)?)( is| has| wants| asked| approved| signed| will| would like| needs)|(loop|looping|bring|bringing|cc'?ing|copying) in (our|my) (ceo|cfo|cto|boss|director|vp|procurement|legal))\b/gi],
  ['competitor_evaluation', /\b((comparing|compared|evaluating|shortlist(ed)?|looking at|talking to) ([\w.-]+ )?(you|your (product|platform)|vendors|a few vendors|options|alternatives|other vendors|\w+) (and|against|vs\.?|versus|with)|(switch|switching|move|moving|migrate|migrating) (away )?from)\b/gi],
  ['expansion_interest', /\b((add|adding|need) (\d+ |more |another |extra )+(seats|licenses|licences|users|locations|sites|trucks|stores|clinics)|upgrad(e|ing) (to|our)|roll(ing)? (it )?out to (the )?(rest|other|all|whole))\b/gi],
  ['implementation_question', /\b(how long (does|would|will) (implementation|onboarding|setup|migration|it take)|(implementation|onboarding|migration) (timeline|plan|process)|data migration)\b/gi],
  ['positive_evaluation', /\b((the )?team (loved|liked|was impressed|is excited)|(loved|liked|impressed (by|with)) the (demo|trial|pilot|proposal)|trial (went|has gone) (well|great))\b/gi],
];

export function findBuyingSignals(text: string): BuyingSignal[] {
  const out: BuyingSignal[] = [];
  for (const [signal, re] of SIGNALS) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      let end = m.index + m[0].length;
      while (end > m.index && /\s/.test(text[end - 1]!)) end--;
      if (end > m.index && !out.some((o) => o.start === m!.index && o.signal === signal)) out.push({ signal, evidence: text.slice(m.index, end), start: m.index, end });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
