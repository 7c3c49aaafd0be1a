import { NavLink, Navigate, Route, Routes } from 'react-router';
import { PageHeader } from '../../../components/page';
import '../../../styles/workspace.css';
import { ApiKeysTab } from './api-keys-tab';
import { ModelTab } from './model-tab';
import { OrganizationTab } from './organization-tab';
import { TrackingTab } from './tracking-tab';
import { UsersTab } from './users-tab';

const SECTIONS = [
  { to: '', label: 'Organization', end: true },
  { to: 'users', label: 'Users & teams' },
  { to: 'api-keys', label: 'API keys' },
  { to: 'tracking', label: 'Tracking' },
  { to: 'model', label: 'Scoring model' },
] as const;

/** Settings in sections, each its own address (/settings/users, …) so it can be linked and reloaded. */
export function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" description="Your organization, people, integrations, website tracking and the scoring model." />
      <nav className="subnav" aria-label="Settings sections">
        {SECTIONS.map((s) => (
          <NavLink key={s.to} to={s.to ? `/settings/${s.to}` : '/settings'} end={'end' in s} className="subnav__link">
            {s.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<OrganizationTab />} />
        <Route path="users" element={<UsersTab />} />
        <Route path="api-keys" element={<ApiKeysTab />} />
        <Route path="tracking" element={<TrackingTab />} />
        <Route path="model" element={<ModelTab />} />
        <Route path="*" element={<Navigate to="/settings" replace />} />
      </Routes>
    </>
  );
}
