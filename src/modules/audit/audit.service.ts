import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenantRead, type Tx } from '../../db/tenant.ts';
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import * as q from './audit.queries.ts';
import type { AuditEntry } from './audit.queries.ts';

export type { AuditEntry };
import type { AuditQuery } from './audit.schemas.ts';


/**
 * The audit log, written in the caller's transaction so a recorded action and the action
 * commit together. Details carry ids, field names and counts, never personal values.
 */
export async function recordAudit(tx: Tx, row: AuditEntry) {
  await q.insertEntry(tx, row);
}

/**
 * An API key's use, with the caller's address: at most one entry per key per hour. Every
 * request would add a row per API call — the log would grow with traffic and every read
 * would become a write — while an hourly entry still shows which key was used, when, and
 * from where, which is what an investigation of a leaked key needs.
 */
export async function recordApiKeyUse(tx: Tx, row: { organizationId: string; keyId: string; ip: string | null; userAgent: string | null }) {
  await q.insertKeyUseUnlessRecent(tx, { organizationId: row.organizationId, actorType: 'api_key', actorId: row.keyId, action: 'api_key.use', entityId: row.keyId, ip: row.ip, userAgent: row.userAgent });
}

/**
 * Who acted and from where, for recordAudit: `recordAudit(tx, { ...auditActor(ctx), action, … })`.
 * The client is the request's (set once per request by the authentication hook).
 */
export function auditActor(ctx: Pick<AuthContext, 'organizationId' | 'actor' | 'client'>): Pick<AuditEntry, 'organizationId' | 'actorType' | 'actorId' | 'ip' | 'userAgent'> {
  return { organizationId: ctx.organizationId, actorType: ctx.actor.type, actorId: ctx.actor.id, ip: ctx.client?.ip ?? null, userAgent: ctx.client?.userAgent ?? null };
}

const CURSOR = 'audit';

/** Reading the log: admins only (audit:read), their organization only (RLS). */
export function createAuditService(db: Kysely<DB>) {
  return {
    async list(ctx: AuthContext, query: AuditQuery) {
      authorize(ctx, 'audit:read');
      if (query.from && query.to && query.from >= query.to) throw new DomainError('validation', '`from` must be before `to`.', { field: 'from' });
      let after: [string, string] | null = null;
      if (query.cursor) {
        const [at, id] = decodeCursor(CURSOR, query.cursor, ['timestamp', 'string']) as [string, string];
        if (!/^\d{1,18}$/.test(id)) throw new DomainError('bad_request', 'cursor is not one this server issued for this list; start from the first page (leave cursor out), then pass next_cursor on.', { field: 'cursor' });
        after = [at, id];
      }
      const rows = await withTenantRead(db, ctx, (tx) =>
        q.listEntries(tx, {
          actions: query.action, actorId: query.actor_id, actorType: query.actor_type, entityType: query.entity_type, entityId: query.entity_id, from: query.from, to: query.to,
        }, query.limit, after),
      );
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        data: page.map(({ cursor_at: _, ...row }) => ({ ...row, id: String(row.id) })),
        next_cursor: rows.length > query.limit && last ? encodeCursor(CURSOR, [last.cursor_at, String(last.id)]) : null,
      };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
