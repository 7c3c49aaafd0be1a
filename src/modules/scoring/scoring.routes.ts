import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams, Uuid } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { ScoringApi } from './scoring.api.ts';

const Group = z.enum(['demographic', 'behavioral', 'temporal', 'conversational']);
const Factor = z.object({ feature: z.string(), group: Group, points: z.number().describe('Signed share of the score in points'), text: z.string() });
const Recommendation = z.object({ action: z.string(), reason: z.string(), priority: z.enum(['high', 'medium', 'low']) });
const SubScores = z.object({ demographic: z.number().nullable(), behavioral: z.number().nullable(), temporal: z.number().nullable(), conversational: z.number().nullable() });

const LeadScore = z.object({
  lead_id: Uuid,
  score: z.number().int().describe('round(100 × calibrated conversion probability)'),
  conversion_probability: z.coerce.number().nullable(),
  confidence: z.coerce.number().describe("From the model's uncertainty for this lead, 0–1"),
  predicted_value: z.coerce.number().nullable().describe("Deal value if won: the typical (median) won deal of leads like this one, from a regression on the organization's won deals (company size, industry and other fit features)"),
  predicted_value_low: z.number().nullable().describe('Low end of the 80 % interval of the deal value if won (1 in 10 won deals like this one was smaller, in cross-validation)'),
  predicted_value_high: z.number().nullable().describe('High end of the 80 % interval of the deal value if won (1 in 10 was larger)'),
  sub_scores: SubScores.nullable(),
  explanation: z.array(Factor),
  recommendations: z.array(Recommendation),
  model_version: z.string().nullable(),
  scored_at: z.date().nullable(),
});

const ScoreHistoryItem = z.object({
  id: Uuid, score: z.number().int(), confidence: z.coerce.number(), conversion_probability: z.coerce.number().nullable(), model_version: z.string(),
  demographic_score: z.number().nullable(), behavioral_score: z.number().nullable(), temporal_score: z.number().nullable(), conversational_score: z.number().nullable(),
  created_at: z.date(),
});

const ModelMetrics = z.looseObject({
  roc_auc: z.number().nullable().optional().describe('Cross-validated ROC AUC (null below two folds)'),
  log_loss: z.number().nullable().optional(),
  brier: z.number().nullable().optional(),
  folds: z.number().optional(),
  n: z.number().optional().describe('Decided leads trained on'),
  positives: z.number().optional(),
  calibration_method: z.string().optional(),
});
const CalibrationBin = z.looseObject({
  lower: z.number(), upper: z.number(), count: z.number().describe('Leads whose out-of-fold probability fell in [lower, upper)'),
  meanPredicted: z.number().nullable(), observedRate: z.number().nullable().describe('Share of them that were won'),
});

const Model = z.object({
  id: Uuid, version: z.string(), algorithm: z.string(), metrics: ModelMetrics, calibration: z.array(CalibrationBin).describe('Reliability table from out-of-fold probabilities'),
  training_size: z.number().int(), positives: z.number().int(), is_active: z.boolean(), trained_at: z.date(), activated_at: z.date().nullable(), created_by: Uuid.nullable(),
});

const ModelList = z.object({ data: z.array(Model) });

const HistoryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(500).optional() });
const VersionParams = z.strictObject({ version: z.string().min(1).max(50) });

export async function registerScoringRoutes(server: FastifyInstance, scoring: ScoringApi, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['scoring'];
  app.get('/api/v1/leads/:id/score', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'The lead\'s score: probability, confidence, sub-scores, the factors in points, recommended next actions', params: IdParams, response: { 200: LeadScore } },
  }, async (r) => scoring.score(requireAuth(r, auth), r.params.id));

  app.get('/api/v1/leads/:id/scores', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'Score history of a lead, newest first (a row when the score moved by 2 points or more)', params: IdParams, querystring: HistoryQuery, response: { 200: z.object({ data: z.array(ScoreHistoryItem), next_cursor: z.string().nullable() }) } },
  }, async (r) => scoring.history(requireAuth(r, auth), r.params.id, r.query));

  app.get('/api/v1/models', {
    config: { access: 'models:read' },
    schema: { tags, summary: 'Every trained scoring model with its cross-validated metrics (managers, admins)', response: { 200: ModelList } },
  }, async (r) => ModelList.parse(await scoring.models(requireAuth(r, auth)))); // metrics and calibration are stored as JSON: checked here, typed from here on

  app.post('/api/v1/models/train', {
    config: { access: 'models:manage' },
    schema: { tags, summary: 'Train a new model on the decided leads, in the background (admins); it becomes active when done', body: z.strictObject({}).optional(), response: { 202: z.object({ job_id: z.number().int(), deduplicated: z.boolean() }) } },
  }, async (r, reply) => reply.code(202).send(await scoring.requestTraining(requireAuth(r, auth))));

  app.post('/api/v1/models/:version/activate', {
    config: { access: 'models:manage' },
    schema: { tags, summary: 'Make an earlier or newer model version the active one (admins); every lead is rescored', params: VersionParams, body: z.strictObject({}).optional(), response: { 200: z.object({ version: z.string(), active: z.boolean() }) } },
  }, async (r) => scoring.activate(requireAuth(r, auth), r.params.version));

  app.post('/api/v1/leads/rescore', {
    config: { access: 'leads:rescore' },
    schema: { tags, summary: 'Rescore every lead of the organization in the background (managers, admins)', body: z.strictObject({}).optional(), response: { 202: z.object({ queued: z.number().int() }) } },
  }, async (r, reply) => reply.code(202).send(await scoring.requestRescore(requireAuth(r, auth))));
}
