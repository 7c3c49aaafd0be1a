import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { listPageQuery, type SortKey } from '../src/modules/leads/leads.queries.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

const { app, url } = useServer();
let org: Awaited<ReturnType<typeof Client.signup>>;

type Row = { id: string; first_name: string; last_name: string; next_follow_up_at: string | null };

async function pages(sort: string, limit: number): Promise<Row[]> {
  const seen: Row[] = [];
  let cursor: string | null = null;
  do {
    const r: { status: number; body: { data: Row[]; next_cursor: string | null } } = (await org.client.get(`/api/v1/leads?limit=${limit}&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`)) as never;
    expect(r.status).toBe(200);
    seen.push(...r.body.data);
    cursor = r.body.next_cursor;
  } while (cursor);
  return seen;
}

beforeAll(async () => {
  org = await Client.signup(url, 'Sorted');
  // 40 leads: names with mixed case and shared last names; a follow-up on every third,
  // some sharing a timestamp (the id breaks the tie), the rest without one.
  await sql`INSERT INTO leads (organization_id, first_name, last_name, next_follow_up_at)
    SELECT ${org.organizationId}::uuid, (ARRAY['ada', 'Bo', 'cy', 'Di'])[g % 4 + 1], (ARRAY['Zed', 'alpha', 'Mid', 'mid', 'Beta'])[g % 5 + 1],
           CASE WHEN g % 3 = 0 THEN '2026-12-01 09:00'::timestamptz + (g % 4) * interval '1 day' END
    FROM generate_series(1, 40) AS g`.execute(app().database.db);
});

describe(`leads sorted by name and by next follow-up (${MODE})`, () => {
  it('pages by follow-up: dated leads by date then id, then the undated by id, each once, whatever the page size', async () => {
    const all = await pages('next_follow_up_at', 100);
    expect(all).toHaveLength(40);
    const dated = all.filter((l) => l.next_follow_up_at !== null);
    const expected = [
      ...dated.slice().sort((a, b) => a.next_follow_up_at!.localeCompare(b.next_follow_up_at!) || (a.id < b.id ? -1 : 1)),
      ...all.filter((l) => l.next_follow_up_at === null).sort((a, b) => (a.id < b.id ? -1 : 1)),
    ].map((l) => l.id);
    expect(all.map((l) => l.id)).toEqual(expected);
    expect(dated).toHaveLength(13);
    // Page sizes that end a page exactly at the last dated lead (13), inside both phases, and of one.
    for (const limit of [1, 5, 13, 7, 26]) expect((await pages('next_follow_up_at', limit)).map((l) => l.id), String(limit)).toEqual(expected);
  });

  it('pages by name: last name, then first name, case-insensitive, then id', async () => {
    const key = (l: Row) => [l.last_name.toLowerCase(), l.first_name.toLowerCase(), l.id] as const;
    const cmp = (a: Row, b: Row) => {
      const [x, y] = [key(a), key(b)];
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return 0;
    };
    const all = await pages('name', 100);
    const expected = all.slice().sort(cmp).map((l) => l.id);
    expect(all.map((l) => l.id)).toEqual(expected);
    expect((await pages('name', 3)).map((l) => l.id)).toEqual(expected);
  });

  it('reads each page of the name and follow-up orders as a range of an index, cursor included (no sort of the organization)', async () => {
    const db = app().database.db;
    const ctx = { organizationId: org.organizationId, userId: org.userId, role: 'admin' as const };
    // The undated phase is an id range of the organization: either index in id order serves it.
    const cases: [SortKey, (string | number)[] | null, 'dated' | 'undated' | null, RegExp][] = [
      ['name', ['mid', 'bo', '00000000-0000-0000-0000-000000000000'], null, /"Index Name":"leads_org_name_sort_idx"/],
      ['next_follow_up_at', ['2026-12-02T09:00:00.000000Z', '00000000-0000-0000-0000-000000000000'], 'dated', /"Index Name":"idx_leads_next_follow_up"/],
      ['next_follow_up_at', ['infinity', '00000000-0000-0000-0000-000000000000'], 'undated', /"Index Name":"(idx_leads_next_follow_up|leads_organization_id_id_key)"/],
    ];
    for (const [sort, after, phase, index] of cases) {
      const plan = await withTenant(db, ctx, async (tx) => {
        // 40 rows would be read sequentially and sorted anyway: ask whether the index *can* serve it.
        await sql`SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`.execute(tx);
        const rows = await listPageQuery(tx, { kind: 'all' }, {}, sort, 10, after, phase).explain('json');
        return JSON.stringify(rows[0]);
      });
      expect(plan, `${sort} ${phase}`).toMatch(index);
      // The cursor is an index condition, not a filter applied while walking the index.
      expect(plan, `${sort} ${phase}`).toMatch(/"Index Cond":"[^"]*(ROW|id >)/);
      expect(plan, `${sort} ${phase}`).not.toContain('"Node Type":"Sort"');
    }
  });
});
