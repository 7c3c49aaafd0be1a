import { describe, expect, it } from 'vitest';
import { DEMO_SEED } from '../src/main.ts';
import { DEFAULT_DEMO_SEED } from '../src/modules/demo/demo.generator.ts';

describe('the leadai command', () => {
  it('offers the demo generator\'s own default seed (kept apart so a start does not load the generator)', () => {
    expect(DEMO_SEED).toBe(DEFAULT_DEMO_SEED);
  });
});
