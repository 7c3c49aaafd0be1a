import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { formatDate, formatRelative } from '../../../lib/format';
import { useCan, useCurrentUser } from '../../../lib/session';
import {
  ROLES, useCreateTeam, useDeleteTeam, useInvitations, useInvite, useRevokeInvitation, useTeams, useUpdateTeam, useUpdateUser, useUsers,
  type InvitationCreated, type Role, type Team, type User,
} from '../api/settings-api';
import { ShownOnce } from './shown-once';

const ROLE_KEYS = Object.keys(ROLES) as Role[];

export function UsersTab() {
  const canManage = useCan('users:manage');
  const canTeams = useCan('teams:manage');
  const users = useUsers();
  const teams = useTeams();
  const teamList = teams.data?.data ?? [];
  return (
    <div className="stack">
      {canManage && <InviteCard teams={teamList} />}
      <Card title="Users">
        <ErrorMessage error={users.error} title="Users could not be loaded" />
        {users.isPending ? <SkeletonBlock lines={5} label="Loading users" /> : <UsersTable users={users.data?.data ?? []} teams={teamList} canManage={canManage} />}
      </Card>
      {canManage && <InvitationsCard />}
      <TeamsCard teams={teamList} loading={teams.isPending} error={teams.error} canManage={canTeams} />
    </div>
  );
}

function InviteCard({ teams }: { teams: Team[] }) {
  const invite = useInvite();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('sales_rep');
  const [teamId, setTeamId] = useState('');
  const [created, setCreated] = useState<InvitationCreated | null>(null);
  const errors = invite.error instanceof ApiError ? invite.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate(
      { email, role, team_id: teamId || null },
      {
        onSuccess: (inv) => {
          setCreated(inv);
          setEmail('');
        },
      },
    );
  };
  const link = created ? `${window.location.origin}${created.accept_path}` : '';
  return (
    <Card title="Invite someone">
      <form className="inline-form" onSubmit={submit} aria-label="Invite a user">
        <TextField label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} autoComplete="off" />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={errors.role} hint={ROLES[role].hint}>
          {ROLE_KEYS.map((r) => (
            <option key={r} value={r}>
              {ROLES[r].label}
            </option>
          ))}
        </SelectField>
        <SelectField label="Team" value={teamId} onChange={(e) => setTeamId(e.target.value)} error={errors.team_id}>
          <option value="">No team</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </SelectField>
        <Button type="submit" variant="primary" busy={invite.isPending}>
          Send invitation
        </Button>
      </form>
      {invite.error && Object.keys(errors).length === 0 ? <ErrorMessage error={invite.error} title="Not invited" /> : null}
      {created && (
        <ShownOnce value={link} valueLabel="Invitation link" copyLabel="Copy invitation link">
          Invitation for <strong>{created.email}</strong> created. Send them this link (shown once, valid until {formatDate(created.expires_at)}):
        </ShownOnce>
      )}
    </Card>
  );
}

