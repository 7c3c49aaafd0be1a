import { describe, expect, it } from 'vitest';
import { label } from '../web/src/lib/labels.ts';

/** The web app's one helper for stored values shown as words (web/src/lib/labels.ts). */
describe('label: stored values as words', () => {
  it.each([
    ['organic_search', 'Organic search'],
    ['sql', 'Sales qualified'],
    ['SQL', 'Sales qualified'],
    ['sales_qualified', 'Sales qualified'],
    ['mql', 'Marketing qualified'],
    ['closed_won', 'Closed won'],
    ['paid-social', 'Paid social'],
    ['linkedin_ads', 'LinkedIn ads'],
    ['b2b_saas', 'B2B SaaS'],
    ['inbound email', 'Inbound email'],
    ['legacy_id', 'Legacy ID'],
    ['Trade show', 'Trade show'],
    ['Q3 Push', 'Q3 Push'],
  ])('%s → %s', (stored, shown) => expect(label(stored)).toBe(shown));

  it('shows a dash (or the given text) for nothing', () => {
    expect(label(null)).toBe('—');
    expect(label('  ')).toBe('—');
    expect(label(undefined, 'None')).toBe('None');
  });
});
