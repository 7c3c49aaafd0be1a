import { z } from 'zod';

/**
 * Validation messages in plain words: what is allowed, without the field (the problem puts
 * "field: " in front, and a form shows the message under the field). Installed once for the
 * process; a schema's own message (`{ error: … }`) still wins.
 */
const FORMATS: Record<string, string> = {
  email: 'must be an email address like name@example.com',
  uuid: 'must be an id (a UUID like 0193609e-3000-75cb-8630-c62afa0e2a4d)',
  guid: 'must be an id (a UUID like 0193609e-3000-75cb-8630-c62afa0e2a4d)',
  url: 'must be a web address like https://example.com',
  datetime: 'must be a date-time like 2026-11-25T14:03:00Z',
  date: 'must be a date like 2026-11-25',
  time: 'must be a time like 14:03:00',
  regex: 'contains characters that are not allowed here',
};

const TYPES: Record<string, string> = {
  string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object ({…})',
  array: 'a list ([…])', date: 'a date like 2026-11-25', record: 'an object ({…})', tuple: 'a list ([…])', null: 'null',
};

const count = (n: number | bigint, one: string) => `${n} ${one}${Number(n) === 1 ? '' : 's'}`;
const list = (values: readonly unknown[]) => values.map((v) => (v === null ? 'null' : String(v))).join(', ');

function sizeMessage(bound: 'least' | 'most', origin: string, n: number | bigint, inclusive = true, exact = false): string | undefined {
  const num = typeof n === 'bigint' ? n : Number(n);
  switch (origin) {
    case 'string':
      if (exact) return `must be exactly ${count(num, 'character')} long`;
      if (bound === 'least') return Number(num) <= 1 ? 'must not be empty' : `must be at least ${count(num, 'character')} long`;
      return `must be at most ${count(num, 'character')} long`;
    case 'array': case 'set':
      if (bound === 'least') return Number(num) <= 1 ? 'must not be an empty list' : `must have at least ${count(num, 'item')}`;
      return `must have at most ${count(num, 'item')}`;
    case 'number': case 'int': case 'bigint':
      return bound === 'least' ? (inclusive ? `must be ${num} or more` : `must be more than ${num}`) : inclusive ? `must be ${num} or less` : `must be less than ${num}`;
    case 'date':
      return `must be ${bound === 'least' ? 'on or after' : 'on or before'} ${new Date(Number(num)).toISOString().slice(0, 10)}`;
    default:
      return undefined;
  }
}

export const plainMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return sizeMessage('least', issue.origin, issue.minimum, issue.inclusive, issue.exact);
    case 'too_big':
      return sizeMessage('most', issue.origin, issue.maximum, issue.inclusive, issue.exact);
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${list(issue.values)}` : `must be one of ${list(issue.values)}`;
    case 'invalid_format':
      return FORMATS[issue.format] ?? `must be ${issue.format.replaceAll('_', ' ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return 'is not a field here; remove it (check the spelling against the API documentation at /api/docs)';
    case 'invalid_key':
      return 'has a key that is not allowed here';
    case 'invalid_union': {
      const options = [...new Set(issue.errors.map((alternative) => alternative.map((i) => i.message).join(' and ')))];
      return options.length > 0 ? options.join(', or ') : 'is not in any of the accepted forms';
    }
    default:
      return undefined;
  }
};

let installed = false;
export function installPlainMessages(): void {
  if (installed) return;
  installed = true;
  z.config({ customError: plainMessage });
}

/** "/address/city" → "address.city", "/tags/0" → "tags[0]", "" → "". */
export function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}
