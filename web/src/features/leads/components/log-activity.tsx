import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { SelectField, TextAreaField, TextField } from '../../../components/field';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { useLogActivity, type ActivityInput } from '../api/leads-api';

const TYPES: { value: ActivityInput['type']; label: string }[] = [
  { value: 'call', label: 'Call' },
  { value: 'email', label: 'Email' },
  { value: 'meeting', label: 'Meeting' },
  { value: 'note', label: 'Note' },
];

export function LogActivityForm({ leadId, onLogged }: { leadId: string; onLogged: () => void }) {
  const log = useLogActivity(leadId);
  const toast = useToast();
  const [type, setType] = useState<ActivityInput['type']>('call');
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [outcome, setOutcome] = useState('');
  const fieldErrors = log.error instanceof ApiError ? log.error.fieldErrors : {};

  function submit(event: FormEvent) {
    event.preventDefault();
    log.mutate(
      { type, subject: subject || null, description: description || null, outcome: outcome || null, completed_at: new Date().toISOString() },
      {
        onSuccess: () => {
          setSubject('');
          setDescription('');
          setOutcome('');
          toast(`${TYPES.find((t) => t.value === type)?.label ?? 'Activity'} logged; the score updates in a moment`);
          onLogged();
        },
      },
    );
  }

  return (
    <form className="stack stack--sm" onSubmit={submit} aria-label="Log an activity">
      <div className="filter-grid">
        <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value as ActivityInput['type'])}>
          {TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </SelectField>
        <TextField label="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} error={fieldErrors.subject} />
        <TextField label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)} error={fieldErrors.outcome} placeholder="e.g. interested" />
      </div>
      <TextAreaField label="Notes" value={description} onChange={(e) => setDescription(e.target.value)} error={fieldErrors.description} placeholder="What was said? Buying signals and sentiment are picked up from this text." />
      {log.error && Object.keys(fieldErrors).length === 0 && <ErrorMessage error={log.error} title="Not logged" />}
      <div>
        <Button type="submit" variant="primary" busy={log.isPending}>
          Log activity
        </Button>
      </div>
    </form>
  );
}
