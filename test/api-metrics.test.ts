import { beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { runLeadai, withCliData } from './helpers/cli.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { inviteUser } from './helpers/web.ts';

/**
 * Who sees whose team metrics, per role, over real HTTP: admin everyone; viewer and
 * marketing the organization's and teams' totals only; a manager the organization, their team and its members; a sales rep their own
 * figures and their team's aggregate, ranked only by name for themselves. Another
 * organization's ids are 404, bad queries 400, all problem+json. And the CLI's refresh.
 */
const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));

let admin: Awaited<ReturnType<typeof Client.signup>>;
let other: Awaited<ReturnType<typeof Client.signup>>;
const as: Record<'mia' | 'rita' | 'sam' | 'tom' | 'vic' | 'max' | 'una', { client: Client; id: string }> = {} as never;
const teams = { north: '', south: '', elsewhere: '' };

async function invite(name: keyof typeof as, role: Parameters<typeof inviteUser>[2], teamId: string | null) {
  const { client, userId } = await inviteUser(admin.client, url, role, name[0]!.toUpperCase() + name.slice(1), { teamId, email: `${name}@metrics-api.example` });
  as[name] = { client, id: userId };
}

async function refreshed(client: Client) {
  const r = await client.post('/api/v1/metrics/refresh', {});
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  await until('the rollup', async () => ['succeeded', 'failed'].includes((await client.get(`/api/v1/jobs/${r.body.job_id}`)).body.status), 30_000);
  expect((await client.get(`/api/v1/jobs/${r.body.job_id}`)).body.status).toBe('succeeded');
  return r.body.job_id as number;
}

beforeAll(async () => {
  admin = await Client.signup(url, 'Metrics Api');
  other = await Client.signup(url, 'Metrics Other');
  teams.north = (await admin.client.post('/api/v1/teams', { name: 'North' })).body.id;
  teams.south = (await admin.client.post('/api/v1/teams', { name: 'South' })).body.id;
  teams.elsewhere = (await other.client.post('/api/v1/teams', { name: 'Elsewhere' })).body.id;
  await invite('mia', 'manager', teams.north);
  await invite('rita', 'sales_rep', teams.north);
  await invite('sam', 'sales_rep', teams.north);
  await invite('tom', 'sales_rep', teams.south);
  await invite('vic', 'viewer', null);
  await invite('max', 'marketing', null);
  // This month: Rita wins €900 and Sam €300, Tom €500.
  for (const [owner, team, value] of [['rita', teams.north, 900], ['sam', teams.north, 300], ['tom', teams.south, 500]] as const) {
    const lead = await admin.client.post('/api/v1/leads', { first_name: owner, last_name: 'Deal', assigned_to: as[owner].id, team_id: team, deal_value: value });
    expect((await admin.client.patch(`/api/v1/leads/${lead.body.id}`, { status: 'closed_won' })).status).toBe(200);
  }
  await refreshed(admin.client);
}, 90_000);

