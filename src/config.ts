import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Environment → one typed, frozen config object. Every invalid variable is reported at
 * once, so a newcomer fixes their .env in one pass rather than one error per restart.
 */
const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  LEADAI_DATA_DIR: z.string().min(1).default('./data'),
  LEADAI_DEMO: z.enum(['auto', 'off']).default('auto'),
  LEADAI_DEMO_LEADS: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  LEADAI_WORKERS: boolish.default(true),
  // A running job whose worker stops renewing its lock (killed, disconnected) for this long goes back to the queue.
  LEADAI_JOB_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(300_000),
  LEADAI_IMPORT_MAX_MB: z.coerce.number().int().min(1).max(10_240).default(512),
  // Rows per transaction of an uploaded import (the CLI's --batch-size): each batch commits with its checkpoint.
  LEADAI_IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  SUPABASE_JWT_SECRET: z.string().min(32, 'must be the project JWT secret (at least 32 characters)').optional(),
  SUPABASE_JWKS_URL: z.string().url().optional(),
  SUPABASE_JWT_AUDIENCE: z.string().min(1).default('authenticated'),
  // Optional LLM provider: any OpenAI-compatible chat endpoint (Ollama, vLLM, OpenAI …).
  LEADAI_LLM_BASE_URL: z.string().url().regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
  LEADAI_LLM_API_KEY: z.string().min(1).optional(),
  LEADAI_LLM_MODEL: z.string().min(1).max(200).optional(),
  LEADAI_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  LEADAI_LLM_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  // Real-time (src/realtime): caps on live streams, and how long the outbox keeps events to replay.
  LEADAI_STREAMS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(10),
  LEADAI_STREAMS_PER_PROCESS: z.coerce.number().int().min(1).max(100_000).default(5000),
  LEADAI_OUTBOX_RETENTION_DAYS: z.coerce.number().min(0.001).max(3650).default(7),
  // A stream whose client has not read for this long (its buffer full) is cut; it resumes by Last-Event-ID.
  LEADAI_STREAM_SLOW_CLIENT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  LEADAI_STREAM_HEARTBEAT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  // Tests: every response is serialized by zod as well and compared (see http/serializer.ts).
  LEADAI_CHECK_RESPONSES: boolish.default(false),
  // Key of the keyed hashes that remember erased people (privacy tombstones, request subjects).
  LEADAI_PRIVACY_KEY: z.string().min(32, 'must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)').optional(),
  // Key that encrypts stored credentials (mailbox passwords and tokens, SMTP passwords, webhook secrets) at rest.
  LEADAI_SECRET_KEY: z.string().min(32, 'must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)').optional(),
  // Where people reach this server: links in e-mails (unsubscribe, open and click tracking) are built on it.
  LEADAI_PUBLIC_URL: z.string().url().regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional(),
  // Proxies whose X-Forwarded-For/-Proto are believed (client IP for sign-in throttling, HTTPS
  // for HSTS and Secure cookies): "true" (any), or addresses/CIDRs/"loopback", comma-separated.
  LEADAI_TRUST_PROXY: z.string().regex(/^[\w.:/, -]+$/, 'must be true, false, or addresses/CIDRs separated by commas (e.g. loopback,10.0.0.0/8)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});

/** Names of variables whose values must never appear in logs or error messages. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(['DATABASE_URL', 'SUPABASE_JWT_SECRET', 'LEADAI_LLM_API_KEY', 'LEADAI_PRIVACY_KEY', 'LEADAI_SECRET_KEY']);

/**
 * Development and the embedded demo get a fixed key so tombstones work out of the box; it is
 * public (it is in this file), so production must set its own: a tombstone hashed with a known
 * key can be tested against guessed addresses.
 */
export const DEVELOPMENT_PRIVACY_KEY = 'leadai-development-privacy-key-not-for-production';

/** The same reasoning for stored credentials: fine for a demo, never for production. */
export const DEVELOPMENT_SECRET_KEY = 'leadai-development-secret-key-not-for-production-use';

export type Config = Readonly<{
  port: number;
  host: string;
  database:
    | Readonly<{ kind: 'embedded'; dataDir: string }>
    | Readonly<{ kind: 'server'; url: string; poolSize: number }>;
  demo: Readonly<{ mode: 'auto' | 'off'; leads: number }>;
  workers: boolean;
  /**
   * How long a running job's lock lasts without a heartbeat (one every third of it): after a
   * worker dies (SIGKILL, lost host) its jobs wait this long before another worker retries them.
   */
  jobs: Readonly<{ leaseMs: number }>;
  /** CSV uploads (POST /api/v1/imports) larger than this are refused with 413. */
  imports: Readonly<{ maxUploadBytes: number; batchSize: number }>;
  /** Supabase Auth access tokens are accepted when either is set. */
  supabase: Readonly<{ jwtSecret: string | undefined; jwksUrl: string | undefined; audience: string }>;
  /**
   * The optional LLM provider (an OpenAI-compatible chat endpoint); undefined when
   * LEADAI_LLM_BASE_URL is unset. Organizations switch it on in settings.ai.llm_enabled.
   */
  llm: Readonly<{ baseUrl: string; apiKey: string | undefined; model: string; timeoutMs: number; concurrency: number }> | undefined;
  /** Live streams: caps per user and per process; outbox events kept this long for replay. */
  realtime: Readonly<{ maxStreamsPerUser: number; maxStreamsPerProcess: number; retentionMs: number; slowClientMs: number; heartbeatMs: number }>;
  /** HMAC key of privacy tombstones and request subjects (LEADAI_PRIVACY_KEY; required in production). */
  privacy: Readonly<{ hashKey: string }>;
  /** Key that encrypts stored credentials at rest (LEADAI_SECRET_KEY; required in production). */
  secrets: Readonly<{ key: string }>;
  /** Base URL of links LeadAI puts in e-mails (LEADAI_PUBLIC_URL, else http://HOST:PORT). */
  publicUrl: string;
  /** Serialize every response through zod as well and fail on a difference (test suites). */
  checkResponses: boolean;
  /** Proxies trusted for X-Forwarded-For/-Proto (LEADAI_TRUST_PROXY; default none). */
  trustProxy: boolean | string[];
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  env: z.infer<typeof envSchema>['NODE_ENV'];
}>;

/** LEADAI_TRUST_PROXY as Fastify's trustProxy takes it; unset trusts no proxy. */
function parseTrustProxy(value: string | undefined): boolean | string[] {
  const v = value?.trim().toLowerCase();
  if (!v || v === 'false') return false;
  if (v === 'true') return true;
  return v.split(',').map((part) => part.trim()).filter(Boolean);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": `DATABASE_URL= npm start` should fall back to embedded.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  // Checks across variables, listed with the others rather than after them.
  const related = present.LEADAI_LLM_BASE_URL && !present.LEADAI_LLM_MODEL ? ['LEADAI_LLM_MODEL is required when LEADAI_LLM_BASE_URL is set (e.g. llama3.1, gpt-4o-mini)'] : [];
  if (present.NODE_ENV === 'production' && !present.LEADAI_PRIVACY_KEY) {
    related.push('LEADAI_PRIVACY_KEY is required in production: the key of the hashes that keep erased people erased (generate one with `openssl rand -hex 32` and keep it with your backups; changing it forgets the tombstones)');
  }
  if (present.NODE_ENV === 'production' && !present.LEADAI_SECRET_KEY) {
    related.push('LEADAI_SECRET_KEY is required in production: the key that encrypts stored mailbox, SMTP and webhook credentials (generate one with `openssl rand -hex 32` and keep it with your backups; changing it makes stored credentials unreadable, so they must be entered again)');
  }
  if (!parsed.success || related.length > 0) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => {
        const name = String(issue.path[0] ?? '?');
        const shown = SECRET_VARIABLES.has(name) ? '(hidden)' : JSON.stringify(present[name]);
        return `${name}=${shown}: ${issue.message}`;
      }),
      ...related,
    ]);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    database: Object.freeze(
      e.DATABASE_URL
        ? { kind: 'server' as const, url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
        : { kind: 'embedded' as const, dataDir: resolve(e.LEADAI_DATA_DIR) },
    ),
    demo: Object.freeze({ mode: e.LEADAI_DEMO, leads: e.LEADAI_DEMO_LEADS }),
    workers: e.LEADAI_WORKERS,
    jobs: Object.freeze({ leaseMs: e.LEADAI_JOB_LEASE_MS }),
    imports: Object.freeze({ maxUploadBytes: e.LEADAI_IMPORT_MAX_MB * 1024 * 1024, batchSize: e.LEADAI_IMPORT_BATCH_SIZE }),
    supabase: Object.freeze({ jwtSecret: e.SUPABASE_JWT_SECRET, jwksUrl: e.SUPABASE_JWKS_URL, audience: e.SUPABASE_JWT_AUDIENCE }),
    llm:
      e.LEADAI_LLM_BASE_URL && e.LEADAI_LLM_MODEL
        ? Object.freeze({ baseUrl: e.LEADAI_LLM_BASE_URL.replace(/\/+$/, ''), apiKey: e.LEADAI_LLM_API_KEY, model: e.LEADAI_LLM_MODEL, timeoutMs: e.LEADAI_LLM_TIMEOUT_MS, concurrency: e.LEADAI_LLM_CONCURRENCY })
        : undefined,
    realtime: Object.freeze({ maxStreamsPerUser: e.LEADAI_STREAMS_PER_USER, maxStreamsPerProcess: e.LEADAI_STREAMS_PER_PROCESS, retentionMs: Math.round(e.LEADAI_OUTBOX_RETENTION_DAYS * 86_400_000), slowClientMs: e.LEADAI_STREAM_SLOW_CLIENT_MS, heartbeatMs: e.LEADAI_STREAM_HEARTBEAT_MS }),
    privacy: Object.freeze({ hashKey: e.LEADAI_PRIVACY_KEY ?? DEVELOPMENT_PRIVACY_KEY }),
    secrets: Object.freeze({ key: e.LEADAI_SECRET_KEY ?? DEVELOPMENT_SECRET_KEY }),
    publicUrl: (e.LEADAI_PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
    checkResponses: e.LEADAI_CHECK_RESPONSES,
    trustProxy: parseTrustProxy(e.LEADAI_TRUST_PROXY),
    logLevel: e.LOG_LEVEL,
    env: e.NODE_ENV,
  });
}
