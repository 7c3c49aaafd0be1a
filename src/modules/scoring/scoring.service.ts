import { recordAudit, type AuditEntry } from '../audit/audit.service.ts';
import type { Kysely } from 'kysely';
import { learnDealValues, predictDealValues, type DealValueModel } from '../../ai/features/deal-value.ts';
import { crossValidateDealValues } from '../../ai/features/deal-value-cv.ts';
import type { SegmentDealValueModel } from '../../ai/features/deal-value-segments.ts';
import { explain, recommend, subScores } from '../../ai/features/explain.ts';
import { encodeLeads, learnEncodedSpace, type EncodedLeads, type FeatureSpace } from '../../ai/features/feature-space.ts';
import { suspectedLeaks } from '../../ai/features/leakage.ts';
import { priorFor } from '../../ai/features/prior.ts';
import type { LeadSignals } from '../../ai/features/signals.ts';
import { DEFAULT_SCORING_OPTIONS, explainRaw, scoreWithConfidence, scoringModelFromJson, scoringModelToJson, type ScoringModel } from '../../ai/scoring/index.ts';
import { trainScoringModelInParallel, warmFitPool, type FitPool } from './fit-pool.ts';
import { calibrate } from '../../ai/scoring/calibration.ts';
import type { Dataset } from '../../ai/scoring/dataset.ts';
import type { DB } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { notifyTrainingOutcome } from '../notifications/notifications.service.ts';
import { enqueue } from '../../jobs/queue.ts';
import { chunkIds, emitEvent, emitEvents, systemActor, type EventContext } from '../events/events.service.ts';
import * as q from './scoring.queries.ts';

/**
 * Scores every lead of an organization with its own model, explains each score and keeps
 * the history. Works on organization ids (jobs, CLI); the HTTP layer checks who may ask.
 */
const BATCH = 5000;
/** Reads of this many leads or more run on READERS connections at once. */
const PARALLEL_READ_MIN = 20_000;
const READERS = 2;
/** Rescoring batches in flight at once. */
const DRAINERS = 2;
/** A history row is written when the score moves at least this much (or is the first). */
export const HISTORY_MIN_CHANGE = 2;
export const RESCORE_QUEUE = 'scoring.rescore';

/**
 * The job that takes the organization's queued leads (one at a time: its dedupe key), for
 * code that queues leads itself rather than through the database triggers.
 */
export async function requestQueuedScoring(tx: Parameters<typeof enqueue>[0], organizationId: string): Promise<void> {
  await enqueue(tx, { organizationId, queue: RESCORE_QUEUE, dedupeKey: 'queued-leads' });
}

/** The rescoring job's dedupe key that makes it queue every lead of the organization first. */
export const EVERY_LEAD = 'every-lead';

/**
 * Asks for every lead to be rescored, as one job that queues them when it runs. A new model
 * asks this inside the transaction that activates it: the job is as durable as the model,
 * and the transaction stays short (queueing 150,000 leads there took 2–3 s of `train`).
 */
export async function requestRescoreAll(tx: Parameters<typeof enqueue>[0], organizationId: string): Promise<void> {
  await enqueue(tx, { organizationId, queue: RESCORE_QUEUE, dedupeKey: EVERY_LEAD });
}
export const TRAIN_QUEUE = 'scoring.train';

export interface RuntimeModel {
  version: string;
  space: FeatureSpace;
  model: ScoringModel;
  /** A model stored before the regression carries the segment model. */
  deal: DealValueModel | SegmentDealValueModel;
}

export interface TrainOptions {
  createdBy?: string | null;
  seed?: number;
  folds?: number;
  /**
   * true (default): the new model becomes active. 'unless-rolled-back': only when the active
   * model is the newest one — after an admin went back to an older version, automatic
   * retraining stores new models but leaves the admin's choice in place.
   */
  activate?: boolean | 'unless-rolled-back';
  /**
   * After activating: 'job' (default) asks for the every-lead rescoring job; 'queued' puts
   * every lead in the rescoring queue in the activating transaction (with the job that drains
   * it), for a caller that drains the queue itself right away — the CLI with its progress bar,
   * or a first score that had no model — and must not leave a second pass behind.
   */
  rescore?: 'job' | 'queued';
  onProgress?: (done: number, total: number | undefined, message: string) => void | Promise<void>;
}

