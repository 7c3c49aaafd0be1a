import { z } from 'zod';
import { Uuid } from '../auth/auth.schemas.ts';
import { WEBHOOK_EVENT_TYPES } from './webhooks.events.ts';
import { MAX_URL_LENGTH } from './webhooks.target.ts';

const EventType = z.enum(WEBHOOK_EVENT_TYPES);

export const Endpoint = z.object({
  id: Uuid,
  url: z.string(),
  description: z.string(),
  event_types: z.array(z.string()),
  enabled: z.boolean(),
  state: z.enum(['enabled', 'failing', 'disabled']).describe('failing: enabled, but every attempt since failing_since failed; 24 hours of that disable it'),
  disabled_reason: z.string().nullable(),
  disabled_at: z.date().nullable(),
  failing_since: z.date().nullable(),
  created_by: Uuid.nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

export const EndpointList = z.object({ data: z.array(Endpoint) });

export const EndpointWithSecret = Endpoint.extend({
  secret: z.string().describe('The signing secret (whsec_…). Shown this once: store it in the receiver now. Rotate it to get a new one.'),
});

export const SecretResponse = z.object({ secret: z.string().describe('The new signing secret (whsec_…), shown this once; the old one stops working now') });

const Url = z.string().min(1, { message: 'is required' }).max(MAX_URL_LENGTH).describe('Where to POST: https:// (or http://), without a user name or password');
const EventTypes = z.array(EventType).min(1, { message: 'choose at least one event type' }).max(WEBHOOK_EVENT_TYPES.length)
  .refine((a) => new Set(a).size === a.length, { message: 'lists an event type twice' })
  .describe(`Event types to send: ${WEBHOOK_EVENT_TYPES.join(', ')}`);

export const CreateBody = z.strictObject({
  url: Url,
  description: z.string().max(500).optional().describe('What receives it, for the people reading the list'),
  event_types: EventTypes,
});

export const PatchBody = z.strictObject({
  url: Url.optional(),
  description: z.string().max(500).optional(),
  event_types: EventTypes.optional(),
  enabled: z.boolean().optional().describe('false pauses deliveries (they wait); true resumes them and clears a disabled reason'),
});

export const DeliveryStatus = z.enum(['queued', 'succeeded', 'failed', 'gave_up']);

export const Delivery = z.object({
  id: Uuid,
  endpoint_id: Uuid,
  event_seq: z.number().int().nullable().describe("The event's position in the organization's outbox (null: a test event)"),
  outbox_event_id: z.number().int().nullable(),
  event_type: z.string(),
  lead_id: Uuid.nullable(),
  message_id: z.string().describe('The webhook-id header: the same on every attempt and replay, for receivers to deduplicate'),
  status: DeliveryStatus.describe('queued: not tried yet or waiting for an earlier event about the same lead; failed: the last attempt failed, another is scheduled; gave_up: no attempts left'),
  attempts: z.number().int(),
  next_attempt_at: z.date().nullable(),
  last_attempt_at: z.date().nullable(),
  last_status_code: z.number().int().nullable(),
  latency_ms: z.number().int().nullable(),
  error: z.string().nullable(),
  replay_of: Uuid.nullable(),
  created_at: z.date(),
  delivered_at: z.date().nullable(),
});

export const DeliveryPage = z.object({ data: z.array(Delivery), next_cursor: z.string().nullable() });

export const DeliveryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
  status: DeliveryStatus.optional(),
});

export const Settings = z.object({
  allow_private_targets: z.boolean().describe('Deliveries may go to loopback, private, link-local and CGNAT addresses (a receiver on your own network). Off: such targets are refused at delivery time, after DNS resolution.'),
  event_types: z.array(z.object({ type: z.string(), label: z.string() })).describe('The event types an endpoint may subscribe to'),
});

export const SettingsBody = z.strictObject({ allow_private_targets: z.boolean() });
