/**
 * The event types an endpoint may subscribe to: outbox events (src/modules/events) by their
 * outbox name. `workflow.fired` is written to the outbox by a workflow's "send a webhook"
 * action (payload `{ workflow_id, workflow_name, lead_id, … }`). `webhook.test` is not here:
 * it is sent only by the "send test event" action, to the one endpoint asked.
 */
export const WEBHOOK_EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.status_changed',
  'lead.assigned',
  // An import's rule assignments, one event per rule and owner with the leads' ids (not one per row).
  'leads.assigned',
  'lead.scored',
  'insight.created',
  'conversation.analyzed',
  'forecast.generated',
  'import.completed',
  'workflow.fired',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const TEST_EVENT_TYPE = 'webhook.test';

export const EVENT_LABELS: Record<WebhookEventType, string> = {
  'lead.created': 'Lead created',
  'lead.updated': 'Lead updated',
  'lead.status_changed': 'Lead status changed',
  'lead.assigned': 'Lead assigned',
  'leads.assigned': 'Leads assigned by a rule during an import',
  'lead.scored': 'Leads scored',
  'insight.created': 'Insight created',
  'conversation.analyzed': 'Conversation analysed',
  'forecast.generated': 'Forecast generated',
  'import.completed': 'Import finished',
  'workflow.fired': 'Workflow sent a webhook',
};

const KNOWN: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);
export const isWebhookEventType = (type: string): type is WebhookEventType => KNOWN.has(type);
