import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import { convert as htmlToText } from 'html-to-text';
import { stripQuotedReply, type Span } from '../../ai/nlp/strip.ts';

/**
 * One e-mail as the sync needs it: who wrote to whom, where it belongs in a thread, and its
 * text with the quoted history and signature located (the analysis pipeline's own
 * stripQuotedReply, so the timeline and the analysis agree on what the author wrote).
 * Attachments are listed by name and size only: their content is never kept.
 */
export interface MailAddress {
  address: string;
  name: string | null;
}

export interface ParsedMail {
  messageId: string;
  /** The thread's root Message-ID: the first of References, else In-Reply-To, else its own. */
  threadId: string;
  inReplyTo: string | null;
  subject: string | null;
  date: Date | null;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  text: string;
  attachments: { name: string; size: number; content_type: string }[];
  quoted: Span[];
  signature: Span | null;
}

const MAX_TEXT = 500_000;
const MAX_ID = 255;

function addresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const group of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
    const walk = (items: AddressObject['value']) => {
      for (const a of items) {
        if (a.group) walk(a.group);
        else if (a.address && a.address.includes('@')) out.push({ address: a.address.trim().toLowerCase(), name: a.name?.trim() || null });
      }
    };
    walk(group.value);
  }
  return out;
}

function idList(value: string | string[] | undefined): string[] {
  const all = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return all.flatMap((v) => v.match(/<[^<>\s]+>/g) ?? []).map((v) => v.slice(0, MAX_ID));
}

export async function parseMail(source: Buffer): Promise<ParsedMail> {
  // skipImageLinks etc. keep textAsHtml out: only the text is wanted.
  const mail = await simpleParser(source, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  // No Message-ID (rare, broken senders): a hash of the raw message stands in, so the same
  // message in two mailboxes still dedupes.
  const messageId = (mail.messageId && idList(mail.messageId)[0]) || `<${createHash('sha256').update(source).digest('hex')}@message-id.leadai.invalid>`;
  const references = idList(mail.references);
  const inReplyTo = idList(mail.inReplyTo)[0] ?? null;
  const threadId = references[0] ?? inReplyTo ?? messageId;
  // HTML-only mail: its text, without links' URLs and images, wrapped as a reader sees it.
  let text = mail.text?.trim() ? mail.text : '';
  if (!text && typeof mail.html === 'string') {
    text = htmlToText(mail.html, { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'img', format: 'skip' }] });
  }
  text = text.replace(/\r\n/g, '\n').trim().slice(0, MAX_TEXT);
  const stripped = stripQuotedReply(text);
  return {
    messageId,
    threadId,
    inReplyTo,
    subject: mail.subject?.trim().slice(0, 500) || null,
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    from: addresses(mail.from)[0] ?? null,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    text,
    attachments: mail.attachments
      .filter((a) => a.contentDisposition === 'attachment' || a.filename)
      .map((a) => ({ name: (a.filename ?? 'unnamed').slice(0, 255), size: a.size, content_type: a.contentType })),
    quoted: stripped.quoted,
    signature: stripped.signature,
  };
}
