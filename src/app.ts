import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/connect.ts';
import { migrate, type MigrationReport } from './db/migrate.ts';
import { buildServer } from './http/server.ts';
import { createWorker, type Worker } from './jobs/worker.ts';
import { seedDemo, type SeedDemoResult } from './modules/demo/demo.service.ts';
import { createActivitiesService } from './modules/activities/activities.service.ts';
import { createAuthService } from './modules/auth/auth.service.ts';
import { createSupabaseVerifier } from './modules/auth/supabase-jwt.ts';
import { createConversationsService } from './modules/conversations/conversations.service.ts';
import { createTimelineService } from './modules/timeline/timeline.service.ts';
import { createImportsService, IMPORT_QUEUE } from './modules/imports/imports.service.ts';
import { createTrackingService } from './modules/tracking/tracking.service.ts';
import { createLeadsService } from './modules/leads/leads.service.ts';
import { createScoringApi } from './modules/scoring/scoring.api.ts';
import { createJobsService } from './modules/jobs/jobs.service.ts';
import { ANALYSIS_QUEUE, createAnalysisService } from './modules/analysis/analysis.service.ts';
import { createLlmProvider } from './modules/analysis/llm-provider.ts';
import { createScoringService, EVERY_LEAD, RESCORE_QUEUE, TRAIN_QUEUE } from './modules/scoring/scoring.service.ts';
import { createInsightsApi } from './modules/insights/insights.api.ts';
import { createDashboardService } from './modules/dashboard/dashboard.service.ts';
import { createForecastsApi } from './modules/forecasts/forecasts.api.ts';
import { createForecastsService, FORECASTS_QUEUE } from './modules/forecasts/forecasts.service.ts';
import { createMetricsService, METRICS_QUEUE, METRICS_SWEEP_QUEUE, requestFullRollup } from './modules/metrics/metrics.service.ts';
import { createViewsService } from './modules/views/views.service.ts';
import { createInsightsService, INSIGHTS_REFRESH_QUEUE } from './modules/insights/insights.service.ts';
import { createRetentionService, RETENTION_QUEUE } from './modules/retention/retention.service.ts';
import { createNotificationsService, FOLLOW_UP_QUEUE } from './modules/notifications/notifications.service.ts';
import { createSystemService } from './modules/system/system.service.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { createPrivacyService, PRIVACY_QUEUE } from './modules/privacy/privacy.service.ts';
import { setPrivacyHashKey } from './modules/privacy/privacy.tombstones.ts';
import { createAuditService } from './modules/audit/audit.service.ts';
import { assignScoredLeads, createAssignmentService } from './modules/assignment/assignment.service.ts';
import { createConsentService } from './modules/consent/consent.service.ts';
import { createEmailService, MAIL_SEND_QUEUE } from './modules/email/email.service.ts';
import { registerEmailPublicRoutes, registerEmailRoutes } from './modules/email/email.routes.ts';
import { createSecretBox } from './shared/secret-box.ts';
import { createWorkflowsService, WORKFLOWS_POLL_QUEUE, WORKFLOWS_QUEUE } from './modules/workflows/workflows.service.ts';
import { registerWorkflowRoutes } from './modules/workflows/workflows.routes.ts';
import { STREAM_CHANNEL } from './realtime/channels.ts';
import { organizationCount } from './modules/system/system.queries.ts';
import { createWebhooksService, DELIVER_QUEUE, FANOUT_QUEUE } from './modules/webhooks/webhooks.service.ts';
import { registerWebhookRoutes } from './modules/webhooks/webhooks.routes.ts';
import { listenForWebhookEvents } from './modules/webhooks/webhooks.listener.ts';
import { createMailboxesService, MAIL_SYNC_QUEUE } from './modules/mailboxes/mailboxes.service.ts';
import { registerMailboxRoutes } from './modules/mailboxes/mailboxes.routes.ts';
import { createMailWatcher, type MailWatcher } from './modules/mailboxes/mailboxes.watcher.ts';
import type { Logger } from './shared/logger.ts';
import { createHub, type Hub } from './realtime/hub.ts';
import { nextRetentionRun, OUTBOX_RETENTION_QUEUE, pruneOutbox, scheduleOutboxRetention } from './realtime/retention.ts';

/**
 * The composition root: builds the database, services, workers and HTTP server once, and
 * hands each piece only what it uses.
 */
export interface App {
  database: Database;
  server: FastifyInstance;
  worker: Worker | undefined;
  migrations: MigrationReport;
  demo: SeedDemoResult | undefined;
  /** Real-time: numbers outbox events and serves /api/v1/stream (every process has one). */
  hub: Hub;
  /** IMAP IDLE connections (processes that run workers only). */
  mailWatcher: MailWatcher | undefined;
  close(): Promise<void>;
}

