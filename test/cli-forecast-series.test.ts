import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLeadai, type CliResult } from './helpers/cli.ts';

/** `leadai forecast series`, as a user runs it: the real binary on files. No database involved. */
const dir = mkdtempSync(join(tmpdir(), 'leadai-forecast-series-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, LOG_LEVEL: 'silent' };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Runs the command lines two at a time. Each start boots the whole CLI (about 2 s of CPU, 5 s
 * on a busy shared machine), hence the generous timeouts below.
 */
async function runAll(cases: string[][]): Promise<CliResult[]> {
  const out: CliResult[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      out[i] = await runLeadai(env, ['forecast', 'series', ...cases[i]!]);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

const SEASON = [0, 3, 8, 12, 15, 11, 7, 4, 2, 5, 9, 6];
const monthly = ['month,revenue', ...Array.from({ length: 36 }, (_, t) => `${2023 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')},${100 + t + 4 * SEASON[t % 12]! + ((t * 7) % 5)}`)].join('\n');
const day = (start: string, plus: number) => new Date(Date.parse(`${start}T00:00:00Z`) + plus * 86_400_000).toISOString().slice(0, 10);
// Weekly: ISO date-times, out of order, semicolon-separated, with thousands separators in quotes.
const weeklyRows = Array.from({ length: 30 }, (_, t) => `${day('2026-01-05', 7 * t)}T00:00:00Z;"1,${String(200 + 10 * t + ((t * 13) % 7)).padStart(3, '0')}.5"`);
const weekly = ['period_start;leads', ...weeklyRows.slice(10), ...weeklyRows.slice(0, 10)].join('\n');
// Daily with no header; a weekly pattern.
const daily = Array.from({ length: 42 }, (_, t) => `${day('2026-09-01', t)},${[5, 9, 10, 11, 9, 2, 1][t % 7]! + (t % 3)}`).join('\n');

interface Json {
  frequency: string;
  level: number;
  model: string;
  history: { first: string; last: string; periods: number };
  points: { period: string; median: number; lower: number; upper: number; mean: number }[];
}

describe('leadai forecast series', () => {
  it('forecasts monthly, weekly and daily files: a table by default, one JSON document with --json', async () => {
    const [m, w, d] = await runAll([
      [file('monthly.csv', monthly), '--horizon', '6', '--level', '95'],
      [file('weekly.csv', weekly), '--horizon', '4', '--json'],
      [file('daily.csv', daily), '--horizon', '7', '--json'],
    ]);
    for (const r of [m!, w!, d!]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const lines = m!.stdout.split('\n');
    expect(lines[0]).toMatch(/^period\s+median\s+lower\s+upper$/);
    expect(lines.slice(2, 8).map((l) => l.split(/\s+/)[0])).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    expect(m!.stdout).toMatch(/Model: (Combination of )?ETS\(A,[A-Za-z]+,A\) m=12.* — ETS models \(\d+ fitted\) weighted by AICc on each scale, combined with seasonal naive m=12 by their errors on past origins \(mean absolute error [\d.,]+ against [\d.,]+ for seasonal naive m=12 alone/);
    expect(m!.stdout).toMatch(/Intervals: 95 %/);
    expect(m!.stdout).toMatch(/From 36 monthly values of "revenue" \(2023-01 to 2025-12\)/);

    const wJson = JSON.parse(w!.stdout) as Json;
    expect(wJson.frequency).toBe('weekly');
    expect(wJson.history).toEqual({ first: '2026-01-05', last: '2026-07-27', periods: 30 });
    expect(wJson.points.map((p) => p.period)).toEqual(['2026-08-03', '2026-08-10', '2026-08-17', '2026-08-24']);
    // The thousands separators were read: the series is around 1,200–1,500.
    expect(wJson.points[0]!.median).toBeGreaterThan(1400);

    const dJson = JSON.parse(d!.stdout) as Json;
    expect(dJson.frequency).toBe('daily');
    expect(dJson.points).toHaveLength(7);
    expect(dJson.points[0]!.period).toBe('2026-10-13');
    for (const j of [wJson, dJson]) {
      for (const p of j.points) {
        expect(p.lower).toBeLessThanOrEqual(p.median);
        expect(p.median).toBeLessThanOrEqual(p.upper);
      }
    }
    // Daily: the weekend dip (Saturday 2026-10-17, Sunday 18) is forecast below the midweek.
    const byDay = new Map(dJson.points.map((p) => [p.period, p.median]));
    expect(byDay.get('2026-10-18')!).toBeLessThan(byDay.get('2026-10-15')! - 4);
  }, 120_000);

  it('refuses bad files and arguments with what to fix, a non-zero exit and nothing on stdout', async () => {
    const months = (n: number, from = 0) => Array.from({ length: n }, (_, t) => `2025-${String(t + 1 + from).padStart(2, '0')},${10 + t}`);
    const cases: [string[], number, RegExp][] = [
      [[file('empty.csv', ''), '--horizon', '3'], 2, /empty\.csv is empty/],
      [[file('no-date.csv', 'name,value\na,1\nb,2\n'), '--horizon', '3'], 2, /no date column \(columns: "name", "value"\)\. Add a column of dates/],
      [[file('bad-date.csv', ['month,value', ...months(3), '2025-13,5', ...months(6, 4)].join('\n')), '--horizon', '3'], 2, /line 5: "2025-13" is not a date in column "month"/],
      [[file('duplicate.csv', ['month,value', ...months(9), '2025-03,7'].join('\n')), '--horizon', '3'], 2, /line 11: the period 2025-03 appears twice \(also on line 4\)/],
      [[file('gap.csv', ['month,value', ...months(3), ...months(6, 4)].join('\n')), '--horizon', '3'], 2, /the month 2025-04 is missing \(between 2025-03 on line 4 and 2025-05 on line 5\)/],
      [[file('short.csv', ['month,value', ...months(5)].join('\n')), '--horizon', '3'], 2, /has 5 periods; at least 8 are needed/],
      [[file('text-value.csv', ['month,value', ...months(3), '2025-04,abc', ...months(6, 4)].join('\n')), '--horizon', '3'], 2, /line 5: "abc" in column "value" is not a number/],
      [[file('ok.csv', ['month,value', ...months(10)].join('\n')), '--horizon', '0'], 1, /--horizon is the number of periods to forecast: a whole number from 1 to 1000 \(got "0"\)/],
      [[file('ok.csv', ['month,value', ...months(10)].join('\n')), '--horizon', '3', '--level', '0.8'], 1, /--level is in percent: 0\.8 would be a 0\.8 % interval\. Did you mean 80\?/],
      [[file('ok.csv', ['month,value', ...months(10)].join('\n'))], 1, /required option '--horizon <n>' not specified/],
      [[join(dir, 'missing.csv'), '--horizon', '3'], 3, /cannot read .*missing\.csv: no such file/],
    ];
    const results = await runAll(cases.map((c) => c[0]));
    results.forEach((r, i) => {
      const [, code, message] = cases[i]!;
      expect({ file: cases[i]![0][0], code: r.code, stdout: r.stdout }).toEqual({ file: cases[i]![0][0], code, stdout: '' });
      expect(r.stderr).toMatch(message);
    });
  }, 180_000);
});
