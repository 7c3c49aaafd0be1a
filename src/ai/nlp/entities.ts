import * as chrono from 'chrono-node';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Entity, EntityType, MoneyValue } from './types.ts';

/**
 * Entities with character offsets: money (amount + currency), dates resolved to ISO dates
 * relative to the message's time, emails, phones (E.164), URLs, the organization's
 * competitors and products, and people and organizations from the cues business mail gives
 * (greetings, sign-offs, "X from Acme", legal suffixes). Later, more specific finds win
 * over overlapping earlier ones in the order of `extractEntities`.
 */

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+|\b[a-z0-9-]+\.(?:com|io|co|org|net|ai|app|dev)\/[^\s<>"')\]]*/gi;
const CUR_SYM = '(?:US\\$|CA\\$|C\\$|A\\$|AU\\$|NZ\\$|HK\\$|S\\$|R\\$|\\$|€|£|¥|₹|CHF\\s?|Fr\\.\\s?)';
const CUR_CODE = '(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR|SEK|NOK|DKK|NZD|SGD|MXN|BRL|ZAR|PLN)';
const CUR_WORD = '(?:dollars?|bucks|euros?|pounds?(?: sterling)?|francs?|rupees?|yen)';
const NUM = '\\d{1,3}(?:[.,\\s]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d+)?';
const MULT = '(?:\\s?(?:k|K|m|M|mm|MM|bn|BN|b|B)\\b|\\s(?:thousand|million|billion|grand)\\b)?';
const MONEY = new RegExp(
  `(?:${CUR_SYM}\\s?(?:${NUM})${MULT}(?:\\s?${CUR_CODE}\\b)?)|(?:\\b${CUR_CODE}\\s?(?:${NUM})${MULT})|(?:\\b(?:${NUM})${MULT}\\s?(?:${CUR_CODE}\\b|${CUR_WORD}\\b|€|£))`,
  'g',
);
const PHONE_CANDIDATE = /(?:\+|\b|\()\(?\+?\d[\d\s().-]{6,18}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?/g;
const ORDINAL_DAY = /\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+)?(?:on|by|before|until|the|now)\s+(?:the\s+)?(\d{1,2})(st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))/gi;
const DATE_HINT = /\b(?:mon|tues?|wed|thu|thur|thurs|fri|sat|sun)(?:day)?s?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*\d|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\b(?:today|tomorrow|tonight|yesterday|next|this|last|end of|eod|eow|eom|weeks?|months?|days?)\b|\b\d{1,4}[/-]\d{1,2}(?:[/-]\d{2,4})?\b/i;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** A month on its own ("in April", "until next March"): resolved to its first day, the next one from sentAt. */
const MONTH_ONLY = /\b(in|by|from|until|till|since|before|after|through|of|starting|for|opening in|on)\s+((?:next\s+|this\s+|early\s+|late\s+|mid-)?(January|February|March|April|May|June|July|August|September|October|November|December))\b(?!\s+\d)(?!\s+(?:of\s+)?\d)/g;

const SYMBOL_CURRENCY: Record<string, string> = { '$': 'USD', 'US$': 'USD', 'CA$': 'CAD', 'C$': 'CAD', 'A$': 'AUD', 'AU$': 'AUD', 'NZ$': 'NZD', 'HK$': 'HKD', 'S$': 'SGD', 'R$': 'BRL', '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR', 'CHF': 'CHF', 'Fr.': 'CHF' };
const WORD_CURRENCY: Record<string, string> = { dollar: 'USD', buck: 'USD', euro: 'EUR', pound: 'GBP', franc: 'CHF', rupee: 'INR', yen: 'JPY' };

/** "12,000" / "12.000" / "4.500,00" / "1 200" / "12.5": the last separator followed by 1–2 digits is the decimal point. */
export function parseAmount(raw: string): number {
  const s = raw.replace(/\s/g, '');
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  const last = Math.max(lastDot, lastComma);
  if (last === -1) return Number(s);
  const decimals = s.length - last - 1;
  const both = lastDot !== -1 && lastComma !== -1;
  const isDecimal = both || decimals !== 3;
  if (!isDecimal) return Number(s.replace(/[.,]/g, ''));
  return Number(s.slice(0, last).replace(/[.,]/g, '') + '.' + s.slice(last + 1));
}

export function parseMoney(text: string): MoneyValue | undefined {
  const num = /\d(?:[\d.,\s]*\d)?/.exec(text);
  if (!num) return undefined;
  let amount = parseAmount(num[0]);
  const after = text.slice(num.index + num[0].length).trim().toLowerCase();
  const mult = /^(k|thousand|grand)\b/.test(after) ? 1e3 : /^(m|mm|million)\b/.test(after) ? 1e6 : /^(bn|b|billion)\b/.test(after) ? 1e9 : 1;
  amount = Math.round(amount * mult * 100) / 100;
  const code = /\b(USD|EUR|GBP|CHF|CAD|AUD|JPY|INR|SEK|NOK|DKK|NZD|SGD|MXN|BRL|ZAR|PLN)\b/.exec(text);
  let currency = code?.[1];
  if (!currency) {
    const sym = /US\$|CA\$|C\$|A\$|AU\$|NZ\$|HK\$|S\$|R\$|\$|€|£|¥|₹|CHF|Fr\./.exec(text);
    if (sym) currency = SYMBOL_CURRENCY[sym[0]];
  }
  if (!currency) {
    const word = /(dollar|buck|euro|pound|franc|rupee|yen)/i.exec(text);
    if (word) currency = WORD_CURRENCY[word[1]!.toLowerCase()];
  }
  if (!Number.isFinite(amount) || !currency) return undefined;
  return { amount, currency };
}

const isoDay = (d: Date) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;

function trimSpan(text: string, start: number, end: number): [number, number] {
  while (end > start && (/[\s.,;:!?]/.test(text[end - 1]!) || (text[end - 1] === ')' && !text.slice(start, end - 1).includes('(')))) end--;
  while (start < end && (/\s/.test(text[start]!) || (text[start] === '(' && !/^\(\d+\)/.test(text.slice(start, end))))) start++;
  return [start, end];
}

const NOT_DATES =
  /^(now|for .*|after .*|within .*|.* ago|in the (week|month|day)|(past|last|next) (few|couple of|two|three|\d+) \w+|(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few|few|several) (min|mins|minutes?|hours?|hrs?|days?|weeks?|months?|quarters?|years?)( a (day|week|month|year))?|(day|week|month|year)s?|the (day|week|month|year))$/i;
const TIME_TAIL =
  /(\s*,)?\s*(?:(?:at|@|from|around|by|after|before)\s*\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.|h)?|\d{1,2}[:.]\d\d\s*(?:am|pm)?|\d{1,2}\s*(?:am|pm))(?:\s*(?:et|est|edt|pt|pst|pdt|cet|cest|gmt|utc|ct|cst|bst))?$|\s+(?:morning|afternoon|evening|night)$/i;
