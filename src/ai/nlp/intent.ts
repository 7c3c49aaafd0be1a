import type { Intent, Urgency } from './types.ts';

/**
 * Intent by weighted patterns: each class sums the weights of its patterns that match the
 * author's own text (the subject counts at half weight); the best class wins if it clears a
 * threshold, else `other`. Ties go to the earlier class in PRIORITY (an auto-reply or an
 * opt-out decides the message whatever else it says).
 */

type Pattern = [RegExp, number];

const P: Record<Exclude<Intent, 'other'>, Pattern[]> = {
  out_of_office: [
    [/\bout of (the )?office\b|\booo\b|\bout-of-office\b/, 3],
    [/\b(automatic|auto)[- ]?reply\b|\bautoreply\b/, 3],
    [/\b(on|currently on) (annual |parental |maternity |paternity |sick |medical )?(leave|vacation|holiday|pto|sabbatical)\b/, 2.5],
    [/\b(limited|no) access to (my )?(e-?mail|inbox)\b/, 2.5],
    [/\b(i will|i'll|i am|i'm) (be )?(back|returning|return) (on|in the office|to the office|monday|tuesday|wednesday|thursday|friday|next)\b/, 2],
    [/\b(away|travell?ing|off) (from|until|till|through|between)\b/, 1.2],
    [/\bfor (urgent|immediate) (matters|requests|issues|questions)\b|\bif (this is|it'?s) urgent\b/, 1.5],
    [/\b(respond|reply|get back to you) (to your (e-?mail|message) )?(up)?on my return\b|\bupon my return\b/, 2.5],
    [/\bthis mailbox is (not monitored|unmonitored)\b/, 2],
  ],
  unsubscribe: [
    [/\bopt (me|us) out\b|\bremove .{1,60} from (your|the|all|any) (mailing |e-?mail |distribution )?lists?\b|\bdon't want to receive\b|\bstop getting\b/, 3],
    [/\bunsubscribe\b|\bunsubscribing\b/, 3.5],
    [/\b(remove|take) (me|us|my (e-?mail|address|name)|this (e-?mail|address))( \w+)? (off|from) (your|the|this|all)?\s*(mailing |e-?mail |distribution |contact )?(list|lists|database|sequence|cadence|mailings)\b/, 3.5],
    [/\bremove me\b|\btake me off\b/, 2.5],
    [/\b(stop|quit) (e-?mailing|emailing|contacting|messaging|calling|sending|spamming)\b/, 3],
    [/\bopt(ed)?[- ]?out\b/, 2.5],
    [/\b(do not|don't|dont|please don't|never) (contact|e-?mail|call|message) (me|us)\b/, 3],
    [/\bno (more|further) (e-?mails|emails|messages|calls|follow[- ]?ups)\b/, 2.5],
    [/\bspam\b/, 1],
    [/\bnot interested[,.]? (please )?(stop|remove)\b/, 1.5],
  ],
  complaint: [
    [/\b(we|i) paid (for|the)\b|\brude\b|\b(didn't|did not|never) show(ed)? up\b|\bwasted\b|\bdisaster\b|\bnot one (reply|response)\b|\bwe still have nothing\b|\bwas supposed to\b|\bwere supposed to\b|\bseriously\?+|\bharassment\b|\bi want (a|the|to know)\b|\bi'?d like a refund\b|\breceived the (wrong|old|incorrect)\b|\bwrong (parts?|items?|model|order|size)\b|\bnot happy\b|\bangry\b|\bupset\b/, 1.4],
    [/\b(again|once again|yet again)[.!]|\bsecond time\b|\bfor the second time\b|\b(asked|emailed|called|raised this) (\w+ )?(twice|three times|four times|several times)\b/, 1.2],
    [/\bunacceptable\b|\boutrageous\b|\bridiculous\b|\bappalling\b/, 2],
    [/\b(very |extremely |really |deeply )?(frustrated|disappointed|fed up|upset|angry|furious|livid)\b/, 1.6],
    [/\b(charged|billed) (us )?(twice|double|incorrectly|wrong|for \w+ we (never|didn't))\b|\bovercharg|\bdouble[- ]charged\b|\bwrong invoice\b|\binvoice is wrong\b/, 2.5],
    [/\b(still|yet) (no|not|haven't|hasn't|waiting)\b/, 1.2],
    [/\b(third|fourth|fifth|3rd|4th|several|multiple|many) times?\b/, 1],
    [/\bno one (has )?(responded|replied|got back|gotten back|called)|\bnobody (has )?(responded|replied|got back|called)\b|\bhaven't heard back\b|\bignored\b/, 1.6],
    [/\bcomplain(t|ts|ing)?\b|\bescalat(e|ing|ion)\b|\bspeak (to|with) (a|your) (manager|supervisor)\b/, 2],
    [/\brefund\b|\bcompensation\b|\bcredit (back|for the)\b/, 1.4],
    [/\b(worst|terrible|awful|horrible|useless|pathetic|incompetent|disgrace|shambles)\b/, 1.2],
    [/\bwaste of (time|money)\b/, 1.5],
    [/\b(missed|broken|broke) (the |your )?(promise|deadline|sla|commitment)s?\b|\bbreach of\b|\bnot what (we|i) (were|was) (promised|sold|told)\b/, 2],
    [/\b(consider(ing)?|thinking about) (cancell?ing|leaving|switching)\b|\bcancel (our|my|the) (contract|subscription|account)\b/, 1.4],
    [/\bdamaged\b|\blate (again|delivery|shipment)\b|\bdelivery (was|is) late\b|\bnever (arrived|showed up|received)\b/, 1.4],
  ],
  support: [
    [/\bneeds? help\b|\bis there a way to\b/, 1.6],
    [/\bhow (do|can|should) (i|we)\b|\bis there a way to\b|\bcould you (help|look into|investigate|take a look|check)\b|\bcan you (help|look into|investigate|take a look|check)\b|\bplease (advise|investigate|help|look into)\b/, 1.2],
    [/\b(stopped|stop) (working|appearing|printing|syncing|arriving|importing|connecting|loading)\b|\bnever arrives\b|\bgreyed out\b|\bmissing from\b|\b(accidentally )?deleted\b|\brestore\b|\bundo\b|\breverse\b|\bfailing\b|\bfailed\b|\bwon't boot\b|\bisn'?t reading\b|\bdon't map\b|\bshows? (no data|different|error)\b|\breturns?\b.{0,30}\bnot found\b/, 1.4],
    [/\b(error|errors|bug|bugs|crash(es|ed|ing)?|glitch|exception|500|404|timeout|timed out)\b/, 1.6],
    [/\b(can't|cannot|can not|unable to|couldn't|could not|not able to) (log ?in|login|sign in|access|export|import|upload|download|connect|sync|find|see|save|reset|print|open|load|add)\b/, 2.2],
    [/\b(isn't|is not|isnt|aren't|not|doesn't|does not|stopped|won't|wont) (working|work|loading|load|syncing|sync|updating|showing|saving|connecting|printing|sending)\b/, 1.8],
    [/\bhow (do|can|should) (i|we)\b/, 1.2],
    [/\b(password|reset|2fa|mfa|sso|login|locked out|permissions?|api key|token)\b/, 0.8],
    [/\b(ticket|case) (#|number|no\.?)?\s*\d*|\bsupport (team|ticket|request)\b|\bhelp ?desk\b/, 1.2],
    [/\b(need|could use|looking for) (some )?help (with|on|setting)\b|\bhelp me (with|to)\b|\bhelp (us )?(fix|figure|troubleshoot)\b/, 1.6],
    [/\btroubleshoot|\bworkaround\b|\bnot (syncing|loading|showing up)\b|\bbroken\b|\bmissing data\b|\bdisappeared\b/, 1.4],
    [/\b(since|after) (the |your )?(latest |last |new |recent )?(\w+ )?(update|upgrade|release|migration)\b/, 1.4],
  ],
  objection: [
    [/\b(decided|decide) to stay with\b|\b(we'?ve|we have) gone with\b|\b(they )?chose \w+\b|\bnot moving forward\b|\bdoesn'?t work for us\b|\bnot convinced\b|\bskeptical\b|\bprefers? to wait\b|\b(price|cost) is the (main|biggest) (issue|concern|problem)\b|\b(way |much )?higher than\b|\b(cost|price|fee) is (a|our|the) (concern|issue|problem)\b|\bmore than (she|he|we|i) can justify\b|\bdidn'?t work out\b|\bwon'?t approve\b|\bstuck for now\b|\boverkill\b/, 2],
    [/\bnot interested\b|\bno interest\b|\bnot (really )?(a|the right) (fit|priority|time)\b|\bnot (a )?good fit\b/, 2.5],
    [/\b(too|very|quite|rather) (expensive|pricey|costly|high)\b|\b(price|cost|quote|pricing) is (way |a bit |too |much |far )*(high|steep|above|more than|out of)\b|\bcan't justify\b|\bcannot justify\b|\bhard to justify\b/, 2.4],
    [/\b(no|don't have( the)?|do not have( the)?|limited|tight|frozen|cut|no more) budget\b|\bbudget (is |has been |was )?(frozen|cut|tight|gone|spent|allocated elsewhere|exhausted)\b|\bbudget freeze\b|\b(over|above|out of|outside) (our )?budget\b/, 2.2],
    [/\b(already|currently) (use|using|have|work with|working with|signed with|on|committed to)\b|\bhappy with (our|the) current\b|\blocked in(to)?\b|\b(contract|agreement) (with \w+ )?(runs|until|through|renews)\b/, 1.8],
    [/\b(went|go|going|decided to go|chose|chosen|picked|selected) (with|for) (another|a different|a competitor|\w+ instead)\b|\bdecided (to go )?(with|against)\b|\bwent in a different direction\b|\bgo(ing)? (in )?another direction\b/, 2.4],
    [/\b(hold off|put (this|it|things|everything) on hold|on hold|pause (this|the|our)|postpone|revisit (this |it )?(next|in|later)|circle back (next|in)|not right now|maybe next (year|quarter)|next fiscal|not this (year|quarter))\b/, 2],
    [/\b(concerned|worried|skeptical|sceptical|hesitant|not convinced|not sure) (about|that|whether|it|we|this)\b|\bdeal ?breaker\b|\bconcern is\b/, 1.6],
    [/\b(don't|do not|doesn't|does not) (see|need|think) (the |a )?(value|need|we need|it'?s worth)|\bno need (for|to)\b|\bdon't need\b/, 1.8],
    [/\b(lacks?|missing|doesn't have|does not have|no) (the |a |an )?(feature|integration|support for|sso|api)\b/, 1],
    [/\bwe'?ll pass\b|\bpass on this\b|\bnot moving forward\b|\bwon't be moving forward\b|\bwill not be moving forward\b|\bdecline\b|\bnot for us\b/, 2.4],
  ],
  purchase: [
    [/\bconfirmed (the )?order\b|\b(want|wants|ready|agreed) to (sign|buy|purchase|order)\b|\border form\b|\bapproved on our (side|end)\b|\bgo-ahead\b|\bverbal (yes|go)\b|\blet'?s do it\b|\bset us up\b|\bwe'?re in\b|\bwe'll take\b|\bwe will take\b|\bsaid yes\b|\bboard (said yes|voted|approved)\b/, 2.4],
    [/(?<!\bnot |n't )\bready to (move forward|sign|buy|purchase|proceed|go ahead|get started|commit|place (the|an|our) order|roll out)\b/, 3],
    [/\b(send|sending|share|attach(ed)?|forward) (me |us |over |across |you )*(the |a |our )?(contract|msa|order form|agreement|purchase order|po|paperwork|docusign|sow|signed)\b/, 2.6],
    [/\bpurchase order\b|\bpo (number|#|is attached|attached)\b|\bpo\s*#?\s*\d+/, 2.5],
    [/\b(let's|lets|we'd like to|we would like to|we want to|we will|we'll|we're going to|happy to|we've decided to|we have decided to) (go ahead|move forward|proceed|sign|buy|purchase|order|place an order|upgrade|go with you|take|renew|add)\b/, 2.6],
    [/\b(signed|countersigned|executed) (the )?(contract|agreement|order form|msa|quote)\b|\bjust signed\b|\b(approved|signed off on) the (purchase|budget|spend|deal|quote|contract)\b/, 2.5],
    [/\bwhere do (i|we) sign\b|\b(invoice|bill) (us|me)\b|\bhow do (we|i) (pay|buy|order|purchase)\b|\bcredit card\b|\bwire (the )?(payment|transfer)\b/, 2.2],
    [/\b(we'll|we will|we'd like to|i'd like to|i want to|like to) (order|buy|purchase|take|add) \d+\b|\border (\d+|of|for)\b/, 1.6],
    [/\b(count us in|you('ve| have) (got )?(a deal|won)|it'?s a deal|deal!|we have a deal|green ?light|sign(ed)? off)\b/, 2.4],
    [/\brenew(al)?\b.*\b(sign|confirm|proceed|go ahead)\b|\bconfirm(ing)? (the|our) (order|purchase|renewal)\b/, 1.8],
  ],
  pricing_inquiry: [
    [/\b(what are|what're) your .{0,30}(rates|fees|prices)\b|\bprice seems\b|\brates for\b|\bshare your rates\b/, 1.5],
    [/\bhow much\b|\bwhat (does|would|will) (it|this|that) cost\b|\bwhat('s| is) the (cost|price)\b/, 2.6],
    [/\bpric(e|es|ing)\b|\bcost(s)?\b|\bquote\b|\bquotation\b|\bestimate\b/, 1.5],
    [/\bdiscount(s|ed)?\b|\bper (seat|user|license|licence|month|year|unit|location|site)\b|\b(volume|nonprofit|non-profit|education|startup|multi-year) (discount|pricing)\b/, 1.4],
    [/\b(plans?|tiers?|packages?|editions?)\b.{0,40}\b(include|cost|difference|compare)\b|\b(annual|monthly) (billing|plan|vs|or)\b/, 1.2],
    [/\b(rate card|price list|pricing sheet|fees?|invoic(e|ing) terms|payment terms|license cost|licensing)\b/, 1.2],
    [/\bbudget\b/, 0.5],
  ],
  demo_request: [
    [/\bdemo(s|ed)?\b|\bdemonstration\b/, 2.6],
    [/\b(walk ?through|walk us through|walk me through|product tour|show (us|me) (how|around|the)|see (it|the product|the platform) in action|live (session|walk))\b/, 2],
    [/\b(free )?trial\b|\bsandbox\b|\bproof of concept\b|\bpoc\b|\bpilot\b|\btest ?drive\b|\btry (it|it out|the product)\b/, 1.6],
  ],
  meeting_scheduling: [
    [/\b(tomorrow|today|monday|tuesday|wednesday|thursday|friday|this time|that time) (won't|doesn't|does not|will not|wont) work\b/, 1.8],
    [/\b(would|does|could|will) (monday|tuesday|wednesday|thursday|friday|saturday|tomorrow|\w+day,? \w+ \d+)( morning| afternoon)?( at [\d:]+)? work\b|\bcan we do (a call )?(on )?(monday|tuesday|wednesday|thursday|friday|tomorrow)\b|\bcould we do (monday|tuesday|wednesday|thursday|friday|\w+ at)\b|\bshall we meet\b|\bcome by\b|\bmeet for (dinner|lunch|coffee)\b|\binstead\?|\bto meet\b|\bmove (tomorrow's|our|the) (call|meeting)\b|\bthat time\b/, 1.8],
    [/\b(are you|would you be|is (he|she|your team)|will you be) (free|available)\b|\bavailability\b/, 2],
    [/\b(schedule|reschedule|rescheduling|scheduling|book|set up|arrange|move|push|postpone) (a |the |our |an? )?(call|meeting|time|chat|sync|catch[- ]up|session|appointment|follow[- ]up|visit|site visit)\b/, 2.6],
    [/\b(calendar|calendly|invite|invitation|time slot|slots?|zoom link|teams link|meet link|dial[- ]in)\b/, 1.6],
    [/\b(does|would|could|can|will) (monday|tuesday|wednesday|thursday|friday|tomorrow|next week|\d{1,2}(:\d\d)?\s?(am|pm)|that time|this time|the \d+(st|nd|rd|th))( \w+)? (work|suit|be ok|be okay|be possible)\b/, 2.6],
    [/\b(works|work|suits|suit|is fine|is good) for (me|us|our team)\b|\bsee you (on|then|at|tomorrow|monday|tuesday|wednesday|thursday|friday)\b|\btalk (then|on|tomorrow)\b/, 1.6],
    [/\b(let's|lets|can we|could we|shall we) (meet|talk|connect|hop on|jump on|chat|catch up|find a time|grab)\b|\b\d{2} ?(min|mins|minutes)\b/, 1.6],
    [/\b(at|@) \d{1,2}(:\d\d)?\s?(am|pm)\b|\b\d{1,2}(:\d\d)?\s?(am|pm) (est|et|pst|pt|cet|gmt|utc|cst|ct)\b/, 1],
    [/\bmeeting\b|\bcall\b/, 0.5],
  ],
  information_request: [
    [/\bon the roadmap\b|\bwhat('s| is) your\b|\b(needs?|requires?|required) (your|the|a) .{0,30}(report|documentation|questionnaire|certificate|certification|dpa|policy)\b|\bcan you share (them|it|those|these|your)\b/, 1.4],
    [/\b(does|do|is|are|can|will|could) (it|you|your \w+|ledgerline|classnest|shopcounter|freightpilot|medflow|caresync|sensorhub|keystone pm|brightlane( \w+)?|the (app|system|platform|tool|module|api)|customers|tenants|students|we) (\w+ )?(integrate|support|sync|export|handle|offer|work|connect|check|pay|be customi[sz]ed|compliant|encrypt|store|have)\b/, 1.8],
    [/\bwhere (can|do) (i|we) find\b|\bwhat('s| is) the (battery|lead time|uptime|sla|minimum|maximum|difference)\b|\bhow does .{3,40} work\b|\bwhich .{3,30} do you\b/, 1.6],
    [/\b(connect me with|put me in touch with|introduce me to) (a |another )?(reference|customer|practice|client)/, 2],
    [/\b(asked|wants|wanted) (for )?(more )?(info|information|details|the spec|a one-pager|documentation|docs|case studies|references?)\b|\basked (whether|if|about)\b/, 1.8],
    [/\b(is|are) (it|classnest|ledgerline|medflow|caresync|shopcounter|freightpilot|it) .{0,20}(compliant|certified|available)\b|\?.*\?/, 0.8],
    [/\b(send|share|forward|provide) (me |us |over )*(some |more |any |the |a |your )?(\w+ )?(info|information|details|documentation|docs|case stud(y|ies)|whitepaper|brochure|spec( sheet)?s?|datasheet|references?|materials?|deck|one[- ]pager|security (questionnaire|documentation|report)|soc ?2)\b/, 2.6],
    [/\bmore (info|information|details)\b|\blearn more\b|\bany (info|information|details) on\b/, 2],
    [/\b(do|does|can|will) (you|it|your (product|platform|tool|system|app|software|team)) (support|integrate|offer|handle|work with|connect|have|include|provide|allow|comply)\b/, 2],
    [/\b(i was|we were|i am|we are|i'm|we're) (wondering|curious)\b|\bquick question\b|\bquestions? (about|on|regarding)\b|\bcould you (tell|explain|clarify|confirm)\b|\bcan you (tell|explain|clarify|confirm)\b/, 1.6],
    [/\b(is there|are there) (a|an|any)\b|\bwhat (is|are) (the|your)\b|\bhow (does|do|long|many)\b/, 0.9],
    [/\b(case study|case studies|documentation|whitepaper|brochure|datasheet|references?|gdpr|hipaa|soc ?2|iso ?27001|sla|uptime|roadmap)\b/, 1],
  ],
};

export const PRIORITY: Intent[] = [
  'out_of_office',
  'unsubscribe',
  'complaint',
  'purchase',
  'objection',
  'support',
  'demo_request',
  'pricing_inquiry',
  'meeting_scheduling',
  'information_request',
  'other',
];

const THRESHOLD = 1.5;

export function intentScores(reply: string, subject = ''): Map<Intent, number> {
  const body = reply.toLowerCase().replace(/[’‘]/g, "'");
  const subj = subject.toLowerCase().replace(/^((re|fw|fwd|aw|wg|tr)\s*:\s*)+/g, '');
  const scores = new Map<Intent, number>();
  for (const intent of PRIORITY) {
    if (intent === 'other') continue;
    let s = 0;
    for (const [re, w] of P[intent]) {
      if (re.test(body)) s += w;
      else if (subj && re.test(subj)) s += w * 0.5;
    }
    scores.set(intent, s);
  }
  return scores;
}

/** A trained model's opinion to blend in: posterior per class, and how much it weighs against the rules. */
export interface IntentLean {
  classes: string[];
  posterior: number[];
  weight: number;
}

export function classifyIntent(reply: string, subject = '', direction: 'inbound' | 'outbound' = 'inbound', lean?: IntentLean): { intent: Intent; confidence: number } {
  const scores = intentScores(reply, subject);
  void direction;
  if (lean && lean.weight > 0) {
    scores.set('other', THRESHOLD);
    lean.classes.forEach((c, i) => scores.set(c as Intent, (scores.get(c as Intent) ?? 0) + lean.weight * lean.posterior[i]!));
    let best: Intent = 'other';
    let top = -Infinity;
    let second = -Infinity;
    for (const intent of PRIORITY) {
      const v = scores.get(intent) ?? 0;
      if (v > top) {
        second = top;
        top = v;
        best = intent;
      } else if (v > second) second = v;
    }
    const confidence = Math.min(0.98, 0.4 + 0.6 * ((top - second) / (top + 0.5)));
    return { intent: best, confidence: Math.round(confidence * 1000) / 1000 };
  }
  let best: Intent = 'other';
  let top = 0;
  let second = 0;
  for (const intent of PRIORITY) {
    const s = scores.get(intent) ?? 0;
    if (s > top) {
      second = top;
      top = s;
      best = intent;
    } else if (s > second) second = s;
  }
  if (top < THRESHOLD) return { intent: 'other', confidence: Math.round((0.55 + (THRESHOLD - top) / (THRESHOLD * 3)) * 1000) / 1000 };
  const confidence = Math.min(0.98, 0.4 + 0.6 * ((top - second) / (top + 0.5)) + Math.min(0.15, top / 40));
  return { intent: best, confidence: Math.round(confidence * 1000) / 1000 };
}

const URGENT_WORDS = /\b(urgent|urgently|asap|a\.s\.a\.p|immediately|right away|right now|critical|emergency|as soon as possible|time[- ]sensitive|top priority|by eod|by end of (the )?day|eod|today|tonight|within (the )?(hour|next hour|24 hours)|blocking|blocker|down for everyone|production is down)\b/;
const MEDIUM_WORDS = /\b(soon|this week|next week|by (monday|tuesday|wednesday|thursday|friday)|end of (the )?(week|month|quarter)|deadline|before the|timeline|quickly|promptly|at your earliest)\b/;

/** Urgency from words ("ASAP", "today"), deadlines and how near the mentioned dates are. */
export function detectUrgency(reply: string, dates: string[], sentAt: Date | undefined): Urgency {
  const body = reply.toLowerCase();
  if (URGENT_WORDS.test(body)) return 'high';
  if (sentAt && dates.length > 0) {
    const ref = Date.UTC(sentAt.getUTCFullYear(), sentAt.getUTCMonth(), sentAt.getUTCDate());
    const days = Math.min(...dates.map((d) => (Date.parse(d) - ref) / 86_400_000).filter((d) => d >= 0), Infinity);
    if (days <= 2 && /\b(by|before|until|deadline|no later than|latest)\b/.test(body)) return 'high';
    if (days <= 14) return 'medium';
  }
  if (MEDIUM_WORDS.test(body)) return 'medium';
  return 'low';
}
