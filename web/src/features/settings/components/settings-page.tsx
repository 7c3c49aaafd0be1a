import { useEffect, useRef } from 'react';
import { NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { PageHeader } from '../../../components/page';
import { useMe } from '../../../lib/session';
import { AssignmentTab } from '../../assignment/components/assignment-tab';
import { AuditTab } from '../../privacy/components/audit-tab';
import { EmailTab } from '../../email/components/email-tab';
import { TemplatesTab } from '../../email/components/templates-tab';
import { PrivacyRequestsTab } from '../../privacy/components/privacy-requests-tab';
import { RetentionTab } from '../../privacy/components/retention-tab';
import { MailboxTab } from '../../mailboxes/components/mailbox-tab';
import '../../../styles/workspace.css';
import { ApiKeysTab } from './api-keys-tab';
import { ModelTab } from './model-tab';
import { OrganizationTab } from './organization-tab';
import { TrackingTab } from './tracking-tab';
import { UsersTab } from './users-tab';
import { WebhooksTab } from '../../webhooks/components/webhooks-tab';
import { WorkflowsTab } from '../../workflows/components/workflows-tab';

type Section = { to: string; label: string; end?: true; permission?: string };

/**
 * Fifteen sections read as one long row of tabs; grouped by what a person comes to do, they
 * are found at a glance. Groups whose sections a role may not use disappear with them.
 */
const GROUPS: { label: string; sections: Section[] }[] = [
  {
    label: 'Organization',
    sections: [
      { to: '', label: 'Organization', end: true },
      { to: 'users', label: 'Users & teams' },
      { to: 'api-keys', label: 'API keys' },
    ],
  },
  {
    label: 'E-mail',
    sections: [
      { to: 'mailbox', label: 'Mailbox', permission: 'mailboxes:own' },
      { to: 'email', label: 'E-mail', permission: 'email:send' },
      { to: 'templates', label: 'Templates', permission: 'email:send' },
    ],
  },
  {
    label: 'Automation',
    sections: [
      { to: 'assignment', label: 'Assignment', permission: 'automation:manage' },
      { to: 'workflows', label: 'Workflows', permission: 'automation:manage' },
      { to: 'webhooks', label: 'Webhooks', permission: 'webhooks:manage' },
    ],
  },
  {
    label: 'Data & AI',
    sections: [
      { to: 'tracking', label: 'Tracking' },
      { to: 'model', label: 'Scoring model' },
      { to: 'privacy', label: 'Privacy', permission: 'privacy:manage' },
      { to: 'retention', label: 'Retention', permission: 'privacy:manage' },
      { to: 'audit', label: 'Audit log', permission: 'audit:read' },
    ],
  },
];

/** Settings in sections, each its own address (/settings/users, …) so it can be linked and reloaded. */
export function SettingsPage() {
  // Sections for one role only (admins) are not offered to the others; typed, their address explains.
  const permissions = useMe().data?.permissions ?? [];
  // On a phone the sections are one row that scrolls sideways: bring the open one into view.
  const nav = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  useEffect(() => {
    const current = nav.current?.querySelector<HTMLElement>('[aria-current="page"]');
    const row = nav.current;
    if (current && row && row.scrollWidth > row.clientWidth) row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
  }, [pathname, permissions.length]);
  return (
    <>
      <PageHeader title="Settings" description="Your organization and people, e-mail, automation, tracking, the scoring model and privacy." />
      <div className="settings-layout">
        <nav ref={nav} className="settings-nav" aria-label="Settings sections">
          {GROUPS.map((g) => ({ ...g, sections: g.sections.filter((s) => !s.permission || permissions.includes(s.permission)) }))
            .filter((g) => g.sections.length > 0)
            .map((g) => (
              <div key={g.label} className="settings-nav__group" role="group" aria-label={g.label}>
                <div className="settings-nav__label" aria-hidden="true">{g.label}</div>
                {g.sections.map((s) => (
                  <NavLink key={s.to} to={s.to ? `/settings/${s.to}` : '/settings'} end={s.end} className="settings-nav__link">
                    {s.label}
                  </NavLink>
                ))}
              </div>
            ))}
        </nav>
        <div className="settings-layout__content">
          <Routes>
            <Route index element={<OrganizationTab />} />
            <Route path="users" element={<UsersTab />} />
            <Route path="api-keys" element={<ApiKeysTab />} />
            <Route path="tracking" element={<TrackingTab />} />
            <Route path="model" element={<ModelTab />} />
            <Route path="mailbox" element={<MailboxTab />} />
            <Route path="privacy" element={<PrivacyRequestsTab />} />
            <Route path="retention" element={<RetentionTab />} />
            <Route path="audit" element={<AuditTab />} />
            <Route path="webhooks" element={<WebhooksTab />} />
            <Route path="email" element={<EmailTab />} />
            <Route path="templates" element={<TemplatesTab />} />
            <Route path="workflows" element={<WorkflowsTab />} />
            <Route path="assignment" element={<AssignmentTab />} />
            <Route path="*" element={<Navigate to="/settings" replace />} />
          </Routes>
        </div>
      </div>
    </>
  );
}
