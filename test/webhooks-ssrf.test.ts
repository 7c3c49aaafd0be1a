import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressRange, postTo, TargetRefusedError, vetTarget } from '../src/modules/webhooks/webhooks.target.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { startReceiver } from './helpers/webhook-receiver.ts';

const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let a: Awaited<ReturnType<typeof Client.signup>>;
const WAIT = 60_000;

beforeAll(async () => {
  receiver = await startReceiver();
  a = await Client.signup(url, 'Guarded');
});
afterAll(async () => receiver?.close());

async function firstAttempt(hookId: string) {
  const test = await a.client.post(`/api/v1/webhooks/${hookId}/test`);
  expect(test.status).toBe(202);
  return until(`the attempt of ${test.body.id}`, async () => {
    const r = await a.client.get(`/api/v1/webhooks/${hookId}/deliveries`);
    const d = (r.body.data as { id: string; attempts: number; status: string; error: string | null }[]).find((x) => x.id === test.body.id);
    return d && d.attempts > 0 ? d : null;
  }, WAIT);
}

describe(`webhook SSRF guard (${MODE})`, () => {
  it('classifies addresses, IPv4-mapped IPv6 as the IPv4 it carries', () => {
    expect(addressRange('8.8.8.8')).toBe('unicast');
    expect(addressRange('2a00:1450:4001:80b::200e')).toBe('unicast');
    expect(addressRange('127.0.0.1')).toBe('loopback');
    expect(addressRange('::1')).toBe('loopback');
    expect(addressRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(addressRange('::ffff:10.1.2.3')).toBe('private');
    expect(addressRange('169.254.169.254')).toBe('linkLocal');
    expect(addressRange('fe80::1')).toBe('linkLocal');
    expect(addressRange('10.0.0.1')).toBe('private');
    expect(addressRange('172.16.5.4')).toBe('private');
    expect(addressRange('192.168.1.1')).toBe('private');
    expect(addressRange('fc00::1')).toBe('uniqueLocal');
    expect(addressRange('100.64.0.1')).toBe('carrierGradeNat');
    expect(addressRange('0.0.0.0')).toBe('unspecified');
    expect(addressRange('224.0.0.1')).toBe('multicast');
  });

  it('refuses the unspecified and multicast addresses even when private targets are allowed', async () => {
    await expect(vetTarget('http://0.0.0.0:9/', true)).rejects.toThrow(TargetRefusedError);
    await expect(vetTarget('http://[ff02::1]:9/', true)).rejects.toThrow(/multicast/);
    await expect(vetTarget('http://127.0.0.1:9/', true)).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(vetTarget('http://localhost:9/', false)).rejects.toThrow(/localhost resolves to 127\.0\.0\.1, a loopback address/);
  });

  it('connects to the vetted address without looking the name up again (no DNS rebinding), and gives up on a silent receiver', async () => {
    // A name that resolves nowhere: the request still reaches the receiver, so no second lookup happened.
    const pinned = { url: new URL(`http://rebind.invalid:${receiver.port}/pinned`), address: '127.0.0.1', family: 4 as const };
    const ok = await postTo(pinned, { 'webhook-id': 'msg_pinned' }, '{}');
    expect(ok).toMatchObject({ statusCode: 200, error: null });
    expect(receiver.at('/pinned')[0]!.headers.host).toBe(`rebind.invalid:${receiver.port}`);

    receiver.script('/silent', [0]);
    const silent = await postTo({ ...pinned, url: new URL(`http://rebind.invalid:${receiver.port}/silent`) }, {}, '{}', 500);
    expect(silent.statusCode).toBeNull();
    expect(silent.error).toMatch(/No answer from rebind\.invalid \(127\.0\.0\.1\) within 0\.5 s/);
  });

  it('refuses loopback, link-local, private and CGNAT targets at delivery time unless the organization allows them', async () => {
    const targets: [string, RegExp][] = [
      [`http://localhost:${receiver.port}/guarded`, /localhost resolves to 127\.0\.0\.1, a loopback address/],
      [`http://127.0.0.1:${receiver.port}/guarded`, /loopback/],
      [`http://[::1]:${receiver.port}/guarded`, /::1, a loopback address/],
      [`http://[::ffff:127.0.0.1]:${receiver.port}/guarded`, /loopback/],
      ['http://169.254.169.254/latest/meta-data/', /link-local/],
      ['http://10.0.0.1/hook', /private network/],
      ['http://100.64.0.1/hook', /carrier-grade NAT/],
    ];
    const ids: string[] = [];
    for (const [target, refusal] of targets) {
      const created = await a.client.post('/api/v1/webhooks', { url: target, event_types: ['lead.created'] });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      ids.push(created.body.id);
      const d = await firstAttempt(created.body.id);
      expect(d.status).toBe('failed');
      expect(d.error).toMatch(refusal);
      expect(d.error).toMatch(/allow private targets/);
    }
    expect(receiver.at('/guarded')).toEqual([]);

    expect((await a.client.put('/api/v1/webhooks/settings', { allow_private_targets: true })).body.allow_private_targets).toBe(true);
    // The receiver listens on 127.0.0.1: by name and by address it is now reachable.
    for (const id of ids.slice(0, 2)) {
      const d = await until('a delivery to the local receiver', async () => {
        const r = await firstAttempt(id);
        return r.status === 'succeeded' ? r : null;
      }, WAIT);
      expect(d.error).toBeNull();
    }
    expect(receiver.at('/guarded').length).toBeGreaterThanOrEqual(2);
  });
});
