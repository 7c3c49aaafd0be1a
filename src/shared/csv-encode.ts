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

/**
 * Accumulates COPY rows straight into bytes. Building one string per row and joining
 * them allocated several times the data and made garbage collection half the cost of
 * generating a million leads; writing each field into a growing buffer does not.
 */
export class CopyWriter {
  private buffer: Buffer;
  private length = 0;
  rows = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  row(values: readonly CopyValue[]): void {
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.ascii(',');
      const v = values[i];
      if (v === null || v === undefined) continue;
      this.text(typeof v === 'string' && !NEEDS_QUOTES.test(v) && v !== '' ? v : copyField(v));
    }
    this.ascii('\n');
    this.rows++;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private ascii(char: string): void {
    this.reserve(1);
    this.buffer[this.length++] = char.charCodeAt(0);
  }

  private text(s: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.reserve(s.length * 3);
    this.length += this.buffer.write(s, this.length, 'utf8');
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}

const NEEDS_QUOTES = /[",\n\r\\]/;