type Progress = TrainOptions['onProgress'];

/**
 * Where rescoring spends its time, in milliseconds summed over batches (two batches are in
 * flight at once, so the sum can exceed the wall time): taking leads off the queue, reading
 * their signals (with their current scores), encoding and scoring, explaining the scores that
 * become history, and writing.
 */
// A type, not an interface: the job's result (JSON) carries it.
export type RescorePhases = {
  take: number;
  read: number;
  score: number;
  explain: number;
  write: number;
};

const noPhases = (): RescorePhases => ({ take: 0, read: 0, score: 0, explain: 0, write: 0 });

export function createScoringService(db: Kysely<DB>, options: { now?: () => Date; /** Tests lower it to read in ranges at any size. */ parallelReadMin?: number } = {}) {
  const now = options.now ?? (() => new Date());
  const system = (organizationId: string) => ({ organizationId });
  // Parsed models by organization and version: parsing a model per batch would cost more than scoring.
  const runtimeCache = new Map<string, RuntimeModel>();

  /**
   * Every lead of a kind with its signals, in id order. Large reads are cut into id ranges
   * read at once on separate connections (one aggregate statement per batch keeps a core
   * busy); the ranges are joined in order, so the result is the same as one walk.
   */
  async function loadSignals(organizationId: string, kind: 'closed' | 'all', progress?: Progress, onTotal?: (total: number) => void) {
    const at = now();
    // The cuts come with the count (a sort of the ids, nothing for a small organization); below the threshold one connection reads all.
    const ranges = await withTenant(db, system(organizationId), (tx) => q.signalRanges(tx, kind, READERS));
    const total = ranges.total;
    const splits = total >= (options.parallelReadMin ?? PARALLEL_READ_MIN) ? ranges.splits : [];
    onTotal?.(total);
    const bounds = [null, ...splits];
    let read = 0;
    const parts = await Promise.all(bounds.map(async (from, k) => {
      const through = splits[k] ?? null;
      const out: q.SignalRow[] = [];
      for (let after = from; ; ) {
        const cursor: string | null = after;
        const rows: q.SignalRow[] = await withTenant(db, system(organizationId), (tx) => q.loadSignals(tx, { kind, after: cursor, through, limit: BATCH }, at));
        out.push(...rows);
        read += rows.length;
        await progress?.(read, total, `read ${read} leads`);
        if (rows.length < BATCH) return out;
        after = rows[rows.length - 1]!.id;
      }
    }));
    return parts.flat();
  }

  /** The feature space of the decided leads, without the features that look like the outcome itself. */
  function trainingSpace(signals: LeadSignals[], y: Uint8Array) {
    let { space, encoded } = learnEncodedSpace(signals);
    const leaks = suspectedLeaks(encoded, y);
    if (leaks.length > 0) {
      // Features encode independently of each other: leaving some out leaves the rest as they are.
      const dropped = new Set(leaks.map((l) => l.feature));
      const kept = space.features.flatMap((f, j) => (dropped.has(f.name) ? [] : [j]));
      space = { ...space, features: kept.map((j) => space.features[j]!), customFields: space.customFields.filter((c) => !dropped.has(`cf:${c.key}`)) };
      encoded = { columns: kept.map((j) => encoded.columns[j]!), features: space.features, n: encoded.n };
    }
    return { space, encoded, leaks };
  }

  function datasetFrom(encoded: EncodedLeads, y: Uint8Array): Dataset {
    return { columns: encoded.columns, features: encoded.features.map((f) => ({ ...f })), y };
  }

  /**
   * Reads the decided leads and fits a model on them (train and evaluate alike). When there
   * are enough of them to fit in parallel, the fit threads start as soon as the count is known
   * and load while the leads are read.
   */
  async function fitDecided(organizationId: string, opts: { seed?: number; folds?: number; onProgress?: Progress }) {
    const started = performance.now();
    // The caller's folds, else those for the training's size (the model's default below that).
    const sized = (n: number) => ({ ...sizeOptions(n), ...(opts.folds ? { folds: opts.folds } : {}) });
    let pool: FitPool | undefined;
    try {
      const rows = await loadSignals(organizationId, 'closed', opts.onProgress, (total) => {
        pool = warmFitPool(total, sized(total).folds ?? DEFAULT_SCORING_OPTIONS.folds);
      });
      const read = performance.now();
      const signals = rows.map((r) => r.signals);
      const y = Uint8Array.from(rows, (r) => (r.won ? 1 : 0));
      const { space, encoded, leaks } = trainingSpace(signals, y);
      const featured = performance.now();
      await opts.onProgress?.(rows.length, rows.length, `training on ${rows.length} decided leads`);
      const model = await trainScoringModelInParallel(datasetFrom(encoded, y), { prior: priorFor(space), seed: opts.seed ?? 0, ...sized(rows.length) }, pool ? { warm: pool } : {});
      // Closing the threads is part of the fit's time.
      const closing = pool;
      pool = undefined;
      await closing?.close();
      return { rows, signals, space, leaks, model, started, phases: { read: read - started, features: featured - read, fit: performance.now() - featured } };
    } finally {
      await pool?.close();
    }
  }

  /** Trains on every decided lead; the model starts from the prior and leans on data as it grows. */
  async function train(organizationId: string, opts: TrainOptions = {}) {
    const { rows, space, leaks, model, started, phases: fitPhases } = await fitDecided(organizationId, opts);
    const fitted = performance.now();
    const won = wonDeals(rows, space);
    const deal = learnDealValues(won.encoded, won.values, { seed: opts.seed ?? 0 });
    // Where training spent its time, kept with the model: what an admin needs to see why it was slow.
    const phases = { ...fitPhases, deal_values: performance.now() - fitted };
    const cv = model.info.cv.calibrated ?? model.info.cv.blend;
    // The calibration table from out-of-fold probabilities (what the model said for leads it had not seen).
    const metrics = {
      roc_auc: cv?.auc ?? null, log_loss: cv?.logLoss ?? null, brier: cv?.brier ?? null, folds: model.info.folds, n: rows.length, positives: model.info.positives,
      blend_weight: model.info.blendWeight, prior_share: model.info.priorShare, calibration_method: model.info.calibration.method,
      logistic: model.info.cv.logistic, gbdt: model.info.cv.gbdt, leaked_features: leaks, deal_value: dealValueMetrics(deal), training_ms: Math.round(performance.now() - started),
      phases_ms: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])),
    };
    // Out-of-fold: what the model said of leads it had not been trained on (none below two folds).
    const calibration = (model.info.cv.calibrationTable ?? []).map((b) => ({ ...b, meanPredicted: finite(b.meanPredicted), observedRate: finite(b.observedRate) }));
    const row = await withTenant(db, system(organizationId), async (tx) => {
      await q.lockModels(tx);
      const rolledBack = opts.activate === 'unless-rolled-back' && (await q.activeIsOlderThanNewest(tx));
      const version = `v${(await q.modelCount(tx)) + 1}`;
      const inserted = await q.insertModel(tx, {
        organizationId, version, algorithm: model.gbdt ? 'logistic-map+gbdt' : 'logistic-map', features: space.features,
        parameters: { customFields: space.customFields, model: scoringModelToJson(model), deal }, metrics, calibration, trainingSize: rows.length, positives: model.info.positives, createdBy: opts.createdBy ?? null,
      });
      const actor: EventContext = { organizationId, actor: { id: opts.createdBy ?? null } };
      const activating = (opts.activate ?? true) && !rolledBack;
      await emitEvent(tx, actor, { type: 'model.trained', entityType: 'model', entityId: inserted.id, payload: { version, active: activating } });
      if (activating) {
        await q.activateModel(tx, version);
        await recordAudit(tx, { organizationId, actorType: 'system', actorId: null, action: 'model.activate', entityType: 'model', entityId: inserted.id, details: { version, trigger: 'training' } });
        await emitEvent(tx, actor, { type: 'model.activated', entityType: 'model', entityId: inserted.id, payload: { version } });
        if (opts.rescore === 'queued') await queueEveryLead(tx, organizationId);
        else await requestRescoreAll(tx, organizationId);
      }
      // A retraining someone asked for tells them it is done, with the model it stored.
      await notifyTrainingOutcome(tx, { organizationId, actor: { id: null } }, { userId: opts.createdBy ?? null, cause: `training:${version}`, version, trainingSize: rows.length, active: (opts.activate ?? true) && !rolledBack });
      return inserted;
    });
    return { ...row, metrics };
  }

  /** Puts every lead in the rescoring queue (what the `every-lead` job does first); answers how many. */
  async function queueAll(organizationId: string): Promise<number> {
    return withTenant(db, system(organizationId), (tx) => q.queueAllLeads(tx, organizationId));
  }

  async function queueEveryLead(tx: Parameters<typeof q.queueAllLeads>[0], organizationId: string): Promise<number> {
    const leads = await q.queueAllLeads(tx, organizationId);
    await requestQueuedScoring(tx, organizationId);
    return leads;
  }

  async function runtime(organizationId: string): Promise<RuntimeModel> {
    const active = await withTenant(db, system(organizationId), (tx) => q.activeModel(tx));
    if (!active) {
      // Cold start: the first model is trained now, from the prior and whatever outcomes exist.
      // The caller is draining the queue: every lead goes in it now, as before any model existed.
      await train(organizationId, { activate: true, rescore: 'queued' });
      return runtime(organizationId);
    }
    const key = `${organizationId}:${active.version}`;
    const cached = runtimeCache.get(key);
    if (cached) return cached;
    // The feature space is stored once: its features in `features`, the custom-field kinds in `parameters`.
    const p = active.parameters as unknown as { customFields: FeatureSpace['customFields']; model: unknown; deal: RuntimeModel['deal'] };
    const space: FeatureSpace = { version: 1, features: active.features as unknown as FeatureSpace['features'], customFields: p.customFields };
    const built = { version: active.version, space, model: scoringModelFromJson(p.model), deal: p.deal };
    runtimeCache.set(key, built);
    return built;
  }

  /** Scores the leads with these ids and writes the results; returns how many got a history row. */
  async function scoreLeads(organizationId: string, ids: string[]): Promise<{ scored: number; history: number }> {
    if (ids.length === 0) return { scored: 0, history: 0 };
    const rt = await runtime(organizationId);
    return withTenant(db, system(organizationId), async (tx) => {
      const rows = await q.loadSignals(tx, { kind: 'ids', ids }, now());
      const written = await write(tx, organizationId, rt, rows, noPhases());
      return { scored: rows.length, history: written };
    });
  }

  async function write(tx: Parameters<typeof q.writeScores>[0], organizationId: string, rt: RuntimeModel, rows: q.SignalRow[], phases: RescorePhases) {
    if (rows.length === 0) return 0;
    let t = performance.now();
    const encoded = encodeLeads(rt.space, rows.map((r) => r.signals));
    const scores = scoreWithConfidence(rt.model, encoded);
    const values = predictDealValues(rt.deal, encoded);
    phases.score += performance.now() - t;
    t = performance.now();
    const writes: q.ScoreWrite[] = rows.map((r, i) => {
      // The score is made from the stored (4-decimal) probability, so the two always agree.
      const basisPoints = Math.round(scores.probability[i]! * 10_000);
      const probability = basisPoints / 10_000;
      const score = Math.round(basisPoints / 100);
      const before = r.current;
      const history = !before?.scored || Math.abs(before.score - score) >= HISTORY_MIN_CHANGE;
      const base: q.ScoreWrite = {
        leadId: r.id, score, probability, confidence: Math.round(100 * scores.confidence[i]!) / 100, predictedValue: values[i] ?? null,
        sub: { demographic: 50, behavioral: 50, temporal: 50, conversational: 50 }, explanation: [], recommendations: [], modelVersion: rt.version, history,
      };
      if (!history) return base;
      // Explaining costs a tree walk per feature: only for scores that become history. A
      // closed lead keeps its explanation (why it was likely to be won) but gets no next
      // sales step: "Call today" on a won deal is noise.
      const row = encoded.columns.map((c) => c[i]!);
      const e = explainRaw(rt.model, row);
      const contributions = Array.from(e.phi);
      const factors = explain(encoded.features, contributions, e.baseValue, e.raw, r.signals, (z) => calibrate(rt.model.calibrator, z));
      return { ...base, sub: subScores(encoded.features, contributions, r.signals), explanation: factors.slice(0, 8).map(({ feature, group, points, text }) => ({ feature, group, points, text })), recommendations: r.closed ? [] : recommend(r.signals, factors, score) };
    });
    phases.explain += performance.now() - t;
    t = performance.now();
    const { history, changed } = await q.writeScores(tx, organizationId, writes);
    // One INSERT for the batch's events, each naming at most 1,000 leads; unchanged leads are no news.
    await emitEvents(tx, systemActor(organizationId), chunkIds(changed).map((ids) => ({ type: 'lead.scored', entityType: 'lead', entityId: null, payload: { lead_ids: ids, model_version: rt.version } })));
    phases.write += performance.now() - t;
    return history;
  }

  /**
   * The rescoring job: takes queued leads in batches, each batch scored and written in one
   * transaction. Two batches are in flight at once, so the database aggregates one batch's
   * signals while this process scores the other (batches never share a lead: each is taken
   * from the queue with SKIP LOCKED and committed before it is scored).
   */
  async function drainQueue(organizationId: string, progress?: Progress): Promise<{ scored: number; history: number; phases: RescorePhases }> {
    const rt = await runtime(organizationId);
    let scored = 0;
    let history = 0;
    const phases = noPhases();
    const drain = async () => {
      for (;;) {
        // Two transactions, not one: holding the queue rows while updating the leads deadlocked
        // with a request that updates a lead and then queues it (found in CI). The queue rows
        // are taken and committed first; if scoring the batch fails, they are put back.
        let t = performance.now();
        const ids = await withTenant(db, system(organizationId), (tx) => q.takeQueuedLeads(tx, BATCH));
        phases.take += performance.now() - t;
        const batch = await withTenant(db, system(organizationId), async (tx) => {
          t = performance.now();
          const rows = ids.length > 0 ? await q.loadSignals(tx, { kind: 'ids', ids }, now()) : [];
          phases.read += performance.now() - t;
          return { n: ids.length, history: await write(tx, organizationId, rt, rows, phases) };
        }).catch(async (error: unknown) => {
          await withTenant(db, system(organizationId), (tx) => q.requeueLeads(tx, organizationId, ids)).catch(() => {});
          throw error;
        });
        scored += batch.n;
        history += batch.history;
        if (batch.n > 0) await progress?.(scored, undefined, `scored ${scored} leads`);
        if (batch.n < BATCH) return;
      }
    };
    await Promise.all(Array.from({ length: DRAINERS }, drain));
    return { scored, history, phases };
  }

  return {
    train,
    scoreLeads,
    drainQueue,
    runtime,
    /** Every lead of the organization, now (CLI `score --all`, and after a new model). */
    async rescoreAll(organizationId: string, progress?: Progress) {
      const total = await queueAll(organizationId);
      return drainQueue(organizationId, (done, _t, message) => progress?.(done, total, message));
    },
    queueAll,
    /** Queues every lead for rescoring; answers how many leads that is. */
    async queueRescoreAll(organizationId: string): Promise<number> {
      return withTenant(db, system(organizationId), (tx) => queueEveryLead(tx, organizationId));
    },
    /** Queues a training run (one at a time per organization), e.g. when much new evidence was analysed. */
    async queueTraining(organizationId: string) {
      await withTenant(db, system(organizationId), (tx) => enqueue(tx, { organizationId, queue: TRAIN_QUEUE, dedupeKey: 'auto' }));
    },
    /** Retrains when enough outcomes arrived since the active model (a tenth more, at least 20). */
    async retrainIfDue(organizationId: string): Promise<boolean> {
      const { due } = await withTenant(db, system(organizationId), async (tx) => {
        const active = await q.activeModel(tx);
        if (!active) return { due: false };
        const fresh = await q.outcomesSince(tx, active.trained_at);
        return { due: fresh.closed >= Math.max(20, 0.1 * active.training_size) };
      });
      if (due) await withTenant(db, system(organizationId), (tx) => enqueue(tx, { organizationId, queue: TRAIN_QUEUE, dedupeKey: 'auto' }));
      return due;
    },
    async listModels(organizationId: string) {
      return withTenant(db, system(organizationId), (tx) => q.listModels(tx));
    },
    /** Activates a stored version (a rollback or roll-forward); `audit` says who asked (the system when absent). */
    async activate(organizationId: string, version: string, audit?: Omit<AuditEntry, 'action'>): Promise<boolean> {
      const actorId = audit?.actorId ?? null;
      return withTenant(db, system(organizationId), async (tx) => {
        const ok = await q.activateModel(tx, version);
        if (ok) await recordAudit(tx, { ...(audit ?? { organizationId, actorType: 'system', actorId: null }), action: 'model.activate', entityType: 'model', details: { version, trigger: 'request' } });
        if (ok) await emitEvent(tx, { organizationId, actor: { id: actorId } }, { type: 'model.activated', entityType: 'model', entityId: null, payload: { version } });
        if (ok) await requestRescoreAll(tx, organizationId);
        return ok;
      });
    },
    /**
     * Cross-validated accuracy of the deal value if won (bench:scoring): each fold's model
     * learned from the other folds' won deals, against their median and the segment model.
     */
    async evaluateDealValues(organizationId: string, opts: { folds?: number; seed?: number } = {}) {
      const rows = await loadSignals(organizationId, 'closed');
      const { space } = trainingSpace(rows.map((r) => r.signals), Uint8Array.from(rows, (r) => (r.won ? 1 : 0)));
      const won = wonDeals(rows, space);
      return { wonDeals: won.values.length, ...crossValidateDealValues(won.encoded, won.values, opts) };
    },
    /** Cross-validated quality on the decided leads, without storing a model. */
    async evaluate(organizationId: string, opts: { folds?: number; seed?: number } = {}) {
      const { rows, leaks, model } = await fitDecided(organizationId, opts);
      const cv = model.info.cv.calibrated ?? model.info.cv.blend;
      return { roc_auc: cv?.auc ?? null, log_loss: cv?.logLoss ?? null, brier: cv?.brier ?? null, n: rows.length, positives: model.info.positives, folds: model.info.folds, leaked_features: leaks, info: model.info };
    },
  };
}

