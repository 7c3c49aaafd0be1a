import { useState } from 'react';
import { Button } from '../../../components/button';
import { Dialog } from '../../../components/dialog';
import { ErrorMessage } from '../../../components/feedback';
import { useToast } from '../../../components/toast';
import { useDebouncedValue } from '../../../lib/use-debounced-value';
import { useLeadSearch, useMergeLead } from '../api/leads-api';
import { leadDisplayName } from '../../../lib/lead-name';

/** Find the duplicate and merge it into this lead (its history moves here; it is deleted). */
export function MergeDialog({ leadId, leadName, open, onClose }: { leadId: string; leadName: string; open: boolean; onClose: () => void }) {
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);
  const search = useLeadSearch(useDebouncedValue(text, 250));
  const merge = useMergeLead(leadId);
  const toast = useToast();

  const candidates = (search.data?.data ?? []).filter((l) => l.id !== leadId);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={<>Merge a duplicate into {leadName}</>}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" disabled={!chosen} busy={merge.isPending} onClick={() => chosen && merge.mutate(chosen, { onSuccess: () => (toast('Merged'), setChosen(null), setText(''), onClose()) })}>
            Merge
          </Button>
        </>
      }
    >
        <label className="field">
          <span className="field__label">Find the duplicate</span>
          <input className="input" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Name, company or email" autoFocus />
        </label>
        <ul className="stack stack--sm" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Matching leads">
          {candidates.map((l) => (
            <li key={l.id}>
              <label className="check">
                <input type="radio" name="merge-source" checked={chosen === l.id} onChange={() => setChosen(l.id)} />
                {leadDisplayName(l)} {l.company ? `· ${l.company}` : ''} {l.email ? `· ${l.email}` : ''}
              </label>
            </li>
          ))}
          {text.length >= 2 && search.data && candidates.length === 0 && <li className="muted">No other lead matches.</li>}
        </ul>
        <p className="muted">The duplicate's activities, conversations, web visits, scores and insights move to {leadName}; its empty fields are filled from the duplicate; then the duplicate is deleted.</p>
        <ErrorMessage error={merge.error} title="Not merged" />
    </Dialog>
  );
}
