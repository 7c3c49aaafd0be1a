import Mustache from 'mustache';

/**
 * Templates and the message a lead receives: pure functions, no I/O. Templates are
 * Mustache (logic-less: a template can fill in fields and show a part only when a field is
 * set, nothing more), checked at save against the variables a lead provides.
 */

/** The variables every template may use; custom fields add `custom.<key>` for each defined field. */
export const BASE_VARIABLES = ['first_name', 'last_name', 'full_name', 'email', 'company', 'job_title', 'owner_name', 'sender_name'] as const;

export interface LeadForTemplate {
  first_name: string;
  last_name: string;
  email: string | null;
  company: string | null;
  job_title: string | null;
  custom_fields: Record<string, unknown>;
}

export function allowedVariables(customKeys: readonly string[]): string[] {
  return [...BASE_VARIABLES, ...customKeys.map((k) => `custom.${k}`)];
}

/** The values a lead gives its template; an unset field is the empty string (a section on it is skipped). */
export function templateView(lead: LeadForTemplate, extra: { ownerName: string | null; senderName: string | null }): Record<string, unknown> {
  const custom: Record<string, string> = {};
  for (const [k, v] of Object.entries(lead.custom_fields ?? {})) custom[k] = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return {
    first_name: lead.first_name, last_name: lead.last_name, full_name: `${lead.first_name} ${lead.last_name}`.trim(),
    email: lead.email ?? '', company: lead.company ?? '', job_title: lead.job_title ?? '',
    owner_name: extra.ownerName ?? '', sender_name: extra.senderName ?? '', custom,
  };
}

type Token = [string, string, number, number, Token[]?, number?];

export interface TemplateProblem {
  field: 'subject' | 'body_text' | 'body_html';
  message: string;
}

/**
 * What is wrong with a template's parts, in words: syntax errors, unknown variables (with
 * the list of allowed ones), partials, and — in the HTML part — unescaped output ({{{x}}} or
 * {{&x}}), which would let a lead's field inject markup into the message.
 */
export function checkTemplate(parts: { subject: string; body_text: string; body_html?: string | null | undefined }, allowed: readonly string[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const known = new Set(allowed);
  const fields = [['subject', parts.subject], ['body_text', parts.body_text], ['body_html', parts.body_html ?? null]] as const;
  for (const [field, text] of fields) {
    if (text === null) continue;
    let tokens: Token[];
    try {
      tokens = Mustache.parse(text) as unknown as Token[];
    } catch (error) {
      problems.push({ field, message: `${field} is not a valid template: ${(error as Error).message}` });
      continue;
    }
    const unknown = new Set<string>();
    const walk = (list: Token[]) => {
      for (const t of list) {
        const [type, name] = t;
        if (type === '>') problems.push({ field, message: `${field} uses a partial ({{> ${name}}}); templates cannot include other templates.` });
        if ((type === '&' || type === '{') && field === 'body_html') problems.push({ field, message: `${field} prints {{${name}}} without HTML escaping; use {{${name}}} so a lead's field cannot change the message's markup.` });
        if (['name', '&', '{', '#', '^'].includes(type) && !known.has(name)) unknown.add(name);
        if (t[4]) walk(t[4]);
      }
    };
    walk(tokens);
    if (unknown.size > 0) problems.push({ field, message: `${field} uses unknown variable${unknown.size > 1 ? 's' : ''} ${[...unknown].map((n) => `{{${n}}}`).join(', ')}; allowed: ${allowed.map((n) => `{{${n}}}`).join(', ')}.` });
  }
  return problems;
}

const noEscape = { escape: (s: string) => s };

/** Subject and text without escaping (they are not HTML); the HTML part escaped by Mustache. */
export function renderTemplate(parts: { subject: string; body_text: string; body_html: string | null }, view: Record<string, unknown>) {
  return {
    subject: Mustache.render(parts.subject, view, {}, noEscape).replace(/[\r\n]+/g, ' ').trim(),
    body_text: Mustache.render(parts.body_text, view, {}, noEscape),
    body_html: parts.body_html === null ? null : Mustache.render(parts.body_html, view),
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// http(s) URLs in plain text, stopping before closing punctuation that ends a sentence.
const URL_IN_TEXT = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
// href attributes of links in the HTML part. A regular expression rather than an HTML parser:
// the HTML is our own template's output, and only double- or single-quoted hrefs are rewritten.
const HREF = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi;

/** A text body as HTML: escaped, links clickable, paragraphs and line breaks kept. */
export function textToHtml(text: string): string {
  const paragraphs = text.replace(/\r\n/g, '\n').split(/\n{2,}/);
  return paragraphs
    .map((p) => `<p>${escapeHtml(p).replace(/https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g, (url) => `<a href="${url}">${url}</a>`).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
}

function unescapeAttr(value: string): string {
  return value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

export interface ComposeInput {
  subject: string;
  text: string;
  html: string | null;
  unsubscribeUrl: string;
  /** Present when opens are tracked: the pixel's address. */
  openPixelUrl: string | null;
  /** Present when clicks are tracked: the redirect address of the link with this index. */
  clickUrl: ((index: number) => string) | null;
}

export interface Composed {
  text: string;
  html: string;
  /** Every http(s) link of the message, in order of first appearance: the only places a click redirect may lead. */
  links: string[];
}

/**
 * The parts as sent: the unsubscribe link in both, links rewritten to the click redirect
 * and an open pixel when tracking applies. The unsubscribe link itself is never rewritten.
 */
export function composeMessage(input: ComposeInput): Composed {
  const html0 = input.html ?? textToHtml(input.text);
  const links: string[] = [];
  const indexOf = (url: string) => {
    let i = links.indexOf(url);
    if (i < 0) i = links.push(url) - 1;
    return i;
  };
  for (const m of input.text.matchAll(URL_IN_TEXT)) indexOf(m[0]);
  for (const m of html0.matchAll(HREF)) indexOf(unescapeAttr(m[3]!));
  const click = input.clickUrl;
  const text = click ? input.text.replace(URL_IN_TEXT, (url) => click(indexOf(url))) : input.text;
  let html = click ? html0.replace(HREF, (_all, start: string, quote: string, url: string) => `${start}${quote}${escapeHtml(click(indexOf(unescapeAttr(url))))}${quote}`) : html0;
  const footerHtml = `<p style="font-size:12px;color:#666">If you would rather not receive these e-mails, <a href="${escapeHtml(input.unsubscribeUrl)}">unsubscribe</a>.</p>`;
  const pixel = input.openPixelUrl ? `<img src="${escapeHtml(input.openPixelUrl)}" width="1" height="1" alt="" style="display:block;border:0">` : '';
  html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, () => `${footerHtml}${pixel}</body>`) : `${html}\n${footerHtml}${pixel}`;
  const textOut = `${text.replace(/\s+$/, '')}\n\n--\nUnsubscribe: ${input.unsubscribeUrl}\n`;
  return { text: textOut, html, links };
}
