import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import type { Lead, LeadStatus } from '../../../api/types';
import { EmptyState, ErrorMessage } from '../../../components/feedback';
import { PageHeader } from '../../../components/page';
import { errorMessage } from '../../../lib/api-client';
import { useCurrency } from '../../../lib/organization';
import { useCan } from '../../../lib/session';
import '../../../styles/workspace.css';
import { useQueryClient } from '@tanstack/react-query';
import { useStreamEvent } from '../../../lib/realtime/use-live-updates';
import { useCurrentUser } from '../../../lib/session';
import { applyRemoteMove, useMoveLead, usePipelineColumns, type Move, type PipelineColumn } from '../api/pipeline-api';
import { forgetOrigins, rememberOrigin } from './card-flight';
import { BoardColumn } from './board-column';
import { STATUSES, statusLabel } from './statuses';
import { leadDisplayName } from '../../../lib/lead-name';

const DRAG_TYPE = 'application/x-leadai-lead';
const isStatus = (value: unknown): value is LeadStatus => (STATUSES as readonly unknown[]).includes(value);

/**
 * Kanban by status. Cards move by drag and drop, or from the keyboard with each card's
 * "Move" menu; every move is announced in a live region, and a refused move goes back
 * with the server's reason shown above the board.
 */
export function PipelinePage() {
  const columns = usePipelineColumns();
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
  // The moved card keeps the focus a moment (the refetch that follows may reorder its column).
  const releaseFocusSoon = useCallback(() => {
    window.setTimeout(() => setRefocus(null), 2000);
  }, []);

  const moveLead = useCallback(
    (m: Move, fromKeyboard = false) => {
      if (m.from === m.to) return;
      if (fromKeyboard) setRefocus({ id: m.lead.id, status: m.to });
      const name = leadDisplayName(m.lead);
      setFailure(null);
      setAnnouncement(`Moving ${name} from ${statusLabel(m.from)} to ${statusLabel(m.to)}…`);
      move.mutate(m, {
        onSuccess: () => setAnnouncement(`Moved ${name} from ${statusLabel(m.from)} to ${statusLabel(m.to)}.`),
        onError: (error) => {
          const text = `${name} could not be moved to ${statusLabel(m.to)} and is back in ${statusLabel(m.from)}`;
          setFailure({ text, error });
          if (fromKeyboard) setRefocus({ id: m.lead.id, status: m.from });
          setAnnouncement(`${text}: ${errorMessage(error)}`);
        },
      });
    },
    [move],
  );

  // A teammate's move: the card glides to its new column as soon as the stream says so.
  const client = useQueryClient();
  const me = useCurrentUser();
  useStreamEvent((event) => {
    if (!event.entity_id || (me?.user && event.actor_id === me.user.id)) return;
    const fields = Array.isArray(event.payload.fields) ? event.payload.fields : [];
    if (event.type !== 'lead.status_changed' && !(event.type === 'lead.updated' && fields.includes('status'))) return;
    // Where the card is now, before anything re-renders: it flies from here when it lands.
    rememberOrigin(event.entity_id);
    // Told where it goes: moved at once; otherwise the refetch places it.
    const { from, to } = event.payload;
    if (isStatus(from) && isStatus(to) && from !== to) applyRemoteMove(client, event.entity_id, from, to);
  });
  useEffect(() => forgetOrigins, []);

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
          {STATUSES.map((status) => (
            <BoardColumn
              key={status}
              status={status}
              column={byStatus.get(status)}
              currency={currency}
              canMove={canMove}
              isDropTarget={dropTarget === status}
              drop={{
                onDragOver: (e: DragEvent) => {
                  if (!canMove || !dragged.current) return;
                  e.preventDefault();
                  e.dataTransfer.dropEffect = 'move';
                  if (dropTarget !== status) setDropTarget(status);
                },
                onDragLeave: (e: DragEvent) => {
                  if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropTarget((t) => (t === status ? null : t));
                },
                onDrop: (e: DragEvent) => {
                  e.preventDefault();
                  setDropTarget(null);
                  const d = dragged.current;
                  dragged.current = null;
                  if (d) moveLead({ lead: d.lead, from: d.from, to: status });
                },
              }}
              onCardDragStart={(lead, e) => {
                dragged.current = { lead, from: status };
                e.dataTransfer.setData(DRAG_TYPE, lead.id);
                e.dataTransfer.setData('text/plain', leadDisplayName(lead));
                e.dataTransfer.effectAllowed = 'move';
              }}
              onCardDragEnd={() => {
                dragged.current = null;
                setDropTarget(null);
              }}
              onMove={(lead, to) => moveLead({ lead, from: status, to }, true)}
              savingId={move.isPending ? move.variables?.lead.id : undefined}
              refocusId={refocus?.status === status ? refocus.id : undefined}
              onFocused={releaseFocusSoon}
            />
          ))}
        </div>
      )}
    </>
  );
}
