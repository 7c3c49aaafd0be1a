import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { emitEvent } from '../events/events.service.ts';
import * as q from './views.queries.ts';

type Row = Awaited<ReturnType<typeof q.listVisible>>[number];

/** Saved views of the leads list: per user, optionally shared with the organization. */
export function createViewsService(db: Kysely<DB>) {
  function userOf(ctx: AuthContext): string {
    authorize(ctx, 'leads:read');
    if (!ctx.userId) throw new DomainError('forbidden', 'Saved views belong to a person: sign in as a user (an API key has none).');
    return ctx.userId;
  }
  const view = (row: Row, userId: string) => ({ ...row, mine: row.user_id === userId });
  const duplicate = (error: unknown): never => {
    if ((error as { code?: string }).code === '23505') throw new DomainError('conflict', 'You already have a view with this name: choose another name.', { field: 'name' });
    throw error;
  };
  /** A private view's events go to its owner only; a shared one's (or one that was shared) to everyone. */
  const emit = (tx: Tx, ctx: AuthContext, type: string, id: string, privateTo: string | null, fields?: string[]) =>
    emitEvent(tx, ctx, { type, entityType: 'view', entityId: id, payload: { ...(privateTo ? { recipient_id: privateTo } : {}), ...(fields ? { fields } : {}) } });

  async function ownOrExplain(tx: Tx, id: string, userId: string) {
    const found = await q.findView(tx, id);
    if (!found || (found.user_id !== userId && !found.shared)) throw new DomainError('not_found', 'No saved view with this id is visible to you.');
    throw new DomainError('forbidden', 'Only the person who saved this view may change or delete it.');
  }

  return {
    async list(ctx: AuthContext) {
      const userId = userOf(ctx);
      const rows = await withTenantRead(db, ctx, (tx) => q.listVisible(tx, userId));
      return rows.map((r) => view(r, userId));
    },

    async create(ctx: AuthContext, input: { name: string; query: string; columns: string[]; shared: boolean }) {
      const userId = userOf(ctx);
      const row = await withTenant(db, ctx, async (tx) => {
        const inserted = await q.insertView(tx, { organization_id: ctx.organizationId, user_id: userId, ...input }).catch(duplicate);
        await emit(tx, ctx, 'view.created', inserted.id, inserted.shared ? null : userId);
        return inserted;
      });
      return view(row, userId);
    },

    async update(ctx: AuthContext, id: string, patch: { name?: string | undefined; query?: string | undefined; columns?: string[] | undefined; shared?: boolean | undefined }) {
      const userId = userOf(ctx);
      return withTenant(db, ctx, async (tx) => {
        const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
        const before = await q.findView(tx, id);
        const row = await q.updateOwnView(tx, id, userId, values).catch(duplicate);
        if (!row) return ownOrExplain(tx, id, userId);
        await emit(tx, ctx, 'view.updated', id, row.shared || before?.shared ? null : userId, Object.keys(values));
        return view(row, userId);
      });
    },

    async remove(ctx: AuthContext, id: string) {
      const userId = userOf(ctx);
      await withTenant(db, ctx, async (tx) => {
        const before = await q.findView(tx, id);
        if (!(await q.deleteOwnView(tx, id, userId))) await ownOrExplain(tx, id, userId);
        await emit(tx, ctx, 'view.deleted', id, before?.shared ? null : userId);
      });
    },
  };
}

export type ViewsService = ReturnType<typeof createViewsService>;
