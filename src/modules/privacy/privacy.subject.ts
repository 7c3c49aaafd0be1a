import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { keyedHash, normaliseEmail, normalisePhone } from './privacy.keys.ts';
import { singleNames, tracePatterns, type SubjectTraits, type TracePattern } from './privacy.patterns.ts';
import * as q from './privacy.queries.ts';

/** How a request names its person: any of an e-mail, a phone, lead ids. */
export interface SubjectQuery {
  email?: string | null | undefined;
  phone?: string | null | undefined;
  leadIds?: string[] | undefined;
  /** Extra names to look for (the CLI's verify --name), e.g. after the leads are gone. */
  names?: { first: string; last: string }[] | undefined;
}

export interface Subject {
  leads: q.SubjectLead[];
  leadIds: string[];
  anonymousIds: string[];
  traits: SubjectTraits;
  patterns: TracePattern[];
  /** Names left out of the patterns because other leads carry them too (count only). */
  sharedNames: number;
}

/**
 * The person behind a request: every lead of theirs (same e-mail, same phone, the given ids,
 * and then the e-mails and phones of those leads, once more), the anonymous visitors stitched
 * to them, and what their traces look like in text.
 */
export async function resolveSubject(db: Kysely<DB>, organizationId: string, query: SubjectQuery): Promise<Subject> {
  const email = query.email ? normaliseEmail(query.email) : null;
  const phoneDigits = query.phone ? normalisePhone(query.phone) : null;
  let leads = await q.findSubjectLeads(db, organizationId, { email, phoneDigits, leadIds: query.leadIds ?? [] });
  // A second round: the same person's other leads, found by the e-mail or phone of the first ones.
  const more = new Set(leads.map((l) => l.id));
  for (const l of [...leads]) {
    const otherEmail = l.email && normaliseEmail(l.email) !== email ? normaliseEmail(l.email) : null;
    const otherPhone = l.phone && normalisePhone(l.phone) !== phoneDigits ? normalisePhone(l.phone) : null;
    if (!otherEmail && !otherPhone) continue;
    for (const m of await q.findSubjectLeads(db, organizationId, { email: otherEmail, phoneDigits: otherPhone, leadIds: [] })) {
      if (!more.has(m.id)) {
        more.add(m.id);
        leads.push(m);
      }
    }
  }
  leads = [...new Map(leads.map((l) => [l.id, l])).values()];
  const leadIds = leads.map((l) => l.id);
  const anonymousIds = leadIds.length > 0 ? await q.anonymousIdsOf(db, organizationId, leadIds) : [];
  const traits: SubjectTraits = {
    emails: [...(email ? [email] : []), ...leads.flatMap((l) => (l.email ? [l.email] : []))],
    phones: [...(query.phone ? [query.phone] : []), ...leads.flatMap((l) => (l.phone ? [l.phone] : []))],
    names: [...leads.map((l) => ({ first: l.first_name, last: l.last_name })), ...(query.names ?? [])],
  };
  const singles = singleNames(traits);
  const shared = await q.namesCarriedByOthers(db, organizationId, singles, leadIds);
  const distinctive = new Set(singles.filter((n) => !shared.has(n)));
  return { leads, leadIds, anonymousIds, traits, patterns: tracePatterns(traits, distinctive), sharedNames: shared.size };
}

/** The keyed hashes that stand for the person once their values are gone. */
export function subjectHashes(key: string, traits: SubjectTraits): { kind: 'email' | 'phone'; hash: string }[] {
  const emails = [...new Set(traits.emails.map(normaliseEmail))].map((e) => ({ kind: 'email' as const, hash: keyedHash(key, 'email', e) }));
  const phones = [...new Set(traits.phones.map(normalisePhone).filter((p): p is string => p !== null))].map((p) => ({ kind: 'phone' as const, hash: keyedHash(key, 'phone', p) }));
  return [...emails, ...phones];
}

/** The one hash a request row keeps: of the e-mail, else the phone, else the first lead id. */
export function requestSubjectHash(key: string, query: SubjectQuery): string {
  if (query.email) return keyedHash(key, 'email', normaliseEmail(query.email));
  const phone = query.phone ? normalisePhone(query.phone) : null;
  if (phone) return keyedHash(key, 'phone', phone);
  return keyedHash(key, 'lead', query.leadIds?.[0] ?? '');
}