const LEAD = /^(?:on|by|until|till|before|from|since|starting|as of)\s+/i;
const RANGE = /\s*(?:\bto\b|\bthrough\b|\buntil\b|\btill\b|\band\b|\bor\b|–|—|-)\s*/i;

/** One chrono result → date entities: leading prepositions and times of day trimmed, ranges split in two. */
function dateParts(line: string, index: number, raw: string): [number, number][] {
  let s = index;
  let e = index + raw.length;
  [s, e] = trimSpan(line, s, e);
  const lead = LEAD.exec(line.slice(s, e));
  if (lead) s += lead[0].length;
  const parts: [number, number][] = [];
  const body = line.slice(s, e);
  const r = RANGE.exec(body);
  const pieces = r && r.index > 0 ? [[s, s + r.index], [s + r.index + r[0].length, e]] : [[s, e]];
  for (const [ps, pe0] of pieces) {
    let pe = pe0!;
    for (let k = 0; k < 2; k++) {
      const t = line.slice(ps, pe);
      const m = TIME_TAIL.exec(t);
      if (m && m.index > 0 && !/^(this|tomorrow|today)$/i.test(t.slice(0, m.index).trim())) pe = ps! + m.index;
    }
    const [a, b] = trimSpan(line, ps!, pe);
    if (b > a) parts.push([a, b]);
  }
  return parts;
}

