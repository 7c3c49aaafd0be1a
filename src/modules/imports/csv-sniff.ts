import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';

/**
 * Pure format detection for uploaded CSV files: encoding (UTF-8 with or without BOM, else
 * Windows-1252), delimiter (`,` `;` tab `|`) and whether the bytes look like CSV at all.
 */
export type CsvEncoding = 'utf-8' | 'windows-1252';

export interface CsvFormat {
  encoding: CsvEncoding;
  bom: boolean;
  delimiter: ',' | ';' | '\t' | '|';
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Scans a file once while it streams in (upload or local read): its size, SHA-256,
 * whether every byte sequence is valid UTF-8 (invalid UTF-8 → Windows-1252, the encoding
 * Excel on Windows writes), and the first bytes for sniffing.
 */
export class FileScanner {
  size = 0;
  private readonly hash = createHash('sha256');
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private utf8 = true;
  private head: Uint8Array[] = [];
  private headBytes = 0;

  constructor(private readonly headLimit = 256 * 1024) {}

  push(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    this.hash.update(chunk);
    if (this.utf8) {
      try {
        this.decoder.decode(chunk, { stream: true });
      } catch {
        this.utf8 = false;
      }
    }
    if (this.headBytes < this.headLimit) {
      this.head.push(chunk);
      this.headBytes += chunk.byteLength;
    }
  }

  finish() {
    if (this.utf8) {
      try {
        this.decoder.decode();
      } catch {
        this.utf8 = false;
      }
    }
    const head = Buffer.concat(this.head).subarray(0, this.headLimit);
    return { size: this.size, sha256: this.hash.digest('hex'), validUtf8: this.utf8, head };
  }
}

export function hasUtf8Bom(head: Uint8Array): boolean {
  return UTF8_BOM.every((b, i) => head[i] === b);
}

/** Why these bytes are not a CSV file, or undefined when they may be one. */
export function notCsvReason(head: Uint8Array): string | undefined {
  if (head.length === 0) return 'The file is empty.';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return 'This is a ZIP archive (an Excel .xlsx workbook?), not CSV. Save it as "CSV UTF-8" and upload that.';
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    return 'This is an old Excel (.xls) workbook, not CSV. Save it as "CSV UTF-8" and upload that.';
  }
  if (head[0] === 0x25 && head[1] === 0x50 && head[2] === 0x44 && head[3] === 0x46) return 'This is a PDF, not CSV.';
  const sample = head.subarray(0, 8192);
  let controls = 0;
  for (const b of sample) {
    if (b === 0) return 'The file contains binary data (NUL bytes), not CSV text.';
    if (b < 0x09 || (b > 0x0d && b < 0x20)) controls++;
  }
  if (controls > sample.length / 100) return 'The file contains binary data, not CSV text.';
  return undefined;
}

export function decodeHead(head: Uint8Array, encoding: CsvEncoding, bom: boolean): string {
  const bytes = bom ? head.subarray(3) : head;
  // The sample may end inside a multi-byte character: not fatal here.
  return encoding === 'utf-8' ? new TextDecoder('utf-8').decode(bytes) : iconv.decode(Buffer.from(bytes), 'win1252');
}

const CANDIDATES = [',', ';', '\t', '|'] as const;

/**
 * The delimiter whose count (outside quotes) is most consistent across the first lines and
 * at least one per line; ties go to the most frequent. A single-column file is `,`.
 */
export function detectDelimiter(text: string): CsvFormat['delimiter'] {
  const lines = splitLogicalLines(text, 30).filter((l) => l.trim() !== '');
  if (lines.length === 0) return ',';
  let best: { d: CsvFormat['delimiter']; score: number } = { d: ',', score: 0 };
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const header = counts[0]!;
    if (header === 0) continue;
    // Lines that agree with the header's count; trailing empty columns may vary a little.
    const agree = counts.filter((c) => c === header).length / counts.length;
    const score = agree * 1000 + Math.min(header, 999);
    if (score > best.score) best = { d, score };
  }
  return best.d;
}

/** Lines of a CSV text, keeping quoted newlines inside their line. */
function splitLogicalLines(text: string, max: number): string[] {
  const lines: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length && lines.length < max; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      lines.push(text.slice(start, i));
      start = i + 1;
    }
  }
  // The last, possibly cut, line is left out unless it is the only one.
  if (lines.length === 0) lines.push(text.slice(start));
  return lines;
}

function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n++;
  }
  return n;
}

export function detectFormat(head: Uint8Array, validUtf8: boolean): CsvFormat {
  const bom = hasUtf8Bom(head);
  const encoding: CsvEncoding = validUtf8 ? 'utf-8' : 'windows-1252';
  return { encoding, bom, delimiter: detectDelimiter(decodeHead(head, encoding, bom)) };
}

/** Decodes a byte stream in the detected encoding, without the BOM. */
export async function* decodeStream(chunks: AsyncIterable<Uint8Array>, format: Pick<CsvFormat, 'encoding' | 'bom'>): AsyncGenerator<{ text: string; bytes: number }> {
  const decoder = format.encoding === 'utf-8' ? new TextDecoder('utf-8', { ignoreBOM: false }) : undefined;
  const win = format.encoding === 'windows-1252' ? iconv.getDecoder('win1252') : undefined;
  let first = true;
  for await (const chunk of chunks) {
    let bytes = chunk;
    if (first && format.bom && format.encoding !== 'utf-8') bytes = bytes.subarray(3);
    first = false;
    // TextDecoder drops a leading UTF-8 BOM by itself (ignoreBOM: false).
    const text = decoder ? decoder.decode(bytes, { stream: true }) : win!.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    yield { text, bytes: chunk.byteLength };
  }
  const rest = decoder ? decoder.decode() : (win!.end() ?? '');
  if (rest) yield { text: rest, bytes: 0 };
}
