/** Shapes of the offline conversation analysis (issue 6). Pure data, no behaviour. */

export const INTENTS = [
  'purchase',
  'pricing_inquiry',
  'demo_request',
  'meeting_scheduling',
  'information_request',
  'objection',
  'complaint',
  'support',
  'unsubscribe',
  'out_of_office',
  'other',
] as const;
export type Intent = (typeof INTENTS)[number];

export const EMOTIONS = ['joy', 'trust', 'fear', 'surprise', 'sadness', 'anger', 'anticipation', 'disgust'] as const;
export type Emotion = (typeof EMOTIONS)[number];

export const TOPIC_CATEGORIES = [
  'pricing',
  'budget',
  'timeline',
  'integration',
  'security_compliance',
  'competitor',
  'legal_contract',
  'onboarding',
  'support',
  'product_feature',
] as const;
export type TopicCategory = (typeof TOPIC_CATEGORIES)[number];

export const ENTITY_TYPES = ['person', 'organization', 'money', 'date', 'email', 'phone', 'url', 'competitor', 'product'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export type SentimentLabel = 'positive' | 'neutral' | 'negative';
export type Urgency = 'low' | 'medium' | 'high';

export interface Sentiment {
  /** In [−1, 1]. */
  overall: number;
  label: SentimentLabel;
  /** In [0, 1]: how far the score is from the label's boundaries, and how much evidence there was. */
  confidence: number;
  emotions: Record<Emotion, number>;
}

export interface IntentResult {
  primary_intent: Intent;
  confidence: number;
  urgency: Urgency;
}

export interface Topics {
  key_phrases: string[];
  categories: TopicCategory[];
}

export interface MoneyValue {
  amount: number;
  currency: string;
}

export interface Entity {
  type: EntityType;
  text: string;
  /** money: { amount, currency }; date: ISO date (YYYY-MM-DD) resolved relative to sentAt; phone: E.164. */
  value?: MoneyValue | string;
  /** Offsets into the analysed `text` (not the subject): text.slice(start, end) === entity.text. */
  start: number;
  end: number;
}

export interface BuyingSignal {
  signal: string;
  /** Exactly text.slice(start, end). */
  evidence: string;
  start: number;
  end: number;
}

export interface MessageAnalysis {
  sentiment: Sentiment;
  intent: IntentResult;
  topics: Topics;
  entities: Entity[];
  buying_signals: BuyingSignal[];
}

export interface MessageInput {
  text: string;
  subject?: string;
  direction?: 'inbound' | 'outbound';
  sentAt?: Date;
  /** The organization's configured competitor names (settings). */
  competitors?: string[];
  /** The organization's configured product names (settings). */
  products?: string[];
}

export interface ActivityInput {
  subject?: string | null;
  description?: string | null;
  outcome?: string | null;
}

export interface ActivityAnalysis {
  sentiment_score: number;
  intent_detected: string | null;
  buying_signals: BuyingSignal[];
}
