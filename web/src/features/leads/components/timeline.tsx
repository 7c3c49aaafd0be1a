import { useState, type ReactNode } from 'react';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Button } from '../../../components/button';
import { Icon, type IconName } from '../../../components/icons';
import { formatDateTime } from '../../../lib/format';
import { label } from '../../../lib/labels';
import type { TimelineItem, TimelineKind } from '../api/leads-api';
import { groupTimeline, scoreChange, type TimelineEntry } from './timeline-groups';

const KIND_LABEL: Record<TimelineItem['kind'], string> = { activity: 'Activity', conversation: 'Conversation', journey_event: 'Journey', score: 'Score change', insight: 'Insight', assignment: 'Assignment' };

/** The filter above the timeline: everything, or one kind of event (filtered by the server, so paging still works). */
export const TIMELINE_FILTERS: { value: TimelineKind | undefined; label: string }[] = [
  { value: undefined, label: 'All' },
  { value: 'activity', label: 'Activities' },
  { value: 'conversation', label: 'Conversations' },
  // Journey events: website visits and forms, and status changes (recorded there too).
  { value: 'journey_event', label: 'Journey' },
  { value: 'score', label: 'Score changes' },
  { value: 'insight', label: 'Insights' },
  { value: 'assignment', label: 'Assignments' },
];

const ACTIVITY_ICON: Record<string, IconName> = {
  call: 'phone', email: 'mail', meeting: 'calendar', demo: 'monitor', proposal: 'fileText', follow_up: 'clock', note: 'fileText', task: 'task', social_interaction: 'share',
};
const CHANNEL_ICON: Record<string, IconName> = { phone: 'phone', call: 'phone', email: 'mail', chat: 'message', sms: 'message' };

function iconOf(item: TimelineItem): IconName {
  const d = item.data;
  switch (item.kind) {
    case 'activity':
      return ACTIVITY_ICON[String(d.type)] ?? 'task';
    case 'conversation':
      return CHANNEL_ICON[String(d.channel)] ?? 'message';
    case 'journey_event':
      return d.event_type === 'status_change' || item.title === 'status_change' ? 'pipeline' : 'globe';
    case 'score': {
      const { from, to } = scoreChange(item);
      return from !== null && to < from ? 'trendingDown' : 'trendingUp';
    }
    case 'insight':
      return 'insights';
    case 'assignment':
      return 'user';
  }
}

