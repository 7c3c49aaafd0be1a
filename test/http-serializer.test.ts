import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { compileFast, createResponseSerializerCompiler } from '../src/http/serializer.ts';
import { Lead, LeadPage } from '../src/modules/leads/leads.schemas.ts';
import { createTestDatabase, MODE } from './helpers/db.ts';

const lead = {
  id: '0192b7d4-5c2e-7a10-8c3d-9f1e2a3b4c5d', organization_id: '0192b7d4-5c2e-7a10-8c3d-000000000001', assigned_to: null, team_id: null,
  first_name: 'Zoë', last_name: 'O\'Brien "the \\ second"', email: 'zoe@example.com', phone: null, company: 'Acme\nCorp\u2028', job_title: 'CTO',
  address: { city: 'Zürich', country_code: 'CH' }, status: 'qualified', stage: null, source: 'web', campaign: null,
  current_score: 72, score_confidence: 0.81, predicted_value: 12000.5, conversion_probability: 0.7234, engagement_level: 'high',
  custom_fields: { employees: 120, renewal: '2027-01-01', nested: { a: [1, null, 'x'] }, flag: false }, tags: ['vip', 'émoji 🚀'],
  external_id: null, deal_value: null, status_changed_at: new Date('2026-11-30T10:00:00.123Z'), closed_at: null,
  do_not_contact: true, do_not_contact_at: new Date('2026-12-01T08:00:00Z'), do_not_contact_by: null, unsubscribed: false, unsubscribed_at: null, unsubscribed_by: null, consent_withdrawn: ['marketing'],
  created_at: new Date('2026-01-02T03:04:05.006Z'), updated_at: new Date(), last_contacted_at: null, next_follow_up_at: new Date('2026-12-24T09:00:00Z'),
  // Extra columns a query may return are left out by both serializers.
  cursor_at: 'not in the schema',
};

const compile = (schema: z.ZodType, check = false) =>
  createResponseSerializerCompiler({ check })({ schema, method: 'GET', url: '/test', httpStatus: '200' } as never) as (data: unknown) => string;
const viaZod = (schema: z.ZodType, data: unknown) => JSON.stringify(z.encode(schema, data as never));

describe(`response serialization (${MODE})`, () => {
  it('writes exactly what zod writes for leads: dates, nulls, nested JSON, escapes and extra columns', () => {
    const page = { data: [lead, { ...lead, address: null, tags: [] }], next_cursor: 'abc' };
    expect(compile(LeadPage)(page)).toBe(viaZod(LeadPage, page));
    expect(compile(Lead)(lead)).toBe(viaZod(Lead, lead));
    expect(JSON.parse(compile(Lead)(lead))).not.toHaveProperty('cursor_at');
  });

  it('writes the value zod writes for unions, optional fields, enums, records and unknown values', () => {
    const schema = z.object({
      kind: z.enum(['a', 'b']),
      maybe: z.string().optional(),
      either: z.union([z.object({ n: z.number() }), z.object({ s: z.string() })]),
      any: z.unknown(),
      map: z.record(z.string(), z.number()),
      when: z.date().nullable(),
    });
    for (const value of [
      { kind: 'a', either: { n: 1 }, any: [1, { x: 'y' }], map: { a: 1 }, when: null },
      { kind: 'b', maybe: 'here', either: { s: 'text' }, any: null, map: {}, when: new Date('2020-02-29T00:00:00Z') },
    ]) expect(JSON.parse(compile(schema)(value))).toStrictEqual(JSON.parse(viaZod(schema, value)));
  });

  it('in check mode still refuses what the schema does not allow, as zod alone did', () => {
    expect(() => compile(Lead, true)({ ...lead, current_score: 'seventy' })).toThrow();
    expect(() => compile(Lead, true)({ ...lead, status: 'maybe' })).toThrow();
    expect(compile(Lead, true)(lead)).toBe(viaZod(Lead, lead));
  });

  it('compiles the fast path for every response schema of every route (none falls back to zod)', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _e, done) => { lines.push(String(chunk)); done(); } }));
    const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'false', LOG_LEVEL: 'warn' });
    const app = await createApp(config, logger, { database: await createTestDatabase() });
    try {
      await app.server.ready();
      expect(lines.filter((l) => l.includes('response schema serialized by zod'))).toEqual([]);
      expect(typeof compileFast(LeadPage)).toBe('function');
      expect(compileFast({ type: 'object' })).toBe('not a zod schema');
    } finally {
      await app.close();
    }
  });
});
