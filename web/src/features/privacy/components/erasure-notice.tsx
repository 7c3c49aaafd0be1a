import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useLocation } from 'react-router';
import { queryKeys } from '../../../lib/query-keys';
import '../../../styles/privacy.css';
import { isPending, usePrivacyRequest } from '../api/privacy-requests';
import { verificationInWords } from '../privacy-words';
import { RequestProgress } from './request-progress';

/** What the lead page hands the leads list when it leaves for it after an erasure was asked for. */
export interface ErasureHandOver {
  erasure: { id: string; name: string };
}

/**
 * On the leads list after "Erase this person": the erasure's progress, then that the person is
 * gone and how that was proven (the verification scan), until dismissed. Read once on arrival:
 * the list rewrites its address (filters, sort), which drops the navigation state.
 */
export function ErasureNotice() {
  const state = useLocation().state as Partial<ErasureHandOver> | null;
  const [erasure, setErasure] = useState(() => (state?.erasure && typeof state.erasure.id === 'string' ? state.erasure : null));
  const request = usePrivacyRequest(erasure?.id ?? null);
  const client = useQueryClient();
  const r = request.data;
  const done = r?.status === 'done';
  useEffect(() => {
    // The person's leads are gone now: every list and count shows it.
    if (done) void client.invalidateQueries({ queryKey: queryKeys.leads.all });
  }, [done, client]);
  if (!erasure) return null;
  const verification = verificationInWords(r?.verification ?? null);
  const tone = r?.status === 'failed' || verification?.clean === false ? 'error' : done ? 'good' : 'info';
  return (
    <div className={`alert alert--${tone} row row--between privacy-notice`} role="status" data-testid="erasure-notice">
      <div className="stack stack--sm" style={{ flex: '1 1 240px' }}>
        {!r || isPending(r) ? (
          <>
            <span>Erasing {erasure.name}…</span>
            {r && <RequestProgress request={r} />}
          </>
        ) : r.status === 'failed' ? (
          <span>{erasure.name} was not erased: {r.error} Nothing was removed; try again from Settings → Privacy.</span>
        ) : (
          <span>
            {erasure.name} was erased. {verification?.text}
          </span>
        )}
      </div>
      {(!r || !isPending(r)) && (
        <button type="button" className="btn btn--ghost btn--sm" onClick={() => setErasure(null)}>
          Dismiss
        </button>
      )}
    </div>
  );
}
