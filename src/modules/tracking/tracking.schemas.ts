import { z } from 'zod';
import { DateTimeInput } from '../../shared/schemas.ts';
import { Email, Uuid } from '../auth/auth.schemas.ts';

export const TRACK_EVENT_TYPES = ['page_view', 'form_submit', 'email_open', 'email_click', 'identify', 'custom'] as const;
export type TrackEventType = (typeof TRACK_EVENT_TYPES)[number];
export const MAX_BATCH_EVENTS = 500;
/** Bytes. 500 events of about 2 KB each. */
export const TRACK_BODY_LIMIT = 1_048_576;

const ClientId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, { message: 'must be 1–100 characters: letters, digits, . _ : -' });

const Timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time like 2026-11-25T14:03:00.000Z' });

const Scalar = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);

export const TrackEvent = z
  .strictObject({
    id: ClientId.describe('Client event id, unique per event: a retried batch with the same ids adds nothing.'),
    type: z.enum(TRACK_EVENT_TYPES),
    name: z.string().trim().min(1).max(255).optional().describe('Event name (required for custom events; defaults to the page title for page views)'),
    anonymous_id: ClientId.describe('The visitor’s anonymous id (the snippet keeps it in localStorage).'),
    session_id: ClientId.optional(),
    timestamp: Timestamp.optional().describe('When it happened, by the client’s clock (corrected with sent_at); default: now'),
    url: z.string().max(4096).optional(),
    title: z.string().max(1000).optional(),
    referrer: z.string().max(4096).optional(),
    email: Email.optional().describe('identify: the visitor’s email; the lead is found by it, or created'),
    traits: z.record(z.string().max(100), Scalar).optional().describe('identify: first_name, last_name, name, company, phone, …'),
    properties: z.record(z.string().max(100), z.unknown()).optional(),
  })
  .superRefine((event, ctx) => {
    if (event.type === 'identify' && !event.email) ctx.addIssue({ code: 'custom', path: ['email'], message: 'an identify event needs the email' });
    if (event.type === 'custom' && !event.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'a custom event needs a name' });
  });
export type TrackEvent = z.infer<typeof TrackEvent>;

export const TrackBatch = z.strictObject({
  write_key: z.string().max(200).optional().describe('The organization’s public write key (or the x-leadai-write-key header)'),
  sent_at: Timestamp.optional().describe('The client’s clock when it sent the batch, to correct event timestamps for clock skew'),
  events: z
    .array(TrackEvent)
    .min(1, { message: 'send at least one event' })
    .max(MAX_BATCH_EVENTS, { message: `a batch holds at most ${MAX_BATCH_EVENTS} events: split it into smaller batches` }),
});
export type TrackBatch = z.infer<typeof TrackBatch>;

export const TrackResult = z.object({
  received: z.number().int().describe('Events in the batch'),
  inserted: z.number().int().describe('Events stored now (the rest had been stored before: a retry)'),
});

export const TrackingKey = z.object({
  id: Uuid,
  name: z.string(),
  write_key: z.string().describe('Public: safe to embed in web pages; it can only write tracking events'),
  created_at: z.date(),
  last_used_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
  replaces_id: Uuid.nullable(),
});
export const TrackingKeyBody = z.strictObject({ name: z.string().trim().min(1).max(255).default('Website') });

const JOURNEY_TYPE = z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, { message: 'event types are lowercase words like page_view' });

export const JourneyQuery = z.strictObject({
  type: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(JOURNEY_TYPE).min(1).max(20))
    .optional()
    .describe('Comma-separated event types, e.g. page_view,form_submit'),
  from: DateTimeInput.optional().describe('occurred_at ≥ from'),
  to: DateTimeInput.optional().describe('occurred_at < to'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type JourneyQuery = z.infer<typeof JourneyQuery>;

export const JourneyEvent = z.object({
  id: Uuid,
  event_type: z.string(),
  event_name: z.string(),
  description: z.string().nullable(),
  properties: z.record(z.string(), z.unknown()),
  session_id: z.string().nullable(),
  anonymous_id: z.string().nullable(),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  user_id: Uuid.nullable(),
  occurred_at: z.date(),
  created_at: z.date(),
});
export const JourneyPage = z.object({ data: z.array(JourneyEvent), next_cursor: z.string().nullable() });

/** Journey events recorded for a known lead by a signed-in user or an integration. */
export const JourneyWriteEvent = z.strictObject({
  id: ClientId.optional().describe('Client event id for idempotent retries'),
  type: z.enum(TRACK_EVENT_TYPES).exclude(['identify']),
  name: z.string().trim().min(1).max(255).optional(),
  session_id: ClientId.optional(),
  timestamp: Timestamp.optional(),
  url: z.string().max(4096).optional(),
  title: z.string().max(1000).optional(),
  referrer: z.string().max(4096).optional(),
  properties: z.record(z.string().max(100), z.unknown()).optional(),
});
export type JourneyWriteEvent = z.infer<typeof JourneyWriteEvent>;
export const JourneyWriteBody = z.strictObject({
  events: z.array(JourneyWriteEvent).min(1).max(MAX_BATCH_EVENTS, { message: `at most ${MAX_BATCH_EVENTS} events per request` }),
});

/** The install check in Tracking settings: has the snippet sent anything yet? */
export const RecentEventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export type RecentEventsQuery = z.infer<typeof RecentEventsQuery>;

export const RecentEvent = z.object({
  id: Uuid,
  event_type: z.string(),
  event_name: z.string(),
  url: z.string().nullable().describe('The page the event came from'),
  anonymous_id: z.string().nullable(),
  lead_id: Uuid.nullable().describe('The lead, once the visitor identified themselves'),
  occurred_at: z.date(),
});
export const RecentEvents = z.object({
  data: z.array(RecentEvent).describe('The latest website events, newest first (last 30 days)'),
  last_24h: z.number().int().describe('Website events received in the last 24 hours'),
  last_30d: z.number().int().describe('Website events received in the last 30 days'),
  last_received_at: z.date().nullable().describe('When the newest website event happened; null when none in 30 days'),
});