function findDates(text: string, sentAt: Date): Entity[] {
  const out: Entity[] = [];
  // Cheap pre-filter per line: chrono is the costly part of the analyser.
  let offset = 0;
  for (const line of text.split('\n')) {
    if (line.trim() !== '' && DATE_HINT.test(line)) {
      for (const r of chrono.parse(line, { instant: sentAt, timezone: 0 }, { forwardDate: true })) {
        if (!r.start.isCertain('day') && !r.start.isCertain('weekday') && !r.start.isCertain('month') && !/month|week|quarter|year|end of/i.test(r.text)) continue;
        if (/^\s*(of each|of every|every)\b/i.test(line.slice(r.index + r.text.length))) continue;
        const parts = dateParts(line, r.index, r.text);
        parts.forEach(([s, e], k) => {
          const t = line.slice(s, e);
          if (NOT_DATES.test(t) || /^\d{1,2}([:.]\d\d)?\s?(am|pm)?$/i.test(t) || /^\d{4}$/.test(t)) return;
          const when = k === 1 && r.end ? r.end.date() : r.start.date();
          out.push({ type: 'date', text: t, value: isoDay(when), start: offset + s, end: offset + e });
        });
      }
    }
    offset += line.length + 1;
  }
  RELATIVE_DAY.lastIndex = 0;
  let rd: RegExpExecArray | null;
  while ((rd = RELATIVE_DAY.exec(text)) !== null) {
    const w = rd[1]!.toLowerCase();
    const shift = w === 'tomorrow' ? 1 : w === 'yesterday' ? -1 : 0;
    const day = new Date(Date.UTC(sentAt.getUTCFullYear(), sentAt.getUTCMonth(), sentAt.getUTCDate() + shift));
    out.push({ type: 'date', text: rd[1]!, value: isoDay(day), start: rd.index, end: rd.index + rd[1]!.length });
  }
  MONTH_ONLY.lastIndex = 0;
  let mm: RegExpExecArray | null;
  while ((mm = MONTH_ONLY.exec(text)) !== null) {
    const t = mm[2]!;
    const s = mm.index + mm[0].length - t.length;
    const month = MONTHS.indexOf(mm[3]!.slice(0, 3).toLowerCase());
    let y = sentAt.getUTCFullYear();
    if (month < sentAt.getUTCMonth() || (mm[2]!.toLowerCase().startsWith('next') && month <= sentAt.getUTCMonth())) y += 1;
    out.push({ type: 'date', text: t, value: isoDay(new Date(Date.UTC(y, month, 1))), start: s, end: s + t.length });
  }
  ORDINAL_DAY.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ORDINAL_DAY.exec(text)) !== null) {
    const day = Number(m[1]);
    if (day < 1 || day > 31) continue;
    const end = m.index + m[0].length;
    if (/^\s*(of each|of every)\b/i.test(text.slice(end))) continue;
    const lower = m[0].toLowerCase();
    const weekday = /^(mon|tues|wednes|thurs|fri|satur|sun)day\s+the\s/.test(lower);
    const theAt = lower.lastIndexOf('the');
    const s = weekday ? m.index : theAt >= 0 ? m.index + theAt : end - m[1]!.length - m[2]!.length;
    let y = sentAt.getUTCFullYear();
    let mo = sentAt.getUTCMonth();
    if (day < sentAt.getUTCDate()) mo += 1;
    if (mo > 11) {
      mo = 0;
      y += 1;
    }
    out.push({ type: 'date', text: text.slice(s, end), value: isoDay(new Date(Date.UTC(y, mo, day))), start: s, end });
  }
  return out;
}

function regexAll(text: string, re: RegExp, type: EntityType, value?: (t: string) => Entity['value'] | undefined | null): Entity[] {
  const out: Entity[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const [s, e] = trimSpan(text, m.index, m.index + m[0].length);
    if (e <= s) continue;
    const t = text.slice(s, e);
    const v = value ? value(t) : undefined;
    if (v === null) continue;
    out.push(v === undefined ? { type, text: t, start: s, end: e } : { type, text: t, value: v, start: s, end: e });
  }
  return out;
}

/** Numbers without a country code are read as these countries' national numbers, in order. */
const PHONE_COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL'] as const;
const RELATIVE_DAY = /\b(today|tomorrow|tonight|yesterday|this (?:morning|afternoon|evening))\b/gi;

