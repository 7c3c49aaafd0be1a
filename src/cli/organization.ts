import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { resolveOrganization } from '../modules/organizations/organizations.service.ts';
import { DomainError } from '../shared/errors.ts';

const SHOWN = 10;

/**
 * `--org ID_OR_NAME` for the CLI: the organization service's resolution, and when it finds
 * no organization or cannot choose one, an error that names the close matches and the known
 * organizations, so a typo is fixed without a second command.
 */
export async function resolveCliOrganization(db: Kysely<DB>, idOrName: string | undefined): Promise<{ id: string; name: string }> {
  try {
    return await resolveOrganization(db, idOrName);
  } catch (error) {
    if (!(error instanceof DomainError) || (error.code !== 'not_found' && error.code !== 'validation')) throw error;
    const names = await knownNames(db, idOrName ?? '');
    if (names.length === 0) throw error; // none at all: the service's message says how to create one
    const known = `Known: ${names.slice(0, SHOWN).map((n) => `'${n.name}'`).join(', ')}${names.length > SHOWN ? `, and ${names.length - SHOWN} more (\`leadai org list\`)` : ''}.`;
    if (idOrName === undefined || idOrName === '') {
      throw new DomainError('validation', `There are ${names.length} organizations; choose one with --org ID_OR_NAME. ${known}`);
    }
    const close = names.filter((n) => n.score >= 0.3).sort((a, b) => b.score - a.score).slice(0, 3);
    const suggestion = close.length > 0 ? ` Did you mean ${close.map((n) => `'${n.name}'`).join(' or ')}?` : '';
    throw new DomainError('not_found', `No organization '${idOrName}'.${suggestion} ${known}`);
  }
}

/**
 * Every organization's name, oldest first (as `leadai org list`), with its likeness to
 * `typed`: trigram similarity (pg_trgm, in both database modes), where word_similarity finds
 * "Nortwind" in "Northwind Analytics (demo)".
 */
async function knownNames(db: Kysely<DB>, typed: string): Promise<{ name: string; score: number }[]> {
  const { rows } = await sql<{ name: string; score: number }>`
    SELECT name, greatest(similarity(lower(name), lower(${typed})), word_similarity(lower(${typed}), lower(name)))::float8 AS score
    FROM organizations ORDER BY created_at, id`.execute(db);
  return rows;
}
