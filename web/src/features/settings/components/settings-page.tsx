import { EmptyState } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';

/** Placeholder: the Settings screen is built in web/src/features/settings. */
export function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" description="Organization, users, teams, API keys, tracking, scoring model, competitors and products." />
      <Card>
        <EmptyState title="Settings is on its way">This screen is being built.</EmptyState>
      </Card>
    </>
  );
}
