import type { Insertable, Kysely, Updateable } from 'kysely';
import type { z } from 'zod';
import type { ConversationsTable, DB } from '../../db/schema.ts';
import { withTenant, type Tx } from '../../db/tenant.ts';
import { decodeTimeCursor, timePage } from '../../shared/cursor.ts';
import { patchValues } from '../../shared/patch.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { emitEvent, type EventContext } from '../events/events.service.ts';
import type { LeadsService } from '../leads/leads.service.ts';
import * as q from './conversations.queries.ts';
import type { ConversationBody, ConversationListQuery, ConversationPatch } from './conversations.schemas.ts';

const NOT_FOUND = 'No conversation with this id is visible to you.';

function mapReferenceError(error: unknown): never {
  // 0039: one e-mail (its Message-ID) is stored once per lead.
  if ((error as { code?: string }).code === '23505') {
    throw new DomainError('conflict', 'This lead already has an e-mail with this external_id (Message-ID); an e-mail is recorded once per lead.', { field: 'external_id' });
  }
  if ((error as { code?: string }).code === '23503') {
    throw new DomainError('validation', 'activity_id does not name an activity of your organization.', { field: 'activity_id' });
  }
  throw error;
}

export function createConversationsService(db: Kysely<DB>, leads: LeadsService) {
  async function page(ctx: AuthContext, query: ConversationListQuery, leadId?: string) {
    authorize(ctx, 'leads:read');
    const after = decodeTimeCursor('conversations', query.cursor);
    const rows = await withTenant(db, ctx, (tx) =>
      q.listConversations(
        tx,
        {
          scope: leads.scopeFilter(ctx, 'read'),
          ...(query.direction ? { direction: query.direction } : {}),
          ...(query.channel ? { channel: query.channel } : {}),
          ...(leadId ?? query.lead_id ? { leadId: leadId ?? query.lead_id } : {}),
          ...(query.thread_id ? { threadId: query.thread_id } : {}),
          ...(query.created_after ? { createdAfter: query.created_after } : {}),
          ...(query.created_before ? { createdBefore: query.created_before } : {}),
        },
        query.limit,
        after,
      ),
    );
    return timePage('conversations', rows, query.limit);
  }

  async function visible(ctx: AuthContext, id: string) {
    const conversation = await withTenant(db, ctx, (tx) => q.getConversation(tx, id));
    if (!conversation) throw new DomainError('not_found', NOT_FOUND);
    await leads.get(ctx, conversation.lead_id).catch(() => {
      throw new DomainError('not_found', NOT_FOUND);
    });
    return conversation;
  }

  /** Recording and changing a conversation needs a lead the caller may change (see leads.writable). */
  async function changeable(ctx: AuthContext, id: string) {
    authorize(ctx, 'conversations:write');
    const conversation = await visible(ctx, id);
    await leads.writable(ctx, conversation.lead_id);
    return conversation;
  }

  return {
    list: (ctx: AuthContext, query: ConversationListQuery) => page(ctx, query),

    async listForLead(ctx: AuthContext, leadId: string, query: ConversationListQuery) {
      await leads.get(ctx, leadId);
      return page(ctx, query, leadId);
    },

    get: (ctx: AuthContext, id: string) => {
      authorize(ctx, 'leads:read');
      return visible(ctx, id);
    },

    async create(ctx: AuthContext, leadId: string, body: z.infer<typeof ConversationBody>) {
      authorize(ctx, 'conversations:write');
      await leads.writable(ctx, leadId);
      return withTenant(db, ctx, async (tx) => {
        const conversation = await q
          .insertConversation(tx, {
            organization_id: ctx.organizationId,
            lead_id: leadId,
            activity_id: body.activity_id ?? null,
            direction: body.direction,
            channel: body.channel,
            subject: body.subject ?? null,
            content: body.content,
            external_id: body.external_id ?? null,
            thread_id: body.thread_id ?? null,
            metadata: JSON.stringify(body.metadata ?? {}),
            ...(body.occurred_at ? { created_at: body.occurred_at } : {}),
          })
          .catch(mapReferenceError);
        await emitEvent(tx, ctx, { type: 'conversation.created', entityType: 'conversation', entityId: conversation.id, payload: { lead_id: leadId } });
        return conversation;
      });
    },

    async update(ctx: AuthContext, id: string, patch: z.infer<typeof ConversationPatch>) {
      await changeable(ctx, id);
      const values = patchValues(patch, ['metadata']) as Updateable<ConversationsTable>;
      // Changed text must be analysed again.
      if (patch.content !== undefined || patch.subject !== undefined) values.analyzed_at = null;
      return withTenant(db, ctx, async (tx) => {
        const conversation = await q.updateConversation(tx, id, values).catch(mapReferenceError);
        await emitEvent(tx, ctx, { type: 'conversation.updated', entityType: 'conversation', entityId: id, payload: { lead_id: conversation.lead_id, fields: Object.keys(values) } });
        return conversation;
      });
    },

    async remove(ctx: AuthContext, id: string) {
      const conversation = await changeable(ctx, id);
      await withTenant(db, ctx, async (tx) => {
        await q.deleteConversation(tx, id);
        await emitEvent(tx, ctx, { type: 'conversation.deleted', entityType: 'conversation', entityId: id, payload: { lead_id: conversation.lead_id } });
      });
    },
  };
}

/**
 * For the mailbox sync, in its own transaction: one synced e-mail for one lead, unless that
 * lead already has it. Inserting fires the same triggers as the API (analysis 0013, rescoring
 * 0012); the event is the API's too. Returns the new conversation's id, or null for a repeat.
 */
export async function recordEmailConversation(tx: Tx, ctx: EventContext, values: Omit<Insertable<ConversationsTable>, 'organization_id' | 'channel'>): Promise<string | null> {
  const row = await q.insertEmailIfNew(tx, { ...values, organization_id: ctx.organizationId, channel: 'email' });
  if (!row) return null;
  await emitEvent(tx, ctx, { type: 'conversation.created', entityType: 'conversation', entityId: row.id, payload: { lead_id: row.lead_id } });
  return row.id;
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
