import { EmptyState } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';

export function LeadsPage() {
  return (
    <>
      <PageHeader title="Leads" />
      <Card>
        <EmptyState title="Leads are on their way" />
      </Card>
    </>
  );
}
