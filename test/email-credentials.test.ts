import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { Client } from './helpers/api.ts';
import { createTestDatabase, MODE } from './helpers/db.ts';
import { startSmtp, type TestSmtp } from './helpers/smtp.ts';
import { until } from './helpers/wait.ts';

/**
 * SMTP passwords in the logs: a server at debug level (every request logged), a refused
 * login, a failing test e-mail and a send that fails and is retried — the whole log is
 * searched for the password, in plain and in base64 (how AUTH PLAIN/LOGIN carry it).
 */
const PASSWORD = 'Log-Probe-pa55word-7f3a';
const lines: string[] = [];
let app: App;
let base = '';
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtp({ users: { probe: 'another-password' } });
  const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'true', LOG_LEVEL: 'debug' });
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done(); } });
  // The production settings' redaction is part of what is tested: the logger is built like createLogger's JSON one.
  const logger = pino({ level: 'debug', redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.email', 'res.headers["set-cookie"]'], censor: '[redacted]' } }, sink);
  app = await createApp(config, logger, { database: await createTestDatabase() });
  base = await app.server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

describe(`SMTP credentials never reach responses or logs (${MODE})`, () => {
  it('a refused login and a retried send log words, not the password', async () => {
    const url = (p: string) => base + p;
    const A = await Client.signup(url, 'Log Probe');
    const saved = await A.client.put('/api/v1/email/relay', { host: '127.0.0.1', port: smtp.port, security: 'none', username: 'probe', password: PASSWORD, from_address: 'probe@log.example' });
    expect(saved.status).toBe(200);
    const test = await A.client.post('/api/v1/email/test', { account: 'organization' });
    expect(test.status).toBe(422);
    expect(test.body.detail).toMatch(/refused the login for probe: check the user name and password/);
    expect(smtp.logins.at(-1)).toEqual({ user: 'probe', pass: PASSWORD });

    // Now the server is gone: the send fails, is logged by the worker, and retried.
    await smtp.close();
    const lead = await A.client.post('/api/v1/leads', { first_name: 'Log', last_name: 'Probe', email: 'lead@log.example' });
    const queued = await A.client.post(`/api/v1/leads/${lead.body.id}/emails`, { subject: 'Hi', body: 'Hello' });
    expect(queued.status).toBe(202);
    await until('a failed attempt in the log', async () => lines.some((l) => l.includes('job failed')), 60_000);
    const message = (await A.client.get(`/api/v1/emails/${queued.body.id}`)).body;
    expect(message.error).toMatch(/refused the connection.*retrying/);

    const log = lines.join('');
    expect(log.length).toBeGreaterThan(1000);
    for (const form of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), Buffer.from(`\0probe\0${PASSWORD}`).toString('base64')]) {
      expect(log).not.toContain(form);
      expect(JSON.stringify([saved.body, test.body, message])).not.toContain(form);
    }
  });
});