type Subject = { kind: string; id: string | null; name: string; periods: { figures: Record<string, number | null>; team_average: Record<string, number | null> | null }[] };
const subjects = async (client: Client, query = '') => {
  const r = await client.get(`/api/v1/metrics?period=month${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.data as Subject[];
};
const shown = (data: Subject[]) => data.map((s) => `${s.kind}:${s.name}`).sort();
const board = async (client: Client) => {
  const r = await client.get('/api/v1/metrics/leaderboard?period=month&metric=revenue_generated');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { ranked: number; entries: { rank: number; name: string; value: number }[] };
};

describe(`team metrics permissions (${MODE})`, () => {
  it('an admin sees the organization, every team and everyone, and the whole leaderboard', async () => {
    const everyone = ['organization:Organization', 'team:North', 'team:South', 'user:Max', 'user:Metrics Api Admin', 'user:Mia', 'user:Rita', 'user:Sam', 'user:Tom', 'user:Vic'];
    const data = await subjects(admin.client);
    expect(shown(data)).toEqual(everyone);
    const b = await board(admin.client);
    expect(b.entries.slice(0, 3).map((e) => [e.rank, e.name, e.value])).toEqual([[1, 'Rita', 900], [2, 'Tom', 500], [3, 'Sam', 300]]);
    expect(b.ranked).toBe(7);
    const org = data.find((s) => s.kind === 'organization')!;
    expect(org.periods.at(-1)!.figures).toMatchObject({ leads_converted: 3, revenue_generated: 1700 });
    // South is Tom alone: its average is Tom's own figures, shown to an admin, who sees Tom anyway.
    expect(data.find((s) => s.name === 'Tom')!.periods.at(-1)!.team_average!.revenue_generated).toBe(500);
  });

  it('viewer and marketing see the organization and team totals only: nobody one by one, no leaderboard', async () => {
    for (const who of ['vic', 'max'] as const) {
      const client = as[who].client;
      const data = await subjects(client);
      expect(shown(data), who).toEqual(['organization:Organization', 'team:North', 'team:South']);
      expect(data.find((s) => s.name === 'North')!.periods.at(-1)!.figures.revenue_generated).toBe(1200);
      const b = await client.get('/api/v1/metrics/leaderboard?period=month&metric=revenue_generated');
      expect(b.status, who).toBe(403);
      expect(b.headers.get('content-type')).toContain('application/problem+json');
      expect(b.body.detail).toMatch(/totals, not each person's figures/);
      expect(JSON.stringify(b.body)).not.toContain('Rita');
      const person = await client.get(`/api/v1/metrics?user_id=${as.rita.id}`);
      expect(person.status, who).toBe(403);
      expect(person.body.detail).toMatch(/totals, not each person's figures/);
      // A team's view shows its totals, not its members.
      expect(shown(await subjects(client, `&team_id=${teams.north}`))).toEqual(['team:North']);
    }
  });

  it('a manager sees the organization, their team and its members, not other teams or their people', async () => {
    expect(shown(await subjects(as.mia.client))).toEqual(['organization:Organization', 'team:North', 'user:Mia', 'user:Rita', 'user:Sam']);
    const b = await board(as.mia.client);
    expect(b.entries.map((e) => e.name)).toEqual(['Rita', 'Sam', 'Mia']);
    for (const query of [`&user_id=${as.tom.id}`, `&team_id=${teams.south}`]) {
      const r = await as.mia.client.get(`/api/v1/metrics?period=month${query}`);
      expect(r.status, query).toBe(403);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it("a sales rep sees their own figures and their team's aggregate and average, and only their own rank", async () => {
    const data = await subjects(as.rita.client);
    expect(shown(data)).toEqual(['team:North', 'user:Rita']);
    const rita = data.find((s) => s.kind === 'user')!.periods.at(-1)!;
    expect(rita.figures.revenue_generated).toBe(900);
    // North has Mia, Rita and Sam: €1,200 ÷ 3.
    expect(rita.team_average!.revenue_generated).toBe(400);
    const b = await board(as.rita.client);
    expect(b.entries).toEqual([expect.objectContaining({ rank: 1, name: 'Rita', value: 900 })]);
    expect(b.ranked).toBe(3);
    expect((await board(as.sam.client)).entries).toEqual([expect.objectContaining({ rank: 2, name: 'Sam' })]);
    // A team of two ranks a rep alone: 2nd of 2 would tell Tom that Una did better.
    const tomsBoard = async () => board(as.tom.client);
    // Tom alone in South: the average is his own figures. With Una in South too, the average and
    // his own figures would give Una's away: under 3 members, no average for a rep (an admin still has it).
    const tomsRow = async () => (await subjects(as.tom.client)).find((s) => s.kind === 'user')!.periods.at(-1)!;
    expect((await tomsRow()).team_average!.revenue_generated).toBe(500);
    expect(shown(await subjects(as.tom.client))).toEqual(['team:South', 'user:Tom']);
    await invite('una', 'sales_rep', teams.south);
    const tom = await tomsRow();
    expect(tom.figures.revenue_generated).toBe(500);
    expect(tom.team_average).toBeNull();
    expect(await tomsBoard()).toMatchObject({ ranked: 1, entries: [expect.objectContaining({ rank: 1, name: 'Tom' })] });
    // Nor South's total (€500 less Tom's own would be Una's): a team of two shows a rep only themselves.
    expect(shown(await subjects(as.tom.client))).toEqual(['user:Tom']);
    const total = await as.tom.client.get(`/api/v1/metrics?period=month&team_id=${teams.south}`);
    expect(total.status).toBe(403);
    expect(total.headers.get('content-type')).toContain('application/problem+json');
    expect(total.body).toMatchObject({ field: 'team_id', detail: expect.stringMatching(/fewer than 3 members/) });
    // Alone in South he saw it (his own figures); a manager of two still sees both, one by one.
    expect(shown(await subjects(admin.client, `&team_id=${teams.south}`))).toEqual(['team:South', 'user:Tom', 'user:Una']);
    expect((await subjects(admin.client)).find((s) => s.name === 'Tom')!.periods.at(-1)!.team_average!.revenue_generated).toBe(250);
    const teammate = await as.rita.client.get(`/api/v1/metrics?user_id=${as.sam.id}`);
    expect(teammate.status).toBe(403);
    expect(teammate.body.detail).toMatch(/your own figures/);
    expect((await as.rita.client.get(`/api/v1/metrics?team_id=${teams.south}`)).status).toBe(403);
    expect(shown(await subjects(as.rita.client, `&team_id=${teams.north}`))).toEqual(['team:North', 'user:Rita']);
  });

  it("another organization's users and teams are not found", async () => {
    for (const query of [`user_id=${other.userId}`, `team_id=${teams.elsewhere}`]) {
      const r = await admin.client.get(`/api/v1/metrics?${query}`);
      expect(r.status, query).toBe(404);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.field).toBe(query.split('=')[0]);
    }
    // Their rollup never mixes with ours.
    expect((await subjects(other.client)).find((s) => s.kind === 'organization')!.periods.at(-1)!.figures.revenue_generated).toBe(0);
  });

  it('refuses bad queries with a problem naming the field', async () => {
    const cases: [string, string][] = [
      ['/api/v1/metrics?period=year', 'period'], ['/api/v1/metrics?from=2026-02-30', 'from'], ['/api/v1/metrics?to=yesterday', 'to'],
      ['/api/v1/metrics?from=2026-06-01&to=2026-01-01', 'from'], ['/api/v1/metrics?period=day&from=2020-01-01&to=2026-01-01', 'from'],
      ['/api/v1/metrics?user_id=42', 'user_id'], ['/api/v1/metrics?colour=blue', 'colour'],
      ['/api/v1/metrics/leaderboard?metric=happiness', 'metric'], ['/api/v1/metrics/leaderboard?at=2026-13-01', 'at'],
      // Dates outside 1970–2199 (one period past 9999-12-31 once looped for ever), and a span
      // refused by counting, before any list of periods is built.
      ['/api/v1/metrics?to=9999-12-31', 'to'], ['/api/v1/metrics?period=day&from=0001-01-01', 'from'],
      ['/api/v1/metrics?period=day&from=1970-01-01&to=2199-12-31', 'from'], ['/api/v1/metrics/leaderboard?at=1969-12-31', 'at'],
    ];
    for (const [path, field] of cases) {
      const r = await admin.client.get(path);
      expect(r.status, path).toBe(400);
      expect(r.headers.get('content-type'), path).toContain('application/problem+json');
      expect(r.body.detail, path).toContain(field);
    }
    expect((await admin.client.post('/api/v1/metrics/refresh', { from: 'soon' })).status).toBe(400);
    expect((await admin.client.post('/api/v1/metrics/refresh', { from: '9999-12-31' })).status).toBe(400);
    // The widest span still allowed answers (400 months).
    expect((await admin.client.get('/api/v1/metrics?period=month&from=1990-01-01&to=2023-04-30')).status).toBe(200);
    expect((await new Client(url).get('/api/v1/metrics')).status).toBe(401);
  });

  it('only admins and managers may ask for a refresh; the job is theirs to follow', async () => {
    for (const who of ['rita', 'vic', 'max'] as const) {
      const r = await as[who].client.post('/api/v1/metrics/refresh', {});
      expect(r.status, who).toBe(403);
      expect(r.body.detail).toMatch(/may not recompute team metrics/);
    }
    const job = await refreshed(as.mia.client);
    expect((await other.client.get(`/api/v1/jobs/${job}`)).status).toBe(404);
  });
});

describe(`leadai metrics refresh (${MODE})`, () => {
  it('recomputes every period, and says what was wrong with a bad date', { timeout: 180_000 }, async () => {
    await withCliData('metrics', async (env) => {
      const bad = await runLeadai(env, ['metrics', 'refresh', '--from', '2026-13-45']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("'2026-13-45' is invalid. use a date like 2026-11-25.");
      const seeded = await runLeadai(env, ['seed', '--demo', '--leads', '40', '--json']);
      expect(seeded.code, seeded.stderr).toBe(0);
      const r = await runLeadai(env, ['metrics', 'refresh']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Metrics of "Northwind Analytics \(demo\)" recomputed for every period \(time zone [\w/]+\)/);
      // Every kind of period got rows (the table's rows_written column).
      for (const period of ['day', 'week', 'month', 'quarter']) expect(r.stdout).toMatch(new RegExp(`^${period} +[1-9]\\d*`, 'm'));
    });
  });
});
