import { EmptyState } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';

/** Placeholder: the Dashboard screen is built in web/src/features/dashboard. */
export function DashboardPage() {
  return (
    <>
      <PageHeader title="Dashboard" description="Your pipeline, KPIs, hot leads, insights and follow-ups at a glance." />
      <Card>
        <EmptyState title="Dashboard is on its way">This screen is being built.</EmptyState>
      </Card>
    </>
  );
}
