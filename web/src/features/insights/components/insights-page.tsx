import { EmptyState } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';

/** Placeholder: the Insights screen is built in web/src/features/insights. */
export function InsightsPage() {
  return (
    <>
      <PageHeader title="Insights" description="The priority inbox: what the AI noticed about your leads." />
      <Card>
        <EmptyState title="Insights is on its way">This screen is being built.</EmptyState>
      </Card>
    </>
  );
}
