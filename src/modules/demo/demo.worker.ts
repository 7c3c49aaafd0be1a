import { parentPort, workerData } from 'node:worker_threads';
import { LeadGenerator, encodeBatch, generateOrganization } from './demo.generator.ts';

/**
 * Generates demo batches on its own thread, so the main thread's event loop stays free
 * to stream the previous batches into COPY. The parent grants credits; each credit is one
 * batch, which keeps memory bounded however many leads are asked for.
 */
interface WorkerInput {
  seed: number;
  anchor: number;
  leads: number;
  batchSize: number;
}

const input = workerData as WorkerInput;
const generator = new LeadGenerator(generateOrganization(input.seed), input.seed, new Date(input.anchor));
let remaining = input.leads;

parentPort!.on('message', (credits: number) => {
  for (let i = 0; i < credits && remaining > 0; i++) {
    const size = Math.min(input.batchSize, remaining);
    remaining -= size;
    const batch = encodeBatch(generator.nextBatch(size));
    const buffers = [batch.leads, batch.activities, batch.conversations, batch.journeyEvents, batch.truth];
    parentPort!.postMessage(batch, buffers.map((b) => b.buffer as ArrayBuffer));
  }
  if (remaining === 0) parentPort!.postMessage('done');
});
