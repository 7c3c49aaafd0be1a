import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { formatDateTime } from '../../../lib/format';
import { queryKeys } from '../../../lib/query-keys';
import { jobEnded, useJob } from '../../../lib/use-job';
import { useCurrentUser } from '../../../lib/session';
import { downloadTokens, useDownloadExport, type PrivacyRequest } from '../api/privacy-requests';
import { verificationInWords } from '../privacy-words';

/**
 * A running request's progress, from its job: refetched on the job's live progress events
 * (polled while the stream is down), and the request itself reloaded once the job has ended.
 */
export function RequestProgress({ request }: { request: PrivacyRequest }) {
  const job = useJob(request.job_id);
  const client = useQueryClient();
  const ended = jobEnded(job.data);
  useEffect(() => {
    if (ended) void client.invalidateQueries({ queryKey: queryKeys.privacyRequests.all });
  }, [ended, client]);
  const p = job.data?.progress ?? request.progress;
  const pct = p?.total ? Math.min(100, Math.round(((p.done ?? 0) / p.total) * 100)) : null;
  const waiting = request.status === 'received' && job.data?.status !== 'running';
  return (
    <div className="stack stack--sm" role="status">
      <span className="small">{waiting ? 'Waiting for a worker to start it…' : `${p?.message ? capitalise(p.message) : 'Working'}${pct !== null ? ` (${pct} %)` : '…'}`}</span>
      <progress className="progress" max={100} value={waiting ? undefined : (pct ?? undefined)} aria-label={`Progress of the ${request.type}`} />
    </div>
  );
}

function capitalise(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A finished export: the download button for its requester (once, before it expires), or why
 * there is none.
 */
export function ExportDownload({ request }: { request: PrivacyRequest }) {
  const me = useCurrentUser();
  const download = useDownloadExport();
  const d = request.download;
  if (!d) return null;
  if (d.downloaded_at) return <span className="small muted">Downloaded {formatDateTime(d.downloaded_at)}; a new export request gets the data again.</span>;
  if (!d.available) return <span className="small muted">Expired {d.expires_at ? formatDateTime(d.expires_at) : ''}: make a new export request.</span>;
  const mine = request.requested_by?.id === me?.user?.id;
  const token = mine ? downloadTokens.get(request.id) : null;
  if (!mine) return <span className="small muted">Only {request.requested_by?.name ?? 'the requester'} can download it, until {formatDateTime(d.expires_at)}.</span>;
  if (!token) return <span className="small muted">The download was offered in the browser tab where you asked for it; make a new export request to download again.</span>;
  return (
    <div className="stack stack--sm">
      <div>
        <Button size="sm" variant="primary" busy={download.isPending} onClick={() => download.mutate(request.id)} aria-label={`Download the export (JSON) of ${formatDateTime(request.received_at)}`}>
          Download (JSON)
        </Button>
      </div>
      <span className="small muted">Once only, until {formatDateTime(d.expires_at)}: then it expires and is deleted.</span>
      <ErrorMessage error={download.error} title="Not downloaded" />
    </div>
  );
}

/** An erasure's verification scan, in words. */
export function Verification({ request }: { request: PrivacyRequest }) {
  const v = verificationInWords(request.verification);
  if (!v) return null;
  return (
    <p className={`small ${v.clean ? 'privacy-verified' : 'privacy-traces'}`} data-testid="erasure-verification">
      {v.clean ? '✓ ' : '⚠ '}
      {v.text}
    </p>
  );
}
