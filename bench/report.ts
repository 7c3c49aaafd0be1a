/** Benchmarks print a table for people and one JSON line (prefixed) for machines. */
export function printReport(name: string, rows: { metric: string; value: string | number }[]): void {
  const width = Math.max(...rows.map((r) => r.metric.length));
  console.log(`\n${name}`);
  for (const r of rows) console.log(`  ${r.metric.padEnd(width)}  ${typeof r.value === 'number' ? r.value.toLocaleString('en-US') : r.value}`);
  console.log(`\nJSON ${JSON.stringify({ bench: name, results: Object.fromEntries(rows.map((r) => [r.metric, r.value])) })}`);
}
