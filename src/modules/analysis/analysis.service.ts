import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { emitEvents, systemActor, type OutboxEvent } from '../events/events.service.ts';
import * as q from './analysis.queries.ts';
import { ANALYSIS_QUEUE } from './analysis.queue.ts';
import type { AnalysisSource } from './llm-analysis.ts';
import type { LlmProvider } from './llm-provider.ts';

export { ANALYSIS_QUEUE };
const BATCH = 500;

/**
 * Fills the AI fields of conversations (sentiment, intent, topics, entities, buying signals)
 * with the offline analyser, in the background. Each batch is taken and written in one
 * transaction, so a crash leaves its conversations unanalysed for the next run.
 */
// Conversations and activities alike: one job per organization drains both.
// With the LLM provider (configured, and switched on by the organization) the provider is
// called outside any transaction: embedded PGlite has one connection, and a transaction
// held while a model answers would stall every request. Rows are read, analysed, then
// written only if their text is still the text that was analysed.
/** A batch's analyses as events, one INSERT: conversation.analyzed, and activity.updated with the fields analysis fills. */
const analyzed = (rows: { id: string; lead_id: string }[]): OutboxEvent[] =>
  rows.map((r) => ({ type: 'conversation.analyzed', entityType: 'conversation', entityId: r.id, payload: { lead_id: r.lead_id } }));
const activitiesAnalyzed = (rows: { id: string; lead_id: string }[]): OutboxEvent[] =>
  rows.map((r) => ({ type: 'activity.updated', entityType: 'activity', entityId: r.id, payload: { lead_id: r.lead_id, fields: ['sentiment_score', 'intent_detected', 'buying_signals'] } }));

export function createAnalysisService(db: Kysely<DB>, options: { onRetrainWanted?: (organizationId: string) => Promise<void>; llm?: LlmProvider } = {}) {
  const llm = options.llm;
  return {
    async drain(organizationId: string, progress?: (done: number, total: number | undefined, message: string) => void | Promise<void>) {
      // Loaded on first use: the analyser (its model, chrono, libphonenumber) is not needed by
      // the CLI commands and server start-up that import this module.
      const { analyzeActivity, analyzeMessage, MAX_TEXT, stripQuotedReply } = await import('../../ai/nlp/index.ts');
      const ctx = { organizationId };
      const settings = await withTenant(db, ctx, (tx) => q.analysisSettings(tx, organizationId));
      // Nothing is sent for an organization that has not switched the provider on.
      const provider = settings.llmEnabled ? llm : undefined;
      const before = await withTenant(db, ctx, (tx) => q.conversationCounts(tx));
      let analysed = 0;
      let activities = 0;
      const analyse = async (r: { id: string; content: string; subject: string | null; direction: 'inbound' | 'outbound'; created_at: Date }) => {
        const input = { text: r.content, subject: r.subject ?? undefined, direction: r.direction, sentAt: r.created_at, competitors: settings.competitors, products: settings.products };
        const local = analyzeMessage(input);
        let a = local;
        let source: AnalysisSource = { source: 'local' };
        if (provider) {
          // The provider reads what the local analyser reads: the author's own words, not quoted history.
          const own = stripQuotedReply(r.content.slice(0, MAX_TEXT)).masked;
          ({ analysis: a, source } = await provider.analyze({ text: r.content, own, subject: input.subject, direction: r.direction }, local));
        }
        // `topics` is an array in the schema ('[]'): the taxonomy first, then the key phrases.
        const topics = [...a.topics.categories.map((name) => ({ kind: 'category', name })), ...a.topics.key_phrases.map((text) => ({ kind: 'phrase', text }))];
        return { id: r.id, sentiment: a.sentiment, intent: a.intent, topics, entities: a.entities, buyingSignals: a.buying_signals, source };
      };
      if (provider) {
        // A few rounds of the provider's concurrency per batch, so progress shows and edits wait little.
        const batch = Math.max(8, provider.concurrency * 4);
        for (;;) {
          const rows = await withTenant(db, ctx, (tx) => q.peekUnanalysed(tx, batch));
          if (rows.length === 0) break;
          const results = await Promise.all(rows.map(async (r) => ({ ...(await analyse(r)), digest: r.digest })));
          const written = await withTenant(db, ctx, async (tx) => {
            const rows = await q.writeAnalyses(tx, results);
            await emitEvents(tx, systemActor(organizationId), analyzed(rows));
            return rows.length;
          });
          analysed += written;
          await progress?.(analysed, before.total - before.analysed, `analysed ${analysed} conversations`);
          // Nothing written: every row changed (or another worker wrote it) meanwhile; the
          // edit queued analysis again, so the next run takes them rather than this loop.
          if (rows.length < batch || written === 0) break;
        }
      } else {
        for (;;) {
          const n = await withTenant(db, ctx, async (tx) => {
            const rows = await q.takeUnanalysed(tx, BATCH);
            await emitEvents(tx, systemActor(organizationId), analyzed(await q.writeAnalyses(tx, await Promise.all(rows.map(analyse)))));
            return rows.length;
          });
          analysed += n;
          if (n > 0) await progress?.(analysed, before.total - before.analysed, `analysed ${analysed} conversations`);
          if (n < BATCH) break;
        }
      }
      // Activities (calls, notes, meetings …): the same analyser over subject, description and outcome.
      for (;;) {
        const n = await withTenant(db, ctx, async (tx) => {
          const rows = await q.takeUnanalysedActivities(tx, BATCH);
          const written = await q.writeActivityAnalyses(tx, rows.map((r) => {
            const a = analyzeActivity({ subject: r.subject, description: r.description, outcome: r.outcome });
            return { id: r.id, sentiment: a.sentiment_score, intent: a.intent_detected, buyingSignals: a.buying_signals };
          }));
          await emitEvents(tx, systemActor(organizationId), activitiesAnalyzed(written));
          return rows.length;
        });
        activities += n;
        if (n < BATCH) break;
      }
      // Much new evidence (a fifth of the organization's conversations): the scoring model
      // was trained without it, so a new one is due.
      if (analysed > 0 && analysed >= 0.2 * before.total) await options.onRetrainWanted?.(organizationId);
      return { analysed, activities };
    },

    async queue(organizationId: string) {
      await withTenant(db, { organizationId }, (tx) => enqueue(tx, { organizationId, queue: ANALYSIS_QUEUE, dedupeKey: 'unanalyzed' }));
    },
  };
}

export type AnalysisService = ReturnType<typeof createAnalysisService>;
