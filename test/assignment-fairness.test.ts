import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

const { url, app } = useServer();
const db = () => app().database.db;

const LEADS = 1000;
const CLIENTS = 25;
const REPS = 7;

let A: Awaited<ReturnType<typeof Client.signup>>;
const reps: string[] = [];

beforeAll(async () => {
  A = await Client.signup(url, 'Fair Shares');
  for (let i = 0; i < REPS; i++) {
    const inv = await A.client.post('/api/v1/invitations', { email: `rep${i}-${randomUUID().slice(0, 6)}@fair.example`, role: 'sales_rep' });
    const c = new Client(url);
    const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: `Rep ${i}`, password: 'correct horse battery' });
    expect(r.status).toBeLessThan(300);
    reps.push((await c.get('/api/v1/me')).body.user.id);
  }
});

describe(`assignment fairness under concurrency (${MODE})`, () => {
  it(`${LEADS} leads created by ${CLIENTS} concurrent API clients: round-robin over ${REPS} reps gives each ⌊${LEADS}/${REPS}⌋ or ⌈${LEADS}/${REPS}⌉, none lost or unassigned`, async () => {
    const r = await A.client.post('/api/v1/assignment-rules', { name: 'Everyone in turn', distribution: 'round_robin', user_ids: reps });
    expect(r.status).toBe(201);
    // Each client is its own API key connection: real concurrent requests, not one queue.
    const key = (await A.client.post('/api/v1/api-keys', { name: 'load', role: 'admin' })).body.key as string;
    let next = 0;
    const created: string[] = [];
    const failures: string[] = [];
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      const c = Client.withKey(url, key);
      for (let i = next++; i < LEADS; i = next++) {
        const res = await c.post('/api/v1/leads', { first_name: 'Fair', last_name: `Lead ${i}`, email: `fair-${i}@load.example` });
        if (res.status === 201) created.push(res.body.id);
        else failures.push(`${res.status} ${JSON.stringify(res.body)}`);
      }
    }));
    expect(failures).toEqual([]);
    expect(created).toHaveLength(LEADS);
    const rows = await db().selectFrom('leads').select(['assigned_to']).where('organization_id', '=', A.organizationId).where('email', 'like', 'fair-%@load.example').execute();
    expect(rows).toHaveLength(LEADS);
    expect(rows.filter((x) => x.assigned_to === null)).toHaveLength(0);
    const counts = new Map<string, number>();
    for (const x of rows) counts.set(x.assigned_to!, (counts.get(x.assigned_to!) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...reps].sort());
    const lo = Math.floor(LEADS / REPS);
    const hi = Math.ceil(LEADS / REPS);
    for (const [rep, n] of counts) expect(n === lo || n === hi, `${rep} got ${n}`).toBe(true);
    // Every one of them is in the log (the timeline) under the rule.
    const logged = await db().selectFrom('lead_assignments').select((eb) => eb.fn.countAll<number>().as('n')).where('rule_id', '=', r.body.id).executeTakeFirstOrThrow();
    expect(Number(logged.n)).toBe(LEADS);
  }, 240_000);
});
