/**
 * Stored values as words a person reads: "organic_search" → "Organic search", "sql" and
 * "sales_qualified" → "Sales qualified", "closed_won" → "Closed won". One helper for every
 * screen, so a value reads the same in the list, on the lead page and on the board.
 */

/** Abbreviations and names whose words are not simply "sentence case". */
const KNOWN: Record<string, string> = {
  sql: 'Sales qualified',
  mql: 'Marketing qualified',
  pql: 'Product qualified',
  sal: 'Sales accepted',
  cpc: 'Paid search (CPC)',
  ppc: 'Paid search (PPC)',
  seo: 'Organic search',
  sem: 'Paid search',
  utm: 'UTM',
  crm: 'CRM',
  csv: 'CSV',
  api: 'API',
};

/** Words kept as their usual spelling wherever they appear in a value. */
const WORDS: Record<string, string> = {
  b2b: 'B2B', b2c: 'B2C', saas: 'SaaS', crm: 'CRM', api: 'API', csv: 'CSV', seo: 'SEO', sms: 'SMS', url: 'URL', utm: 'UTM', roi: 'ROI',
  ceo: 'CEO', cto: 'CTO', cfo: 'CFO', coo: 'COO', vp: 'VP', smb: 'SMB', ai: 'AI', qa: 'QA', ui: 'UI', ux: 'UX', id: 'ID',
  linkedin: 'LinkedIn', google: 'Google', facebook: 'Facebook', twitter: 'Twitter', youtube: 'YouTube', hubspot: 'HubSpot', salesforce: 'Salesforce',
};

/**
 * A stored code (snake_case, kebab-case or lower case) as words, sentence case; text someone
 * already capitalised ("Trade show", "Q3 Push") is left as it is. Empty values give `empty`.
 */
export function label(value: string | null | undefined, empty = '—'): string {
  if (value === null || value === undefined) return empty;
  const trimmed = value.trim();
  if (trimmed === '') return empty;
  const key = trimmed.toLowerCase();
  if (KNOWN[key]) return KNOWN[key];
  // Already written by a person ("Trade show", "Q3 Push"): a capital and no underscore.
  if (!trimmed.includes('_') && /[A-Z]/.test(trimmed)) return trimmed;
  const words = key.split(/[_\-\s]+/).filter(Boolean);
  if (words.length === 0) return empty;
  return capitalize(words.map((w) => WORDS[w] ?? w).join(' '));
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
