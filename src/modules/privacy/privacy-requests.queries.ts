import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, JsonObject, PrivacyRequestsTable, PrivacyRequestStatus, PrivacyRequestType } from '../../db/schema.ts';

/** The register of privacy requests (tenant transactions, under Row Level Security). */
type Tx = Kysely<DB>;

export type RequestRow = Selectable<PrivacyRequestsTable> & {
  requested_by_name: string | null;
  acted_by_name: string | null;
  job_progress: { done?: number; total?: number; message?: string } | null;
  artefact_expires_at: Date | null;
};

function base(tx: Tx) {
  return tx
    .selectFrom('privacy_requests as r')
    .leftJoin('users as rq', 'rq.id', 'r.requested_by')
    .leftJoin('users as ac', 'ac.id', 'r.acted_by')
    .leftJoin('jobs as j', 'j.id', 'r.job_id')
    .leftJoin('privacy_exports as x', 'x.request_id', 'r.id')
    .selectAll('r')
    .select(['rq.full_name as requested_by_name', 'ac.full_name as acted_by_name', 'j.progress as job_progress', 'x.expires_at as artefact_expires_at']);
}

export async function getRequest(tx: Tx, id: string): Promise<RequestRow | undefined> {
  return (await base(tx).where('r.id', '=', id).executeTakeFirst()) as RequestRow | undefined;
}

export async function listRequests(tx: Tx, filter: { status?: PrivacyRequestStatus | undefined; type?: PrivacyRequestType | undefined; limit: number }): Promise<RequestRow[]> {
  let query = base(tx).orderBy('r.received_at', 'desc').orderBy('r.id', 'desc').limit(filter.limit);
  if (filter.status) query = query.where('r.status', '=', filter.status);
  if (filter.type) query = query.where('r.type', '=', filter.type);
  return (await query.execute()) as RequestRow[];
}

export async function insertRequest(
  tx: Tx,
  row: { organizationId: string; type: PrivacyRequestType; email: string | null; phone: string | null; leadIds: string[]; hash: string; requestedBy: string | null; channel: 'api' | 'cli'; tokenHash: string | null },
): Promise<string> {
  const r = await tx
    .insertInto('privacy_requests')
    .values({ organization_id: row.organizationId, type: row.type, subject_email: row.email, subject_phone: row.phone, subject_lead_ids: row.leadIds, subject_hash: row.hash, requested_by: row.requestedBy, channel: row.channel, download_token_hash: row.tokenHash })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function setJob(tx: Tx, id: string, jobId: number): Promise<void> {
  await tx.updateTable('privacy_requests').set({ job_id: jobId }).where('id', '=', id).execute();
}

export async function markStarted(tx: Tx, id: string, actedBy: string | null): Promise<void> {
  await tx.updateTable('privacy_requests').set({ status: 'in_progress', started_at: new Date(), acted_by: actedBy, updated_at: new Date() }).where('id', '=', id).execute();
}

/** Done: the subject's values leave the row, counts and the scan stay. */
export async function markDone(tx: Tx, id: string, result: JsonObject, verification: JsonObject | null, download: { expiresAt: Date } | null): Promise<void> {
  await tx
    .updateTable('privacy_requests')
    .set({
      status: 'done',
      finished_at: new Date(),
      updated_at: new Date(),
      result: JSON.stringify(result),
      verification: verification ? JSON.stringify(verification) : null,
      subject_email: null,
      subject_phone: null,
      subject_lead_ids: [],
      ...(download ? { download_expires_at: download.expiresAt } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function markFailed(tx: Tx, id: string, error: string): Promise<void> {
  await tx.updateTable('privacy_requests').set({ status: 'failed', finished_at: new Date(), updated_at: new Date(), error: error.slice(0, 2000) }).where('id', '=', id).execute();
}

export async function insertExport(tx: Tx, row: { organizationId: string; requestId: string; document: JsonObject; summary: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  await tx
    .insertInto('privacy_exports')
    .values({ organization_id: row.organizationId, request_id: row.requestId, document: JSON.stringify(row.document), summary: row.summary, token_hash: row.tokenHash, expires_at: row.expiresAt })
    .onConflict((oc) => oc.column('request_id').doUpdateSet({ document: JSON.stringify(row.document), summary: row.summary, expires_at: row.expiresAt }))
    .execute();
}

/** The artefact, taken: read and deleted in one statement, so two downloads cannot both get it. */
export async function takeExport(tx: Tx, requestId: string): Promise<{ document: JsonObject; summary: string; expires_at: Date } | undefined> {
  const { rows } = await sql<{ document: JsonObject; summary: string; expires_at: Date }>`
    DELETE FROM privacy_exports WHERE request_id = ${requestId} RETURNING document, summary, expires_at`.execute(tx);
  return rows[0];
}

export async function markDownloaded(tx: Tx, id: string): Promise<void> {
  await tx.updateTable('privacy_requests').set({ downloaded_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
}

/** Artefacts past their time (any organization; the owner role runs it). */
export async function deleteExpiredExports(db: Kysely<DB>): Promise<number> {
  const r = await db.deleteFrom('privacy_exports').where('expires_at', '<', new Date()).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}

export async function leadExists(tx: Tx, id: string): Promise<boolean> {
  return (await tx.selectFrom('leads').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}
