import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import type { Lead, LeadStatus } from '../../../api/types';
import { ErrorMessage, Skeleton, SkeletonBlock } from '../../../components/feedback';
import { formatMoney, formatMoneyCompact, formatNumber } from '../../../lib/format';
import { DECIDED, useColumnCards, type PipelineColumn } from '../api/pipeline-api';
import { LeadCard } from './lead-card';
import { statusLabel } from './statuses';

export interface ColumnDrop {
  onDragOver: (e: DragEvent) => void;
  onDragLeave: (e: DragEvent) => void;
  onDrop: (e: DragEvent) => void;
}

/**
 * One status of the board: its count and money, and its cards by score, a page at a time.
 * More cards load with "Show more" (focus goes to the first new card) or when the column's
 * own list is scrolled to its end.
 */
export function BoardColumn({
  status, column, currency, canMove, isDropTarget, drop, onCardDragStart, onCardDragEnd, onMove, savingId, refocusId, onFocused,
}: {
  status: LeadStatus; column: PipelineColumn | undefined; currency: string; canMove: boolean; isDropTarget: boolean; drop: ColumnDrop;
  onCardDragStart: (lead: Lead, e: DragEvent) => void; onCardDragEnd: () => void; onMove: (lead: Lead, to: LeadStatus) => void;
  savingId: string | undefined; refocusId: string | undefined; onFocused: () => void;
}) {
  const query = useColumnCards(status);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const leads = query.data?.pages.flatMap((p) => p.data) ?? [];
  const label = statusLabel(status);
  const scroller = useRef<HTMLDivElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const [focusCard, setFocusCard] = useState<number | null>(null);

  // Scrolled to the end of the column's list: the next page, without a click.
  useEffect(() => {
    const target = end.current;
    if (!target || !hasNextPage || isFetchingNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void fetchNextPage();
    }, { root: scroller.current, rootMargin: '0px 0px 80px 0px' });
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  // After "Show more", the first new card's link takes the focus once it is rendered.
  useEffect(() => {
    if (focusCard === null) return;
    const link = scroller.current?.querySelectorAll<HTMLAnchorElement>('.board__name')[focusCard];
    if (!link) return;
    link.focus();
    setFocusCard(null);
  }, [focusCard, leads.length]);

  const showMore = () => {
    const first = leads.length;
    void fetchNextPage().then((r) => {
      if (!r.isError && (r.data?.pages.reduce((n, p) => n + p.data.length, 0) ?? 0) > first) setFocusCard(first);
    });
  };

  return (
    // A div, not a section: a section named by its heading is a region landmark, which
    // role="listitem" would override (axe: aria-allowed-role); the list of columns is what matters.
    <div
      role="listitem"
      aria-labelledby={`col-${status}`}
      className={['board__column', isDropTarget ? 'board__column--target' : ''].join(' ')}
      data-status={status}
      onDragOver={drop.onDragOver}
      onDragLeave={drop.onDragLeave}
      onDrop={drop.onDrop}
    >
      <header className="board__header">
        <h2 id={`col-${status}`} className="board__title">
          {label} <span className="board__count">{column ? formatNumber(column.count) : '…'}</span>
        </h2>
        {column ? (
          <dl className="board__money">
            <div>
              <dt>Total</dt>
              <dd title={`${formatMoney(column.total_value, currency)}: ${DECIDED.has(status) ? 'deal values' : 'deal values, else predicted values'}`}>{formatMoneyCompact(column.total_value, currency)}</dd>
            </div>
            <div>
              <dt>Weighted</dt>
              <dd title={`${formatMoney(column.weighted_value, currency)}: ${DECIDED.has(status) ? 'won deal values' : 'forecast, each value × its chance to win'}`}>{formatMoneyCompact(column.weighted_value, currency)}</dd>
            </div>
          </dl>
        ) : (
          <Skeleton width="70%" />
        )}
        {column && column.predicted_count > 0 && (
          <p className="board__predicted muted small" title={formatMoney(column.predicted_value, currency)}>
            {formatMoneyCompact(column.predicted_value, currency)} of it predicted ({formatNumber(column.predicted_count)} {column.predicted_count === 1 ? 'lead' : 'leads'} without a deal value)
          </p>
        )}
        {column && DECIDED.has(status) && column.no_value_count > 0 && (
          <p className="board__predicted muted small">
            {formatNumber(column.no_value_count)} {column.no_value_count === 1 ? 'lead' : 'leads'} without a deal value, not counted
          </p>
        )}
      </header>
      <div ref={scroller} className="board__scroll">
        <ul className="board__cards" aria-label={`${label} leads`} aria-busy={isFetchingNextPage || undefined}>
          {query.isPending && (
            <li>
              <SkeletonBlock lines={3} label={`Loading ${label} leads`} />
            </li>
          )}
          {query.isSuccess && leads.length === 0 && <li className="board__empty muted">{canMove ? 'Drop a lead here' : 'No leads'}</li>}
          {leads.map((lead) => (
            <LeadCard
              key={lead.id}
              lead={lead}
              status={status}
              currency={currency}
              canMove={canMove}
              dragging={savingId === lead.id}
              onDragStart={(e) => onCardDragStart(lead, e)}
              onDragEnd={onCardDragEnd}
              onMove={(to) => onMove(lead, to)}
              focusMove={refocusId === lead.id}
              onFocused={onFocused}
            />
          ))}
        </ul>
        <div ref={end} className="board__end" aria-hidden="true" />
      </div>
      <ErrorMessage error={query.error} title={query.isFetchNextPageError ? 'More leads could not be loaded' : undefined} />
      {hasNextPage && (
        <div className="board__more">
          <button type="button" className="btn btn--secondary btn--sm" onClick={showMore} disabled={isFetchingNextPage}>
            {isFetchingNextPage ? 'Loading…' : 'Show more'}
            <span className="visually-hidden"> {label} leads</span>
          </button>
          <span className="muted small">
            {formatNumber(leads.length)} of {column ? formatNumber(column.count) : '…'} · <Link to={`/leads?status=${status}`}>All in Leads</Link>
          </span>
        </div>
      )}
    </div>
  );
}
