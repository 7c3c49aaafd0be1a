import { useState } from 'react';
import { ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';
import { useCurrency } from '../../../lib/organization';
import '../../../styles/workspace.css';
import { PERIODS, useDashboard, type Period } from '../api/dashboard-api';
import { FollowUps } from './follow-ups';
import { ForecastCard } from './forecast-card';
import { Funnel } from './funnel';
import { HotLeads } from './hot-leads';
import { InsightInbox } from './insight-inbox';
import { KpiCards } from './kpi-cards';

/** The first screen after sign-in: how the period went, what is hot, what is due, what the AI noticed. */
export function DashboardPage() {
  const [days, setDays] = useState<Period>(30);
  const dashboard = useDashboard(days);
  const currency = useCurrency();
  const data = dashboard.data;

  return (
    <>
      <PageHeader
        title="Dashboard"
        description={`The last ${days} days, compared with the ${days} days before.`}
        actions={
          <div className="segmented" role="group" aria-label="Period">
            {PERIODS.map((p) => (
              <button key={p} type="button" className="segmented__option" aria-pressed={p === days} onClick={() => setDays(p)}>
                {p} days
              </button>
            ))}
          </div>
        }
      />
      <ErrorMessage error={dashboard.error} title="The dashboard could not be loaded" />
      <div className="dash" aria-busy={dashboard.isFetching || undefined}>
        {data ? (
          <KpiCards kpis={data.kpis} days={days} currency={currency} />
        ) : (
          <div className="kpis">
            {['New leads', 'Qualified', 'Won', 'Revenue won'].map((label) => (
              <div key={label} className="card kpi">
                <SkeletonBlock lines={2} label={`Loading ${label}`} />
              </div>
            ))}
          </div>
        )}
        <div className="dash__grid">
          <div className="dash__col">
            <Card title="Pipeline funnel">
              {data ? <Funnel steps={data.funnel} lost={data.lost} days={days} /> : <SkeletonBlock lines={6} label="Loading funnel" />}
            </Card>
            <Card title="Hot leads">{data ? <HotLeads leads={data.hot_leads} /> : <SkeletonBlock lines={5} label="Loading hot leads" />}</Card>
          </div>
          <div className="dash__col">
            <ForecastCard currency={currency} />
            <Card title="Follow-ups">{data ? <FollowUps followUps={data.follow_ups} /> : <SkeletonBlock lines={5} label="Loading follow-ups" />}</Card>
            <InsightInbox />
          </div>
        </div>
      </div>
    </>
  );
}