function findPhones(text: string): Entity[] {
  if (!/\d{3}[\s.-]?\d/.test(text)) return [];
  return regexAll(text, PHONE_CANDIDATE, 'phone', (t) => {
    const digits = t.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) return null;
    if (/^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}$/.test(t)) return null;
    if (/^\d{1,3}([.,]\d{3})+$/.test(t) || /^\d+[.,]\d+$/.test(t)) return null;
    if (!/[\s().+-]/.test(t) && !t.startsWith('+') && digits.length < 10) return null;
    for (const country of PHONE_COUNTRIES) {
      const p = parsePhoneNumberFromString(t, country);
      if (p && p.isValid()) return p.number;
    }
    return null;
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Configured names match as whole words; a name that is also a common word must keep its capital. */
const nameRegexCache = new Map<string, RegExp>();

function nameRegex(name: string): RegExp {
  let re = nameRegexCache.get(name);
  if (!re) {
    const caseless = /[A-Z].*[A-Z]|\d/.test(name) || name.includes(' ');
    re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(name)}(?![\\p{L}\\p{N}])`, caseless ? 'giu' : 'gu');
    if (nameRegexCache.size > 10_000) nameRegexCache.clear();
    nameRegexCache.set(name, re);
  }
  return re;
}

function findNames(text: string, names: string[], type: EntityType): Entity[] {
  const out: Entity[] = [];
  const lower = text.toLowerCase();
  for (const name of names) {
    if (!name.trim() || !lower.includes(name.toLowerCase())) continue;
    out.push(...regexAll(text, nameRegex(name), type));
  }
  return out;
}

const CAP = "[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)?";
const NAME = `${CAP}(?:\\s(?:[A-Z]\\.\\s)?${CAP}){0,2}`;
const NOT_NAME = new Set(
  `Hi Hello Hey Dear Team All Everyone There Folks Guys Sir Madam Thanks Thank Best Regards Kind Warm Cheers Sincerely Sent Monday Tuesday Wednesday Thursday Friday Saturday Sunday
   January February March April May June July August September October November December The This That We Our I You Your Please Just Also Sales Support Customer Good Morning Afternoon Evening
   Happy Great Quick Following Per Re Fwd Regarding Attached Let Looking Hope Sorry Yes No Ok Okay Sure CEO CFO CTO VP Director Manager Head Procurement Finance Legal Marketing Operations
   What How Why When Where Which Who Here There He She They It Is Are Can Could Would Will Should Do Does Did Our My Its Left Spoke Called Confirmed Needs Wants Asked
   Demo Discovery Cold Trade Phone Check Escalation Angry Inbound Call Calls Met Not Nothing Very Sounds Perfect Got Done Noted Received Forwarding Just Still Since After Before
   Unfortunately Honestly Also Otherwise Once Before Please Kindly Totally Both Any Some Every Each Any Until Wishing Welcome Congratulations Congrats Take Stop Remove Unsubscribe Send Sent
   Plant Board School Store Team Clinic Office Support Billing Parents Teachers Students Drivers Patients Doctors Dispatchers Tenants Owners Staff Legal Corporate Verbal Pushback Main Budget`.split(/\s+/),
);
const TITLE = '(?:(?:Dr|Mr|Ms|Mrs|Mx|Prof)\\.?\\s+|(?:Frau|Herr|Principal|Dean|Professor)\\s+)?';
const GREETING = new RegExp(`(?:^|\\n)\\s*(?:Hi|Hello|Hey|Dear|Morning|Good (?:morning|afternoon|evening)|Thanks|Thank you)\\s+${TITLE}(${NAME})\\s*[,!:.\\n—-]`, 'g');
const VOCATIVE = new RegExp(`^\\s*${TITLE}(${NAME})\\s*(?:,\\s*\\n|\\s[-–—]\\s|:\\s)`, 'g');
const NARRATIVE = new RegExp(
  `(?:^|[.:!?;]\\s+|\\n|\\b(?:with|w/|met|to|for|and|from|Call -|call -|Inbound:|Phone:|Call:|Escalation call with|voicemail for)\\s+)${TITLE}(${NAME})(?='s\\b|\\s(?:called|asked|says|said|wants|needs|mentioned|likes|agreed|is|was|from|at|@|and|will|has|had|picked|requested|thinks|prefers|not|did|took)\\b|\\s?\\(|\\s[-–]\\s|:)`,
  'g',
);
const INTRO = new RegExp(`\\b(?:I'm|I am|my name is|this is|spoke (?:with|to)|speak (?:with|to)|talk (?:with|to)|talked (?:with|to)|met (?:with)?|meet (?:with)?|loop(?:ing)? in|cc(?:'?ing)?|copying|introduce you to|reach out to|contact|ask|asked|forwarded (?:this )?to|according to|per)\\s+(${NAME})\\b`, 'g');
const ROLE = new RegExp(`\\b(?:our|my|their|the) (?:CEO|CFO|CTO|COO|CIO|CISO|VP(?: of \\w+)?|director(?: of \\w+)?|head of \\w+|(?:IT |procurement |finance |ops |operations |project |office |practice |plant |store )?manager|boss|colleague|counsel|lawyer|engineer|admin|buyer|controller),?\\s+(${NAME})\\b`, 'g');
const ORG_SUFFIX = /\b((?:(?:St\. )?[A-Z][\w'-]* (?:& )?){0,3}[A-Z][\w&'-]* ?(?:Inc\.?|LLC|Ltd\.?|Limited|GmbH|AG|S\.A\.|SA|SAS|BV|B\.V\.|Corp\.?|Corporation|Co\.|PLC|plc|LLP|Pty Ltd|Group|Holdings|Partners|Labs|Technologies|Systems|Solutions|Logistics|Health|Healthcare|Clinic|Hospital|Medical|Bank|Capital|Realty|Properties|Manufacturing|Industries|Foods|Retail|University|College|Academy|School District|Schools))(?![\w])/g;
const ORG_WORDS = "[A-Z][\\w'.]*(?:\\s(?:&\\s)?[A-Z][\\w'.]*){1,3}";
const ORG_CUE = new RegExp(`(?:\\b(?:from|at|joined|work for|works for|working for)\\s+|@\\s*|\\(\\s*|\\([^)\\n]{1,40},[ \\t]*)(${ORG_WORDS})(?=\\s*[).,\\n]|\\s(?:on|in|for|and|about|to|picked|is|was|wants|asked|has)\\b|$)`, 'g');

function capture(text: string, re: RegExp, type: EntityType, ok: (name: string) => boolean): Entity[] {
  const out: Entity[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const name = m[1]!;
    if (!ok(name)) continue;
    const s = m.index + m[0].lastIndexOf(name);
    out.push({ type, text: name, start: s, end: s + name.length });
  }
  return out;
}

const personOk = (name: string) => !name.split(/\s/).some((w) => NOT_NAME.has(w));

export function signaturePeople(text: string, signature: { start: number; end: number } | null): Entity[] {
  if (!signature) return [];
  const sig = text.slice(signature.start, signature.end);
  const lines = sig.split('\n');
  let offset = signature.start;
  const out: Entity[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // The name after a valediction: "Best, Anna" or the first short line after it.
    const inline = /^\s*(?:best|regards|best regards|kind regards|warm regards|thanks|thank you|cheers|sincerely|many thanks|all the best|talk soon|--|—)\s*[,!.]?\s+([A-Z][\p{L}'-]+(?:\s[A-Z][\p{L}'.-]+){0,2})\s*$/iu.exec(line);
    const whole = /^\s*(?:(?:Dr|Mr|Ms|Mrs|Prof)\.?\s+)?((?:[A-Z]\.\s)?[A-Z][\p{L}'-]+(?:\s(?:[A-Z]\.\s)?[A-Z][\p{L}'-]+){0,2})\s*(?:[,|–-].*)?$/u.exec(line);
    const valediction = /^\s*(?:best|regards|kind|warm|thanks|thank|cheers|sincerely|many|all the best|talk soon|--|—|sent from)/i.test(line);
    const candidate = inline?.[1] ?? (whole && !valediction && out.length === 0 ? whole[1] : undefined);
    if (candidate && personOk(candidate) && !ORG_SUFFIX_TEST.test(candidate)) {
      const s = offset + line.indexOf(candidate);
      out.push({ type: 'person', text: candidate, start: s, end: s + candidate.length });
      break;
    }
    if (line.trim() !== '' && !valediction) break;
    offset += line.length + 1;
  }
  return out;
}
const TITLE_WORDS =
  /\b(manager|director|head|officer|coordinator|administrator|executive|vp|president|dean|principal|controller|procurement|purchasing|operations|sales|marketing|finance|engineer|founder|owner|ceo|cfo|cto|coo|partner|lead|analyst|specialist|consultant|assistant|account|curriculum|technology|accessibility|portfolio|ops|it|support|team|billing|buyer|counsel|of|and)\b/i;

/** Organizations in a signature: a line (or the part after "Title, " / "Title | ") of capitalised words that is not a job title. */
export function signatureOrgs(text: string, signature: { start: number; end: number } | null, people: Entity[]): Entity[] {
  if (!signature) return [];
  const out: Entity[] = [];
  let offset = signature.start;
  for (const line of text.slice(signature.start, signature.end).split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    if (people.some((p) => p.start >= lineStart && p.end <= lineStart + line.length)) {
      const after = /^(.*?)\s[-–|]\s(.+)$/.exec(line);
      if (!after) continue;
    }
    const segs = line.split(/\s*(?:,|\||–|\s-\s)\s*/);
    let cursor = 0;
    for (const seg of segs) {
      const at = line.indexOf(seg, cursor);
      cursor = at + seg.length;
      const t = seg.trim();
      if (!/^[A-Z][\p{L}\w'.&-]*(?:\s+(?:&\s+)?[A-Z][\p{L}\w'.&/-]*){0,4}$/u.test(t) || /\d|@/.test(t)) continue;
      if (TITLE_WORDS.test(t) || NOT_NAME.has(t.split(' ')[0]!)) continue;
      if (people.some((p) => p.text === t)) continue;
      if (!/\s/.test(t) && !ORG_SUFFIX_TEST.test(t)) continue;
      const s = lineStart + at + seg.indexOf(t);
      out.push({ type: 'organization', text: t, start: s, end: s + t.length });
    }
  }
  return out;
}

