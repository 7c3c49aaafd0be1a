import { useLayoutEffect, useRef, type DragEvent } from 'react';
import { Link } from 'react-router';
import type { Lead, LeadStatus } from '../../../api/types';
import { formatMoneyCompact } from '../../../lib/format';
import { DECIDED, leadValue } from '../api/pipeline-api';
import { landCard } from './card-flight';
import { MoveMenu } from './move-menu';
import { STATUSES, statusLabel } from './statuses';
import { leadDisplayName } from '../../../lib/lead-name';

/** A lead on the board: name, score, company and value; draggable, with a keyboard Move menu. */
export function LeadCard({
  lead, status, currency, canMove, dragging, onDragStart, onDragEnd, onMove, focusMove, onFocused,
}: {
  lead: Lead; status: LeadStatus; currency: string; canMove: boolean; dragging: boolean;
  onDragStart: (e: DragEvent) => void; onDragEnd: () => void; onMove: (to: LeadStatus) => void;
  focusMove: boolean; onFocused: () => void;
}) {
  const name = leadDisplayName(lead);
  const value = leadValue(lead);
  // A decided lead's score is a conversion probability that reads like an open lead's: its column says how it ended.
  const decided = DECIDED.has(lead.status);
  const element = useRef<HTMLLIElement>(null);
  // Mounted in a column: if a teammate's move brought it here, it flies in from where it was.
  useLayoutEffect(() => {
    if (element.current) landCard(element.current, lead.id);
  }, [lead.id]);
  return (
    <li
      ref={element}
      className={['board__card', dragging ? 'board__card--saving' : ''].join(' ')}
      draggable={canMove}
      onDragStart={canMove ? onDragStart : undefined}
      onDragEnd={canMove ? onDragEnd : undefined}
      data-lead-id={lead.id}
      aria-label={decided ? `${name}, ${statusLabel(lead.status).toLowerCase()}` : `${name}, score ${lead.current_score}`}
    >
      <div className="board__card-top">
        <Link to={`/leads/${lead.id}`} className="strong-link board__name" draggable={false}>
          {name}
        </Link>
        {!decided && (
          <span className="score-pill" title="Score">
            {lead.current_score}
          </span>
        )}
      </div>
      {lead.company && <div className="muted small board__company">{lead.company}</div>}
      <div className="board__card-bottom">
        <span className="small" title={lead.deal_value !== null ? 'Deal value' : decided ? 'No deal value entered' : 'Predicted value (the typical deal if won): no deal value entered yet'}>
          {value ? formatMoneyCompact(value, currency) : '—'}
          {lead.deal_value === null && value ? <span className="muted"> predicted</span> : null}
        </span>
        {canMove && <MoveMenu leadName={name} current={status} options={STATUSES} label={statusLabel} onMove={onMove} focus={focusMove} onFocused={onFocused} />}
      </div>
    </li>
  );
}
