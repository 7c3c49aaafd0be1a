import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

/**
 * Encodes exported leads as a stream, pulling rows only as fast as the client reads, so an
 * export of a million leads holds one batch in memory, not the list.
 */
type Row = Record<string, unknown>;

const asObject = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

const ADDRESS_PARTS = ['street', 'city', 'state', 'postal_code', 'country', 'country_code'] as const;
const SKIPPED = new Set(['organization_id', 'custom_fields', 'address']);

export function exportColumns(leadColumns: readonly string[], customFieldNames: readonly string[]) {
  const standard = leadColumns.filter((c) => !SKIPPED.has(c));
  const address = ADDRESS_PARTS.map((p) => `address_${p}`);
  const taken = new Set([...standard, ...address]);
  // Custom fields under their own names (so a re-import maps them back), unless a name
  // is already a standard column.
  const custom = customFieldNames.map((name) => ({ name, header: taken.has(name) ? `custom_fields.${name}` : name }));
  return { standard, address, custom, header: [...standard, ...address, ...custom.map((c) => c.header)] };
}

/**
 * Spreadsheets run a cell that starts with = + - @ as a formula (CSV injection). Such
 * cells get a leading apostrophe, except numbers and phone numbers ("+1 555 0100",
 * "-12.5"), which are data.
 */
export function neutraliseFormula(text: string): string {
  if (!/^[=+\-@\t\r]/.test(text)) return text;
  if (/^[+-][\d\s().-]+$/.test(text)) return text;
  return `'${text}`;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return neutraliseFormula(value.join('; '));
  if (typeof value === 'object') return neutraliseFormula(JSON.stringify(value));
  return neutraliseFormula(String(value));
}

export function leadsAsCsv(rows: AsyncIterable<Row>, leadColumns: readonly string[], customFieldNames: readonly string[]): Readable {
  const cols = exportColumns(leadColumns, customFieldNames);
  async function* records() {
    for await (const row of rows) {
      const out: string[] = cols.standard.map((c) => cell(row[c]));
      const address = asObject(row.address);
      const custom = asObject(row.custom_fields);
      for (const part of ADDRESS_PARTS) out.push(cell(address[part]));
      for (const c of cols.custom) out.push(cell(custom[c.name]));
      yield out;
    }
  }
  // A byte-order mark so that Excel reads the file as UTF-8.
  const csv = stringify({ header: true, columns: cols.header, bom: true });
  Readable.from(records()).on('error', (error) => csv.destroy(error)).pipe(csv);
  return csv;
}

/** One lead per line, as GET /api/v1/leads/{id} shows it. */
export function leadsAsNdjson(rows: AsyncIterable<Row>): Readable {
  async function* lines() {
    for await (const row of rows) yield `${JSON.stringify(row)}\n`;
  }
  return Readable.from(lines());
}
