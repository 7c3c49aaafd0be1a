import type { Kysely } from 'kysely';
import { DEVELOPMENT_PRIVACY_KEY } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { keyedHash, normaliseEmail, normalisePhone } from './privacy.keys.ts';
import * as q from './privacy.queries.ts';

/**
 * Tombstones keep an erased person erased: import, tracking's identify and lead creation ask
 * isTombstoned before they store a person. The key is the process's LEADAI_PRIVACY_KEY, set
 * once by the composition root (createApp, the CLI) so callers need not carry it.
 */
let processKey = DEVELOPMENT_PRIVACY_KEY;

export function setPrivacyHashKey(key: string): void {
  processKey = key;
}

export function privacyHashKey(): string {
  return processKey;
}

/** The e-mail's and phone's tombstone hashes (what is given of them). */
export function tombstoneHashes(person: { email?: string | null | undefined; phone?: string | null | undefined }, key = processKey): { kind: 'email' | 'phone'; hash: string }[] {
  const out: { kind: 'email' | 'phone'; hash: string }[] = [];
  if (person.email && person.email.includes('@')) out.push({ kind: 'email', hash: keyedHash(key, 'email', normaliseEmail(person.email)) });
  const phone = person.phone ? normalisePhone(person.phone) : null;
  if (phone) out.push({ kind: 'phone', hash: keyedHash(key, 'phone', phone) });
  return out;
}

/** Whether this e-mail or phone belongs to a person erased from the organization. Works in a tenant transaction. */
export async function isTombstoned(tx: Kysely<DB>, organizationId: string, person: { email?: string | null | undefined; phone?: string | null | undefined }): Promise<boolean> {
  return q.tombstoneExists(tx, organizationId, tombstoneHashes(person));
}

/** Which of these people (by position) were erased: one query for a batch of import rows. */
export async function tombstonedAmong(tx: Kysely<DB>, organizationId: string, people: { email: string | null; phone: string | null }[]): Promise<Set<number>> {
  const hashes = people.map((p) => tombstoneHashes(p));
  const found = await q.existingTombstones(tx, organizationId, hashes.flat().map((h) => h.hash));
  const out = new Set<number>();
  if (found.size === 0) return out;
  hashes.forEach((hs, i) => {
    if (hs.some((h) => found.has(h.hash))) out.add(i);
  });
  return out;
}

/** For a long transaction that plans batches ahead (bulk import): the organization's tombstones, read once. */
export async function tombstoneChecker(tx: Kysely<DB>, organizationId: string): Promise<(people: { email: string | null; phone: string | null }[]) => Promise<Set<number>>> {
  const all = await q.existingTombstones(tx, organizationId, null);
  return async (people) => {
    const out = new Set<number>();
    if (all.size === 0) return out;
    people.forEach((p, i) => {
      if (tombstoneHashes(p).some((h) => all.has(h.hash))) out.add(i);
    });
    return out;
  };
}

/** The message every refusal carries, so a user knows why the person cannot come back. */
export const TOMBSTONE_MESSAGE = 'This person asked to be erased (a privacy erasure request); their e-mail or phone cannot be stored again in this organization.';
