import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Button } from '../../../components/button';
import { ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { formatNumber } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import '../../../styles/privacy.css';
import { isPending, useCreatePrivacyRequest, useErasurePreview, usePrivacyRequest } from '../api/privacy-requests';
import { countsInWords, numbers } from '../privacy-words';
import type { ErasureHandOver } from './erasure-notice';
import { Dialog } from '../../../components/dialog';
import { ExportDownload, RequestProgress } from './request-progress';

/**
 * The lead page's "Export this person's data" and "Erase this person" (admins): both act on
 * everyone the lead is (its other leads with the same e-mail or phone too), through the same
 * privacy requests as Settings → Privacy.
 */
export function LeadPrivacyActions({ leadId, leadName }: { leadId: string; leadName: string }) {
  const [open, setOpen] = useState<'export' | 'erasure' | null>(null);
  // Asked for on the click (not when the dialog mounts), so one click is one request.
  const exporting = useCreatePrivacyRequest();
  if (!useCan('privacy:manage')) return null;
  const startExport = () => {
    exporting.reset();
    exporting.mutate({ type: 'export', lead_id: leadId });
    setOpen('export');
  };
  return (
    <>
      <Button onClick={startExport}>Export this person’s data</Button>
      <Button variant="danger" onClick={() => setOpen('erasure')}>
        Erase this person…
      </Button>
      {open === 'export' && <ExportDialog create={exporting} leadName={leadName} onClose={() => setOpen(null)} />}
      {open === 'erasure' && <EraseDialog leadId={leadId} leadName={leadName} onClose={() => setOpen(null)} />}
    </>
  );
}

/** Follows the export just asked for to its one-time download. */
function ExportDialog({ create, leadName, onClose }: { create: ReturnType<typeof useCreatePrivacyRequest>; leadName: string; onClose: () => void }) {
  const request = usePrivacyRequest(create.data?.id ?? null);
  const r = request.data;
  return (
    <Dialog open onClose={onClose} title={`Export ${leadName}’s data`} footer={<Button onClick={onClose}>Close</Button>}>
      <p>Everything held about this person (this lead, their other leads with the same e-mail or phone, and everything linked to them) in one machine-readable JSON document.</p>
      <ErrorMessage error={create.error ?? request.error} title="Export not made" />
      {create.isError ? null : !r || isPending(r) ? (
        r ? <RequestProgress request={r} /> : <SkeletonBlock lines={1} label="Requesting the export" />
      ) : r.status === 'failed' ? (
        <p className="privacy-traces">{r.error}</p>
      ) : (
        <div className="stack stack--sm">
          <p className="small">Ready: {countsInWords(numbers(r.result)).join(', ')}.</p>
          <ExportDownload request={r} />
        </div>
      )}
      <p className="small muted">
        The request is recorded in <Link to="/settings/privacy">Settings → Privacy</Link>, where you can also download it, once, from this browser tab until it expires.
      </p>
    </Dialog>
  );
}

/**
 * Names what will go, counted per kind, and says it cannot be undone; once the erasure is
 * accepted, leaves for the leads list, which shows its progress and verification.
 */
function EraseDialog({ leadId, leadName, onClose }: { leadId: string; leadName: string; onClose: () => void }) {
  const preview = useErasurePreview(leadId, true);
  const create = useCreatePrivacyRequest();
  const navigate = useNavigate();
  const p = preview.data;
  const working = create.isPending || create.isSuccess;
  // Accepted: this lead is about to be deleted, so leave its page for the list, which follows the
  // erasure to its verification (staying would refetch a lead that no longer exists).
  const erase = () =>
    create.mutate({ type: 'erasure', lead_id: leadId }, { onSuccess: (c) => void navigate('/leads', { replace: true, state: { erasure: { id: c.id, name: leadName } } satisfies ErasureHandOver }) });
  const others = p ? p.lead_ids.length - 1 : 0;
  return (
    <Dialog
      open
      onClose={() => !working && onClose()}
      title={`Erase ${leadName}?`}
      footer={
        <>
          <Button onClick={onClose} disabled={working}>
            Cancel
          </Button>
          <Button variant="danger" busy={working} disabled={!p} onClick={erase}>
            Erase permanently
          </Button>
        </>
      }
    >
      {preview.isPending ? (
        <SkeletonBlock lines={4} label="Counting what would be removed" />
      ) : p ? (
        <>
          <p>
            {others > 0 ? `This person has ${formatNumber(others + 1)} lead records (the same e-mail or phone). ` : ''}
            These will be deleted:
          </p>
          <ul className="privacy-counts" aria-label="What will be deleted">
            {countsInWords(p.counts).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {p.mentions > 0 && <p>{`${formatNumber(p.mentions)} ${p.mentions === 1 ? 'record elsewhere mentions' : 'records elsewhere mention'} them (other leads’ notes and conversations, notifications, import rows): each mention will be rewritten to “[erased]”.`}</p>}
          <p className="privacy-warning">
            <strong>This cannot be undone.</strong> Only a keyed fingerprint of their e-mail and phone is kept, so they are not imported or tracked again. The fact of the erasure stays in the audit log, without their details.
          </p>
        </>
      ) : null}
      <ErrorMessage error={preview.error ?? create.error} title="Not erased" />
    </Dialog>
  );
}
