import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { CONSENT_PURPOSES, type ConsentPurpose, type DB, type LawfulBasis } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import { auditActor, recordAudit } from '../audit/audit.service.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { markUnsubscribedByPerson, refreshConsentState, type LeadsService } from '../leads/leads.service.ts';
import { isContactable, isTrackable } from './contactability.ts';
import * as q from './consent.queries.ts';
import type { ConsentBody, WithdrawBody } from './consent.schemas.ts';

type Records = Awaited<ReturnType<typeof q.listForLead>>;

/** Per purpose: granted while an open grant exists; withdrawn when only withdrawn records exist. */
export function consentStatus(records: Records): Record<ConsentPurpose, 'granted' | 'withdrawn' | 'unknown'> {
  return Object.fromEntries(CONSENT_PURPOSES.map((p) => {
    const mine = records.filter((r) => r.purpose === p);
    const state = mine.some((r) => r.withdrawn_at === null && r.granted_at !== null) ? 'granted' : mine.length > 0 ? 'withdrawn' : 'unknown';
    return [p, state];
  })) as Record<ConsentPurpose, 'granted' | 'withdrawn' | 'unknown'>;
}

/**
 * Consent records of leads (GDPR art. 6/7: what was agreed, on which basis, from where,
 * when, and its withdrawal). Reading follows the lead's read scope; recording and
 * withdrawing need consents:write and the lead in the caller's write scope. Every change
 * is audited and, in the same transaction, updates the lead's withdrawn purposes, which
 * tracking, insights, follow-ups and exports honour.
 */
