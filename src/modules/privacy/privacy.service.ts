import type { Kysely } from 'kysely';
import { enqueue, type Job } from '../../jobs/queue.ts';
import type { DB, JsonObject } from '../../db/schema.ts';
import { withTenant, withTenantRead } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import { auditActor, recordAudit } from '../audit/audit.service.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { eraseSubject, type Progress } from './privacy.erase.ts';
import { buildExport } from './privacy.export.ts';
import { hashToken, newDownloadToken } from './privacy.keys.ts';
import { scanAsJson, scanForTraces } from './privacy.scan.ts';
import { requestSubjectHash, resolveSubject } from './privacy.subject.ts';
import * as rq from './privacy-requests.queries.ts';
import type { PrivacyRequestBody } from './privacy.schemas.ts';

export const PRIVACY_QUEUE = 'privacy';
/** An export's document can be downloaded for this long, once. */
export const EXPORT_TTL_MS = 24 * 3600 * 1000;

type Actor = { organizationId: string; userId: string | null; actor: { type: 'user' | 'api_key' | 'system'; id: string | null }; client?: AuthContext['client'] };

/**
 * Data subject requests: an export or an erasure is received (a row in privacy_requests,
 * due in a month), acted on by the privacy job (progress on the job), and done: the
 * subject's values leave the request, counts and, for an erasure, the verification scan stay.
 */
