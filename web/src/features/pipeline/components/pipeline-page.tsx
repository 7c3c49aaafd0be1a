import { EmptyState } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';

/** Placeholder: the Pipeline screen is built in web/src/features/pipeline. */
export function PipelinePage() {
  return (
    <>
      <PageHeader title="Pipeline" description="Leads by status: drag a card, or use the keyboard, to move it." />
      <Card>
        <EmptyState title="Pipeline is on its way">This screen is being built.</EmptyState>
      </Card>
    </>
  );
}
