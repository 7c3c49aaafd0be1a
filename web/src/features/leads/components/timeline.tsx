import type { ReactNode } from 'react';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Button } from '../../../components/button';
import { formatDateTime, humanize } from '../../../lib/format';
import type { TimelineItem } from '../api/leads-api';

const DOT: Record<TimelineItem['kind'], string> = { activity: 'A', conversation: 'C', journey_event: 'W', score: 'S', insight: 'I' };
const KIND_LABEL: Record<TimelineItem['kind'], string> = { activity: 'Activity', conversation: 'Conversation', journey_event: 'Web visit', score: 'Score change', insight: 'Insight' };

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
    if (r && typeof r.evidence === 'string' && r.evidence) spans.push({ text: r.evidence, kind: 'signal', label: `Buying signal: ${humanize(String(r.signal ?? ''))}` });
  }
  for (const e of Array.isArray(data.entities) ? data.entities : []) {
    const r = asRecord(e);
    if (r && typeof r.text === 'string' && r.text.length > 1) spans.push({ text: r.text, kind: 'entity', label: humanize(String(r.type ?? 'entity')) });
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

function sentimentBadge(label: unknown, score: unknown) {
  const value = typeof score === 'number' ? score : undefined;
  const name = typeof label === 'string' ? label : value === undefined ? undefined : value > 0.15 ? 'positive' : value < -0.15 ? 'negative' : 'neutral';
  if (!name) return null;
  const tone = name === 'positive' ? 'good' : name === 'negative' ? 'bad' : 'neutral';
  return <Badge tone={tone}>Sentiment: {name}{value !== undefined ? ` (${value.toFixed(2)})` : ''}</Badge>;
}

function Item({ item }: { item: TimelineItem }) {
  const d = item.data;
  let badges: ReactNode = null;
  let body: ReactNode = item.summary;
  if (item.kind === 'conversation') {
    const sentiment = asRecord(d.sentiment);
    const intent = asRecord(d.intent);
    badges = (
      <>
        {sentiment && sentimentBadge(sentiment.label, sentiment.overall ?? sentiment.score)}
        {intent && typeof intent.primary_intent === 'string' && <Badge tone="accent">Intent: {humanize(intent.primary_intent)}</Badge>}
        {Array.isArray(d.buying_signals) && d.buying_signals.length > 0 && <Badge tone="warn">{d.buying_signals.length} buying signal{d.buying_signals.length === 1 ? '' : 's'}</Badge>}
      </>
    );
    body = (
      <>
        {item.summary && <strong>{item.summary}</strong>}
        {typeof d.excerpt === 'string' && (
          <p className="timeline__excerpt">
            <Highlighted text={d.excerpt} spans={spansOf(d)} />
          </p>
        )}
      </>
    );
  } else if (item.kind === 'activity') {
    badges = (
      <>
        {sentimentBadge(undefined, d.sentiment_score)}
        {typeof d.intent === 'string' && <Badge tone="accent">Intent: {humanize(d.intent)}</Badge>}
        {typeof d.outcome === 'string' && d.outcome && <Badge>{d.outcome}</Badge>}
      </>
    );
    body = (
      <>
        {item.summary && <strong>{item.summary}</strong>}
        {typeof d.description === 'string' && d.description && (
          <p className="timeline__excerpt">
            <Highlighted text={d.description} spans={spansOf(d)} />
          </p>
        )}
      </>
    );
  } else if (item.kind === 'score') {
    body = <span>Score became {String(d.score)}</span>;
  } else if (item.kind === 'insight') {
    badges = typeof d.priority === 'string' ? <Badge tone="warn">{d.priority}</Badge> : null;
    body = typeof d.description === 'string' ? d.description : item.summary;
  }
  return (
    <li className="timeline__item">
      <span className={`timeline__dot timeline__dot--${item.kind}`} aria-hidden="true">
        {DOT[item.kind]}
      </span>
      <div className="stack stack--sm" style={{ gap: 4 }}>
        <div className="row row--between">
          <span>
            <span className="visually-hidden">{KIND_LABEL[item.kind]}: </span>
            <strong>{item.kind === 'score' ? 'Score change' : humanize(item.title)}</strong>
          </span>
          <time className="muted nowrap" dateTime={item.at}>
            {formatDateTime(item.at)}
          </time>
        </div>
        {badges && <div className="row">{badges}</div>}
        {body && <div>{body}</div>}
      </div>
    </li>
  );
}

export function Timeline({ pages, loading, error, hasMore, loadMore, loadingMore }: { pages: TimelineItem[] | undefined; loading: boolean; error: unknown; hasMore: boolean; loadMore: () => void; loadingMore: boolean }) {
  if (loading) return <SkeletonBlock lines={6} label="Loading the timeline" />;
  if (error) return <ErrorMessage error={error} title="Could not load the timeline" />;
  if (!pages || pages.length === 0) return <EmptyState title="Nothing has happened yet">Log a call, an email, a meeting or a note: it shows here, and the score takes it into account.</EmptyState>;
  return (
    <>
      <ol className="timeline" aria-label="Timeline" data-testid="timeline">
        {pages.map((item) => (
          <Item key={`${item.kind}-${item.id}`} item={item} />
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
