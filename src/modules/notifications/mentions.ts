/**
 * Who a note mentions: `@first.last`, `@firstname` (when one person of the organization has
 * that first name), or `@local-part` of their e-mail, case and accents ignored. Pure: the
 * service hands in the organization's people and the text.
 */

export interface Person {
  id: string;
  full_name: string;
  email: string;
}

/** Lower case, accents off ("Zoë" → "zoe"), so "@zoe" finds Zoë. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

function words(fullName: string): string[] {
  return fold(fullName).split(/[^\p{L}\p{N}'-]+/u).filter(Boolean);
}

/**
 * The handles written in the text, folded. An "@" inside a word (an e-mail address such as
 * ana@acme.com) is not a mention; a sentence's full stop after a handle is not part of it.
 */
export function handlesIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of fold(text).matchAll(/(?<![\p{L}\p{N}_.@+-])@([\p{L}\p{N}][\p{L}\p{N}._'+-]*)/gu)) {
    const handle = m[1]!.replace(/[._'+-]+$/u, '');
    if (handle) found.add(handle);
  }
  return [...found];
}

/**
 * The ids of the people the text mentions, in the order of the organization's list. A
 * handle is tried as first.last, then as an e-mail's local part, then as a first name
 * that only one person has (two Maries: "@marie" names neither).
 */
export function mentionedIn(text: string, people: readonly Person[]): string[] {
  const handles = handlesIn(text);
  if (handles.length === 0) return [];
  const byFullHandle = new Map<string, Set<string>>();
  const byLocalPart = new Map<string, Set<string>>();
  const byFirstName = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, id: string) => (map.get(key) ?? map.set(key, new Set()).get(key)!).add(id);
  for (const p of people) {
    const w = words(p.full_name);
    if (w.length >= 2) {
      add(byFullHandle, `${w[0]}.${w[w.length - 1]}`, p.id);
      // Every word, for middle names written out ("@anna.maria.lopez").
      if (w.length > 2) add(byFullHandle, w.join('.'), p.id);
    }
    if (w.length >= 1) add(byFirstName, w[0]!, p.id);
    const local = fold(p.email.split('@')[0] ?? '');
    if (local) add(byLocalPart, local, p.id);
  }
  const ids = new Set<string>();
  for (const h of handles) {
    const hit = byFullHandle.get(h) ?? byLocalPart.get(h) ?? (byFirstName.get(h)?.size === 1 ? byFirstName.get(h) : undefined);
    for (const id of hit ?? []) ids.add(id);
  }
  return people.filter((p) => ids.has(p.id)).map((p) => p.id);
}