export async function createApp(config: Config, logger: Logger, options: { database?: Database } = {}): Promise<App> {
  const database = options.database ?? (await openDatabase(config.database));
  let started: Hub | undefined;
  try {
    const migrations = await migrate(database.db);
    if (migrations.applied.length > 0) {
      logger.info({ applied: migrations.applied.map((m) => `${m.version}_${m.name}`) }, 'database migrated');
    }
    // First start on the embedded database: a demo organization so there is something to see.
    let demo: SeedDemoResult | undefined;
    if (config.demo.mode === 'auto' && database.mode === 'embedded' && (await organizationCount(database.db)) === 0) {
      logger.info({ leads: config.demo.leads }, 'first start: creating the demo organization');
      demo = await seedDemo(database, { leads: config.demo.leads });
      // The generator copies without triggers: its team metrics are computed once, in the background.
      await requestFullRollup(database.db, demo.organizationId);
    }
    // Tombstone checks in import, tracking and lead creation hash with this process's key.
    setPrivacyHashKey(config.privacy.hashKey);
    const system = createSystemService(database, demo ? { email: demo.adminEmail, password: demo.password } : undefined);
    const auth = createAuthService(database.db, { supabase: createSupabaseVerifier(config.supabase) });
    const leads = createLeadsService(database.db);
    // The worker is created below; an enqueued import wakes it so it starts at once.
    let wakeWorker = () => {};
    const imports = createImportsService(database.db, { maxUploadBytes: config.imports.maxUploadBytes, batchSize: config.imports.batchSize, onEnqueued: () => wakeWorker(), logger });
    const scoring = createScoringService(database.db);
    const insights = createInsightsService(database.db);
    const notifications = createNotificationsService(database.db);
    const forecasts = createForecastsService(database.db);
    const privacy = createPrivacyService(database.db, { hashKey: config.privacy.hashKey, onEnqueued: () => wakeWorker() });
    const metrics = createMetricsService(database.db);
    const retention = createRetentionService(database.db, { onEnqueued: () => wakeWorker() });
    // The LLM provider exists only when configured; each organization still has to switch it on.
    const llm = config.llm ? createLlmProvider(config.llm, logger) : undefined;
    const analysis = createAnalysisService(database.db, { onRetrainWanted: (organizationId) => scoring.queueTraining(organizationId), llm });
    const webhooks = createWebhooksService(database.db, { secretBox: createSecretBox(config.secrets.key), leads, onEnqueued: () => wakeWorker() });
    // E-mail out (issue 24): SMTP passwords sealed under LEADAI_SECRET_KEY; links point at LEADAI_PUBLIC_URL.
    const email = createEmailService(database.db, leads, { box: createSecretBox(config.secrets.key), publicUrl: config.publicUrl, onEnqueued: () => wakeWorker() });
    // Workflows (issue 24): their send_email action goes through the e-mail module's sendTemplate (same checks, same path).
    const workflows = createWorkflowsService(database.db, { email, onEnqueued: () => wakeWorker(), logger });
    const mailboxes = createMailboxesService(database.db, { secrets: createSecretBox(config.secrets.key), logger, onEnqueued: () => wakeWorker() });
    const { maxStreamsPerUser, maxStreamsPerProcess, slowClientMs, heartbeatMs } = config.realtime;
    const hub = createHub(database, logger, { maxStreamsPerUser, maxStreamsPerProcess, slowClientMs, heartbeatMs });
    await hub.start();
    started = hub;
    const server = await buildServer({
      logger,
      hub,
      system,
      auth,
      leads,
      users: createUsersService(database.db, auth),
      activities: createActivitiesService(database.db, leads),
      conversations: createConversationsService(database.db, leads),
      timeline: createTimelineService(database.db, leads),
      imports,
      tracking: createTrackingService(database.db, leads),
      scoring: createScoringApi(database.db, scoring, leads),
      jobs: createJobsService(database.db),
      insights: createInsightsApi(database.db, leads),
      dashboard: createDashboardService(database.db),
      forecasts: createForecastsApi(database.db, forecasts),
      metrics,
      views: createViewsService(database.db),
      notifications,
      privacy,
      retention,
      audit: createAuditService(database.db),
      consents: createConsentService(database.db, leads),
      assignment: createAssignmentService(database.db),
      checkResponses: config.checkResponses,
      trustProxy: config.trustProxy,
    });
    // Webhooks (issue 24): registered here, before the server is ready, so server.ts stays as it is.
    await registerWebhookRoutes(server, webhooks, auth);
    await registerEmailRoutes(server, email, auth);
    await registerEmailPublicRoutes(server, email);
    // E-mail in (issue 24): registered here, beside the other routes, before the server is ready.
    await registerMailboxRoutes(server, mailboxes, auth);
    await registerWorkflowRoutes(server, workflows, auth);
    const worker = config.workers
      ? createWorker({
          db: database.db,
          staleAfterMs: config.jobs.leaseMs,
          handlers: {
            [IMPORT_QUEUE]: imports.handleJob,
            // New and changed conversations (0013): sentiment, intent, topics, entities, buying signals.
            [ANALYSIS_QUEUE]: async (job, ctx) => analysis.drain(job.organization_id!, (done, total, message) => ctx.progress(done, total, message)),
            // Changes queue their leads (0012); this scores them in batches, then checks whether enough new outcomes call for a new model.
            [RESCORE_QUEUE]: async (job, ctx) => {
              // A new model asks for every lead (requestRescoreAll); a retry queues them again, harmlessly.
              // Any retry does too: a killed run had committed leads out of the queue (drainQueue takes a
              // batch before scoring it) that it never scored, and nothing else remembers which they were.
              if (job.dedupe_key === EVERY_LEAD || job.attempts > 1) await scoring.queueAll(job.organization_id!);
              const result = await scoring.drainQueue(job.organization_id!, (done, total, message) => ctx.progress(done, total, message));
              // New leads that waited for their first score to meet a score-band assignment rule.
              await assignScoredLeads(database.db, job.organization_id!);
              await scoring.retrainIfDue(job.organization_id!);
              // An organization whose leads change gets a nightly forecast (a no-op while one is queued).
              await forecasts.ensureDaily(job.organization_id!);
              // The same leads' insights (0015 queues them with the rescoring), seeing their new scores.
              const evaluated = await insights.drainQueue(job.organization_id!, (done, total, message) => ctx.progress(done, total, message));
              return { ...result, insights: { ...evaluated } };
            },
            // Queued by the sweep for organizations whose leads or activities changed (0033 markers); POST /metrics/refresh too.
            [METRICS_QUEUE]: async (job, ctx) => metrics.handleJob(job, (done, total, message) => ctx.progress(done, total, message)),
            // Periodic (every 30 s, a system job): a rollup for each organization with change markers; reschedules itself.
            [METRICS_SWEEP_QUEUE]: async () => metrics.sweep(),
            // Periodic: run-out insights expire, statistics refresh, time-driven insights (stalls, fading engagement) appear.
            [INSIGHTS_REFRESH_QUEUE]: async (job, ctx) => ({ ...(await insights.refresh(job.organization_id!, { progress: (done, total, message) => ctx.progress(done, total, message) })) }),
            // On demand (POST /api/v1/forecasts, dedupe 'requested') and nightly (dedupe 'daily', rescheduled by each run).
            [FORECASTS_QUEUE]: async (job, ctx) => ({ ...(await forecasts.generate(job.organization_id!, { progress: (done, total, message) => ctx.progress(done, total, message) })) }),
            // Data subject requests (exports, erasures): one request per job, progress on the job.
            [PRIVACY_QUEUE]: async (job, ctx) => privacy.handleJob(job, (done, total, message) => void ctx.progress(done, total, message).catch(() => {})),
            // Hourly: outbox events past the retention window go, in small batches; so do expired privacy export documents.
            [OUTBOX_RETENTION_QUEUE]: async (_job, ctx) => {
              await privacy.pruneExpired();
              const deleted = await pruneOutbox(database.db, config.realtime.retentionMs, (n) => ctx.progress(n, n, `${n} old events removed`));
              await scheduleOutboxRetention(database.db, nextRetentionRun());
              return { deleted };
            },
            [TRAIN_QUEUE]: async (job, ctx) => {
              // Automatic retraining ('auto') respects an admin's rollback; a requested one activates.
              const activate = job.dedupe_key === 'auto' ? 'unless-rolled-back' : true;
              const model = await scoring.train(job.organization_id!, { createdBy: job.created_by, activate, onProgress: (done, total, message) => ctx.progress(done, total, message) }).catch(async (error: unknown) => {
                // Its last attempt: whoever asked for it hears that it failed (earlier attempts are retried).
                if (job.attempts >= job.max_attempts && !ctx.signal.aborted) {
                  await notifications.trainingFailed(job.organization_id!, { jobId: job.id, userId: job.created_by, error: (error as Error).message }).catch(() => {});
                }
                throw error;
              });
              return { version: model.version, training_size: model.training_size, roc_auc: model.metrics.roc_auc };
            },
            // Nightly at 03:00 in each configured organization's time zone (dedupe 'daily'), and on request (POST /privacy/retention/run).
            // One mailbox per job: on connect, Sync now, IDLE's new-mail notice, and the 5-minute catch-up each run queues.
            [MAIL_SYNC_QUEUE]: async (job, ctx) => mailboxes.handleJob(job, (done, total, message) => ctx.progress(done, total, message)),
            [RETENTION_QUEUE]: async (job, ctx) => retention.handleJob(job, (done, total, message) => ctx.progress(done, total, message)),
            // Webhooks: new outbox events (by committed seq) become deliveries; each delivery attempt is its own job.
            [FANOUT_QUEUE]: async (job) => ({ ...(await webhooks.fanOut(job.organization_id!)) }),
            [DELIVER_QUEUE]: async (job) => webhooks.deliver(job.organization_id!, String(job.payload.delivery_id)),
            // One outbound e-mail's SMTP conversation; a failure is retried with backoff, then recorded as failed in words.
            [MAIL_SEND_QUEUE]: async (job) => email.handleJob(job),
            // Periodic, for every organization: follow-ups falling due, told to their owners in their time zone.
            // Workflows: the organization's outbox after its cursor (queued when the sequencer announces events), then the time sweep when due.
            [WORKFLOWS_QUEUE]: async (job) => ({ ...(await workflows.handleJob(job.organization_id!)) }),
            // Periodic (every 30 s, a system job): a consumer where events wait or the sweep is due; reschedules itself.
            [WORKFLOWS_POLL_QUEUE]: async () => {
              const result = await workflows.poll();
              await workflows.ensurePoll();
              return result;
            },
            [FOLLOW_UP_QUEUE]: async (job) => {
              const since = typeof job.payload.since === 'string' ? new Date(job.payload.since) : null;
              return notifications.sweepFollowUps({ since: since && !Number.isNaN(since.getTime()) ? since : null });
            },
          },
          onError: (err, job) => (job ? logger.error({ err, job: job.id }, 'job failed') : logger.error({ err }, 'job worker: the database failed; retrying with backoff, quietly until it works again')),
          onResume: (failedForMs) => logger.info({ failed_for_ms: failedForMs }, 'job worker: the database works again'),
        })
      : undefined;
    if (worker) await scheduleOutboxRetention(database.db, nextRetentionRun());
    // The follow-up sweep reschedules itself; this starts the chain (a no-op while one is queued).
    if (worker) await notifications.ensureFollowUpSweep();
    // The metrics sweep reschedules itself too; this starts the chain (a no-op while one is queued).
    if (worker) await metrics.ensureSweep();
    // Each run queues the next; this restores a chain that broke (a run that failed for good).
    if (worker) await retention.ensureAllDaily();
    // Every mailbox's catch-up chain, and IDLE connections that queue a sync on new mail.
    if (worker) await mailboxes.ensureCatchUps();
    const mailWatcher = worker ? createMailWatcher(mailboxes, logger) : undefined;
    // The poll reschedules itself; this starts the chain. New events wake the consumer at once.
    let workflowListener: Awaited<ReturnType<typeof database.listen>> | undefined;
    if (worker) {
      await workflows.ensurePoll();
      workflowListener = await database.listen([STREAM_CHANNEL], (_channel, payload) => {
        let org: unknown;
        try {
          org = (JSON.parse(payload) as { o?: unknown }).o;
        } catch {
          return;
        }
        if (typeof org === 'string') void workflows.onSequenced(org).catch((err: unknown) => logger.warn({ err }, 'workflows: queueing the consumer failed; the poll tries again'));
      }, () => {});
    }
    worker?.start();
    if (worker) wakeWorker = () => worker.wake();
    // Only processes that run workers fan out: the jobs it queues are theirs to run.
    const webhookListener = worker ? await listenForWebhookEvents(database, webhooks, logger) : undefined;
    mailWatcher?.start();
    return {
      database,
      server,
      worker,
      migrations,
      demo,
      hub,
      mailWatcher,
      async close() {
        await webhookListener?.close();
        await mailWatcher?.stop();
        await workflowListener?.close();
        await worker?.stop();
        // Streams first: the server waits for open connections, and a stream never ends by itself.
        await hub.close();
        await server.close();
        await database.close();
      },
    };
  } catch (error) {
    await started?.close();
    if (!options.database) await database.close();
    throw error;
  }
}
