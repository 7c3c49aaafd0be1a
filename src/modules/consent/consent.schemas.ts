import { z } from 'zod';
import { CONSENT_PURPOSES, CONSENT_SOURCES, LAWFUL_BASES } from '../../db/schema.ts';
import { DateTimeInput } from '../../shared/schemas.ts';
import { Uuid } from '../auth/auth.schemas.ts';

const Purpose = z.enum(CONSENT_PURPOSES).describe('marketing (newsletters, campaigns), sales_contact (calls and e-mails from sales), tracking (website visits), profiling (scoring and insights)');

export const ConsentRecord = z.object({
  id: Uuid,
  lead_id: Uuid,
  purpose: z.enum(CONSENT_PURPOSES),
  lawful_basis: z.enum(LAWFUL_BASES),
  source: z.enum(CONSENT_SOURCES),
  granted_at: z.date().nullable().describe('null for a withdrawal (an objection) recorded without an earlier grant'),
  withdrawn_at: z.date().nullable(),
  recorded_by: Uuid.nullable().describe('The user who recorded it (null: an API key or an import)'),
  withdrawn_by: Uuid.nullable(),
  created_at: z.date(),
});

export const ConsentState = z.enum(['granted', 'withdrawn', 'unknown']);

export const ConsentOverview = z.object({
  data: z.array(ConsentRecord).describe('Every record, newest first'),
  status: z.record(z.enum(CONSENT_PURPOSES), ConsentState).describe('Per purpose: granted while an open grant exists, withdrawn when only withdrawn records exist, unknown without records'),
  do_not_contact: z.boolean(),
  unsubscribed: z.boolean(),
  contactable: z.boolean().describe('May be contacted (sales): not do-not-contact, not unsubscribed, sales_contact not withdrawn'),
  trackable: z.boolean().describe('The website tracker records this person: not do-not-contact, not unsubscribed, tracking not withdrawn'),
});

export const ConsentBody = z.strictObject({
  purpose: Purpose,
  lawful_basis: z.enum(LAWFUL_BASES).default('consent').describe('GDPR article 6 basis; default consent'),
  source: z.enum(CONSENT_SOURCES).optional().describe('Where it was given; default manual (signed-in user) or api (API key)'),
  granted_at: DateTimeInput.optional().describe('When it was given; default now. Not in the future.'),
});

export const WithdrawBody = z.strictObject({
  purpose: Purpose,
  source: z.enum(CONSENT_SOURCES).optional().describe('Where the withdrawal came from; default manual or api'),
});
