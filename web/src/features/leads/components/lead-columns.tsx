import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Lead } from '../../../api/types';
import { Badge } from '../../../components/feedback';
import { formatDate, formatMoney, formatRelative, humanize } from '../../../lib/format';
import { leadDisplayName } from '../../../lib/lead-name';

export interface Column {
  id: string;
  label: string;
  width: string;
  /** The API's sort key, when the column is sortable. */
  sort?: 'score' | 'updated_at' | 'created_at' | 'next_follow_up_at' | 'name';
  render: (lead: Lead, ctx: { userName: (id: string | null) => string }) => ReactNode;
}

export const STATUS_TONE: Record<Lead['status'], 'neutral' | 'good' | 'bad' | 'warn' | 'info' | 'accent'> = {
  new: 'info',
  contacted: 'neutral',
  qualified: 'accent',
  proposal: 'warn',
  negotiation: 'warn',
  closed_won: 'good',
  closed_lost: 'bad',
  nurturing: 'info',
  unqualified: 'neutral',
};

/** Every status, in the server's order (the Record above must name each one). */
export const STATUSES = Object.keys(STATUS_TONE) as Lead['status'][];

/** A decided lead's outcome, in the words a rep uses. */
const OUTCOME: Partial<Record<Lead['status'], { label: string; tone: 'good' | 'bad' | 'neutral' }>> = {
  closed_won: { label: 'Won', tone: 'good' },
  closed_lost: { label: 'Lost', tone: 'bad' },
  unqualified: { label: 'Unqualified', tone: 'neutral' },
};

/**
 * The score of an open lead; a decided one shows how it ended instead. Its score is a
 * conversion probability, which for a won deal reads like a hot open lead.
 */
export function ScoreOrOutcome({ lead }: { lead: Lead }) {
  const outcome = OUTCOME[lead.status];
  if (outcome) return <Badge tone={outcome.tone}>{outcome.label}</Badge>;
  return <ScorePill score={lead.current_score} />;
}

/** The lead's own deal value, else the predicted one, marked as predicted. */
function DealValue({ lead }: { lead: Lead }) {
  if (lead.deal_value !== null) return <CellText value={formatMoney(lead.deal_value)} />;
  if (lead.predicted_value === null) return <CellText value={null} />;
  const text = formatMoney(lead.predicted_value);
  return (
    <span className="cell-text" title={`${text}, predicted: no deal value entered yet`}>
      {text} <span className="muted">predicted</span>
    </span>
  );
}

export function ScorePill({ score }: { score: number }) {
  const tone = score >= 70 ? 'hot' : score >= 40 ? 'warm' : 'cold';
  return (
    <span className={`score-pill score-pill--${tone}`} title={`Score ${score} of 100`}>
      {score}
    </span>
  );
}

/**
 * A cell's text as its own flex item, so a long value ends in an ellipsis (text straight in
 * the flex cell cannot) with the whole value on hover, instead of running under the next column.
 */
function CellText({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  return (
    <span className="cell-text" title={value}>
      {value}
    </span>
  );
}

// Flexible columns keep small minimums: the default columns plus a couple more fit at 1280 px.
export const BASE_COLUMNS: Column[] = [
  {
    id: 'name',
    label: 'Name',
    width: 'minmax(150px, 1.4fr)',
    sort: 'name',
    render: (l) => (
      <Link to={`/leads/${l.id}`} className="lead-link" title={leadDisplayName(l)}>
        {leadDisplayName(l)}
      </Link>
    ),
  },
  // The score (or outcome) beside the name: on a phone both fit before the table scrolls sideways.
  { id: 'score', label: 'Score', width: '108px', sort: 'score', render: (l) => <ScoreOrOutcome lead={l} /> },
  { id: 'company', label: 'Company', width: 'minmax(120px, 1.2fr)', render: (l) => <CellText value={l.company} /> },
  { id: 'status', label: 'Status', width: '128px', render: (l) => <Badge tone={STATUS_TONE[l.status]}>{humanize(l.status)}</Badge> },
  { id: 'email', label: 'Email', width: 'minmax(150px, 1.2fr)', render: (l) => <CellText value={l.email} /> },
  { id: 'engagement', label: 'Engagement', width: '110px', render: (l) => <CellText value={humanize(l.engagement_level)} /> },
  { id: 'owner', label: 'Owner', width: '140px', render: (l, ctx) => <CellText value={ctx.userName(l.assigned_to)} /> },
  // Stored as codes ("organic_search"), shown as words; wide enough for the common ones whole.
  { id: 'source', label: 'Source', width: '140px', render: (l) => <CellText value={l.source && humanize(l.source)} /> },
  { id: 'stage', label: 'Stage', width: '170px', render: (l) => <CellText value={l.stage && humanize(l.stage)} /> },
  { id: 'deal_value', label: 'Deal value', width: '170px', render: (l) => <DealValue lead={l} /> },
  { id: 'city', label: 'City', width: '130px', render: (l) => <CellText value={l.address?.city} /> },
  { id: 'country', label: 'Country', width: '130px', render: (l) => <CellText value={l.address?.country ?? l.address?.country_code} /> },
  { id: 'job_title', label: 'Job title', width: 'minmax(140px, 1fr)', render: (l) => <CellText value={l.job_title} /> },
  { id: 'tags', label: 'Tags', width: 'minmax(100px, 1fr)', render: (l) => <CellText value={l.tags.join(', ')} /> },
  { id: 'follow_up', label: 'Follow-up', width: '120px', sort: 'next_follow_up_at', render: (l) => <CellText value={l.next_follow_up_at && formatDate(l.next_follow_up_at)} /> },
  { id: 'updated', label: 'Updated', width: '132px', sort: 'updated_at', render: (l) => <CellText value={formatRelative(l.updated_at)} /> },
  { id: 'created', label: 'Created', width: '120px', sort: 'created_at', render: (l) => <CellText value={formatDate(l.created_at)} /> },
];

export const DEFAULT_COLUMNS = ['name', 'score', 'company', 'status', 'owner', 'source', 'updated'];

export function customFieldColumn(key: string, label: string): Column {
  return {
    id: `cf.${key}`,
    label,
    width: 'minmax(110px, 1fr)',
    render: (l) => {
      const v = l.custom_fields[key];
      return <CellText value={v === undefined || v === null ? null : String(v)} />;
    },
  };
}
