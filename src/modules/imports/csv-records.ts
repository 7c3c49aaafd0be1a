import { parse } from 'csv-parse';
import { DomainError } from '../../shared/errors.ts';
import { decodeHead, decodeStream, type CsvFormat } from './csv-sniff.ts';
import { uniqueHeaders } from './header-mapping.ts';

/**
 * Reading an import's CSV: the parser settings, the head sample that mapping is proposed
 * from, and the stream of records with their line numbers. No database here: the parse
 * worker (parse-worker.ts) runs this off the main thread.
 */

const SAMPLE_ROWS = 1000;
export const HEAD_BYTES = 256 * 1024;

export function csvParser(delimiter: string, options: { toLine?: number } = {}) {
  return parse({
    delimiter,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    ...(options.toLine ? { to_line: options.toLine } : {}),
  });
}

/**
 * The line a record starts on. csv-parse reports the line where a record ends, counting a
 * quoted \r\n as two lines (and keeps that count): the tracker undoes the drift.
 */
function lineTracker() {
  let drift = 0;
  return (endLine: number, cells: readonly string[]): number => {
    let breaks = 0;
    let crlf = 0;
    for (const c of cells) {
      if (c.indexOf('\n') < 0 && c.indexOf('\r') < 0) continue;
      for (let i = 0; i < c.length; i++) {
        const ch = c.charCodeAt(i);
        if (ch === 13 && c.charCodeAt(i + 1) === 10) {
          crlf++;
          breaks++;
          i++;
        } else if (ch === 10 || ch === 13) breaks++;
      }
    }
    drift += crlf;
    return endLine - drift - breaks;
  };
}

export interface Sample {
  headers: string[];
  rows: { line: number; cells: string[] }[];
  /** Mean bytes of the file per record in the part read (the header counted as one): sizes the whole file in rows. */
  bytesPerRow: number;
}

/**
 * Headers and the first rows from the start of a file. When the head is only part of the
 * file, its last record may be cut and is left out.
 */
export async function sampleHead(head: Uint8Array, format: CsvFormat, complete: boolean): Promise<Sample> {
  const text = decodeHead(head, format.encoding, format.bom);
  const parser = csvParser(format.delimiter);
  const records: { line: number; cells: string[] }[] = [];
  const startLine = lineTracker();
  parser.on('readable', () => {
    let r: { record: string[]; info: { lines: number } } | null;
    while ((r = parser.read() as typeof r) !== null) records.push({ line: startLine(r.info.lines, r.record), cells: r.record });
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  // A cut head may end inside quotes: only the complete records before it count.
  const cut = complete ? text : text.slice(0, Math.max(text.lastIndexOf('\n'), 0));
  parser.write(cut);
  parser.end();
  await done.catch((error: Error) => {
    if (complete) throw new DomainError('validation', `The file could not be read as CSV: ${error.message}`, { field: 'file' });
  });
  const parsed = records.length;
  if (!complete && records.length > 1) records.pop();
  const [header, ...rows] = records;
  if (!header) throw new DomainError('validation', 'The file has no header row.', { field: 'file' });
  // Bytes per record over what was parsed (the cut head, the record it may have split included).
  const bytesPerRow = (head.byteLength * (cut.length / Math.max(text.length, 1))) / Math.max(parsed, 1);
  return { headers: uniqueHeaders(header.cells), rows: rows.slice(0, SAMPLE_ROWS), bytesPerRow };
}

export async function readHead(source: () => AsyncIterable<Uint8Array>, limit = HEAD_BYTES): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of source()) {
    parts.push(chunk);
    n += chunk.byteLength;
    if (n >= limit) break;
  }
  return Buffer.concat(parts).subarray(0, limit);
}

/**
 * Streams records (after the header), with their start line and the bytes read so far.
 */
export async function* records(source: () => AsyncIterable<Uint8Array>, format: CsvFormat): AsyncGenerator<{ line: number; cells: string[]; bytes: number }> {
  const parser = csvParser(format.delimiter);
  let bytes = 0;
  let first = true;
  const startLine = lineTracker();
  const feed = (async () => {
    try {
      for await (const { text, bytes: n } of decodeStream(source(), format)) {
        if (parser.destroyed) return;
        bytes += n;
        if (!parser.write(text)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              parser.off('drain', done);
              parser.off('close', done);
              resolve();
            };
            parser.on('drain', done);
            parser.on('close', done);
          });
        }
      }
      if (!parser.destroyed) parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = startLine(r.info.lines, r.record);
      if (first) {
        first = false;
        continue;
      }
      yield { line, cells: r.record, bytes };
    }
  } catch (error) {
    throw new DomainError('validation', `The file could not be read as CSV: ${(error as Error).message}`, { field: 'file' });
  } finally {
    parser.destroy();
    await feed;
  }
}