interface Span {
  text: string;
  kind: 'signal' | 'entity';
  label: string;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Buying signals and entities found by the analysis, as spans to highlight in the text. */
function spansOf(data: Record<string, unknown>): Span[] {
  const spans: Span[] = [];
  for (const s of Array.isArray(data.buying_signals) ? data.buying_signals : []) {
    const r = asRecord(s);
    if (r && typeof r.evidence === 'string' && r.evidence) spans.push({ text: r.evidence, kind: 'signal', label: `Buying signal: ${label(String(r.signal ?? ''))}` });
  }
  for (const e of Array.isArray(data.entities) ? data.entities : []) {
    const r = asRecord(e);
    if (r && typeof r.text === 'string' && r.text.length > 1) spans.push({ text: r.text, kind: 'entity', label: label(String(r.type ?? 'entity')) });
  }
  return spans;
}

export function Highlighted({ text, spans }: { text: string; spans: Span[] }) {
  if (spans.length === 0) return <>{text}</>;
  const parts: ReactNode[] = [];
  let rest = text;
  let key = 0;
  // Longest first, signals before entities, each highlighted where it first occurs.
  const ordered = [...spans].sort((a, b) => (a.kind === b.kind ? b.text.length - a.text.length : a.kind === 'signal' ? -1 : 1));
  while (rest) {
    let best: { index: number; span: Span } | undefined;
    for (const span of ordered) {
      const index = rest.indexOf(span.text);
      if (index >= 0 && (!best || index < best.index)) best = { index, span };
    }
    if (!best) {
      parts.push(rest);
      break;
    }
    if (best.index > 0) parts.push(rest.slice(0, best.index));
    parts.push(
      <mark key={key++} className={best.span.kind} title={best.span.label}>
        {best.span.text}
        <span className="visually-hidden"> ({best.span.label})</span>
      </mark>,
    );
    rest = rest.slice(best.index + best.span.text.length);
  }
  return <>{parts}</>;
}

function sentimentBadge(name: unknown, score: unknown) {
  const value = typeof score === 'number' ? score : undefined;
  const word = typeof name === 'string' ? name : value === undefined ? undefined : value > 0.15 ? 'positive' : value < -0.15 ? 'negative' : 'neutral';
  if (!word) return null;
  const tone = word === 'positive' ? 'good' : word === 'negative' ? 'bad' : 'neutral';
  return <Badge tone={tone}>Sentiment: {word}{value !== undefined ? ` (${value.toFixed(2)})` : ''}</Badge>;
}

/** Sentiment, intent and buying signals of a conversation's analysis. */
function conversationBadges(c: Record<string, unknown>) {
  const sentiment = asRecord(c.sentiment);
  const intent = asRecord(c.intent);
  return (
    <>
      {sentiment && sentimentBadge(sentiment.label, sentiment.overall ?? sentiment.score)}
      {intent && typeof intent.primary_intent === 'string' && <Badge tone="accent">Intent: {label(intent.primary_intent)}</Badge>}
      {Array.isArray(c.buying_signals) && c.buying_signals.length > 0 && <Badge tone="warn">{c.buying_signals.length} buying signal{c.buying_signals.length === 1 ? '' : 's'}</Badge>}
    </>
  );
}

/** A synced e-mail's place in its thread and its attachments, by name and size (their content is never stored). */
function MailMeta({ data }: { data: Record<string, unknown> }) {
  const attachments = Array.isArray(data.attachments) ? (data.attachments as { name?: unknown; size?: unknown }[]) : [];
  const inThread = typeof data.thread_id === 'string' && data.thread_id !== data.external_id;
  if (!inThread && attachments.length === 0 && data.source !== 'imap') return null;
  const size = (n: unknown) => (typeof n === 'number' ? (n < 1024 ? `${n} B` : n < 1_048_576 ? `${Math.round(n / 1024)} KB` : `${(n / 1_048_576).toFixed(1)} MB`) : '');
  return (
    <div className="row timeline-mail">
      {data.source === 'imap' && <Badge>Synced e-mail</Badge>}
      {inThread && <Badge tone="info">Reply in thread</Badge>}
      {attachments.map((a, i) => (
        <span key={i} className="muted">Attachment: {String(a.name ?? 'unnamed')}{a.size !== undefined ? ` (${size(a.size)})` : ''}</span>
      ))}
    </div>
  );
}

function Excerpt({ text, from }: { text: unknown; from: Record<string, unknown> }) {
  if (typeof text !== 'string' || !text) return null;
  return (
    <p className="timeline__excerpt">
      <Highlighted text={text} spans={spansOf(from)} />
    </p>
  );
}

/** "Call", "Inbound email", "Email · outbound": what happened, in words. */
function titleOf(item: TimelineItem): string {
  const d = item.data;
  if (item.kind === 'score') return 'Score change';
  if (item.kind === 'assignment') return 'Assigned';
  if (item.kind === 'activity') {
    const c = asRecord(d.conversation);
    return c && typeof c.direction === 'string' ? `${label(item.title)} · ${c.direction}` : label(item.title);
  }
  return label(item.title);
}

function ScoreText({ item }: { item: TimelineItem }) {
  const { from, to } = scoreChange(item);
  if (from === null) return <span>First score: {to}</span>;
  const delta = to - from;
  return (
    <span>
      Score {from} → {to}{' '}
      <span className={`delta ${delta > 0 ? 'delta--up' : delta < 0 ? 'delta--down' : ''}`}>({delta > 0 ? `+${delta}` : delta})</span>
    </span>
  );
}

function Item({ item }: { item: TimelineItem }) {
  const d = item.data;
  let badges: ReactNode = null;
  let body: ReactNode = item.summary;
  if (item.kind === 'conversation') {
    badges = conversationBadges(d);
    // A synced e-mail: the author's own words (the quoted history of the thread is shown by its own items).
    const excerpt = typeof d.reply_end === 'number' && typeof d.excerpt === 'string' ? d.excerpt.slice(0, d.reply_end).trimEnd() : d.excerpt;
    body = (
      <>
        {item.summary && <strong>{item.summary}</strong>}
        <Excerpt text={excerpt} from={d} />
        <MailMeta data={d} />
      </>
    );
  } else if (item.kind === 'activity') {
    // A call or e-mail with its conversation (linked on the server): one item, the
    // conversation's text and analysis under the activity's own.
    const c = asRecord(d.conversation);
    badges = (
      <>
        {sentimentBadge(undefined, d.sentiment_score)}
        {typeof d.intent === 'string' && <Badge tone="accent">Intent: {label(d.intent)}</Badge>}
        {typeof d.outcome === 'string' && d.outcome && <Badge>{label(d.outcome)}</Badge>}
        {c && conversationBadges(c)}
      </>
    );
    // The activity's notes are often a part of the conversation's text (the demo's e-mails, a
    // call's notes): then the conversation's text alone, not the same words twice.
    const sameText = c && typeof c.excerpt === 'string' && typeof d.description === 'string' && c.excerpt.includes(d.description.slice(0, 120));
    body = (
      <>
        {item.summary && <strong>{item.summary}</strong>}
        {!sameText && <Excerpt text={d.description} from={d} />}
        {c && <Excerpt text={c.excerpt} from={c} />}
      </>
    );
  } else if (item.kind === 'journey_event' && item.title === 'status_change' && typeof d.to === 'string') {
    body = <span>{typeof d.from === 'string' ? `${label(d.from)} → ${label(d.to)}` : `Set to ${label(d.to)}`}</span>;
  } else if (item.kind === 'score') {
    body = <ScoreText item={item} />;
  } else if (item.kind === 'assignment') {
    // Given by an assignment rule (or the fallback owner): which one.
    const who = typeof d.assigned_to_name === 'string' ? d.assigned_to_name : 'a removed user';
    body = <span>To {who} {d.fallback === true ? 'as the fallback owner' : <>by the rule “{String(d.rule_name)}”</>}{d.via === 'score' ? ', once its first score was in' : ''}</span>;
  } else if (item.kind === 'insight') {
    badges = typeof d.priority === 'string' ? <Badge tone="warn">{label(d.priority)}</Badge> : null;
    body = typeof d.description === 'string' ? d.description : item.summary;
  }
  return (
    <li className="timeline__item" data-kind={item.kind}>
      <Dot item={item} />
      <div className="timeline__body">
        <div className="timeline__head">
          <span>
            <span className="visually-hidden">{KIND_LABEL[item.kind]}: </span>
            <strong>{titleOf(item)}</strong>
          </span>
          <time className="muted timeline__time" dateTime={item.at}>
            {formatDateTime(item.at)}
          </time>
        </div>
        {badges && <div className="row">{badges}</div>}
        {body && <div>{body}</div>}
      </div>
    </li>
  );
}

function Dot({ item }: { item: TimelineItem }) {
  return (
    <span className={`timeline__dot timeline__dot--${item.kind}`} aria-hidden="true">
      <Icon name={iconOf(item)} size={16} />
    </span>
  );
}

/** Several score changes in a row: one line (first → last), the single changes on request. */
function ScoreBurst({ items }: { items: TimelineItem[] }) {
  const [open, setOpen] = useState(false);
  const newest = items[0]!;
  const oldest = items.at(-1)!;
  const to = scoreChange(newest).to;
  const start = scoreChange(oldest);
  const from = start.from ?? start.to;
  const delta = to - from;
  return (
    <li className="timeline__item" data-kind="score-burst">
      <span className="timeline__dot timeline__dot--score" aria-hidden="true">
        <Icon name={delta < 0 ? 'trendingDown' : 'trendingUp'} size={16} />
      </span>
      <div className="timeline__body">
        <div className="timeline__head">
          <span>
            <span className="visually-hidden">Score changes: </span>
            <strong>{items.length} score changes</strong>
          </span>
          <time className="muted timeline__time" dateTime={newest.at}>
            {formatDateTime(newest.at)}
          </time>
        </div>
        <div>
          Score {from} → {to}{' '}
          <span className={`delta ${delta > 0 ? 'delta--up' : delta < 0 ? 'delta--down' : ''}`}>({delta > 0 ? `+${delta}` : delta})</span>
          <span className="muted"> since {formatDateTime(oldest.at)}</span>
        </div>
        <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide the changes' : `Show the ${items.length} changes`}
        </button>
        {open && (
          <ol className="timeline__burst">
            {items.map((item) => (
              <li key={item.id}>
                <ScoreText item={item} /> <time className="muted" dateTime={item.at}>{formatDateTime(item.at)}</time>
              </li>
            ))}
          </ol>
        )}
      </div>
    </li>
  );
}

function Entry({ entry }: { entry: TimelineEntry }) {
  return entry.kind === 'score-burst' ? <ScoreBurst items={entry.items} /> : <Item item={entry.item} />;
}

/** The kind filter: one pressed button, read as a group. */
export function TimelineFilter({ value, onChange }: { value: TimelineKind | undefined; onChange: (kind: TimelineKind | undefined) => void }) {
  return (
    <div className="timeline-filter" role="group" aria-label="Show in the timeline">
      {TIMELINE_FILTERS.map((f) => (
        <button key={f.label} type="button" className="chip" aria-pressed={f.value === value} onClick={() => onChange(f.value)}>
          {f.label}
        </button>
      ))}
    </div>
  );
}

export function Timeline({ pages, loading, error, hasMore, loadMore, loadingMore, filtered }: { pages: TimelineItem[] | undefined; loading: boolean; error: unknown; hasMore: boolean; loadMore: () => void; loadingMore: boolean; filtered?: boolean }) {
  if (loading) return <SkeletonBlock lines={6} label="Loading the timeline" />;
  if (error) return <ErrorMessage error={error} title="Could not load the timeline" />;
  if (!pages || pages.length === 0) {
    return filtered ? (
      <EmptyState title="Nothing of this kind yet">Choose “All” to see the whole history.</EmptyState>
    ) : (
      <EmptyState title="Nothing has happened yet">Log a call, an email, a meeting or a note: it shows here, and the score takes it into account.</EmptyState>
    );
  }
  return (
    <>
      <ol className="timeline" aria-label="Timeline" data-testid="timeline">
        {groupTimeline(pages).map((entry) => (
          <Entry key={entry.kind === 'item' ? `${entry.item.kind}-${entry.item.id}` : `burst-${entry.items[0]!.id}`} entry={entry} />
        ))}
      </ol>
      {hasMore && (
        <Button onClick={loadMore} busy={loadingMore} style={{ marginTop: 12 }}>
          Show older
        </Button>
      )}
    </>
  );
}
