import type { Kysely } from 'kysely';
import type { DB, Job, JsonObject } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { SecretBox } from '../../shared/secret-box.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { recordEmailConversation } from '../conversations/conversations.service.ts';
import { systemActor } from '../events/events.service.ts';
import { findOrCreateLeadByEmail } from '../leads/leads.service.ts';
import { isTombstoned } from '../privacy/privacy.tombstones.ts';
import { describeImapError, ImapFailure, imapClient, testConnection, type ImapSettings } from './mailboxes.imap.ts';
import { parseMail, type ParsedMail } from './mailboxes.message.ts';
import * as q from './mailboxes.queries.ts';
import type { MailboxBody, MailboxPatch } from './mailboxes.schemas.ts';

export const MAIL_SYNC_QUEUE = 'mail.sync';
/** The catch-up for servers without IDLE (and for anything IDLE missed). */
export const CATCH_UP_MS = 5 * 60_000;
/** Folder state is saved every this many messages: a sync cut short re-reads at most these. */
const CHECKPOINT = 25;
const NOT_FOUND = 'No mailbox with this id is visible to you.';

type FolderState = Record<string, { uidvalidity: string; last_uid: number }>;
type Row = NonNullable<Awaited<ReturnType<typeof q.mailboxForSync>>>;

export interface SyncResult extends JsonObject {
  state: 'ok' | 'error' | 'skipped';
  read: number;
  stored: number;
  leads_created: number;
  error: string | null;
}

const system = (organizationId: string) => ({ organizationId });

