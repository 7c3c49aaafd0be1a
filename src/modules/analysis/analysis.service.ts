import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
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
// With the LLM provider (configured, and switched on by the organization) a batch holds its
// rows while the provider answers, so batches are a few rounds of its concurrency, not 500.
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
      const batch = provider ? Math.max(8, provider.concurrency * 4) : BATCH;
      const before = await withTenant(db, ctx, (tx) => q.conversationCounts(tx));
      let analysed = 0;
      let activities = 0;
      for (;;) {
        const n = await withTenant(db, ctx, async (tx) => {
          const rows = await q.takeUnanalysed(tx, batch);
          const results = await Promise.all(rows.map(async (r) => {
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
          }));
          await q.writeAnalyses(tx, results);
          return rows.length;
        });
        analysed += n;
        if (n > 0) await progress?.(analysed, before.total - before.analysed, `analysed ${analysed} conversations`);
        if (n < batch) break;
      }
      // Activities (calls, notes, meetings …): the same analyser over subject, description and outcome.
      for (;;) {
        const n = await withTenant(db, ctx, async (tx) => {
          const rows = await q.takeUnanalysedActivities(tx, BATCH);
          await q.writeActivityAnalyses(tx, rows.map((r) => {
            const a = analyzeActivity({ subject: r.subject, description: r.description, outcome: r.outcome });
            return { id: r.id, sentiment: a.sentiment_score, intent: a.intent_detected, buyingSignals: a.buying_signals };
          }));
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
