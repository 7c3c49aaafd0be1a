/**
 * The indexes a bulk load drops and builds again ("Populating a Database" in PostgreSQL's
 * manual), shared by the demo seed into empty tables (connect.ts) and a large first import
 * (imports/bulk-import.ts). Each caller brings its own connection, as a function that runs
 * one parameterised statement.
 */
export type RunStatement = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;

export interface IndexDefinition {
  name: string;
  definition: string;
}

/**
 * The indexes of these tables that no constraint owns: primary keys and the unique keys
 * composite foreign keys point at stay. pg_get_indexdef gives exactly what recreates each
 * one (plain unique indexes, such as the leads' email key, are among them).
 */
export async function secondaryIndexes(run: RunStatement, tables: readonly string[]): Promise<IndexDefinition[]> {
  const { rows } = await run(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index AS i
     WHERE i.indrelid = ANY($1::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
     ORDER BY 1`,
    [tables],
  );
  return rows as IndexDefinition[];
}

export async function dropIndexes(run: RunStatement, indexes: readonly IndexDefinition[]): Promise<void> {
  // Names come from the catalogue (regclass text, quoted where needed), never from input.
  for (const index of indexes) await run(`DROP INDEX ${index.name}`);
}

/**
 * Builds the indexes again from their saved definitions, with memory for the sorts (a
 * B-tree over a million rows sorts in one pass with enough of it) and, on a server,
 * parallel workers. Settings are SET LOCAL: they end with the caller's transaction.
 */
export async function createIndexes(run: RunStatement, indexes: readonly IndexDefinition[], options: { maintenanceWorkMem?: string; parallelWorkers?: number } = {}): Promise<void> {
  if (options.maintenanceWorkMem !== undefined) await run(`SET LOCAL maintenance_work_mem = '${options.maintenanceWorkMem.replace(/[^0-9A-Za-z]/g, '')}'`);
  if (options.parallelWorkers !== undefined) await run(`SET LOCAL max_parallel_maintenance_workers = ${Math.max(0, Math.floor(options.parallelWorkers))}`);
  for (const index of indexes) await run(index.definition);
}
