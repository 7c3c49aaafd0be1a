import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import type { UserRole } from '../../src/db/schema.ts';
import { hashPassword } from '../../src/modules/auth/password.ts';
import type { App } from '../../src/app.ts';
import { Client } from './api.ts';
import type { Dovecot } from './dovecot.ts';

/** Fills a Dovecot mailbox the way a mail client would: IMAP APPEND, never maildir files. */
export async function appendMail(d: Dovecot, user: string, password: string, folder: string, messages: string[]): Promise<void> {
  const client = new ImapFlow({ host: d.host, port: d.port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  try {
    if (folder !== 'INBOX') await client.mailboxCreate(folder).catch(() => {});
    for (const m of messages) await client.append(folder, m);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** A raw RFC 5322 message with CRLF line ends. */
export function rawMail(h: { from: string; to: string; cc?: string; subject: string; id: string; inReplyTo?: string; references?: string; date?: string }, body: string, contentType = 'text/plain; charset=utf-8'): string {
  const lines = [
    `From: ${h.from}`,
    `To: ${h.to}`,
    ...(h.cc ? [`Cc: ${h.cc}`] : []),
    `Subject: ${h.subject}`,
    `Message-ID: ${h.id}`,
    ...(h.inReplyTo ? [`In-Reply-To: ${h.inReplyTo}`] : []),
    ...(h.references ? [`References: ${h.references}`] : []),
    `Date: ${h.date ?? new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    '',
    body,
  ];
  return lines.join('\r\n').replace(/(?<!\r)\n/g, '\r\n');
}

/** A user of the organization with a signed-in client (password "correct horse battery"). */
export async function addUser(app: App, url: (p: string) => string, organizationId: string, role: UserRole, email = `${role}-${randomUUID().slice(0, 8)}@corp.example`) {
  const db = app.database.db;
  const user = await db.insertInto('users').values({ organization_id: organizationId, email, full_name: `${role} person`, role }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('user_credentials').values({ user_id: user.id, organization_id: organizationId, password_hash: await hashPassword('correct horse battery') }).execute();
  const client = new Client(url);
  const r = await client.post('/api/v1/auth/login', { email, password: 'correct horse battery' });
  if (r.status !== 200) throw new Error(`login failed: ${JSON.stringify(r.body)}`);
  client.csrf = r.body.csrf_token;
  return { client, userId: user.id, email };
}
