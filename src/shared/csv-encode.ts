/**
 * Encodes values for PostgreSQL `COPY … WITH (FORMAT csv)`: NULL is an unquoted empty
 * field, so an empty string must be quoted; text[] uses the array literal syntax inside a
 * quoted field; objects become JSON for jsonb columns.
 */
export type CopyValue = string | number | boolean | Date | null | undefined | readonly string[] | object;

export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return quoteIfNeeded(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot COPY a non-finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const items = (value as readonly string[]).map((s) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
    return quote(`{${items.join(',')}}`);
  }
  return quote(JSON.stringify(value));
}

export function copyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += copyField(values[i]);
  }
  return line + '\n';
}

function quoteIfNeeded(s: string): string {
  if (s === '' || /[",\n\r]/.test(s) || s === '\\.') return quote(s);
  return s;
}

function quote(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}
