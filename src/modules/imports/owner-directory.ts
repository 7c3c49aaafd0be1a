import { isBlank, parseEmail } from './value-parsing.ts';

/**
 * Pure: who an owner or team cell names. CRM exports write the owner as a name ("José
 * Núñez", "Núñez, José") or an email; the organization's users and teams are matched by
 * email or name, ignoring case, accents and spacing. A name two users share matches
 * neither (the row is not assigned to a guess). Plain data, so it crosses to the parse
 * worker as it is.
 */
export interface OwnerDirectory {
  /** Normalised email or name → user id. */
  users: Record<string, string>;
  /** Normalised team name → team id. */
  teams: Record<string, string>;
  /** Names more than one user or team has. */
  ambiguous: string[];
  /** For the preview: each user's and team's name (and a user's email). */
  labels: Record<string, { name: string; email?: string }>;
}

export const EMPTY_DIRECTORY: OwnerDirectory = { users: {}, teams: {}, ambiguous: [], labels: {} };

export function ownerKey(value: string): string {
  return value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[\s.]+/g, ' ').trim();
}

export function buildDirectory(users: readonly { id: string; email: string; full_name: string }[], teams: readonly { id: string; name: string }[]): OwnerDirectory {
  const dir: OwnerDirectory = { users: {}, teams: {}, ambiguous: [], labels: {} };
  const ambiguous = new Set<string>();
  const add = (map: Record<string, string>, key: string, id: string) => {
    if (key === '') return;
    if (map[key] !== undefined && map[key] !== id) ambiguous.add(key);
    else map[key] = id;
  };
  for (const u of users) {
    add(dir.users, ownerKey(u.email), u.id);
    add(dir.users, ownerKey(u.full_name), u.id);
    dir.labels[u.id] = { name: u.full_name, email: u.email };
  }
  for (const t of teams) {
    add(dir.teams, ownerKey(t.name), t.id);
    dir.labels[t.id] = { name: t.name };
  }
  for (const key of ambiguous) {
    delete dir.users[key];
    delete dir.teams[key];
  }
  dir.ambiguous = [...ambiguous];
  return dir;
}

/** The user an owner cell names: by email ("Ana <ana@x.example>" too), by name, or by "Last, First". */
export function resolveOwner(dir: OwnerDirectory, cell: string): string | undefined {
  if (isBlank(cell)) return undefined;
  const v = cell.trim();
  if (v.includes('@')) {
    const email = parseEmail(v);
    if (email.ok) return dir.users[ownerKey(email.value)];
  }
  const key = ownerKey(v);
  const direct = dir.users[key];
  if (direct) return direct;
  const comma = key.indexOf(',');
  return comma > 0 ? dir.users[`${key.slice(comma + 1).trim()} ${key.slice(0, comma).trim()}`] : undefined;
}

export function resolveTeam(dir: OwnerDirectory, cell: string): string | undefined {
  return isBlank(cell) ? undefined : dir.teams[ownerKey(cell)];
}

export interface OwnerValue {
  value: string;
  rows: number;
  /** The user or team it names; null when it names none (or is a name several share). */
  match: { id: string; name: string; email: string | null } | null;
  /** Why it matched nothing, when it did not. */
  reason: string | null;
}

export interface OwnerColumn {
  column: string;
  field: 'assigned_to' | 'team_id';
  matched: OwnerValue[];
  unmatched: OwnerValue[];
  /** More distinct values than listed. */
  truncated: boolean;
}

const MAX_LISTED = 50;

/**
 * For the preview: per owner or team column, the sampled values that match a user or team
 * and those that do not. `dir` holds whom the importer may assign; `everyone` (the whole
 * organization) tells a name outside their team from one that exists nowhere.
 */
export function summarizeOwners(headers: readonly string[], columns: Record<string, string>, rows: readonly (readonly string[])[], dir: OwnerDirectory, everyone: OwnerDirectory = dir): OwnerColumn[] {
  const out: OwnerColumn[] = [];
  headers.forEach((column, index) => {
    const field = columns[column];
    if (field !== 'assigned_to' && field !== 'team_id') return;
    const counts = new Map<string, number>();
    for (const row of rows) {
      const cell = row[index];
      if (cell !== undefined && !isBlank(cell)) counts.set(cell.trim(), (counts.get(cell.trim()) ?? 0) + 1);
    }
    const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const judged = sorted.map(([value, n]): OwnerValue => {
      const id = field === 'assigned_to' ? resolveOwner(dir, value) : resolveTeam(dir, value);
      if (id) {
        const label = dir.labels[id]!;
        return { value, rows: n, match: { id, name: label.name, email: label.email ?? null }, reason: null };
      }
      const shared = dir.ambiguous.includes(ownerKey(value));
      const who = field === 'assigned_to' ? 'user' : 'team';
      const elsewhere = everyone !== dir && (field === 'assigned_to' ? resolveOwner(everyone, value) : resolveTeam(everyone, value));
      if (elsewhere) {
        return { value, rows: n, match: null, reason: field === 'assigned_to' ? 'not in your team: you may assign leads only to members of your own team' : 'not your team: you may place leads only in your own team' };
      }
      return { value, rows: n, match: null, reason: shared ? `more than one ${who} is called "${value}"` : `no ${who} of your organization has this ${field === 'assigned_to' ? 'name or email' : 'name'}` };
    });
    const matched = judged.filter((v) => v.match !== null);
    const unmatched = judged.filter((v) => v.match === null);
    out.push({ column, field, matched: matched.slice(0, MAX_LISTED), unmatched: unmatched.slice(0, MAX_LISTED), truncated: matched.length > MAX_LISTED || unmatched.length > MAX_LISTED });
  });
  return out;
}
