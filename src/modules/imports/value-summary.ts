import { VALUE_MAPPED_FIELDS, type ImportMapping, type ValueMappedField } from './header-mapping.ts';
import { isBlank, mapValue, parseStatus, parseTags } from './value-parsing.ts';

/** Distinct values listed per column: enough for codes and pick lists, not for free text. */
export const MAX_DISTINCT_VALUES = 50;

export interface DistinctValue {
  /** The value as the file writes it (trimmed; for tags, one tag of the cell). */
  value: string;
  /** Sampled rows that hold it. */
  rows: number;
  /** Whether the field takes it as it is, without a value map (for status: a status or a known CRM name). */
  valid: boolean;
  /** What is stored under the current value map; null when it is refused. */
  stored_as: string | null;
}

export interface ColumnValues {
  column: string;
  field: ValueMappedField;
  values: DistinctValue[];
  /** More distinct values than listed (a free-text column: map it with a mapping file). */
  truncated: boolean;
}

const isValueMapped = (target: string): target is ValueMappedField => (VALUE_MAPPED_FIELDS as readonly string[]).includes(target);

/** A tag cell holds several values; every other field one. */
function splitCell(field: ValueMappedField, cell: string): string[] {
  if (field !== 'tags') return [cell.trim()];
  return parseTags(cell, undefined);
}

function judge(field: ValueMappedField, value: string, mapping: ImportMapping): Pick<DistinctValue, 'valid' | 'stored_as'> {
  const map = mapping.values[field];
  if (field === 'status') {
    const mapped = parseStatus(value, map);
    return { valid: parseStatus(value, undefined).ok, stored_as: mapped.ok ? mapped.value : null };
  }
  // Free-text fields take any value; a map only renames.
  return { valid: true, stored_as: mapValue(value, map) };
}

/**
 * Pure: the distinct values of each column mapped to a value-mapped field (status, stage,
 * tags, source, campaign) in the sampled rows, most frequent first, with what each becomes
 * under the current mapping. This is what a client needs to offer a value map: "1" and "0"
 * in a Converted column are not statuses until they are mapped.
 */
export function summarizeValues(headers: readonly string[], mapping: ImportMapping, rows: readonly (readonly string[])[]): ColumnValues[] {
  const out: ColumnValues[] = [];
  headers.forEach((column, index) => {
    const field = mapping.columns[column];
    if (field === undefined || !isValueMapped(field)) return;
    const counts = new Map<string, number>();
    for (const row of rows) {
      const cell = row[index];
      if (cell === undefined || isBlank(cell)) continue;
      for (const v of splitCell(field, cell)) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    out.push({
      column,
      field,
      values: sorted.slice(0, MAX_DISTINCT_VALUES).map(([value, n]) => ({ value, rows: n, ...judge(field, value, mapping) })),
      truncated: sorted.length > MAX_DISTINCT_VALUES,
    });
  });
  return out;
}