function UsersTable({ users, teams, canManage }: { users: User[]; teams: Team[]; canManage: boolean }) {
  const update = useUpdateUser();
  const me = useCurrentUser();
  const toast = useToast();
  const save = (user: User, body: Parameters<typeof update.mutate>[0]['body'], done: string) => update.mutate({ id: user.id, body }, { onSuccess: () => toast(done) });
  return (
    <>
      {update.error ? <ErrorMessage error={update.error} title={`${update.variables?.body.is_active === false ? 'Not deactivated' : 'Not changed'}`} /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Team</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const self = u.id === me?.user?.id;
              return (
                <tr key={u.id} className={u.is_active ? '' : 'row--inactive'}>
                  <td>
                    <div className="strong">{u.full_name}{self && <span className="muted"> (you)</span>}</div>
                    <div className="muted small">{u.email}</div>
                  </td>
                  <td>
                    {canManage && !self ? (
                      <select className="input input--sm" aria-label={`Role of ${u.full_name}`} value={u.role} onChange={(e) => save(u, { role: e.target.value as Role }, `${u.full_name} is now ${ROLES[e.target.value as Role].label}`)}>
                        {ROLE_KEYS.map((r) => (
                          <option key={r} value={r}>
                            {ROLES[r].label}
                          </option>
                        ))}
                      </select>
                    ) : (
                      ROLES[u.role].label
                    )}
                  </td>
                  <td>
                    {canManage ? (
                      <select className="input input--sm" aria-label={`Team of ${u.full_name}`} value={u.team_id ?? ''} onChange={(e) => save(u, { team_id: e.target.value || null }, `${u.full_name}’s team changed`)}>
                        <option value="">No team</option>
                        {teams.map((t) => (
                          <option key={t.id} value={t.id}>
                            {t.name}
                          </option>
                        ))}
                      </select>
                    ) : (
                      (teams.find((t) => t.id === u.team_id)?.name ?? <span className="muted">—</span>)
                    )}
                  </td>
                  <td className="small">{u.is_active ? formatRelative(u.last_active_at) : <Badge tone="bad">Deactivated</Badge>}</td>
                  <td className="num">
                    {canManage && !self && (
                      <Button
                        size="sm"
                        variant={u.is_active ? 'danger' : 'secondary'}
                        aria-label={`${u.is_active ? 'Deactivate' : 'Reactivate'} ${u.full_name}`}
                        onClick={() => save(u, { is_active: !u.is_active }, `${u.full_name} ${u.is_active ? 'deactivated: their sessions and API keys stopped' : 'reactivated'}`)}
                      >
                        {u.is_active ? 'Deactivate' : 'Reactivate'}
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function InvitationsCard() {
  const invitations = useInvitations(true);
  const revoke = useRevokeInvitation();
  const open = (invitations.data?.data ?? []).filter((i) => !i.accepted_at && !i.revoked_at && new Date(i.expires_at).getTime() > Date.now());
  return (
    <Card title="Open invitations">
      <ErrorMessage error={invitations.error ?? revoke.error} />
      {invitations.isPending ? (
        <SkeletonBlock lines={2} label="Loading invitations" />
      ) : open.length === 0 ? (
        <p className="muted">No open invitations. Invite someone above; they choose their name and password from the link.</p>
      ) : (
        <ul className="plain-list">
          {open.map((i) => (
            <li key={i.id} className="plain-list__item">
              <span>
                <strong>{i.email}</strong> <span className="muted">· {ROLES[i.role].label} · expires {formatDate(i.expires_at)}</span>
              </span>
              <Button size="sm" variant="danger" aria-label={`Revoke invitation for ${i.email}`} onClick={() => revoke.mutate(i.id)}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function TeamsCard({ teams, loading, error, canManage }: { teams: Team[]; loading: boolean; error: unknown; canManage: boolean }) {
  const create = useCreateTeam();
  const rename = useUpdateTeam();
  const remove = useDeleteTeam();
  const [name, setName] = useState('');
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const errors = create.error instanceof ApiError ? create.error.fieldErrors : {};
  return (
    <Card title="Teams">
      <ErrorMessage error={error ?? rename.error ?? remove.error} />
      {loading ? (
        <SkeletonBlock lines={3} label="Loading teams" />
      ) : teams.length === 0 ? (
        <EmptyState title="No teams yet">Teams group sales reps under a manager: reps see their team’s leads, managers work their teams’ pipeline.</EmptyState>
      ) : (
        <ul className="plain-list">
          {teams.map((t) =>
            editing?.id === t.id ? (
              <li key={t.id} className="plain-list__item">
                <form
                  className="inline-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    rename.mutate({ id: t.id, body: { name: editing.name } }, { onSuccess: () => setEditing(null) });
                  }}
                >
                  <TextField label={`New name for ${t.name}`} value={editing.name} onChange={(e) => setEditing({ id: t.id, name: e.target.value })} autoFocus />
                  <Button type="submit" size="sm" variant="primary" busy={rename.isPending}>
                    Save
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setEditing(null)}>
                    Cancel
                  </Button>
                </form>
              </li>
            ) : (
              <li key={t.id} className="plain-list__item">
                <span>
                  <strong>{t.name}</strong> <span className="muted">· {t.members ?? 0} {t.members === 1 ? 'member' : 'members'}</span>
                </span>
                {canManage && (
                  <span className="row">
                    <Button size="sm" aria-label={`Rename team ${t.name}`} onClick={() => setEditing({ id: t.id, name: t.name })}>
                      Rename
                    </Button>
                    <Button size="sm" variant="danger" aria-label={`Delete team ${t.name}`} onClick={() => remove.mutate(t.id)}>
                      Delete
                    </Button>
                  </span>
                )}
              </li>
            ),
          )}
        </ul>
      )}
      {canManage && (
        <form
          className="inline-form"
          style={{ marginTop: 12 }}
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name }, { onSuccess: () => setName('') });
          }}
        >
          <TextField label="New team" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} placeholder="e.g. Enterprise" />
          <Button type="submit" busy={create.isPending}>
            Create team
          </Button>
        </form>
      )}
      {create.error && Object.keys(errors).length === 0 ? <ErrorMessage error={create.error} title="Team not created" /> : null}
    </Card>
  );
}
