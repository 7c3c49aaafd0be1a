import { memo, type CSSProperties } from 'react';
import type { Lead } from '../../../api/types';
import { ROW_INDEX_ATTRIBUTE } from '../hooks/use-roving-rows';
import type { Column } from './lead-columns';
import { leadDisplayName } from '../../../lib/lead-name';

const rowStyle = (top: number, height: number, template: string): CSSProperties => ({
  position: 'absolute', top: 0, left: 0, right: 0, height, transform: `translateY(${top}px)`, gridTemplateColumns: template,
});

/**
 * One lead in the leads grid. The row itself takes the keyboard focus (roving tabindex
 * from the page); its checkbox is out of the tab order because Space on the row toggles it,
 * which keeps Tab from walking through two controls per lead. Memoised on plain props (a
 * position, not a style object; a callback that takes the id): while the table scrolls,
 * only the rows coming into view render.
 */
export const LeadRow = memo(function LeadRow({ lead, index, columns, template, top, height, selected, arrived = false, tabIndex, onSelect, userName }: {
  lead: Lead;
  index: number;
  columns: Column[];
  template: string;
  top: number;
  height: number;
  selected: boolean;
  /** New to this list while it was open: highlighted for a few seconds. */
  arrived?: boolean;
  tabIndex: 0 | -1;
  onSelect: (id: string, checked: boolean) => void;
  userName: (id: string | null) => string;
}) {
  const name = leadDisplayName(lead);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      tabIndex={tabIndex}
      {...{ [ROW_INDEX_ATTRIBUTE]: index }}
      data-lead-id={lead.id}
      className={`grid-table__row grid-table__row--lead${selected ? ' is-selected' : ''}${arrived ? ' is-new' : ''}`}
      style={rowStyle(top, height, template)}
    >
      <div role="gridcell" className="grid-table__cell">
        <input type="checkbox" className="checkbox" tabIndex={-1} aria-label={`Select ${name}`} checked={selected} onChange={(e) => onSelect(lead.id, e.target.checked)} />
      </div>
      {columns.map((c) => (
        <div key={c.id} role="gridcell" className="grid-table__cell" data-column={c.id}>
          {c.render(lead, { userName })}
        </div>
      ))}
    </div>
  );
});

/** The row after the last loaded lead while the next page is on its way. */
export function LoadingRow({ index, template, top, height }: { index: number; template: string; top: number; height: number }) {
  return (
    <div role="row" aria-rowindex={index + 2} className="grid-table__row" style={rowStyle(top, height, template)}>
      <div role="gridcell" className="grid-table__cell muted">
        Loading more…
      </div>
    </div>
  );
}