const ORG_SUFFIX_TEST = /\b(Inc|LLC|Ltd|GmbH|AG|Corp|Group|Labs|Technologies|Systems|Solutions)\b/;

const SPECIFICITY: EntityType[] = ['email', 'url', 'competitor', 'product', 'money', 'phone', 'date', 'person', 'organization'];

export interface EntityOptions {
  sentAt?: Date;
  competitors?: string[];
  products?: string[];
  signature?: { start: number; end: number } | null;
}

/** All entities in `text` (offsets into it), overlapping finds resolved by SPECIFICITY, sorted by start. */
export function extractEntities(text: string, options: EntityOptions = {}): Entity[] {
  const sentAt = options.sentAt ?? new Date();
  const sigPeople = signaturePeople(text, options.signature ?? null);
  const found: Entity[] = [
    ...regexAll(text, EMAIL, 'email'),
    ...regexAll(text, URL_RE, 'url', (t) => (t.includes('@') ? null : undefined)),
    ...findNames(text, options.competitors ?? [], 'competitor'),
    ...findNames(text, options.products ?? [], 'product'),
    ...regexAll(text, MONEY, 'money', (t) => parseMoney(t) ?? null),
    ...findPhones(text),
    ...findDates(text, sentAt),
    ...capture(text, ORG_SUFFIX, 'organization', (n) => !NOT_NAME.has(n.split(' ')[0]!)),
    ...capture(text, ORG_CUE, 'organization', (n) => !NOT_NAME.has(n.split(' ')[0]!)),
    ...sigPeople,
    ...signatureOrgs(text, options.signature ?? null, sigPeople),
    ...capture(text, VOCATIVE, 'person', personOk),
    ...capture(text, NARRATIVE, 'person', personOk),
    ...capture(text, GREETING, 'person', personOk),
    ...capture(text, INTRO, 'person', personOk),
    ...capture(text, ROLE, 'person', personOk),
  ];
  const rank = (e: Entity) => SPECIFICITY.indexOf(e.type);
  found.sort((a, b) => rank(a) - rank(b) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Entity[] = [];
  for (const e of found) {
    if (kept.some((k) => e.start < k.end && k.start < e.end)) continue;
    kept.push(e);
  }
  return kept.sort((a, b) => a.start - b.start);
}
