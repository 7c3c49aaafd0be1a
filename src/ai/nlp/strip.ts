/**
 * Separates what the author wrote in this message from what came with it: quoted earlier
 * replies ("> …", "On … wrote:", "-----Original Message-----", Outlook "From: … Sent: …"
 * blocks, forwarded messages) and the signature ("-- ", "Best regards, Name", "Sent from my
 * iPhone", disclaimers). The quoted history of a reply must not decide its sentiment or intent.
 *
 * Offsets are kept: `masked` has the input's length, with removed characters blanked
 * (newlines kept), so spans found in it index the original text.
 */

export interface Span {
  start: number;
  end: number;
}

export interface StrippedMessage {
  /** The author's new text, trimmed: no quoted history, no signature. */
  reply: string;
  /** Same length as the input; quoted history and signature replaced by spaces (newlines kept). */
  masked: string;
  /** Same length as the input; only quoted history blanked (the signature stays: names, phones). */
  withSignature: string;
  signature: Span | null;
  quoted: Span[];
}

interface Line {
  text: string;
  start: number;
  end: number;
}

const WROTE = /^\s*(on|le|am|el|il|op|em)\s.{4,300}?(wrote|a écrit|schrieb|escribió|ha scritto|schreef|escreveu)\s*:\s*$/i;
const WROTE_START = /^\s*on\s.{4,200}$/i;
const WROTE_END = /(wrote|a écrit|schrieb|escribió)\s*:\s*$/i;
const ORIGINAL = /^\s*-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-*\s*$/i;
const BEGIN_FORWARD = /^\s*(begin forwarded message|forwarded message)\s*:?\s*$/i;
const RULE = /^\s*_{8,}\s*$/;
const HEADER_FROM = /^\s*\*?(from|von|de)\s*:\*?\s+\S/i;
const HEADER_NEXT = /^\s*\*?(sent|date|to|subject|gesendet|envoyé|enviado|datum|an|cc)\s*:/i;
const QUOTE = /^\s*>/;
const SIG_DASHES = /^\s*(--|—|__)\s*$/;
const SIG_DEVICE = /^\s*(sent from my \w+|sent from (outlook|mail|yahoo mail|gmail)|get outlook for \w+|sent via \w+|envoyé de mon \w+|von meinem \w+ gesendet|enviado desde mi \w+)/i;
const DISCLAIMER = /^\s*(this (e-?mail|message|communication)( and any attachments?)? (is|are|may)|confidentiality notice|disclaimer:|the information (contained )?in this (e-?mail|message))/i;
const VALEDICTION =
  /^\s*(mit freundlichen grüßen|met vriendelijke groet|warmest regards|yours sincerely|cordiali saluti|cordialement|thanks again|respectfully|kind regards|best regards|all the best|warm regards|warm wishes|atentamente|liebe grüße|viele grüße|many thanks|yours truly|best wishes|with thanks|bien à vous|speak soon|sincerely|thank you|un saludo|talk soon|take care|obrigado|saludos|abraços|regards|groeten|cheers|thanks|warmly|kindly|yours|best|rgds|thx|br)\b\s*(,|!|\.)?\s*/iu;
const SIGNER = /^([A-Z][\p{L}'.-]*(\s+[A-Z][\p{L}'.-]*){0,2})?\s*$/u;

/** A line that is only a name (a sign-off without valediction): "Janet", "Ray Delgado", "Dev - Night Owl Books". */
const NAME_LINE = /^\s*[A-Z][\p{L}'.-]+(?:\s[A-Z][\p{L}'.-]+){0,2}\s*(?:[-–|,]\s*[A-Z][\p{L}\w&'. -]*)?\s*$/u;

function isValediction(t: string): boolean {
  const m = VALEDICTION.exec(t);
  return m !== null && SIGNER.test(t.slice(m[0].length));
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    lines.push({ text: text.slice(start, end).replace(/\r$/, ''), start, end });
    if (nl === -1) return lines;
    start = nl + 1;
  }
}

function blank(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  const chars = text.split('');
  for (const s of spans) for (let i = s.start; i < s.end; i++) if (chars[i] !== '\n') chars[i] = ' ';
  return chars.join('');
}

/** Index of the first line of quoted history (everything from it on is history), or lines.length. */
function historyStart(lines: Line[]): number {
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.text;
    if (t.trim() === '') continue;
    if (WROTE.test(t) || ORIGINAL.test(t) || BEGIN_FORWARD.test(t)) return i;
    if (WROTE_START.test(t) && !WROTE_END.test(t) && i + 1 < lines.length && WROTE_END.test(lines[i + 1]!.text) && lines[i + 1]!.text.length < 120) return i;
    if (RULE.test(t) && i + 1 < lines.length && HEADER_FROM.test(lines[i + 1]!.text)) return i;
    if (HEADER_FROM.test(t)) {
      let headers = 0;
      for (let j = i + 1; j < Math.min(lines.length, i + 5); j++) if (HEADER_NEXT.test(lines[j]!.text)) headers++;
      if (headers >= 1) return i;
    }
  }
  return lines.length;
}

function isShortSignatureLine(t: string): boolean {
  const s = t.trim();
  return s.length <= 70 && !/[?]\s*$/.test(s);
}

/** Index of the first signature line before `limit`, or -1. */
function signatureStart(lines: Line[], limit: number): number {
  const nonEmptyAfter = (i: number) => {
    let n = 0;
    for (let j = i + 1; j < limit; j++) if (lines[j]!.text.trim() !== '' && !QUOTE.test(lines[j]!.text)) n++;
    return n;
  };
  let firstContent = -1;
  for (let i = 0; i < limit; i++) {
    const t = lines[i]!.text;
    if (t.trim() === '') continue;
    if (firstContent === -1) firstContent = i;
    if (SIG_DASHES.test(t) || SIG_DEVICE.test(t) || DISCLAIMER.test(t)) return i;
    if (i > firstContent && i > 0 && lines[i - 1]!.text.trim() === '' && NAME_LINE.test(t) && nonEmptyAfter(i) <= 4) {
      let ok = true;
      for (let j = i + 1; ok && j < limit; j++) if (lines[j]!.text.trim() !== '' && !isShortSignatureLine(lines[j]!.text)) ok = false;
      if (ok) return i;
    }
    if (i > firstContent && isValediction(t)) {
      let ok = nonEmptyAfter(i) <= 8;
      for (let j = i + 1; ok && j < limit; j++) if (lines[j]!.text.trim() !== '' && !isShortSignatureLine(lines[j]!.text) && !DISCLAIMER.test(lines[j]!.text)) ok = false;
      if (ok) return i;
    }
  }
  return -1;
}

export function stripQuotedReply(text: string): StrippedMessage {
  const lines = splitLines(text);
  const cut = historyStart(lines);
  const quoted: Span[] = [];
  if (cut < lines.length) quoted.push({ start: lines[cut]!.start, end: text.length });
  for (let i = 0; i < cut; i++) if (QUOTE.test(lines[i]!.text)) quoted.push({ start: lines[i]!.start, end: lines[i]!.end });
  const sig = signatureStart(lines, cut);
  let signature: Span | null = null;
  if (sig !== -1) {
    const end = cut < lines.length ? lines[cut]!.start : text.length;
    signature = { start: lines[sig]!.start, end };
  }
  const withSignature = blank(text, quoted);
  const masked = signature ? blank(withSignature, [signature]) : withSignature;
  const reply = masked
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/^\s+|\s+$/g, '')
    .replace(/\n{3,}/g, '\n\n');
  return { reply, masked, withSignature, signature, quoted };
}
