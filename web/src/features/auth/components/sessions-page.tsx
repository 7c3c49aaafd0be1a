import { useNavigate } from 'react-router';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { useLogout, useRevokeSession, useSessions } from '../api/auth-api';

/** "Chrome on Linux" from a user agent, enough to recognise a device. */
export function describeAgent(agent: string | null): string {
  if (!agent) return 'Unknown device';
  const browser = /Edg\//.test(agent) ? 'Edge' : /Firefox\//.test(agent) ? 'Firefox' : /Chrom(e|ium)\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : /node|curl|undici/i.test(agent) ? 'A script' : 'A browser';
  const os = /Windows/.test(agent) ? 'Windows' : /Mac OS X|Macintosh/.test(agent) ? 'macOS' : /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Linux/.test(agent) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

export function SessionsPage() {
  const sessions = useSessions();
  const revoke = useRevokeSession();
  const logout = useLogout();
  const toast = useToast();
  const navigate = useNavigate();

  return (
    <>
      <PageHeader title="Sessions" description="Where you are signed in. Revoke a session you do not recognise: it is signed out at once." />
      <Card>
        {sessions.isPending ? (
          <SkeletonBlock lines={4} label="Loading sessions" />
        ) : sessions.error ? (
          <ErrorMessage error={sessions.error} title="Could not load your sessions" />
        ) : sessions.data.data.length === 0 ? (
          <EmptyState title="No active sessions" />
        ) : (
          <>
            {revoke.error && <ErrorMessage error={revoke.error} title="Could not revoke the session" />}
            <table className="table">
              <caption className="visually-hidden">Your active sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Signed in</th>
                  <th scope="col">Last active</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.data.data.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <div className="row">
                        <span>{describeAgent(s.user_agent)}</span>
                        {s.current && <Badge tone="good">This device</Badge>}
                      </div>
                    </td>
                    <td className="mono">{s.ip_address ?? '—'}</td>
                    <td>{formatDateTime(s.created_at)}</td>
                    <td>{formatRelative(s.last_seen_at)}</td>
                    <td style={{ textAlign: 'right' }}>
                      {s.current ? (
                        <Button size="sm" onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login') })} busy={logout.isPending}>
                          Sign out here
                        </Button>
                      ) : (
                        <Button size="sm" variant="danger" aria-label={`Revoke session: ${describeAgent(s.user_agent)}, ${s.ip_address ?? 'unknown IP'}`} onClick={() => revoke.mutate(s.id, { onSuccess: () => toast('Session revoked') })}>
                          Revoke
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Card>
    </>
  );
}
