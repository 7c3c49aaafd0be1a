import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Browser tests drive Debian's Chromium (`apt-get install chromium`) with playwright-core.
 * Where it is not installed, browser test files skip with a plain message, not a failure.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Under CI (`.ci/run` sets CI) they always run: a missing browser fails them instead of skipping.
export const hasChromium = existsSync(chromiumPath) || Boolean(process.env.CI);

export function skipMessage(): string {
  return `browser tests did not run: ${chromiumPath} not found`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
