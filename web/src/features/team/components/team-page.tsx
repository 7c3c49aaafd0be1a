import { useState } from 'react';
import { Button } from '../../../components/button';
import { EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Icon } from '../../../components/icons';
import { Card, PageHeader } from '../../../components/page';
import { formatDate, formatDateTime, formatPercent } from '../../../lib/format';
import { useCurrency } from '../../../lib/organization';
import { useCan, useCurrentUser } from '../../../lib/session';
import '../../../styles/workspace.css';
import '../../../styles/team.css';
import { PERIODS, useLeaderboard, useRefreshMetrics, useTeamMetrics, type MetricName, type Period, type Subject } from '../api/team-api';
import { change, columnOf, compareBy, METRIC_COLUMNS } from './metric-columns';
import { Sparkline } from './sparkline';

/**
 * The Team screen: per team and per person, the chosen period's figures with the change
 * against the period before, a trend over the last periods and the team average, sortable by
 * any figure; and the leaderboard. Only what the signed-in person may see comes from the
 * server (a sales rep: their own figures and their team's).
 */
export function TeamPage() {
  const [period, setPeriod] = useState<Period>('month');
  const [sort, setSort] = useState<MetricName>('revenue_generated');
  const [boardMetric, setBoardMetric] = useState<MetricName>('revenue_generated');
  const metrics = useTeamMetrics(period);
  const currency = useCurrency();
  const canRefresh = useCan('metrics:refresh');
  // Viewer and marketing see the organization's and the teams' totals, nobody one by one (the server's rule).
  const role = useCurrentUser()?.role;
  const seesPeople = role === 'admin' || role === 'manager' || role === 'sales_rep';
  const refresh = useRefreshMetrics();
  const data = metrics.data;
  const current = data?.data[0]?.periods.at(-1);
  const groups = data?.data.filter((s) => s.kind !== 'user') ?? [];
  const people = data?.data.filter((s) => s.kind === 'user') ?? [];

  return (
    <>
      <PageHeader
        title="Team"
        description={current ? `${periodName(period)} of ${formatDate(current.period_start)}, compared with the ${period} before.` : 'How each person and team is doing, period by period.'}
        actions={
          <>
            <div className="segmented" role="group" aria-label="Period">
              {PERIODS.map((p) => (
                <button key={p.value} type="button" className="segmented__option" aria-pressed={p.value === period} onClick={() => setPeriod(p.value)}>
                  {p.label}
                </button>
              ))}
            </div>
            {canRefresh && (
              <Button variant="secondary" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
                {refresh.isPending ? 'Computing…' : 'Recompute'}
              </Button>
            )}
          </>
        }
      />
      <ErrorMessage error={metrics.error ?? refresh.error} title="The team figures could not be loaded" />
      {!data ? (
        <Card>
          <SkeletonBlock lines={6} label="Loading team figures" />
        </Card>
      ) : data.computed_at === null ? (
        <Card>
          <EmptyState
            title="No team figures yet"
            action={canRefresh ? <Button onClick={() => refresh.mutate()} disabled={refresh.isPending}>{refresh.isPending ? 'Computing…' : 'Compute them now'}</Button> : undefined}
          >
            Figures are computed about a minute after leads and activities change.{' '}
            {canRefresh ? 'Compute them now to see the history.' : 'Ask an admin or a manager to compute them now.'}
          </EmptyState>
        </Card>
      ) : (
        <div className="team" aria-busy={metrics.isFetching || undefined}>
          <p className="muted small">
            Periods in {data.time_zone}. Last computed {formatDateTime(data.computed_at)}.
          </p>
          {groups.length > 0 && (
            <Card title={groups.some((g) => g.kind === 'organization') ? 'Organization and teams' : 'Your team'}>
              <MetricsTable subjects={groups} sort={sort} onSort={setSort} currency={currency} caption="Figures of the organization and its teams" />
            </Card>
          )}
          {groups.length === 0 && role === 'sales_rep' && (
            // The server's rule (metrics.service.ts visibility): a team of two's total, less your own, is your teammate's.
            <p className="muted small">Team totals appear once your team has at least three people: with fewer, they would give a teammate's figures away.</p>
          )}
          {seesPeople ? (
            <>
              <Card title="People">
                {people.length === 0 ? (
                  <EmptyState title="No one to show">Invite your team in Settings → Users, and assign them leads: their figures appear here.</EmptyState>
                ) : (
                  <MetricsTable subjects={people} sort={sort} onSort={setSort} currency={currency} caption="Figures per person" showAverage />
                )}
              </Card>
              <LeaderboardCard period={period} metric={boardMetric} onMetric={setBoardMetric} currency={currency} />
            </>
          ) : (
            <p className="muted small">Your role sees the organization's and the teams' totals; each person's figures stay with them, their managers and admins.</p>
          )}
        </div>
      )}
    </>
  );
}

const periodName = (p: Period) => (p === 'week' ? 'The week' : p === 'month' ? 'The month' : 'The quarter');

