import nodemailer from 'nodemailer';
import type { SmtpSecurity } from '../../db/schema.ts';

/** The SMTP conversation (nodemailer), with a connection per message: sends are rare and retried by the queue. */
export interface SmtpTarget {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  password: string | null;
}

export interface OutgoingMessage {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string | null;
  references?: readonly string[];
  headers?: Record<string, string>;
}

/** A refusal or an outage in words a person understands; never contains the password. */
export class SmtpError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
    this.name = 'SmtpError';
  }
}

function describe(error: unknown, target: SmtpTarget): SmtpError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `${target.host}:${target.port}`;
  if (e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '')) return new SmtpError(`The SMTP server ${where} refused the connection (is it running, and is the port right?).`, false);
  if (e.code === 'ETIMEDOUT' || e.code === 'ETIMEOUT') return new SmtpError(`The SMTP server ${where} did not answer in time.`, false);
  if (e.code === 'EDNS' || e.code === 'ENOTFOUND') return new SmtpError(`The SMTP server's name ${target.host} cannot be resolved.`, false);
  if (e.code === 'EAUTH') return new SmtpError(`The SMTP server ${where} refused the login for ${target.username ?? '(no user)'}: check the user name and password.`, true);
  if (e.code === 'ETLS' || e.code === 'ESOCKET') return new SmtpError(`The connection to ${where} failed${e.message ? `: ${e.message}` : ''} (check the security setting: tls for port 465, starttls for 587).`, false);
  if (e.responseCode) {
    const reply = (e.response ?? '').replace(/\s+/g, ' ').slice(0, 300);
    return new SmtpError(`The SMTP server ${where} refused the message (${e.responseCode}): ${reply}`, e.responseCode >= 500);
  }
  return new SmtpError(`Sending through ${where} failed: ${e.message ?? String(error)}`, false);
}

export async function sendSmtp(target: SmtpTarget, message: OutgoingMessage, timeoutMs = 20_000): Promise<{ messageId: string; response: string }> {
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.security === 'tls',
    requireTLS: target.security === 'starttls',
    ignoreTLS: target.security === 'none',
    ...(target.username ? { auth: { user: target.username, pass: target.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // No logger: nodemailer's transcript would hold the AUTH exchange.
    logger: false,
    debug: false,
  });
  try {
    const info = await transport.sendMail({
      from: message.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
      ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
      ...(message.references && message.references.length > 0 ? { references: [...message.references] } : {}),
      headers: message.headers ?? {},
    });
    return { messageId: info.messageId, response: info.response };
  } catch (error) {
    throw describe(error, target);
  } finally {
    transport.close();
  }
}
