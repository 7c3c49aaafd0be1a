import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';
import { ApiError } from '../../../lib/api-client';
import { label } from '../../../lib/labels';
import { useStreamStatus } from '../../../lib/realtime/use-live-updates';
import { useCan } from '../../../lib/session';
import { useLead, useLeadInsights, useScore, useScoreHistory, useTeams, useTimeline, type TimelineKind } from '../api/leads-api';
import { ScorePill, STATUS_TONE } from './lead-columns';
import { LeadInsights } from './lead-insights';
import { LeadProfile } from './lead-profile';
import { LeadConsent } from './lead-consent';
import { LogActivityForm } from './log-activity';
import { MergeDialog } from './merge-dialog';
import { ScheduleFollowUp } from './schedule-follow-up';
import { ScorePanel } from './score-panel';
import { Timeline, TimelineFilter } from './timeline';
import { leadDisplayName } from '../../../lib/lead-name';
import { LeadPrivacyActions } from '../../privacy/components/lead-privacy-actions';
import { LeadEmails, SendEmailAction } from '../../email/components/send-email';

/** After a change the lead is analysed and rescored in the background: watch for ~30 s. */
function useWatchWindow() {
  const [until, setUntil] = useState(0);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!until) return;
    const t = setTimeout(() => (setUntil(0), tick((n) => n + 1)), Math.max(0, until - Date.now()));
    return () => clearTimeout(t);
  }, [until]);
  return { watching: until > 0, watch: () => setUntil(Date.now() + 30_000) };
}

export function LeadDetailPage() {
  const { id = '' } = useParams();
  const lead = useLead(id);
  const { watching, watch } = useWatchWindow();
  // The stream refetches the lead's score, timeline and insights as they change; polling only
  // stands in while it is down.
  const live = useStreamStatus() === 'live';
  const interval = watching && !live ? 1500 : false;
  const score = useScore(id, { refetchInterval: interval });
  const history = useScoreHistory(id, { refetchInterval: interval });
  const [kind, setKind] = useState<TimelineKind | undefined>(undefined);
  const timeline = useTimeline(id, { refetchInterval: interval, kind });
  // Insights are re-evaluated right after the rescoring: the insights card follows them too.
  useLeadInsights(id, { refetchInterval: interval });
  // The role may change leads, yet not necessarily this one (a manager reads every team's): the lead's own permissions decide.
  const roleCanEdit = useCan('leads:write');
  const teams = useTeams();
  const [merging, setMerging] = useState(false);

  if (lead.isPending) return <SkeletonBlock lines={10} label="Loading the lead" />;
  if (lead.error || !lead.data) {
    const notFound = lead.error instanceof ApiError && lead.error.status === 404;
    return (
      <EmptyState title={notFound ? 'This lead does not exist, or is not visible to you' : 'Could not load this lead'} action={<Link to="/leads">Back to leads</Link>}>
        <ErrorMessage error={lead.error} />
      </EmptyState>
    );
  }
  const l = lead.data;
  const { edit: canEdit, log_activity: canLog, merge: canMerge, assign: canAssign } = l.permissions;
  const name = leadDisplayName(l);
  const teamName = teams.data?.data.find((t) => t.id === l.team_id)?.name;
  const readOnlyNote = roleCanEdit && !canEdit
    ? `Read-only: this lead belongs to ${teamName ? `team ${teamName}` : l.team_id ? 'another team' : 'no team'}; you can change only your own team's leads.`
    : null;
  const items = timeline.data?.pages.flatMap((p) => p.data);

  return (
    <>
      <PageHeader
        title={
          <span className="row">
            {name} <ScorePill score={score.data?.score ?? l.current_score} /> <Badge tone={STATUS_TONE[l.status]}>{label(l.status)}</Badge>
          </span>
        }
        documentTitle={name}
        description={[l.job_title, l.company].filter(Boolean).join(' at ') || undefined}
        actions={
          <>
            <Link className="btn btn--ghost" to="/leads">
              All leads
            </Link>
            <SendEmailAction leadId={id} leadName={name} canWrite={canEdit} />
            {canMerge && <Button onClick={() => setMerging(true)}>Merge duplicate…</Button>}
            <LeadPrivacyActions leadId={id} leadName={name} />
          </>
        }
      />
      <div className="stack">
        {readOnlyNote && (
          <p className="alert alert--info" role="note">
            {readOnlyNote}
          </p>
        )}
        <div className="detail-grid">
          <div className="stack">
            <ScorePanel score={score.data} history={history.data?.data} loading={score.isPending} error={score.error} />
            <LeadInsights leadId={id} canAct={canEdit} />
            <LeadProfile lead={l} canEdit={canEdit} canAssign={canAssign} />
            <LeadConsent lead={l} canEdit={canEdit} />
          </div>
          <div className="stack">
            {canLog && (
              <Card title="Log an activity">
                <LogActivityForm leadId={id} onLogged={watch} />
              </Card>
            )}
            {canEdit && (
              <Card title="Schedule a follow-up">
                <ScheduleFollowUp lead={l} />
              </Card>
            )}
            <LeadEmails leadId={id} />
            <Card title="Timeline" actions={watching ? <span className="muted" role="status">Updating…</span> : undefined}>
              <div className="stack stack--sm">
                <TimelineFilter value={kind} onChange={setKind} />
                <Timeline pages={items} filtered={kind !== undefined} loading={timeline.isPending} error={timeline.error} hasMore={!!timeline.hasNextPage} loadMore={() => void timeline.fetchNextPage()} loadingMore={timeline.isFetchingNextPage} />
              </div>
            </Card>
          </div>
        </div>
      </div>
      {canMerge && <MergeDialog leadId={id} leadName={name} open={merging} onClose={() => setMerging(false)} />}
    </>
  );
}
