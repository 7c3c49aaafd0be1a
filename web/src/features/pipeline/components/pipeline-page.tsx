import { useCallback, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import type { Lead, LeadStatus } from '../../../api/types';
import { EmptyState, ErrorMessage, Skeleton, SkeletonBlock } from '../../../components/feedback';
import { PageHeader } from '../../../components/page';
import { errorMessage } from '../../../lib/api-client';
import { formatMoney, formatMoneyCompact, formatNumber, humanize } from '../../../lib/format';
import { useCurrency } from '../../../lib/organization';
import { useCan } from '../../../lib/session';
import '../../../styles/workspace.css';
import { CARDS_PER_COLUMN, leadValue, useColumnCards, useMoveLead, usePipelineColumns, type Move, type PipelineColumn } from '../api/pipeline-api';
import { MoveMenu } from './move-menu';

/** The board's columns, in the order a deal travels; every status the server knows has its place. */
const ORDER: Record<LeadStatus, number> = { new: 0, contacted: 1, qualified: 2, proposal: 3, negotiation: 4, closed_won: 5, closed_lost: 6, nurturing: 7, unqualified: 8 };
export const STATUSES = (Object.keys(ORDER) as LeadStatus[]).sort((a, b) => ORDER[a] - ORDER[b]);
export const statusLabel = (s: LeadStatus) => (s === 'closed_won' ? 'Won' : s === 'closed_lost' ? 'Lost' : humanize(s));

const DRAG_TYPE = 'application/x-leadai-lead';

/**
 * Kanban by status. Cards move by drag and drop, or from the keyboard with each card's
 * "Move" menu; every move is announced in a live region, and a refused move goes back
 * with the server's reason shown above the board.
 */
export function PipelinePage() {
  const columns = usePipelineColumns();
  const cards = useColumnCards(STATUSES);
  const move = useMoveLead();
  const canMove = useCan('leads:write');
  const currency = useCurrency();
  const [announcement, setAnnouncement] = useState('');
  const [failure, setFailure] = useState<{ text: string; error: unknown } | null>(null);
  const [dropTarget, setDropTarget] = useState<LeadStatus | null>(null);
  const dragged = useRef<{ lead: Lead; from: LeadStatus } | null>(null);
  // A card moved from the keyboard is a new element in its new column (or back in its old
  // one after a refusal): its Move button takes the focus again there.
  const [refocus, setRefocus] = useState<{ id: string; status: LeadStatus } | null>(null);

  const moveLead = useCallback(
    (m: Move, fromKeyboard = false) => {
      if (m.from === m.to) return;
      if (fromKeyboard) setRefocus({ id: m.lead.id, status: m.to });
      const name = `${m.lead.first_name} ${m.lead.last_name}`;
      setFailure(null);
      setAnnouncement(`Moving ${name} from ${statusLabel(m.from)} to ${statusLabel(m.to)}…`);
      move.mutate(m, {
        onSuccess: () => setAnnouncement(`Moved ${name} from ${statusLabel(m.from)} to ${statusLabel(m.to)}.`),
        onError: (error) => {
          const text = `${name} could not be moved to ${statusLabel(m.to)} and is back in ${statusLabel(m.from)}`;
          setFailure({ text, error });
          if (fromKeyboard) setRefocus({ id: m.lead.id, status: m.to });
          setAnnouncement(`${text}: ${errorMessage(error)}`);
        },
      });
    },
    [move],
  );

  const byStatus = new Map<LeadStatus, PipelineColumn>((columns.data?.columns ?? []).map((c) => [c.status, c]));
  const totalLeads = columns.data?.columns.reduce((n, c) => n + c.count, 0);

  return (
    <>
      <PageHeader
        title="Pipeline"
        description={
          canMove
            ? 'Drag a card to another column, or use its Move button, to change the lead’s status.'
            : 'The pipeline by status. Your role can view it; moving leads needs a sales role.'
        }
      />
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      {failure && (
        <div className="alert alert--error board__error" role="alert">
          <span>
            <strong>{failure.text}:</strong> {errorMessage(failure.error)}
          </span>
          <button type="button" className="btn btn--ghost btn--sm" onClick={() => setFailure(null)}>
            Dismiss
          </button>
        </div>
      )}
      <ErrorMessage error={columns.error} title="The pipeline could not be loaded" />
      {totalLeads === 0 ? (
        <div className="card">
          <EmptyState title="Your pipeline is empty" action={<Link to="/leads" className="btn btn--primary">Add or import leads</Link>}>
            Each lead sits in the column of its status. Add leads one by one or import a CSV, then move them along as deals progress.
          </EmptyState>
        </div>
      ) : (
        <div className="board" role="list" aria-label="Pipeline columns">
          {STATUSES.map((status, i) => {
            const column = byStatus.get(status);
            const query = cards[i]!;
            const leads = query.data?.data ?? [];
            const label = statusLabel(status);
            const onDragOver = (e: DragEvent) => {
              if (!canMove || !dragged.current) return;
              e.preventDefault();
              e.dataTransfer.dropEffect = 'move';
              if (dropTarget !== status) setDropTarget(status);
            };
            const onDrop = (e: DragEvent) => {
              e.preventDefault();
              setDropTarget(null);
              const d = dragged.current;
              dragged.current = null;
              if (d) moveLead({ lead: d.lead, from: d.from, to: status });
            };
            return (
              <section
                key={status}
                role="listitem"
                aria-labelledby={`col-${status}`}
                className={['board__column', dropTarget === status ? 'board__column--target' : ''].join(' ')}
                data-status={status}
                onDragOver={onDragOver}
                onDragLeave={(e) => {
                  if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropTarget((t) => (t === status ? null : t));
                }}
                onDrop={onDrop}
              >
                <header className="board__header">
                  <h2 id={`col-${status}`} className="board__title">
                    {label} <span className="board__count">{column ? formatNumber(column.count) : '…'}</span>
                  </h2>
                  {column ? (
                    <dl className="board__money">
                      <div>
                        <dt>Total</dt>
                        <dd title={formatMoney(column.total_value, currency)}>{formatMoneyCompact(column.total_value, currency)}</dd>
                      </div>
                      <div>
                        <dt>Weighted</dt>
                        <dd title={formatMoney(column.weighted_value, currency)}>{formatMoneyCompact(column.weighted_value, currency)}</dd>
                      </div>
                    </dl>
                  ) : (
                    <Skeleton width="70%" />
                  )}
                </header>
                <ul className="board__cards" aria-label={`${label} leads`}>
                  {query.isPending && !query.error && (
                    <li>
                      <SkeletonBlock lines={3} label={`Loading ${label} leads`} />
                    </li>
                  )}
                  {query.error ? (
                    <li>
                      <ErrorMessage error={query.error} />
                    </li>
                  ) : null}
                  {query.isSuccess && leads.length === 0 && <li className="board__empty muted">{canMove ? 'Drop a lead here' : 'No leads'}</li>}
                  {leads.map((lead) => (
                    <LeadCard
                      key={lead.id}
                      lead={lead}
                      status={status}
                      currency={currency}
                      canMove={canMove}
                      dragging={move.isPending && move.variables?.lead.id === lead.id}
                      onDragStart={(e) => {
                        dragged.current = { lead, from: status };
                        e.dataTransfer.setData(DRAG_TYPE, lead.id);
                        e.dataTransfer.setData('text/plain', `${lead.first_name} ${lead.last_name}`);
                        e.dataTransfer.effectAllowed = 'move';
                      }}
                      onDragEnd={() => {
                        dragged.current = null;
                        setDropTarget(null);
                      }}
                      onMove={(to) => moveLead({ lead, from: status, to }, true)}
                      focusMove={refocus?.id === lead.id && refocus.status === status}
                      onFocused={() => setRefocus(null)}
                    />
                  ))}
                </ul>
                {column && column.count > leads.length && leads.length >= CARDS_PER_COLUMN && (
                  <Link to={`/leads?status=${status}`} className="board__more small">
                    {formatNumber(column.count - leads.length)} more in Leads
                  </Link>
                )}
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}

function LeadCard({
  lead, status, currency, canMove, dragging, onDragStart, onDragEnd, onMove, focusMove, onFocused,
}: {
  lead: Lead; status: LeadStatus; currency: string; canMove: boolean; dragging: boolean;
  onDragStart: (e: DragEvent) => void; onDragEnd: () => void; onMove: (to: LeadStatus) => void;
  focusMove: boolean; onFocused: () => void;
}) {
  const name = `${lead.first_name} ${lead.last_name}`;
  const value = leadValue(lead);
  return (
    <li
      className={['board__card', dragging ? 'board__card--saving' : ''].join(' ')}
      draggable={canMove}
      onDragStart={canMove ? onDragStart : undefined}
      onDragEnd={canMove ? onDragEnd : undefined}
      data-lead-id={lead.id}
      aria-label={`${name}, score ${lead.current_score}`}
    >
      <div className="board__card-top">
        <Link to={`/leads/${lead.id}`} className="strong-link board__name" draggable={false}>
          {name}
        </Link>
        <span className="score-pill" title="Score">
          {lead.current_score}
        </span>
      </div>
      {lead.company && <div className="muted small board__company">{lead.company}</div>}
      <div className="board__card-bottom">
        <span className="small" title={lead.deal_value === null ? 'Predicted value' : 'Deal value'}>
          {value ? formatMoneyCompact(value, currency) : '—'}
          {lead.deal_value === null && value ? <span className="muted"> predicted</span> : null}
        </span>
        {canMove && <MoveMenu leadName={name} current={status} options={STATUSES} label={statusLabel} onMove={onMove} focus={focusMove} onFocused={onFocused} />}
      </div>
    </li>
  );
}
