import { checkValues } from './column-checks.ts';
import { columnValues, customKey, LEAD_FIELDS, matchHeader, type ImportMapping } from './header-mapping.ts';
import { parseStatus } from './value-parsing.ts';

/**
 * Pure: what the preview says about a column whose mapping is not what its header
 * suggests, or whose values will cause trouble. Computed from the sample on every
 * preview, so it follows the client's changes to the mapping.
 */
export type ColumnNoteKind = 'kept_as_custom' | 'values_do_not_fit' | 'id_column' | 'stage_sets_status';

export interface ColumnNote {
  column: string;
  kind: ColumnNoteKind;
  /** The lead field concerned: the one the header names, or the one the column is mapped to. */
  field: string;
  message: string;
}

const label = (field: string) => field.replaceAll('_', ' ');
const isLeadField = (t: string | undefined): t is string => t !== undefined && (LEAD_FIELDS as readonly string[]).includes(t);

export function columnNotes(headers: readonly string[], mapping: ImportMapping, sample: readonly (readonly string[])[]): ColumnNote[] {
  const notes: ColumnNote[] = [];
  const targets = Object.values(mapping.columns);
  const hasStatus = targets.includes('status');
  headers.forEach((column, i) => {
    const target = mapping.columns[column];
    const named = matchHeader(column);
    const values = columnValues(sample, i);
    if ((target === 'custom' || target?.startsWith('custom:')) && isLeadField(named) && !targets.includes(named)) {
      const check = checkValues(named, values);
      if (!check.fits) {
        const key = target === 'custom' ? customKey(column) : target.slice('custom:'.length);
        notes.push({ column, kind: 'kept_as_custom', field: named, message: `The header reads as ${label(named)}, but ${check.reason}: kept as the custom field “${key}” instead.` });
      }
      return;
    }
    if (!isLeadField(target)) return;
    const check = checkValues(target, values);
    if (check.misfits > 0 && check.reason) {
      const refused = target === 'assigned_to' || target === 'team_id' ? 'those rows stay unassigned' : 'those rows will be refused';
      notes.push({ column, kind: 'values_do_not_fit', field: target, message: `Mapped to ${label(target)}, but ${check.reason}: ${refused}. Choose “Custom field” to keep the column as it is.` });
    }
    if (target === 'external_id' && named !== 'external_id') {
      notes.push({ column, kind: 'id_column', field: target, message: 'Holds a different value in every sampled row: used as the external id, so importing this file again updates these leads instead of creating them twice.' });
    }
    if (target === 'stage' && !hasStatus) {
      const statuses = [...new Set(values.filter((v) => parseStatus(v, undefined).ok))].slice(0, 3);
      if (statuses.length > 0) {
        notes.push({ column, kind: 'stage_sets_status', field: 'status', message: `No column is mapped to status: where a stage names one (${statuses.map((s) => `“${s}”`).join(', ')}), it sets the status too, so won and lost deals arrive as won and lost.` });
      }
    }
  });
  return notes;
}