/**
 * Large organizations: three folds instead of five and a faster learning rate for the trees.
 * With 50,000 outcomes or more, three folds still hold out 16,000+ leads each, and the
 * learning rate 0.1 lost 0.002 AUC on the bank data while halving the trees; training six
 * tree fits at 100,000 leads took 45 s, four shorter ones fit the 20 s budget. Early stopping
 * after 10 trees without gain instead of 20 (2026-12-05, 101,952 demo outcomes): the same
 * trees kept (65, folds 58/66/79), the same CV AUC 0.7568, fit 26.3 → 21.0 s.
 */
export function sizeOptions(decided: number) {
  return decided >= 50_000 ? { folds: 3, gbdt: { learningRate: 0.1, nIterNoChange: 10 } } : {};
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** The won deals with a value (the deal-value model's training data), encoded in the model's space. */
function wonDeals(rows: readonly q.SignalRow[], space: FeatureSpace) {
  const won = rows.filter((r) => r.won && r.dealValue !== null && r.dealValue > 0);
  return { encoded: encodeLeads(space, won.map((r) => r.signals)), values: won.map((r) => r.dealValue!) };
}

/**
 * What the model registry shows of the deal-value model, and where the score endpoint reads
 * the interval from (a small JSON, not the whole parameters): the 80 % interval's
 * multipliers, the out-of-fold accuracy, and which fit features set deal size.
 */
export function dealValueMetrics(deal: DealValueModel) {
  const r = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    won_deals: deal.wonDeals,
    estimate: 'median deal if won',
    interval_low: r(deal.interval.low), interval_high: r(deal.interval.high), mean_factor: r(deal.meanFactor), log_sigma: r(deal.sigma),
    cv: deal.cv && { folds: deal.cv.folds, mae: r(deal.cv.mae, 2), median_mae: r(deal.cv.medianMae, 2), mdape: r(deal.cv.mdape), median_mdape: r(deal.cv.medianMdape), coverage: r(deal.cv.coverage) },
    // Prior sd of each feature's effects on log value: ~0 = switched off, 0.5 = effects of ±50 %.
    features: deal.terms.map((t, k) => ({ feature: t.feature, effect_sd: r(Math.sqrt(deal.termVariance[k] ?? 0)) })).filter((f) => f.effect_sd >= 0.01).sort((a, b) => b.effect_sd - a.effect_sd),
  };
}

export type ScoringService = ReturnType<typeof createScoringService>;
