/**
 * Fit features read from what a lead says about itself: job title, email address, phone.
 * Free text is normalised into a few stable values a model can learn from, in any
 * organization, without configuration.
 */

export const SENIORITY = ['unknown', 'student', 'individual', 'manager', 'director', 'vp', 'c_level'] as const;
export type Seniority = (typeof SENIORITY)[number];

export const JOB_FUNCTIONS = ['unknown', 'executive', 'sales', 'marketing', 'finance', 'operations', 'engineering', 'it', 'customer_success', 'hr', 'legal', 'product', 'other'] as const;
export type JobFunction = (typeof JOB_FUNCTIONS)[number];

// Checked in order: the first level whose pattern matches wins ("VP of Sales Operations
// Manager" is a VP). Word boundaries keep "cto" out of "director".
const SENIORITY_PATTERNS: [Seniority, RegExp][] = [
  ['student', /\b(student|intern(ship)?|trainee|apprentice|mba candidate|graduate assistant|werkstudent|praktikant)\b/i],
  ['c_level', /\b(c[eiotfmrd]o|chief|founder|co-?founder|owner|(?<!vice[- ])president|partner|managing director|gesch[aä]ftsf[uü]hrer|directeur g[eé]n[eé]ral|general manager)\b/i],
  ['vp', /\b(s?vp|evp|vice[- ]president|head of|head,|global head)\b/i],
  ['director', /\b(director|directeur|direktor|leiter|principal)\b/i],
  ['manager', /\b(manager|mgr|team lead|lead\b|supervisor|superintendent|coordinator lead)\b/i],
  ['individual', /\b(specialist|analyst|associate|executive|representative|rep|coordinator|consultant|engineer|developer|designer|administrator|assistant|officer|agent|accountant|clerk|advisor|scientist|architect|planner|buyer|recruiter|sdr|bdr|ae)\b/i],
];

/** Seniority from a free-text job title; `unknown` when the title says nothing usable. */
export function titleSeniority(title: string | null | undefined): Seniority {
  const t = (title ?? '').trim();
  if (t === '') return 'unknown';
  for (const [level, pattern] of SENIORITY_PATTERNS) if (pattern.test(t)) return level;
  return 'unknown';
}

/** Seniority as an ordered number (unknown → NaN, so models treat it as missing). */
export function seniorityRank(level: Seniority): number {
  return level === 'unknown' ? Number.NaN : SENIORITY.indexOf(level) - 1;
}

const FUNCTION_PATTERNS: [JobFunction, RegExp][] = [
  ['customer_success', /\b(customer success|customer experience|account management|cx|client success|support)\b/i],
  ['sales', /\b(sales|revenue|business development|account executive|sdr|bdr|ae|commercial|partnerships?)\b/i],
  ['marketing', /\b(marketing|growth|brand|demand gen|content|communications|pr|seo|cmo)\b/i],
  ['finance', /\b(financ\w*|cfo|accounting|accountant|controller|treasury|procurement|purchasing|buyer)\b/i],
  ['engineering', /\b(engineer\w*|developer|software|cto|devops|data scien\w*|r&d)\b/i],
  ['it', /\b(it|information technology|cio|systems?|infrastructure|security|ciso|network)\b/i],
  ['operations', /\b(operations?|ops|coo|logistics|supply chain)\b/i],
  ['hr', /\b(hr|human resources|people|talent|recruit\w*|chro)\b/i],
  ['legal', /\b(legal|counsel|attorney|lawyer|compliance|clo)\b/i],
  ['product', /\b(product|ux|design)\b/i],
  ['executive', /\b(ceo|founder|co-?founder|owner|president|managing director|general manager|chief executive)\b/i],
];

export function titleFunction(title: string | null | undefined): JobFunction {
  const t = (title ?? '').trim();
  if (t === '') return 'unknown';
  for (const [fn, pattern] of FUNCTION_PATTERNS) if (pattern.test(t)) return fn;
  return 'other';
}

export const EMAIL_KINDS = ['missing', 'invalid', 'disposable', 'free', 'role', 'corporate'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

// The large consumer mailbox providers; a company address on one of these is rare.
const FREE_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'ymail.com', 'outlook.com', 'hotmail.com',
  'hotmail.co.uk', 'hotmail.fr', 'live.com', 'msn.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com',
  'gmx.de', 'gmx.net', 'gmx.com', 'web.de', 'mail.com', 'yandex.ru', 'yandex.com', 'mail.ru', 'qq.com', '163.com', '126.com',
  'zoho.com', 'fastmail.com', 'tutanota.com', 'orange.fr', 'free.fr', 'laposte.net', 'libero.it', 'btinternet.com', 'comcast.net',
  'verizon.net', 'att.net', 'sbcglobal.net', 'rediffmail.com', 'naver.com', 'hanmail.net', 't-online.de', 'seznam.cz', 'wp.pl',
]);
const DISPOSABLE_DOMAINS = new Set([
  'mailinator.com', 'guerrillamail.com', 'guerrillamail.net', '10minutemail.com', 'tempmail.com', 'temp-mail.org', 'throwawaymail.com',
  'yopmail.com', 'sharklasers.com', 'getnada.com', 'trashmail.com', 'maildrop.cc', 'dispostable.com', 'fakeinbox.com', 'mintemail.com',
  'mohmal.com', 'emailondeck.com', 'spamgourmet.com', 'tempinbox.com', 'mailnesia.com',
]);
const ROLE_LOCAL_PARTS = /^(info|sales|contact|hello|admin|support|office|team|marketing|billing|noreply|no-reply|enquiries|inquiries)$/i;
const EMAIL_SHAPE = /^[^\s@]+@([a-z0-9-]+\.)+[a-z]{2,}$/i;

/** What kind of address a lead gave: a company's, a consumer mailbox, a throwaway, … */
export function emailKind(email: string | null | undefined): EmailKind {
  const e = (email ?? '').trim().toLowerCase();
  if (e === '') return 'missing';
  if (!EMAIL_SHAPE.test(e)) return 'invalid';
  const [local, domain] = e.split('@') as [string, string];
  if (DISPOSABLE_DOMAINS.has(domain)) return 'disposable';
  if (FREE_DOMAINS.has(domain)) return 'free';
  if (ROLE_LOCAL_PARTS.test(local)) return 'role';
  return 'corporate';
}

/** 1 when the number has a plausible length (E.164: 7 to 15 digits), 0 when not, NaN when absent. */
export function phonePlausible(phone: string | null | undefined): number {
  const p = (phone ?? '').trim();
  if (p === '') return Number.NaN;
  if (/[a-z]{3,}/i.test(p.replace(/\b(ext|x)\.?\s*\d+$/i, ''))) return 0;
  const digits = p.replace(/\b(ext|x)\.?\s*\d+$/i, '').replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return 0;
  if (/^(\d)\1+$/.test(digits)) return 0;
  return 1;
}
