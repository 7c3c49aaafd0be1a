import { sql } from 'kysely';
import type { ConsentPurpose, ConsentSource, LawfulBasis } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

const COLUMNS = ['id', 'lead_id', 'purpose', 'lawful_basis', 'source', 'granted_at', 'withdrawn_at', 'recorded_by', 'withdrawn_by', 'created_at'] as const;

export async function listForLead(tx: Tx, leadId: string) {
  return tx.selectFrom('lead_consents').select(COLUMNS).where('lead_id', '=', leadId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export interface NewConsent {
  organizationId: string;
  leadId: string;
  purpose: ConsentPurpose;
  lawfulBasis: LawfulBasis;
  source: ConsentSource;
  grantedAt: Date | null;
  withdrawnAt?: Date | null;
  recordedBy: string | null;
}

export async function insertConsents(tx: Tx, rows: NewConsent[]) {
  if (rows.length === 0) return [];
  return tx
    .insertInto('lead_consents')
    .values(rows.map((r) => ({
      organization_id: r.organizationId, lead_id: r.leadId, purpose: r.purpose, lawful_basis: r.lawfulBasis, source: r.source,
      granted_at: r.grantedAt, withdrawn_at: r.withdrawnAt ?? null, recorded_by: r.recordedBy, withdrawn_by: r.withdrawnAt ? r.recordedBy : null,
    })))
    .returning(COLUMNS)
    .execute();
}

/** Closes the purpose's open grants of the lead; returns how many. */
export async function withdrawOpen(tx: Tx, leadId: string, purpose: ConsentPurpose, by: string | null): Promise<number> {
  const r = await tx
    .updateTable('lead_consents')
    .set({ withdrawn_at: sql`now()`, withdrawn_by: by })
    .where('lead_id', '=', leadId)
    .where('purpose', '=', purpose)
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Every record's state for these leads (the importer compares a file's consents with them). */
export async function statesForLeads(tx: Tx, leadIds: string[]) {
  if (leadIds.length === 0) return [];
  return tx.selectFrom('lead_consents').select(['lead_id', 'purpose', 'lawful_basis', 'granted_at', 'withdrawn_at']).where(sql<boolean>`lead_id = ANY(${leadIds}::uuid[])`).execute();
}

/** Closes the open grants of each (lead, purpose) at its time (never before the grant); returns how many. */
export async function withdrawOpenMany(tx: Tx, rows: { leadId: string; purpose: ConsentPurpose; at: Date }[], by: string | null): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await sql`
    UPDATE lead_consents c SET withdrawn_at = greatest(c.granted_at, k.at), withdrawn_by = ${by}::uuid
    FROM unnest(${rows.map((x) => x.leadId)}::uuid[], ${rows.map((x) => x.purpose)}::text[], ${rows.map((x) => x.at.toISOString())}::timestamptz[]) AS k(lead_id, purpose, at)
    WHERE c.lead_id = k.lead_id AND c.purpose = k.purpose AND c.withdrawn_at IS NULL`.execute(tx);
  return Number(r.numAffectedRows ?? 0);
}
