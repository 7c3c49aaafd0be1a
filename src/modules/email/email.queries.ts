import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB, EmailMessagesTable, EmailSmtpAccountsTable, EmailTemplatesTable } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

// SMTP accounts (user_id NULL: the organization relay) -------------------------------------

export async function getAccount(tx: Tx, userId: string | null) {
  let q = tx.selectFrom('email_smtp_accounts').selectAll();
  q = userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
  return q.executeTakeFirst();
}

export async function getAccountById(tx: Tx, id: string) {
  return tx.selectFrom('email_smtp_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function upsertAccount(tx: Tx, values: Insertable<EmailSmtpAccountsTable>, keepPassword: boolean) {
  const existing = await getAccount(tx, values.user_id ?? null);
  if (!existing) return tx.insertInto('email_smtp_accounts').values(values).returningAll().executeTakeFirstOrThrow();
  const { organization_id: _o, user_id: _u, password_sealed, ...rest } = values;
  const set: Updateable<EmailSmtpAccountsTable> = keepPassword ? rest : { ...rest, password_sealed: password_sealed ?? null };
  return tx.updateTable('email_smtp_accounts').set(set).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
}

export async function deleteAccount(tx: Tx, userId: string | null): Promise<boolean> {
  let q = tx.deleteFrom('email_smtp_accounts');
  q = userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
  return Number((await q.executeTakeFirst()).numDeletedRows) > 0;
}

// Organization settings -----------------------------------------------------------------------

export async function getSettings(tx: Tx) {
  return tx.selectFrom('email_settings').select(['track_opens', 'track_clicks']).executeTakeFirst();
}

export async function putSettings(tx: Tx, organizationId: string, values: { track_opens: boolean; track_clicks: boolean; updated_by: string | null }) {
  return tx
    .insertInto('email_settings')
    .values({ organization_id: organizationId, ...values })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet(values))
    .returning(['track_opens', 'track_clicks'])
    .executeTakeFirstOrThrow();
}

// Templates -----------------------------------------------------------------------------------

const TEMPLATE_COLUMNS = ['id', 'name', 'subject', 'body_text', 'body_html', 'created_by', 'updated_by', 'created_at', 'updated_at'] as const;

export async function listTemplates(tx: Tx) {
  return tx.selectFrom('email_templates').select(TEMPLATE_COLUMNS).orderBy(sql`lower(name)`).orderBy('id').limit(1000).execute();
}

export async function getTemplate(tx: Tx, id: string) {
  return tx.selectFrom('email_templates').select(TEMPLATE_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function insertTemplate(tx: Tx, values: Insertable<EmailTemplatesTable>) {
  return tx.insertInto('email_templates').values(values).returning(TEMPLATE_COLUMNS).executeTakeFirstOrThrow();
}

export async function updateTemplate(tx: Tx, id: string, values: Updateable<EmailTemplatesTable>) {
  return tx.updateTable('email_templates').set(values).where('id', '=', id).returning(TEMPLATE_COLUMNS).executeTakeFirst();
}

export async function deleteTemplate(tx: Tx, id: string): Promise<boolean> {
  return Number((await tx.deleteFrom('email_templates').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
}

/** The organization's custom field keys: templates may use {{custom.<key>}} for each. */
export async function customFieldKeys(tx: Tx): Promise<string[]> {
  const rows = await tx.selectFrom('custom_field_definitions').select('key').orderBy('key').execute();
  return rows.map((r) => r.key);
}

export async function userName(tx: Tx, userId: string | null): Promise<{ full_name: string; email: string } | undefined> {
  if (!userId) return undefined;
  return tx.selectFrom('users').select(['full_name', 'email']).where('id', '=', userId).executeTakeFirst();
}

/** A lead's fields for a template and its contact flags, without scope (the job's and tracking's read). */
export async function leadForEmail(tx: Tx, id: string) {
  return tx
    .selectFrom('leads')
    .select(['id', 'first_name', 'last_name', 'email', 'company', 'job_title', 'custom_fields', 'assigned_to', 'do_not_contact', 'unsubscribed', 'consent_withdrawn'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A sample lead for previews without one. */
export async function anyLeadId(tx: Tx): Promise<string | undefined> {
  return (await tx.selectFrom('leads').select('id').orderBy('created_at').limit(1).executeTakeFirst())?.id;
}

/** The conversation a reply answers: its Message-ID, thread and references (the lead's own only). */
export async function replyTarget(tx: Tx, leadId: string, conversationId: string) {
  return tx
    .selectFrom('conversations')
    .select(['id', 'external_id', 'thread_id', 'subject', sql<string[] | null>`(SELECT array_agg(x) FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(metadata->'references') = 'array' THEN metadata->'references' ELSE '[]'::jsonb END) AS x)`.as('references')])
    .where('id', '=', conversationId)
    .where('lead_id', '=', leadId)
    .executeTakeFirst();
}

// Messages --------------------------------------------------------------------------------------

const MESSAGE_COLUMNS = [
  'id', 'lead_id', 'status', 'error', 'attempts', 'subject', 'to_address', 'from_address', 'message_id', 'thread_id', 'conversation_id',
  'template_id', 'track_opens', 'track_clicks', 'opened_at', 'clicked_at', 'sent_at', 'created_at',
] as const;

export async function insertMessage(tx: Tx, values: Insertable<EmailMessagesTable>) {
  return tx.insertInto('email_messages').values(values).returning(MESSAGE_COLUMNS).executeTakeFirstOrThrow();
}

export async function getMessage(tx: Tx, id: string) {
  return tx.selectFrom('email_messages').select(MESSAGE_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Everything the job needs to send it. */
export async function getMessageForSending(tx: Tx, id: string) {
  return tx.selectFrom('email_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listMessagesForLead(tx: Tx, leadId: string) {
  return tx.selectFrom('email_messages').select(MESSAGE_COLUMNS).where('lead_id', '=', leadId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute();
}

export async function updateMessage(tx: Tx, id: string, values: Updateable<EmailMessagesTable>) {
  await tx.updateTable('email_messages').set(values).where('id', '=', id).execute();
}

/**
 * The message a public link's token names, in any organization: the owner connection reads
 * it (the caller is not signed in).
 */
export async function findByToken(db: Kysely<DB>, token: string) {
  return db
    .selectFrom('email_messages')
    .select(['id', 'organization_id', 'lead_id', 'status', 'links', 'track_opens', 'track_clicks', 'opened_at', 'clicked_at', 'subject'])
    .where('token', '=', token)
    .executeTakeFirst();
}

export async function organizationName(db: Kysely<DB>, id: string): Promise<string> {
  return (await db.selectFrom('organizations').select('name').where('id', '=', id).executeTakeFirst())?.name ?? '';
}

export async function insertJourneyEvent(tx: Tx, row: { organizationId: string; leadId: string; type: 'email_open' | 'email_click'; name: string; description: string; properties: Record<string, unknown>; userAgent: string | null }) {
  await tx
    .insertInto('journey_events')
    .values({ organization_id: row.organizationId, lead_id: row.leadId, event_type: row.type, event_name: row.name, description: row.description, properties: JSON.stringify(row.properties), user_agent: row.userAgent })
    .execute();
}
