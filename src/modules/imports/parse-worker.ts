import { parentPort, workerData } from 'node:worker_threads';
import { DomainError } from '../../shared/errors.ts';
import { threadBatches, type FromWorker, type ParseWorkerInput, type ToWorker } from './batch-source.ts';
import { CustomFields } from './row-mapping.ts';

/**
 * The parse worker (see batch-source.ts): bytes come in as messages, mapped batches go out,
 * one per credit the writer grants.
 */
const input = workerData as ParseWorkerInput;
const port = parentPort!;
const chunks: Uint8Array[] = [];
let ended = false;
let credits = 0;
// Two tasks wait here at once: the parser's feed for bytes, the batch loop for credits.
const waiting = new Set<() => void>();
const wait = () => new Promise<void>((resolve) => waiting.add(resolve));
const wake = () => {
  for (const resolve of waiting) resolve();
  waiting.clear();
};
const send = (message: FromWorker) => port.postMessage(message);

port.on('message', (m: ToWorker) => {
  if (m.type === 'bytes') chunks.push(m.chunk);
  else if (m.type === 'end') ended = true;
  else credits += m.n;
  wake();
});

async function* bytes(): AsyncGenerator<Uint8Array> {
  for (;;) {
    const chunk = chunks.shift();
    if (chunk) {
      send({ type: 'consumed', bytes: chunk.byteLength });
      yield chunk;
    } else if (ended) return;
    else await wait();
  }
}

try {
  for await (const mapped of threadBatches(bytes, { ...input, custom: CustomFields.fromState(input.custom) })) {
    while (credits === 0) await wait();
    credits--;
    send({ type: 'batch', mapped });
  }
  send({ type: 'done' });
} catch (error) {
  const e = error as Error;
  send(e instanceof DomainError ? { type: 'error', name: e.name, message: e.message, code: e.code, details: e.details } : { type: 'error', name: e.name, message: e.message });
}
// The message port keeps this thread alive; the writer terminates it when it has the last batch.