export function createPrivacyService(db: Kysely<DB>, options: { hashKey: string; onEnqueued?: () => void }) {
  const { hashKey } = options;

  async function receive(actor: Actor, body: PrivacyRequestBody, channel: 'api' | 'cli') {
    if (!body.email && !body.phone && !body.lead_id) {
      throw new DomainError('validation', 'Name the person: give `email`, `phone` or `lead_id`.', { field: 'email' });
    }
    const token = body.type === 'export' ? newDownloadToken() : null;
    const id = await withTenant(db, { organizationId: actor.organizationId, userId: actor.userId }, async (tx) => {
      if (body.lead_id && !(await rq.leadExists(tx, body.lead_id))) throw new DomainError('not_found', 'No lead with this id exists in your organization.', { field: 'lead_id' });
      const leadIds = body.lead_id ? [body.lead_id] : [];
      const id = await rq.insertRequest(tx, {
        organizationId: actor.organizationId,
        type: body.type,
        email: body.email ?? null,
        phone: body.phone ?? null,
        leadIds,
        hash: requestSubjectHash(hashKey, { email: body.email, phone: body.phone, leadIds }),
        requestedBy: actor.userId,
        channel,
        tokenHash: token?.hash ?? null,
      });
      const job = await enqueue(tx, { organizationId: actor.organizationId, queue: PRIVACY_QUEUE, payload: { request_id: id }, maxAttempts: 3, ...(actor.userId ? { createdBy: actor.userId } : {}) });
      await rq.setJob(tx, id, job.id);
      // The request's address and user agent when it came over HTTP (the CLI has none).
      await recordAudit(tx, { organizationId: actor.organizationId, actorType: actor.actor.type, actorId: actor.actor.id, ip: actor.client?.ip ?? null, userAgent: actor.client?.userAgent ?? null, action: `privacy.request`, entityType: 'privacy_request', entityId: id, details: { type: body.type, by_email: Boolean(body.email), by_phone: Boolean(body.phone), by_lead: Boolean(body.lead_id), channel } });
      return id;
    });
    options.onEnqueued?.();
    return { id, token: token?.token ?? null };
  }

  /** The job: acts on one request. Also called in-process by the CLI. */
  async function act(organizationId: string, requestId: string, actedBy: string | null, progress: Progress = () => {}) {
    const request = await withTenantRead(db, { organizationId }, (tx) => rq.getRequest(tx, requestId));
    if (!request) throw new Error(`privacy request ${requestId} not found`);
    if (request.status === 'done') return { ...request.result };
    await withTenant(db, { organizationId }, (tx) => rq.markStarted(tx, requestId, actedBy));
    try {
      const subject = await resolveSubject(db, organizationId, { email: request.subject_email, phone: request.subject_phone, leadIds: request.subject_lead_ids });
      const actor = { type: actedBy ? ('user' as const) : ('system' as const), id: actedBy };
      if (request.type === 'export') {
        const built = await buildExport(db, organizationId, subject, progress);
        const expiresAt = new Date(Date.now() + EXPORT_TTL_MS);
        const result: JsonObject = { ...built.counts };
        await withTenant(db, { organizationId }, async (tx) => {
          await rq.insertExport(tx, { organizationId, requestId, document: built.document, summary: built.summary, tokenHash: request.download_token_hash ?? '-', expiresAt });
          await rq.markDone(tx, requestId, result, null, { expiresAt });
          await recordAudit(tx, { organizationId, actorType: actor.type, actorId: actor.id, action: 'privacy.export', entityType: 'privacy_request', entityId: requestId, details: { leads: subject.leadIds.length, records: Object.values(built.counts).reduce((a, b) => a + b, 0) } });
        });
        return result;
      }
      const counts = await eraseSubject(db, { organizationId, subject, hashKey, requestId, actor, progress });
      progress(0, 1, 'verifying: scanning every table for traces');
      const scan = await scanForTraces(db, organizationId, subject.patterns, subject.sharedNames);
      const result: JsonObject = { ...counts, deleted: { ...counts.deleted }, rewritten: { ...counts.rewritten } };
      await withTenant(db, { organizationId }, async (tx) => {
        await rq.markDone(tx, requestId, result, scanAsJson(scan), null);
        await recordAudit(tx, { organizationId, actorType: actor.type, actorId: actor.id, action: 'privacy.verify', entityType: 'privacy_request', entityId: requestId, details: { clean: scan.clean, tables: scan.tables_scanned, columns: scan.columns_scanned, traces: scan.traces.length } });
      });
      return result;
    } catch (error) {
      await withTenant(db, { organizationId }, (tx) => rq.markFailed(tx, requestId, `The request could not be completed: ${(error as Error).message}`)).catch(() => {});
      throw error;
    }
  }

  return {
    async create(ctx: AuthContext, body: PrivacyRequestBody) {
      authorize(ctx, 'privacy:manage');
      const { id, token } = await receive(ctx, body, 'api');
      const row = await withTenantRead(db, ctx, (tx) => rq.getRequest(tx, id));
      return { ...present(row!), download_token: token };
    },

    async get(ctx: AuthContext, id: string) {
      authorize(ctx, 'privacy:manage');
      const row = await withTenantRead(db, ctx, (tx) => rq.getRequest(tx, id));
      if (!row) throw new DomainError('not_found', 'No privacy request with this id exists in your organization.');
      return present(row);
    },

    async list(ctx: AuthContext, query: { status?: 'received' | 'in_progress' | 'done' | 'failed' | undefined; type?: 'export' | 'erasure' | undefined; limit: number }) {
      authorize(ctx, 'privacy:manage');
      const rows = await withTenantRead(db, ctx, (tx) => rq.listRequests(tx, query));
      return { data: rows.map(present) };
    },

    /** The export's document, once, to whoever asked for it, before it expires. */
    async download(ctx: AuthContext, id: string, token: string) {
      authorize(ctx, 'privacy:manage');
      return withTenant(db, ctx, async (tx) => {
        const row = await rq.getRequest(tx, id);
        if (!row || row.type !== 'export') throw new DomainError('not_found', 'No export request with this id exists in your organization.');
        if (row.requested_by !== ctx.userId || !row.download_token_hash || hashToken(token) !== row.download_token_hash) {
          throw new DomainError('not_found', 'No download matches this request and token: only the person who made the request can download it, with the token they were given.');
        }
        if (row.downloaded_at) throw new DomainError('gone', `This export was already downloaded (${row.downloaded_at.toISOString()}); it can be downloaded once. Make a new export request to get it again.`);
        if (row.status !== 'done') throw new DomainError('precondition_failed', `The export is not ready yet (status: ${row.status}); try again when it is done.`);
        const artefact = await rq.takeExport(tx, id);
        if (!artefact || artefact.expires_at.getTime() < Date.now()) {
          throw new DomainError('gone', 'This export has expired (exports can be downloaded for 24 hours) or was removed by an erasure; make a new export request.');
        }
        await rq.markDownloaded(tx, id);
        await recordAudit(tx, { ...auditActor(ctx), action: 'privacy.export.download', entityType: 'privacy_request', entityId: id });
        return { document: artefact.document, summary: artefact.summary };
      });
    },

    /** What erasing the person behind this lead would remove (the lead page's confirmation). */
    async preview(ctx: AuthContext, leadId: string) {
      authorize(ctx, 'privacy:manage');
      const exists = await withTenantRead(db, ctx, (tx) => rq.leadExists(tx, leadId));
      if (!exists) throw new DomainError('not_found', 'No lead with this id exists in your organization.', { field: 'lead_id' });
      const subject = await resolveSubject(db, ctx.organizationId, { leadIds: [leadId] });
      const built = await buildExport(db, ctx.organizationId, subject);
      const { mentions_in_other_records: mentions = 0, ...counts } = built.counts;
      return { lead_ids: subject.leadIds, counts, mentions };
    },

    /** The CLI: a request received and acted on in this process, with progress. */
    async runNow(actor: Actor, body: PrivacyRequestBody, progress?: Progress) {
      const { id, token } = await receive(actor, body, 'cli');
      const result = await act(actor.organizationId, id, actor.userId, progress);
      const row = await withTenantRead(db, { organizationId: actor.organizationId }, (tx) => rq.getRequest(tx, id));
      return { request: present(row!), result, token };
    },

    /** The CLI's export: the document, taken at once (the CLI is its requester). */
    async takeExportNow(organizationId: string, id: string) {
      return withTenant(db, { organizationId }, async (tx) => {
        const artefact = await rq.takeExport(tx, id);
        if (artefact) await rq.markDownloaded(tx, id);
        return artefact;
      });
    },

    async handleJob(job: Job, progress: Progress) {
      const requestId = typeof job.payload.request_id === 'string' ? job.payload.request_id : '';
      return act(job.organization_id!, requestId, job.created_by, progress);
    },

    /** Hourly with the other clean-ups: expired export documents go. */
    pruneExpired: () => rq.deleteExpiredExports(db),
  };
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;

function present(r: rq.RequestRow) {
  const p = r.job_progress;
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    subject: { email: r.subject_email, phone: r.subject_phone, lead_ids: r.subject_lead_ids },
    received_at: r.received_at,
    due_at: r.due_at,
    overdue: r.status !== 'done' && r.due_at.getTime() < Date.now(),
    requested_by: r.requested_by ? { id: r.requested_by, name: r.requested_by_name ?? 'a former user' } : null,
    acted_by: r.acted_by ? { id: r.acted_by, name: r.acted_by_name ?? 'a former user' } : null,
    channel: r.channel,
    job_id: r.job_id,
    progress: p && r.status === 'in_progress' ? { done: p.done ?? 0, total: p.total ?? 0, message: p.message ?? null } : null,
    started_at: r.started_at,
    finished_at: r.finished_at,
    result: r.result,
    verification: r.verification,
    error: r.error,
    download:
      r.type === 'export'
        ? { available: r.status === 'done' && !r.downloaded_at && r.artefact_expires_at !== null && r.artefact_expires_at.getTime() > Date.now(), expires_at: r.download_expires_at, downloaded_at: r.downloaded_at }
        : null,
  };
}