export function createMailboxesService(db: Kysely<DB>, deps: { secrets: SecretBox; logger: Logger; now?: () => Date; onEnqueued?: () => void }) {
  const { secrets, logger } = deps;

  function settingsOf(row: Pick<Row, 'host' | 'port' | 'security' | 'username' | 'auth_kind'>, secret: string): ImapSettings {
    return { host: row.host, port: row.port, security: row.security, username: row.username, authKind: row.auth_kind, secret };
  }

  async function checkConnection(s: ImapSettings, folders: string[]) {
    try {
      await testConnection(s, folders);
    } catch (error) {
      if (error instanceof ImapFailure) throw new DomainError('validation', error.message, { field: 'connection' });
      throw new DomainError('validation', describeImapError(error, s), { field: 'connection' });
    }
  }

  /** The mailbox as its owner (or an admin reading) may see it; another organization's is not found. */
  async function owned(ctx: AuthContext, id: string, purpose: 'read' | 'change') {
    authorize(ctx, 'mailboxes:own');
    const row = await withTenant(db, ctx, (tx) => q.mailboxOwner(tx, id));
    if (!row) throw new DomainError('not_found', NOT_FOUND);
    if (row.user_id === ctx.userId) return row;
    // Admins see every mailbox's state and may disconnect one (a person leaving); only the owner changes settings.
    if (ctx.role === 'admin' && purpose === 'read') return row;
    if (ctx.role === 'admin') throw new DomainError('forbidden', "Only the mailbox's owner can change its connection; an admin may see its state, sync it or disconnect it.");
    throw new DomainError('not_found', NOT_FOUND);
  }

  async function view(ctx: AuthContext, id: string) {
    const row = await withTenant(db, ctx, (tx) => q.getMailboxView(tx, id));
    if (!row) throw new DomainError('not_found', NOT_FOUND);
    return row;
  }

  /** A sync now (or soon: `delayMs`), or the catch-up at `runAt`. Each kind has its own dedupe key, so a catch-up queued for later never delays a Sync now. */
  async function requestSync(organizationId: string, mailboxId: string, runAt?: Date, delayMs?: number) {
    const at = runAt ?? (delayMs ? new Date(Date.now() + delayMs) : undefined);
    const job = await withTenant(db, system(organizationId), (tx) =>
      enqueue(tx, { organizationId, queue: MAIL_SYNC_QUEUE, dedupeKey: runAt ? `catch-up:${mailboxId}` : `now:${mailboxId}`, payload: { mailbox_id: mailboxId }, ...(at ? { runAt: at } : {}), ...(runAt ? { priority: -1 } : {}) }),
    );
    if (!runAt) deps.onEnqueued?.();
    return job;
  }

  function checkRule(ctx: AuthContext, on: boolean | undefined) {
    // The rule creates leads in the owner's name: only someone who may create leads can turn it on.
    if (on && !['sales_rep', 'manager', 'admin'].includes(ctx.role)) {
      throw new DomainError('forbidden', `Your role (${ctx.role}) may not create leads, so it cannot turn on "create leads from unknown senders".`, { field: 'create_leads_from_unknown' });
    }
  }

  /**
   * One message, in its own transaction. Which mail is stored, and why:
   * - only mail involving a lead (From, To or Cc, not counting the owner's own addresses):
   *   personal mail is never stored, not even its subject;
   * - never mail with an erased person in it (privacy tombstones): storing it would bring them back;
   * - a do-not-contact lead's mail IS stored: do-not-contact stops our outreach, but what the
   *   person writes (often "stop e-mailing me") is the record that proves it was honoured;
   * - nobody known, and the rule on, inbound, sent to a campaign address: the sender becomes a lead.
   */
  async function storeMessage(mailbox: Row, own: Set<string>, mail: ParsedMail): Promise<{ stored: number; created: number }> {
    const organizationId = mailbox.organization_id;
    const direction = mail.from && own.has(mail.from.address) ? 'outbound' : 'inbound';
    const people = [...new Set([mail.from, ...mail.to, ...mail.cc].filter((a) => a !== null).map((a) => a.address))].filter((a) => !own.has(a));
    if (people.length === 0) return { stored: 0, created: 0 };
    return withTenant(db, system(organizationId), async (tx) => {
      for (const address of people) {
        if (await isTombstoned(tx, organizationId, { email: address })) return { stored: 0, created: 0 };
      }
      const leads = await q.leadsByEmail(tx, people);
      let created = 0;
      if (leads.length === 0) {
        const recipients = [...mail.to, ...mail.cc].map((a) => a.address);
        const ruleApplies = mailbox.create_leads_from_unknown && direction === 'inbound' && mail.from !== null
          && (mailbox.unknown_sender_to.length === 0 || recipients.some((r) => mailbox.unknown_sender_to.includes(r)));
        if (!ruleApplies || !mail.from) return { stored: 0, created: 0 };
        const [first, ...rest] = (mail.from.name ?? mail.from.address.split('@')[0]!).split(/\s+/);
        // The owner's mailbox brought the lead in: the event names them.
        const lead = await findOrCreateLeadByEmail(tx, { organizationId, actor: { type: 'user', id: mailbox.user_id } }, {
          email: mail.from.address, firstName: (first || mail.from.address).slice(0, 100), lastName: rest.join(' ').slice(0, 100), company: null, phone: null, source: 'email',
        });
        if (lead.created) created++;
        leads.push({ id: lead.id, email: mail.from.address, do_not_contact: false });
      }
      let stored = 0;
      for (const lead of leads) {
        const id = await recordEmailConversation(tx, systemActor(organizationId), {
          lead_id: lead.id,
          direction,
          subject: mail.subject,
          // An e-mail without text (only attachments) still happened: say so rather than store nothing.
          content: mail.text || (mail.attachments.length > 0 ? '(no text: attachments only)' : '(no text)'),
          external_id: mail.messageId,
          thread_id: mail.threadId,
          metadata: JSON.stringify({
            source: 'imap',
            mailbox_id: mailbox.id,
            from: mail.from,
            to: mail.to,
            cc: mail.cc,
            in_reply_to: mail.inReplyTo,
            attachments: mail.attachments,
            // Where the quoted history and the signature are in `content` (the analysis's own split).
            quoted: mail.quoted,
            signature: mail.signature,
          }),
          ...(mail.date ? { created_at: mail.date } : {}),
        });
        if (id) stored++;
      }
      return { stored, created };
    });
  }

  async function finish(mailbox: Row, values: { state: 'ok' | 'error'; error: string | null }) {
    await withTenant(db, system(mailbox.organization_id), (tx) =>
      q.updateMailbox(tx, mailbox.id, values.state === 'ok'
        ? { state: 'ok', sync_started_at: null, last_synced_at: new Date(), last_error: null, last_error_at: null }
        : { state: 'error', sync_started_at: null, last_error: values.error, last_error_at: new Date() }),
    );
  }

  async function sync(organizationId: string, mailboxId: string, progress?: (done: number, total: number, message: string) => Promise<void> | void): Promise<SyncResult> {
    const result: SyncResult = { state: 'skipped', read: 0, stored: 0, leads_created: 0, error: null };
    const claimed = await withTenant(db, system(organizationId), (tx) => q.claimForSync(tx, mailboxId));
    if (!claimed) return result;
    const mailbox = (await withTenant(db, system(organizationId), (tx) => q.mailboxForSync(tx, mailboxId)))!;
    if (!mailbox.user_active) {
      // A deactivated person's mailbox is not read on their behalf; reactivating them resumes it.
      const error = "The mailbox's owner is deactivated: it is not synced until they are active again.";
      await finish(mailbox, { state: 'error', error });
      return { ...result, state: 'error', error };
    }
    const own = new Set([mailbox.user_email.toLowerCase(), ...(mailbox.username.includes('@') ? [mailbox.username.toLowerCase()] : [])]);
    const folderState = { ...(mailbox.folder_state as FolderState) };
    let settings: ImapSettings;
    try {
      settings = settingsOf(mailbox, secrets.open(mailbox.secret_sealed));
    } catch {
      const error = 'The stored password or token cannot be read with this server\'s LEADAI_SECRET_KEY (was the key changed?): enter it again.';
      await finish(mailbox, { state: 'error', error });
      return { ...result, state: 'error', error };
    }
    const client = imapClient(settings);
    let pending = 0;
    const checkpoint = async () => {
      await withTenant(db, system(organizationId), (tx) => q.saveFolderState(tx, mailbox.id, folderState, pending));
      pending = 0;
    };
    try {
      await client.connect();
      for (const folder of mailbox.folders) {
        const lock = await client.getMailboxLock(folder, { readOnly: true });
        try {
          const box = client.mailbox === false ? null : client.mailbox;
          if (!box) continue;
          const validity = String(box.uidValidity);
          const saved = folderState[folder];
          // A new UIDVALIDITY means the old UIDs mean nothing now: read the folder again (dedupe makes it harmless).
          const last = saved && saved.uidvalidity === validity ? saved.last_uid : 0;
          folderState[folder] = { uidvalidity: validity, last_uid: last };
          if (box.exists === 0) continue;
          const found = await client.search({ uid: `${last + 1}:*` }, { uid: true });
          const uids = (found || []).filter((u) => u > last).sort((a, b) => a - b);
          if (uids.length === 0) continue;
          const total = result.read + uids.length;
          await progress?.(result.read, total, `${folder}: ${uids.length} new messages`);
          for await (const message of client.fetch(uids, { uid: true, source: true }, { uid: true })) {
            if (message.source) {
              const parsed = await parseMail(message.source);
              const outcome = await storeMessage(mailbox, own, parsed);
              result.stored += outcome.stored;
              result.leads_created += outcome.created;
              pending += outcome.stored;
            }
            result.read++;
            folderState[folder] = { uidvalidity: validity, last_uid: Math.max(folderState[folder]!.last_uid, message.uid) };
            if (result.read % CHECKPOINT === 0) {
              await checkpoint();
              await progress?.(result.read, total, `${folder}: ${result.read} read`);
            }
          }
        } finally {
          lock.release();
        }
        await checkpoint();
      }
      await client.logout().catch(() => {});
      await checkpoint();
      await finish(mailbox, { state: 'ok', error: null });
      return { ...result, state: 'ok' };
    } catch (error) {
      client.close();
      // What was read before the failure is kept; the next sync starts after it.
      await checkpoint().catch(() => {});
      const words = error instanceof DomainError ? error.message : describeImapError(error, settings);
      // The code only: the raw error can carry the server's reply and the command that failed.
      logger.warn({ mailbox: mailbox.id, code: (error as { code?: unknown }).code ?? null }, `mailbox sync failed: ${words}`);
      await finish(mailbox, { state: 'error', error: words });
      return { ...result, state: 'error', error: words };
    }
  }

  return {
    async list(ctx: AuthContext) {
      authorize(ctx, 'mailboxes:own');
      const data = await withTenant(db, ctx, (tx) => q.listMailboxes(tx, ctx.role === 'admin' ? null : ctx.userId));
      return { data };
    },

    async get(ctx: AuthContext, id: string) {
      await owned(ctx, id, 'read');
      return view(ctx, id);
    },

    async create(ctx: AuthContext, body: MailboxBody) {
      authorize(ctx, 'mailboxes:own');
      if (!ctx.userId) throw new DomainError('forbidden', 'A mailbox belongs to a person: connect it signed in as yourself, not with an API key.');
      checkRule(ctx, body.create_leads_from_unknown);
      const folders = body.folders ?? ['INBOX'];
      const existing = await withTenant(db, ctx, (tx) => q.listMailboxes(tx, ctx.userId));
      if (existing.length > 0) throw new DomainError('conflict', 'You already have a mailbox connected: change it (PATCH) or disconnect it first.', { mailbox_id: existing[0]!.id });
      await checkConnection({ host: body.host, port: body.port, security: body.security, username: body.username, authKind: body.auth_kind, secret: body.secret }, folders);
      const row = await withTenant(db, ctx, (tx) =>
        q.insertMailbox(tx, {
          organization_id: ctx.organizationId, user_id: ctx.userId!, host: body.host, port: body.port, security: body.security, username: body.username,
          auth_kind: body.auth_kind, secret_sealed: secrets.seal(body.secret), folders, create_leads_from_unknown: body.create_leads_from_unknown ?? false,
          unknown_sender_to: body.unknown_sender_to ?? [],
        }).catch((error: { code?: string }) => {
          if (error.code === '23505') throw new DomainError('conflict', 'You already have a mailbox connected: change it (PATCH) or disconnect it first.');
          throw error;
        }),
      );
      await requestSync(ctx.organizationId, row.id);
      return view(ctx, row.id);
    },

    async update(ctx: AuthContext, id: string, patch: MailboxPatch) {
      await owned(ctx, id, 'change');
      checkRule(ctx, patch.create_leads_from_unknown);
      const current = await withTenant(db, ctx, (tx) => q.mailboxForSync(tx, id));
      if (!current) throw new DomainError('not_found', NOT_FOUND);
      const connectionChanged = (['host', 'port', 'security', 'username', 'auth_kind', 'secret', 'folders'] as const).some((k) => patch[k] !== undefined);
      const merged = {
        host: patch.host ?? current.host, port: patch.port ?? current.port, security: patch.security ?? current.security,
        username: patch.username ?? current.username, auth_kind: patch.auth_kind ?? current.auth_kind,
      };
      if (connectionChanged) {
        let secret = patch.secret;
        if (secret === undefined) {
          try {
            secret = secrets.open(current.secret_sealed);
          } catch {
            throw new DomainError('validation', 'The stored password or token cannot be read with this server\'s key: enter it again.', { field: 'secret' });
          }
        }
        await checkConnection(settingsOf(merged, secret), patch.folders ?? current.folders);
      }
      // Another server or account: its UIDs are unrelated to the old ones.
      const otherAccount = merged.host !== current.host || merged.username !== current.username;
      await withTenant(db, ctx, (tx) =>
        q.updateMailbox(tx, id, {
          ...merged,
          ...(patch.secret !== undefined ? { secret_sealed: secrets.seal(patch.secret) } : {}),
          ...(patch.folders !== undefined ? { folders: patch.folders } : {}),
          ...(patch.create_leads_from_unknown !== undefined ? { create_leads_from_unknown: patch.create_leads_from_unknown } : {}),
          ...(patch.unknown_sender_to !== undefined ? { unknown_sender_to: patch.unknown_sender_to } : {}),
          ...(otherAccount ? { folder_state: '{}' } : {}),
          // A fixed connection is no longer in error; the sync queued below says how it went.
          ...(connectionChanged && current.state === 'error' ? { state: 'pending', last_error: null, last_error_at: null } : {}),
        }),
      );
      if (connectionChanged) await requestSync(ctx.organizationId, id);
      return view(ctx, id);
    },

    async remove(ctx: AuthContext, id: string) {
      await owned(ctx, id, 'read');
      // Conversations already recorded stay: they are the leads' history, not the mailbox's.
      await withTenant(db, ctx, (tx) => q.deleteMailbox(tx, id));
    },

    async syncNow(ctx: AuthContext, id: string) {
      await owned(ctx, id, 'read');
      const job = await requestSync(ctx.organizationId, id);
      return { job_id: job.id, deduplicated: job.deduplicated };
    },

    requestSync,
    sync,

    /** The queue's handler: one sync, then the next catch-up (whatever happened, so a failing server is retried). */
    async handleJob(job: Job, progress?: (done: number, total: number, message: string) => Promise<void> | void): Promise<SyncResult> {
      const organizationId = job.organization_id!;
      const mailboxId = String((job.payload as JsonObject).mailbox_id ?? '');
      const exists = await withTenant(db, system(organizationId), (tx) => q.mailboxOwner(tx, mailboxId));
      if (!exists) return { state: 'skipped', read: 0, stored: 0, leads_created: 0, error: 'the mailbox was disconnected' };
      try {
        const result = await sync(organizationId, mailboxId, progress);
        // Another sync holds the mailbox: this request (new mail, Sync now) runs after it rather than being lost.
        if (result.state === 'skipped') await requestSync(organizationId, mailboxId, undefined, 3_000);
        return result;
      } finally {
        await requestSync(organizationId, mailboxId, new Date(Date.now() + CATCH_UP_MS)).catch(() => {});
      }
    },

    /** At worker start: every mailbox has its catch-up queued (a no-op where one is). */
    async ensureCatchUps() {
      for (const m of await q.allMailboxes(db)) await requestSync(m.organization_id, m.id, new Date(Date.now() + CATCH_UP_MS));
    },

    allMailboxes: () => q.allMailboxes(db),

    /** For the IDLE watcher: the connection settings of one mailbox (the secret opened). Null if gone or unreadable. */
    async settingsFor(organizationId: string, id: string): Promise<{ settings: ImapSettings; folder: string } | null> {
      const row = await withTenant(db, system(organizationId), (tx) => q.mailboxForSync(tx, id));
      if (!row) return null;
      try {
        return { settings: settingsOf(row, secrets.open(row.secret_sealed)), folder: row.folders[0] ?? 'INBOX' };
      } catch {
        return null;
      }
    },
  };
}

export type MailboxesService = ReturnType<typeof createMailboxesService>;
