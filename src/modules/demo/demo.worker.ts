import { parentPort, workerData } from 'node:worker_threads';
import { BLOCK_SIZE, LANES, LeadGenerator, blockCount, encodeBatch, generateOrganization } from './demo.generator.ts';

/**
 * Generates one lane's blocks (b, b + LANES, …) on its own thread and hands each over as
 * bytes without copying. The parent grants credits, one block each, which keeps memory
 * bounded however many leads are asked for.
 */
interface WorkerInput {
  seed: number;
  anchor: number;
  leads: number;
  lane: number;
}

const input = workerData as WorkerInput;
const generator = new LeadGenerator(generateOrganization(input.seed), input.seed, new Date(input.anchor), input.lane);
const blocks = blockCount(input.leads);
let next = input.lane;

parentPort!.on('message', (credits: number) => {
  for (let i = 0; i < credits && next < blocks; i++, next += LANES) {
    const batch = encodeBatch(generator.block(next, Math.min(BLOCK_SIZE, input.leads - next * BLOCK_SIZE)));
    const buffers = [batch.leads, batch.activities, batch.conversations, batch.journeyEvents, batch.truth];
    parentPort!.postMessage(batch, buffers.map((b) => b.buffer as ArrayBuffer));
  }
});
