import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import type { AuthService } from '../modules/auth/auth.service.ts';
import { registerAuthRoutes } from '../modules/auth/auth.routes.ts';
import { registerAuditRoutes } from '../modules/audit/audit.routes.ts';
import type { AuditService } from '../modules/audit/audit.service.ts';
import { registerConsentRoutes } from '../modules/consent/consent.routes.ts';
import type { ConsentService } from '../modules/consent/consent.service.ts';
import type { ActivitiesService } from '../modules/activities/activities.service.ts';
import { registerActivityRoutes } from '../modules/activities/activities.routes.ts';
import type { ConversationsService } from '../modules/conversations/conversations.service.ts';
import { registerConversationRoutes } from '../modules/conversations/conversations.routes.ts';
import type { LeadsService } from '../modules/leads/leads.service.ts';
import type { TimelineService } from '../modules/timeline/timeline.service.ts';
import type { ImportsService } from '../modules/imports/imports.service.ts';
import { registerImportRoutes } from '../modules/imports/imports.routes.ts';
import { registerTimelineRoutes } from '../modules/timeline/timeline.routes.ts';
import type { TrackingService } from '../modules/tracking/tracking.service.ts';
import { registerTrackingRoutes } from '../modules/tracking/tracking.routes.ts';
import { registerLeadRoutes } from '../modules/leads/leads.routes.ts';
import type { ScoringApi } from '../modules/scoring/scoring.api.ts';
import type { JobsService } from '../modules/jobs/jobs.service.ts';
import { registerJobRoutes } from '../modules/jobs/jobs.routes.ts';
import { registerScoringRoutes } from '../modules/scoring/scoring.routes.ts';
import type { InsightsApi } from '../modules/insights/insights.api.ts';
import { registerInsightRoutes } from '../modules/insights/insights.routes.ts';
import { registerDashboardRoutes } from '../modules/dashboard/dashboard.routes.ts';
import type { DashboardService } from '../modules/dashboard/dashboard.service.ts';
import type { ForecastsApi } from '../modules/forecasts/forecasts.api.ts';
import { registerForecastsRoutes } from '../modules/forecasts/forecasts.routes.ts';
import { registerMetricsRoutes } from '../modules/metrics/metrics.routes.ts';
import { registerAssignmentRoutes } from '../modules/assignment/assignment.routes.ts';
import type { AssignmentService } from '../modules/assignment/assignment.service.ts';
import { registerRetentionRoutes } from '../modules/retention/retention.routes.ts';
import type { RetentionService } from '../modules/retention/retention.service.ts';
import type { MetricsService } from '../modules/metrics/metrics.service.ts';
import { registerViewRoutes } from '../modules/views/views.routes.ts';
import type { ViewsService } from '../modules/views/views.service.ts';
import { registerNotificationRoutes } from '../modules/notifications/notifications.routes.ts';
import type { NotificationsService } from '../modules/notifications/notifications.service.ts';
import type { SystemService } from '../modules/system/system.service.ts';
import { registerPrivacyRoutes } from '../modules/privacy/privacy.routes.ts';
import type { PrivacyService } from '../modules/privacy/privacy.service.ts';
import type { UsersService } from '../modules/users/users.service.ts';
import { registerUserRoutes } from '../modules/users/users.routes.ts';
import { registerSystemRoutes } from '../modules/system/system.routes.ts';
import { logsRequests, type Logger } from '../shared/logger.ts';
import type { Hub } from '../realtime/hub.ts';
import { registerStreamRoutes } from '../realtime/stream.routes.ts';
import { registerAccessControl } from './access.ts';
import { apiDocsOptions } from './api-docs.ts';
import { registerAuthentication } from './auth.ts';
import { registerInputGuard } from './input-guard.ts';
import { API_DOCS_CSP, registerSecurityHeaders } from './security-headers.ts';
import { PROBLEM_TYPE_BASE, problemFromError, sendClientError, sendProblem } from './problem.ts';
import { installPlainMessages } from './validation-messages.ts';
import { createResponseSerializerCompiler } from './serializer.ts';
import { isSpaRoute, registerWebApp, sendSpaIndex, webAppBuilt } from './web-app.ts';

export interface ServerDeps {
  logger: Logger;
  hub: Hub;
  system: SystemService;
  auth: AuthService;
  leads: LeadsService;
  users: UsersService;
  activities: ActivitiesService;
  conversations: ConversationsService;
  timeline: TimelineService;
  imports: ImportsService;
  tracking: TrackingService;
  scoring: ScoringApi;
  jobs: JobsService;
  insights: InsightsApi;
  dashboard: DashboardService;
  forecasts: ForecastsApi;
  metrics: MetricsService;
  views: ViewsService;
  notifications: NotificationsService;
  privacy: PrivacyService;
  retention: RetentionService;
  audit: AuditService;
  consents: ConsentService;
  assignment: AssignmentService;
  /** Folder of the built web app; default web/dist. Without an index.html there, / is a status page. */
  webDist?: string;
  /** Proxies whose X-Forwarded-For/-Proto are believed (config LEADAI_TRUST_PROXY); default none. */
  trustProxy?: boolean | string[];
  /** Serialize every response through zod too and fail on any difference (test suites). */
  checkResponses?: boolean;
}

