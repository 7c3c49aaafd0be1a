/**
 * Builds datasets/nlp/sales-messages.jsonl from the hand-written source
 * datasets/nlp/sales-messages.src.txt (see datasets/nlp/LABELLING.md). Deterministic: the same
 * source gives the same file. `node bin/run-ts.js bench/nlp-dataset.ts`
 *
 * Mechanical entity types are completed here so they are labelled consistently: e-mail
 * addresses and the industry's configured competitor/product names, outside quoted history.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'datasets', 'nlp');
const settings = JSON.parse(readFileSync(join(dir, 'org-settings.json'), 'utf8')) as Record<string, { competitors: string[]; products: string[] }>;
const source = readFileSync(join(dir, 'sales-messages.src.txt'), 'utf8');

interface LabelEntity {
  type: string;
  text: string;
  start: number;
  end: number;
}

const QUOTE_START = /^(\s*>|\s*On .*(wrote:?)?$|\s*-{5,}\s*(Original|Forwarded)|-{5,} Forwarded|From: .+$|>? ?On \d)/m;
const TEST_SLOTS = new Set([1, 4, 7, 10, 13, 16, 19]);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const blocks = source.split(/^## /m).slice(1);
const perIntent = new Map<string, number>();
const lines: string[] = [];
const base = Date.UTC(2026, 0, 5, 8, 0, 0);
blocks.forEach((block, i) => {
  const [header, ...rest] = block.split('\n');
  const [intent, sentiment, channel, direction, industry] = header!.trim().split(/\s+/);
  let body = rest.join('\n');
  let subject: string | undefined;
  const s = /^subject: (.*)\n/.exec(body);
  if (s) {
    subject = s[1]!.trim();
    body = body.slice(s[0].length);
  }
  body = body.replace(/\s+$/, '');
  // Strip the markup, keeping offsets.
  const entities: LabelEntity[] = [];
  let text = '';
  let last = 0;
  for (const m of body.matchAll(/\{\{(\w+)\|([^}]+)\}\}/g)) {
    text += body.slice(last, m.index);
    entities.push({ type: m[1]!, text: m[2]!, start: text.length, end: text.length + m[2]!.length });
    text += m[2]!;
    last = m.index + m[0].length;
  }
  text += body.slice(last);
  const q = QUOTE_START.exec(text);
  const ownEnd = q ? q.index : text.length;
  const free = (start: number, end: number) => end <= ownEnd && !entities.some((e) => start < e.end && e.start < end);
  const add = (type: string, re: RegExp) => {
    for (const m of text.matchAll(re)) if (free(m.index, m.index + m[0].length)) entities.push({ type, text: m[0], start: m.index, end: m.index + m[0].length });
  };
  // Relative day, week, month and year expressions are dates (LABELLING.md); completed mechanically.
  add('date', /\b(today|tomorrow|tonight|yesterday|this (morning|afternoon|evening|week|month|quarter|year)|(next|last) (week|month|quarter|year)|end of (the )?(week|month|quarter|year))\b/gi);
  add('email', /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g);
  const org = settings[industry!] ?? { competitors: [], products: [] };
  for (const [type, names] of [['competitor', org.competitors], ['product', org.products]] as const) {
    for (const name of [...names].sort((a, b) => b.length - a.length)) {
      const caseless = /[A-Z].*[A-Z]|\d/.test(name) || name.includes(' ');
      add(type, new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(name)}(?![\\p{L}\\p{N}])`, caseless ? 'giu' : 'gu'));
    }
  }
  for (const e of entities) if (e.start >= ownEnd) console.warn(`block ${i + 1}: ${e.type} "${e.text}" is in the quoted history`);
  entities.sort((a, b) => a.start - b.start);
  const k = perIntent.get(intent!) ?? 0;
  perIntent.set(intent!, k + 1);
  const sentAt = new Date(base + i * 73_000_000 + ((i * 7919) % 3600) * 1000);
  const record = {
    id: `m${String(i + 1).padStart(3, '0')}`,
    text,
    ...(subject ? { subject } : {}),
    direction: direction === 'out' ? 'outbound' : 'inbound',
    channel: channel === 'call' ? 'call_note' : channel,
    industry,
    sent_at: sentAt.toISOString(),
    labels: { intent, sentiment: { pos: 'positive', neu: 'neutral', neg: 'negative' }[sentiment!], entities: entities.map((e) => ({ type: e.type, text: e.text })) },
    split: TEST_SLOTS.has(k % 20) ? 'test' : 'train',
  };
  lines.push(JSON.stringify(record));
});
writeFileSync(join(dir, 'sales-messages.jsonl'), lines.join('\n') + '\n');
console.log(`wrote ${lines.length} messages (${lines.filter((l) => l.includes('"split":"test"')).length} test)`);
