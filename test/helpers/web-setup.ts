import { buildWeb } from '../../scripts/web-build.ts';

/** The browser and serving tests need web/dist: build it once per run when it is missing or stale. */
export default async function setup(): Promise<void> {
  await buildWeb({ ifStale: true, log: (line) => console.log(line) });
}