/**
 * Assembles the HTTP server from the services the composition root built. Request and
 * response schemas are zod: the same objects validate, type the handlers, and generate
 * the OpenAPI document at /api/openapi.json (interactive docs at /api/docs).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; naming the base type keeps route types default.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A line per request in JSON logs (machines); none in a terminal unless LOG_LEVEL=debug.
    ...(logsRequests(deps.logger) ? {} : { logController: new LogController({ disableRequestLogging: true }) }),
    bodyLimit: 1_048_576,
    requestIdHeader: 'x-request-id',
    trustProxy: deps.trustProxy ?? false,
    // Refused before any route runs (a malformed or too long URL part, headers too large):
    // problem+json like every other error, not Fastify's own JSON.
    frameworkErrors: (error, request, reply) => sendProblem(reply, problemFromError(error, request)),
    clientErrorHandler: sendClientError,
  });
  installPlainMessages();
  // Fastify hands the validator `null` for a request without a body, which an optional body
  // schema (`z.strictObject({}).optional()`: acknowledge, train, rescore) refused with a 400:
  // to the schemas, "no body" means undefined. A JSON `null` really sent as the body looks the
  // same to the validator, so the hook below refuses that one before validation.
  app.setValidatorCompiler<Parameters<typeof validatorCompiler>[0]['schema']>((route) => {
    const validate = validatorCompiler(route);
    return route.httpPart === 'body' ? (data: unknown) => validate(data === null ? undefined : data) : validate;
  });
  app.setSerializerCompiler(createResponseSerializerCompiler({
    check: deps.checkResponses ?? false,
    onFallback: (route, reason) => deps.logger.warn({ route, reason }, 'response schema serialized by zod (slower): fast-json-stringify cannot compile it'),
  }));
  app.addHook('preValidation', async (request, reply) => {
    const sentSomething = Boolean(request.headers['transfer-encoding']) || Number(request.headers['content-length'] ?? 0) > 0;
    if (request.body !== null || !sentSomething) return;
    const detail = 'The request body is the JSON value null; send a JSON object, or no body at all.';
    return sendProblem(reply, { type: `${PROBLEM_TYPE_BASE}validation`, title: 'The request is not valid', status: 400, detail, instance: request.url, errors: [{ field: '/', message: detail }] });
  });

  registerInputGuard(app);

  app.setErrorHandler((error, request, reply) => {
    const problem = problemFromError(error, request);
    // 503/507 are the database's state, logged once per outage by problemFromError.
    if (problem.status >= 500 && problem.status !== 503 && problem.status !== 507) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem);
  });
  const web = webAppBuilt(deps.webDist);
  app.setNotFoundHandler((request, reply) => {
    if (web && isSpaRoute(request)) return sendSpaIndex(reply);
    const path = request.url.split('?')[0]!;
    // An address too long for any route (a pasted blob as an id) is cut in the message.
    const shown = path.length > 160 ? `${path.slice(0, 120)}… (${path.length} characters; ids are 36)` : path;
    return sendProblem(reply, {
      type: 'https://leadai.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: `There is nothing at ${request.method} ${shown}.`,
      instance: path.slice(0, 2048),
    });
  });

  await registerSecurityHeaders(app);
  // Before swagger: the access declarations must be on the routes' schemas when the document is built.
  registerAccessControl(app);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'LeadAI API', version: '1', description: 'Leads, activities, conversations, scores and insights. Errors are application/problem+json (RFC 9457).' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'leadai_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created at /api/v1/api-keys' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    // Schemas named with .meta({ id }) are emitted once under components.schemas; without this their $refs dangle.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { ...apiDocsOptions, staticCSP: API_DOCS_CSP });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAuthentication(app, deps.auth);
  if (web) await registerWebApp(app, deps.webDist);
  await registerSystemRoutes(app, deps.system, { landingPage: !web });
  await registerAuthRoutes(app, deps.auth);
  await registerUserRoutes(app, deps.users, deps.auth);
  await registerLeadRoutes(app, deps.leads, deps.auth);
  await registerActivityRoutes(app, deps.activities, deps.auth);
  await registerConversationRoutes(app, deps.conversations, deps.auth);
  await registerTimelineRoutes(app, deps.timeline, deps.auth);
  await registerImportRoutes(app, deps.imports, deps.auth);
  await registerTrackingRoutes(app, deps.tracking, deps.auth);
  await registerDashboardRoutes(app, deps.dashboard, deps.auth);
  await registerForecastsRoutes(app, deps.forecasts, deps.auth);
  await registerMetricsRoutes(app, deps.metrics, deps.auth);
  await registerViewRoutes(app, deps.views, deps.auth);
  await registerScoringRoutes(app, deps.scoring, deps.auth);
  await registerJobRoutes(app, deps.jobs, deps.auth);
  await registerInsightRoutes(app, deps.insights, deps.auth);
  await registerStreamRoutes(app, deps.hub, deps.auth);
  await registerNotificationRoutes(app, deps.notifications, deps.auth);
  await registerPrivacyRoutes(app, deps.privacy, deps.auth);
  await registerRetentionRoutes(app, deps.retention, deps.auth);
  await registerAuditRoutes(app, deps.audit, deps.auth);
  await registerConsentRoutes(app, deps.consents, deps.auth);
  await registerAssignmentRoutes(app, deps.assignment, deps.auth);
  return app;
}
