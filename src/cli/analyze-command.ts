import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { MessageInput } from '../ai/nlp/types.ts';
import { DomainError } from '../shared/errors.ts';

interface AnalyzeOptions {
  json?: boolean;
  org?: string;
}

/**
 * `leadai analyze [FILE|-]`: the offline conversation analyser on messages given one per
 * line — plain text, or JSON objects with `text` and optional `subject`, `direction`,
 * `sent_at` — printing one analysis per message as a JSON line. Needs no database.
 */
export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('Analyse messages (sentiment, intent, topics, entities, buying signals) offline: one per line, plain text or JSON lines; prints one JSON line per message.')
    .argument('[file]', 'file with one message per line; "-" or nothing reads standard input')
    .option('--json', 'every input line is a JSON object {"text", "subject"?, "direction"?, "sent_at"?} (without it, lines starting with "{" are read as JSON and the rest as plain text)')
    .option('--org <id-or-name>', "accepted for the organization's competitors and products; not used yet")
    .action(async (file: string | undefined, opts: AnalyzeOptions) => {
      const { analyzeMessage } = await import('../ai/nlp/index.ts');
      let input: NodeJS.ReadableStream = process.stdin;
      if (file !== undefined && file !== '-') {
        const info = await stat(file).catch(() => null);
        if (!info || !info.isFile()) throw new DomainError('not_found', `cannot read ${file}: no such file.`);
        input = createReadStream(file, { encoding: 'utf8' });
      }
      const lines = createInterface({ input, crlfDelay: Infinity });
      let n = 0;
      for await (const raw of lines) {
        n++;
        const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
        if (line.trim() === '') continue;
        const message = parseLine(line, n, opts.json === true);
        const analysis = analyzeMessage(message);
        if (!process.stdout.write(JSON.stringify({ line: n, ...analysis }) + '\n')) await new Promise((r) => process.stdout.once('drain', r));
      }
    });
}

function parseLine(line: string, n: number, json: boolean): MessageInput {
  const looksJson = line.trimStart().startsWith('{');
  if (!json && !looksJson) return { text: line };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new DomainError('validation', `line ${n}: not valid JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DomainError('validation', `line ${n}: expected a JSON object with a "text" field.`);
  const v = value as Record<string, unknown>;
  if (typeof v.text !== 'string') throw new DomainError('validation', `line ${n}: "text" must be a string.`);
  if (v.subject !== undefined && v.subject !== null && typeof v.subject !== 'string') throw new DomainError('validation', `line ${n}: "subject" must be a string.`);
  if (v.direction !== undefined && v.direction !== null && v.direction !== 'inbound' && v.direction !== 'outbound') {
    throw new DomainError('validation', `line ${n}: "direction" must be "inbound" or "outbound".`);
  }
  let sentAt: Date | undefined;
  if (v.sent_at !== undefined && v.sent_at !== null) {
    sentAt = typeof v.sent_at === 'string' ? new Date(v.sent_at) : undefined;
    if (!sentAt || Number.isNaN(sentAt.getTime())) throw new DomainError('validation', `line ${n}: "sent_at" must be an ISO date-time.`);
  }
  return {
    text: v.text,
    subject: typeof v.subject === 'string' ? v.subject : undefined,
    direction: v.direction === 'outbound' ? 'outbound' : v.direction === 'inbound' ? 'inbound' : undefined,
    sentAt,
  };
}
