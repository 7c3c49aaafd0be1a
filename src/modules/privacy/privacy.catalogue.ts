import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * The schema as PostgreSQL describes it, read at the moment of use: every table, every column
 * that can hold a person's words, and every table that points at a lead. Export, erasure and
 * the verification scan are built on this rather than on a list kept by hand, so a table a
 * later migration adds (consent records, retention logs …) is covered without anyone
 * remembering to add it here.
 */
export type ColumnKind = 'text' | 'json' | 'text_array' | 'bytes';

export interface CatalogueColumn {
  name: string;
  kind: ColumnKind;
}

export interface CatalogueTable {
  name: string;
  /** How rows belong to an organization: organization_id, organizations.id, or not at all (schema_migrations). */
  tenantColumn: 'organization_id' | 'id' | null;
  hasLeadId: boolean;
  columns: CatalogueColumn[];
}

export async function readCatalogue(db: Kysely<DB>): Promise<CatalogueTable[]> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; udt_name: string }>`
    SELECT c.table_name, c.column_name, c.data_type, c.udt_name
    FROM information_schema.columns AS c
    JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
    ORDER BY c.table_name, c.ordinal_position`.execute(db);
  const tables = new Map<string, { columns: CatalogueColumn[]; names: Set<string> }>();
  for (const r of rows) {
    const t = tables.get(r.table_name) ?? { columns: [], names: new Set<string>() };
    tables.set(r.table_name, t);
    t.names.add(r.column_name);
    const kind = columnKind(r.data_type, r.udt_name);
    if (kind) t.columns.push({ name: r.column_name, kind });
  }
  return [...tables].map(([name, t]) => ({
    name,
    tenantColumn: t.names.has('organization_id') ? 'organization_id' : name === 'organizations' ? 'id' : null,
    hasLeadId: t.names.has('lead_id'),
    columns: t.columns,
  }));
}

function columnKind(dataType: string, udt: string): ColumnKind | null {
  if (dataType === 'text' || dataType === 'character varying' || dataType === 'character' || dataType === 'citext' || udt === 'citext') return 'text';
  if (dataType === 'jsonb' || dataType === 'json') return 'json';
  if (dataType === 'ARRAY' && ['_text', '_varchar', '_bpchar', '_citext'].includes(udt)) return 'text_array';
  if (dataType === 'bytea') return 'bytes';
  return null;
}