function MetricsTable({ subjects, sort, onSort, currency, caption, showAverage = false }: { subjects: Subject[]; sort: MetricName; onSort: (m: MetricName) => void; currency: string; caption: string; showAverage?: boolean }) {
  const sorted = [...subjects].sort((a, b) => {
    // The organization stays on top; the rest by the chosen figure, then by name.
    if (a.kind === 'organization' || b.kind === 'organization') return a.kind === 'organization' ? -1 : 1;
    return compareBy(sort, a.periods.at(-1)!.figures, b.periods.at(-1)!.figures) || a.name.localeCompare(b.name);
  });
  const sorting = columnOf(sort);
  return (
    <div className="table-wrap">
      <table className="table table--compact team-table">
        <caption className="visually-hidden">{caption}, sorted by {sorting.label}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {METRIC_COLUMNS.map((c) => (
              <th key={c.key} scope="col" className="num" aria-sort={c.key === sort ? 'descending' : undefined} title={c.counts}>
                <button type="button" className="sort-button" onClick={() => onSort(c.key)}>
                  {c.label}
                </button>
              </th>
            ))}
            <th scope="col">Trend ({sorting.label})</th>
            {showAverage && <th scope="col" className="num" title={`${sorting.label}: the average per member of the person's team`}>Team avg</th>}
          </tr>
        </thead>
        <tbody>
          {sorted.map((s) => {
            const row = s.periods.at(-1)!;
            return (
              <tr key={`${s.kind}:${s.id ?? ''}`} data-subject={s.kind}>
                <th scope="row" className="team-table__name">
                  {s.kind === 'organization' ? 'Whole organization' : s.name}
                  {s.kind === 'team' && <span className="muted small"> (team)</span>}
                </th>
                {METRIC_COLUMNS.map((c) => (
                  <td key={c.key} className="num" title={c.exact?.(row.figures[c.key], currency)}>
                    <span className="team-table__value">{c.format(row.figures[c.key], currency)}</span>
                    <Change current={row.figures[c.key]} previous={row.previous[c.key]} previousText={c.format(row.previous[c.key], currency)} />
                  </td>
                ))}
                <td>
                  <Sparkline values={s.periods.map((p) => p.figures[sort])} label={`${sorting.label} of ${s.name}, ${s.periods.length} periods: ${s.periods.map((p) => sorting.format(p.figures[sort], currency)).join(', ')}`} />
                </td>
                {showAverage && <td className="num">{row.team_average ? sorting.format(row.team_average[sort], currency) : '—'}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Change({ current, previous, previousText }: { current: number | null; previous: number | null; previousText: string }) {
  const c = change(current, previous);
  const direction = c === null ? 'flat' : c > 0.0005 ? 'up' : c < -0.0005 ? 'down' : 'flat';
  return (
    <span className={`team-change team-change--${direction}`} title={`Period before: ${previousText}`}>
      {direction !== 'flat' && <Icon name={direction === 'up' ? 'arrowUp' : 'arrowDown'} size={12} />}
      <span aria-hidden="true">{c === null ? `vs ${previousText}` : `${c > 0 ? '+' : ''}${formatPercent(c)}`}</span>
      <span className="visually-hidden">{c === null ? `, period before ${previousText}` : `, ${direction === 'up' ? 'up' : direction === 'down' ? 'down' : 'unchanged'} ${formatPercent(Math.abs(c))} on the period before`}</span>
    </span>
  );
}

const BOARD_COLUMNS: MetricName[] = ['revenue_generated', 'leads_converted', 'conversion_rate', 'activities_completed', 'sales_velocity'];

function LeaderboardCard({ period, metric, onMetric, currency }: { period: Period; metric: MetricName; onMetric: (m: MetricName) => void; currency: string }) {
  const board = useLeaderboard(period, metric);
  const data = board.data;
  const nobody = data ? data.entries.every((e) => !e.value) : false;
  // A sales rep ranked alone (no team of three): a "1" would claim a ranking that did not happen.
  const alone = useCurrentUser()?.role === 'sales_rep' && data?.ranked === 1;
  return (
    <Card title="Leaderboard">
      <ErrorMessage error={board.error} title="The leaderboard could not be loaded" />
      {!data ? (
        <SkeletonBlock lines={4} label="Loading leaderboard" />
      ) : (
        <>
          {data.entries.length < data.ranked && (
            <p className="muted small">You are ranked among the {data.ranked} people of your team; their names and figures stay with them.</p>
          )}
          {alone && <p className="muted small">Ranks appear once your team has at least three people: with fewer, your rank would tell how a teammate did. Your own figures are below.</p>}
          {nobody && <p className="muted small">Nobody has any {columnOf(data.metric).label.toLowerCase()} this {period} yet: won deals and completed activities put people on the board.</p>}
          <div className="table-wrap">
            <table className="table table--compact leaderboard">
              {/* What is shown (the previous ranking stays on screen until the new one arrives). */}
              <caption className="visually-hidden">Leaderboard, ranked by {columnOf(data.metric).label}</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">Rank</th>
                  <th scope="col">Name</th>
                  {BOARD_COLUMNS.map((key) => (
                    <th key={key} scope="col" className="num" aria-sort={key === data.metric ? 'descending' : undefined} title={columnOf(key).counts}>
                      <button type="button" className="sort-button" onClick={() => onMetric(key)}>
                        {columnOf(key).label}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.entries.map((e) => (
                  <tr key={e.user_id}>
                    <td className="num">{alone ? '—' : e.rank}</td>
                    <th scope="row">{e.name}</th>
                    {BOARD_COLUMNS.map((key) => (
                      <td key={key} className="num" title={columnOf(key).exact?.(e.figures[key], currency)}>
                        {columnOf(key).format(e.figures[key], currency)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Card>
  );
}