export function createConsentService(db: Kysely<DB>, leads: LeadsService) {
  const defaultSource = (ctx: AuthContext): 'manual' | 'api' => (ctx.via === 'session' ? 'manual' : 'api');

  async function overview(ctx: AuthContext, leadId: string) {
    const lead = await leads.get(ctx, leadId);
    const data = await withTenantRead(db, ctx, (tx) => q.listForLead(tx, leadId));
    return {
      data,
      status: consentStatus(data),
      do_not_contact: lead.do_not_contact,
      unsubscribed: lead.unsubscribed,
      contactable: isContactable(lead, 'sales_contact'),
      trackable: isTrackable(lead),
    };
  }

  async function writableLead(ctx: AuthContext, leadId: string) {
    authorize(ctx, 'consents:write');
    await leads.writable(ctx, leadId);
  }

  return {
    overview,

    async record(ctx: AuthContext, leadId: string, body: z.infer<typeof ConsentBody>) {
      await writableLead(ctx, leadId);
      const grantedAt = body.granted_at ?? new Date();
      if (grantedAt.getTime() > Date.now() + 60_000) throw new DomainError('validation', 'granted_at is in the future; send when the consent was given (or leave it out for now).', { field: 'granted_at' });
      const source = body.source ?? defaultSource(ctx);
      return withTenant(db, ctx, async (tx) => {
        const [row] = await q.insertConsents(tx, [{ organizationId: ctx.organizationId, leadId, purpose: body.purpose, lawfulBasis: body.lawful_basis, source, grantedAt, recordedBy: ctx.userId }]);
        await refreshConsentState(tx, ctx, [leadId]);
        await recordAudit(tx, { ...auditActor(ctx), action: 'consent.record', entityType: 'lead', entityId: leadId, details: { consent_id: row!.id, purpose: body.purpose, lawful_basis: body.lawful_basis, source } });
        return row!;
      });
    },

    /** Closes the purpose's open grants; without any, records the withdrawal (an objection) itself. */
    async withdraw(ctx: AuthContext, leadId: string, body: z.infer<typeof WithdrawBody>) {
      await writableLead(ctx, leadId);
      const source = body.source ?? defaultSource(ctx);
      await withTenant(db, ctx, async (tx) => {
        const closed = await q.withdrawOpen(tx, leadId, body.purpose, ctx.userId);
        if (closed === 0) {
          await q.insertConsents(tx, [{ organizationId: ctx.organizationId, leadId, purpose: body.purpose, lawfulBasis: 'consent', source, grantedAt: null, withdrawnAt: new Date(), recordedBy: ctx.userId }]);
        }
        await refreshConsentState(tx, ctx, [leadId]);
        await recordAudit(tx, { ...auditActor(ctx), action: 'consent.withdraw', entityType: 'lead', entityId: leadId, details: { purpose: body.purpose, source, grants_closed: closed } });
      });
      return overview(ctx, leadId);
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;

/** A consent state an imported row gives for its lead. */
export interface ImportedConsentRow {
  leadId: string;
  purpose: ConsentPurpose;
  granted: boolean;
  lawfulBasis: LawfulBasis;
  /** When the file says it was given or withdrawn; null: the time of the import. */
  at: Date | null;
}

/**
 * For the importer, inside its transaction (both the normal and the bulk path): consent
 * states read from a file's columns, as records with source 'import'. A withdrawal closes
 * the purpose's open grants, or, without any, is recorded itself, as the API does. What
 * the lead's records already say is not recorded again, so importing a file twice (or a
 * newer export of the same CRM) adds only what changed: a grant when an open grant on the
 * same basis (and, when the file dates it, of the same date) exists; a withdrawal when the
 * purpose is already withdrawn.
 */
export async function recordImportedConsents(tx: Tx, ctx: { organizationId: string; userId: string | null }, rows: readonly ImportedConsentRow[]): Promise<{ recorded: number; closed: number }> {
  if (rows.length === 0) return { recorded: 0, closed: 0 };
  const now = new Date();
  const leadIds = [...new Set(rows.map((r) => r.leadId))];
  const key = (leadId: string, purpose: string) => `${leadId}|${purpose}`;
  const open = new Map<string, { lawful_basis: string; granted_at: Date | null }[]>();
  const known = new Set<string>();
  for (const c of await q.statesForLeads(tx, leadIds)) {
    const k = key(c.lead_id, c.purpose);
    known.add(k);
    if (c.withdrawn_at === null) open.set(k, [...(open.get(k) ?? []), c]);
  }
  const inserts: q.NewConsent[] = [];
  const closes: { leadId: string; purpose: ConsentPurpose; at: Date }[] = [];
  for (const r of rows) {
    const k = key(r.leadId, r.purpose);
    const grants = open.get(k) ?? [];
    const at = r.at ?? now;
    if (r.granted) {
      if (grants.some((g) => g.lawful_basis === r.lawfulBasis && (r.at === null || g.granted_at?.getTime() === r.at.getTime()))) continue;
      inserts.push({ organizationId: ctx.organizationId, leadId: r.leadId, purpose: r.purpose, lawfulBasis: r.lawfulBasis, source: 'import', grantedAt: at, recordedBy: ctx.userId });
      open.set(k, [...grants, { lawful_basis: r.lawfulBasis, granted_at: at }]);
    } else if (grants.length > 0) {
      closes.push({ leadId: r.leadId, purpose: r.purpose, at });
      open.delete(k);
    } else if (!known.has(k)) {
      inserts.push({ organizationId: ctx.organizationId, leadId: r.leadId, purpose: r.purpose, lawfulBasis: r.lawfulBasis, source: 'import', grantedAt: null, withdrawnAt: at, recordedBy: ctx.userId });
    }
    known.add(k);
  }
  // Grants first: a row that grants and a later row that withdraws close what was just granted.
  await q.insertConsents(tx, inserts);
  const closed = await q.withdrawOpenMany(tx, closes, ctx.userId);
  await refreshConsentState(tx, ctx, leadIds);
  return { recorded: inserts.length, closed };
}

/**
 * The person's own "unsubscribe" (an e-mail's link or one-click header), inside the caller's
 * transaction: the lead becomes unsubscribed, which every contact path (e-mail sending,
 * suggestions, exports) and the tracker honour (see contactability.ts).
 */
export async function unsubscribeFromEmail(tx: Tx, organizationId: string, leadId: string): Promise<boolean> {
  return markUnsubscribedByPerson(tx, organizationId, leadId, 'email');
}
