import type { PreparedLead } from './row-mapping.ts';

/** A lead as the import matches it: its id and its keys (email lower-cased). */
export interface LeadKeyRow {
  id: string;
  email: string | null;
  external_id: string | null;
}

/**
 * The organization's leads by email and by external id, in memory, for the bulk path:
 * there the unique indexes that answer these lookups are dropped for the duration, and a
 * lookup per batch would scan the table. Loaded once at the start (the table is small
 * when bulk mode is chosen), then kept exactly in step with what each batch writes, so
 * every later batch sees what the database would show it: match() answers what
 * app.import_match_leads would.
 */
export class LeadKeyIndex {
  private readonly byEmail = new Map<string, LeadKeyRow>();
  private readonly byExt = new Map<string, LeadKeyRow>();

  constructor(rows: Iterable<LeadKeyRow>) {
    for (const row of rows) this.add({ ...row });
  }

  /** The leads having any of these emails or external ids, each once. */
  match(emails: readonly string[], externalIds: readonly string[]): LeadKeyRow[] {
    const found = new Set<LeadKeyRow>();
    for (const e of emails) {
      const row = this.byEmail.get(e);
      if (row) found.add(row);
    }
    for (const x of externalIds) {
      const row = this.byExt.get(x);
      if (row) found.add(row);
    }
    return [...found].map((r) => ({ ...r }));
  }

  /** New leads, with the ids they were inserted under. */
  inserted(rows: readonly PreparedLead[], ids: readonly string[]) {
    rows.forEach((row, i) => this.add({ id: ids[i]!, email: row.email, external_id: row.external_id }));
  }

  /**
   * Updated leads: a non-empty value in the file replaces the key (as updateLeads does with
   * coalesce), an empty one keeps it.
   */
  updated(rows: readonly PreparedLead[], ids: readonly string[]) {
    rows.forEach((row, i) => {
      const id = ids[i]!;
      const current = this.find(id, row);
      if (!current) {
        this.add({ id, email: row.email, external_id: row.external_id });
        return;
      }
      if (row.email && row.email !== current.email) {
        if (current.email && this.byEmail.get(current.email) === current) this.byEmail.delete(current.email);
        current.email = row.email;
        this.byEmail.set(row.email, current);
      }
      if (row.external_id && row.external_id !== current.external_id) {
        if (current.external_id && this.byExt.get(current.external_id) === current) this.byExt.delete(current.external_id);
        current.external_id = row.external_id;
        this.byExt.set(row.external_id, current);
      }
    });
  }

  /** The lead was matched by one of the row's keys (folded rows carry both). */
  private find(id: string, row: PreparedLead): LeadKeyRow | undefined {
    const byEmail = row.email ? this.byEmail.get(row.email) : undefined;
    if (byEmail?.id === id) return byEmail;
    const byExt = row.external_id ? this.byExt.get(row.external_id) : undefined;
    if (byExt?.id === id) return byExt;
    return undefined;
  }

  private add(row: LeadKeyRow) {
    if (row.email) this.byEmail.set(row.email, row);
    if (row.external_id) this.byExt.set(row.external_id, row);
  }
}
