import { DomainError } from '../../shared/errors.ts';

/**
 * The rule for a lead's name, one for every way a lead arrives (POST /leads, imports):
 *
 * - names are cleaned: Unicode NFC (a "José" typed and a "José" exported compare equal),
 *   runs of spaces, tabs and line breaks become one space, the ends are trimmed;
 * - a full name splits at a comma ("Lovelace, Ada" → Ada / Lovelace), else at its last
 *   space ("Ada King Lovelace" → Ada King / Lovelace); a single word is a first name;
 * - a lead needs something to call it by: a first or last name, an email or a company.
 *   People with one name and contacts known only by their email are real leads; a row
 *   with none of the three is not one (a total line, a blank record).
 */
export const NAME_MAX = 255;

export function cleanName(value: string | null | undefined): string {
  return (value ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
}

export function splitFullName(full: string): [string, string] {
  const clean = cleanName(full);
  const comma = clean.indexOf(',');
  if (comma > 0) return [clean.slice(comma + 1).trim(), clean.slice(0, comma).trim()];
  const space = clean.lastIndexOf(' ');
  return space > 0 ? [clean.slice(0, space), clean.slice(space + 1)] : [clean, ''];
}

export interface NameInput {
  first_name?: string | null;
  last_name?: string | null;
  /** Used only when neither first nor last name is given. */
  full_name?: string | null;
}

/** The lead's first and last name under the rule. */
export function leadNames(input: NameInput): { first_name: string; last_name: string } {
  const first = cleanName(input.first_name);
  const last = cleanName(input.last_name);
  if (first === '' && last === '' && input.full_name) {
    const [f, l] = splitFullName(input.full_name);
    return { first_name: f, last_name: l };
  }
  return { first_name: first, last_name: last };
}

export const NO_IDENTITY = 'a lead needs a name, an email or a company';

/** Why the lead cannot be stored under the rule, or null when it can. */
export function nameProblem(lead: { first_name: string; last_name: string; email?: string | null; company?: string | null }): string | null {
  if (lead.first_name.length > NAME_MAX) return `first_name is longer than ${NAME_MAX} characters`;
  if (lead.last_name.length > NAME_MAX) return `last_name is longer than ${NAME_MAX} characters`;
  if (lead.first_name === '' && lead.last_name === '' && !lead.email && !cleanName(lead.company)) return NO_IDENTITY;
  return null;
}

/** For the API: the cleaned names, or a 422 saying what is missing. */
export function requireLeadNames(input: NameInput & { email?: string | null; company?: string | null }): { first_name: string; last_name: string } {
  const names = leadNames(input);
  const problem = nameProblem({ ...names, email: input.email ?? null, company: input.company ?? null });
  if (problem) throw new DomainError('validation', problem === NO_IDENTITY ? 'A lead needs a name (first_name or last_name), an email or a company.' : `${problem[0]!.toUpperCase()}${problem.slice(1)}.`, { field: 'first_name' });
  return names;
}
