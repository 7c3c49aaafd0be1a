/**
 * npm run bench:nlp — the offline conversation analyser (issue 6) on the held-out part of
 * datasets/nlp/sales-messages.jsonl: per-class precision/recall/F1 and macro-F1 for intent,
 * sentiment accuracy, entity F1 (type + exact text), throughput in messages/s on one core;
 * and sentiment accuracy on general English review sentences next to a VADER-style
 * baseline (plain valence sum, simple negation, same lexicon) and wink-nlp's own score.
 * Targets: macro-F1 ≥ 0.85, sentiment ≥ 0.85, entity F1 ≥ 0.85, ≥ 2,000 messages/s,
 * ours ≥ baseline on general text. `--split train` evaluates the training part instead.
 */
import { parseArgs } from 'node:util';
import { INTENTS } from '../src/ai/nlp/index.ts';
import { analyzeLabelled, evaluate, evaluateGeneral, loadGeneral, loadMessages, loadSettings, type LabelledMessage } from './nlp-eval.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({ options: { split: { type: 'string', default: 'test' }, seconds: { type: 'string', default: '3' } } });
const all = loadMessages();
const held = all.filter((m) => m.split === values.split);
const e = evaluate(held);
const pct = (x: number) => Math.round(x * 1000) / 1000;

console.log(`\nIntent on the ${values.split} split (${held.length} messages)`);
console.log(`  ${'class'.padEnd(20)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(6)} ${'n'.padStart(4)}`);
for (const c of INTENTS) {
  const m = e.perClass[c];
  console.log(`  ${c.padEnd(20)} ${m.precision.toFixed(3).padStart(9)} ${m.recall.toFixed(3).padStart(7)} ${m.f1.toFixed(3).padStart(6)} ${String(m.support).padStart(4)}`);
}
console.log(`\nEntities by type (tp / fp / fn)`);
for (const [t, x] of Object.entries(e.entity.perType).sort()) console.log(`  ${t.padEnd(14)} ${x.tp} / ${x.fp} / ${x.fn}`);

// Throughput on one core: the set's e-mails as they are, and as longer threads (reply + signature + quoted history).
const settings = loadSettings();
const emails = all.filter((m) => m.channel === 'email');
const threads: LabelledMessage[] = emails.map((m, i) => {
  const prev = emails[(i + 7) % emails.length]!;
  return { ...m, text: `${m.text}\n\nBest regards,\nAlex Morgan\nSenior Buyer | Example Industries Ltd\n+44 20 7946 0958\n\nOn Mon, Mar 2, 2026 at 9:14 AM Sam Lee <sam@vendor.example> wrote:\n${prev.text.split('\n').map((l) => `> ${l}`).join('\n')}` };
});
function throughput(messages: LabelledMessage[]): number {
  for (const m of messages) analyzeLabelled(m, settings);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < Number(values.seconds) * 1000) {
    for (const m of messages) analyzeLabelled(m, settings);
    n += messages.length;
  }
  return Math.round(n / ((performance.now() - t0) / 1000));
}
const avgChars = (ms: LabelledMessage[]) => Math.round(ms.reduce((s, m) => s + m.text.length, 0) / ms.length);
const rateEmails = throughput(emails);
const rateThreads = throughput(threads);
const g = evaluateGeneral(loadGeneral());

const rows: { metric: string; value: string | number }[] = [
  { metric: 'split', value: `${values.split} (${held.length} of ${all.length} messages)` },
  ...INTENTS.map((c) => ({ metric: `intent F1 ${c}`, value: pct(e.perClass[c].f1) })),
  { metric: 'intent macro-F1 (target ≥ 0.85)', value: pct(e.macroF1) },
  { metric: 'intent accuracy', value: pct(e.intentAccuracy) },
  { metric: 'sentiment accuracy (target ≥ 0.85)', value: pct(e.sentimentAccuracy) },
  { metric: 'entity precision', value: pct(e.entity.precision) },
  { metric: 'entity recall', value: pct(e.entity.recall) },
  { metric: 'entity F1 (target ≥ 0.85)', value: pct(e.entity.f1) },
  { metric: `throughput, e-mails of the set (avg ${avgChars(emails)} chars), msg/s (target ≥ 2000)`, value: rateEmails },
  { metric: `throughput, threads with signature + quote (avg ${avgChars(threads)} chars), msg/s`, value: rateThreads },
  { metric: `general sentences (${g.n}): ours accuracy`, value: pct(g.ours) },
  { metric: 'general sentences: VADER-style baseline accuracy', value: pct(g.baseline) },
  { metric: 'general sentences: wink-nlp sentiment accuracy', value: pct(g.wink) },
];
printReport('nlp', rows);
const missed = [
  e.macroF1 < 0.85 && 'intent macro-F1',
  e.sentimentAccuracy < 0.85 && 'sentiment accuracy',
  e.entity.f1 < 0.85 && 'entity F1',
  rateEmails < 2000 && 'throughput',
  g.ours < g.baseline && 'general text vs baseline',
].filter(Boolean);
console.log(missed.length === 0 ? '\nAll targets met.' : `\nTargets missed: ${missed.join(', ')}.`);
