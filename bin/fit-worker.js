// A worker thread of the scoring fit pool (src/modules/scoring/fit-pool.ts). Worker threads
// do not inherit the TypeScript loader of the thread that starts them, so this entry registers
// it before loading the task.
import { register } from 'tsx/esm/api';

register();
const task = await import('../src/modules/scoring/fit-task.ts');
export default task.default;
