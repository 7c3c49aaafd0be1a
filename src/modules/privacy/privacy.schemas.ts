import { z } from 'zod';
import { PRIVACY_REQUEST_STATUSES, PRIVACY_REQUEST_TYPES } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

export const PrivacyRequestBody = z
  .strictObject({
    type: z.enum(PRIVACY_REQUEST_TYPES).describe('export: everything held about the person, as JSON (access, portability); erasure: delete or anonymise them everywhere'),
    email: z.string().trim().email().max(320).optional().describe('The person\'s e-mail'),
    phone: z.string().trim().min(7).max(50).regex(/\d/, 'must contain digits').optional().describe('The person\'s phone, any format'),
    lead_id: Uuid.optional().describe('One of the person\'s leads (their other leads with the same e-mail or phone are found too)'),
  })
  .meta({ id: 'PrivacyRequestBody', example: { type: 'export', email: 'jane@example.com' } });
export type PrivacyRequestBody = z.infer<typeof PrivacyRequestBody>;

export const PrivacyRequest = z
  .object({
    id: Uuid,
    type: z.enum(PRIVACY_REQUEST_TYPES),
    status: z.enum(PRIVACY_REQUEST_STATUSES),
    subject: z
      .object({ email: z.string().nullable(), phone: z.string().nullable(), lead_ids: z.array(Uuid) })
      .describe('Who the request is about, while it is being acted on; cleared when it is done (a keyed hash stays)'),
    received_at: z.date(),
    due_at: z.date().describe('One month after receipt (GDPR art. 12(3))'),
    overdue: z.boolean(),
    requested_by: z.object({ id: Uuid, name: z.string() }).nullable(),
    acted_by: z.object({ id: Uuid, name: z.string() }).nullable(),
    channel: z.enum(['api', 'cli']),
    job_id: z.number().int().nullable(),
    progress: z.object({ done: z.number(), total: z.number(), message: z.string().nullable() }).nullable(),
    started_at: z.date().nullable(),
    finished_at: z.date().nullable(),
    result: z.record(z.string(), z.unknown()).describe('Counts per kind of record, never values'),
    verification: z.record(z.string(), z.unknown()).nullable().describe('Erasure: the catalogue-wide scan for traces left (clean, tables and columns scanned, traces found)'),
    error: z.string().nullable(),
    download: z
      .object({ available: z.boolean(), expires_at: z.date().nullable(), downloaded_at: z.date().nullable() })
      .nullable()
      .describe('Export: whether its document can still be downloaded (once, by the requester, until it expires)'),
  })
  .meta({ id: 'PrivacyRequest' });

export const CreatedPrivacyRequest = PrivacyRequest.extend({
  download_token: z.string().nullable().describe('Export: the one-time token for GET …/download?token=, shown only now'),
}).meta({ id: 'CreatedPrivacyRequest' });

export const PrivacyRequestList = z.object({ data: z.array(PrivacyRequest) });

export const PrivacyListQuery = z.strictObject({
  status: z.enum(PRIVACY_REQUEST_STATUSES).optional(),
  type: z.enum(PRIVACY_REQUEST_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const DownloadQuery = z.strictObject({ token: z.string().min(10).max(200).describe('The download_token returned when the request was made') });

export const ErasurePreviewQuery = z.strictObject({ lead_id: Uuid });
export const ErasurePreview = z
  .object({
    lead_ids: z.array(Uuid).describe('All leads of the person (same e-mail or phone)'),
    counts: z.record(z.string(), z.number().int()).describe('Records that would be removed, per kind'),
    mentions: z.number().int().describe('Records of others that mention them and would be rewritten to "[erased]"'),
  })
  .meta({ id: 'ErasurePreview' });
