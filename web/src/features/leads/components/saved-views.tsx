import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { useDeleteView, useSavedViews, useSaveView, type SavedView } from '../api/views-api';

/** Pick a saved view (restores its filters, search, sort and columns), save the current one, delete mine. */
export function SavedViews({ query, columns, onApply }: { query: string; columns: string[]; onApply: (view: SavedView) => void }) {
  const views = useSavedViews();
  const save = useSaveView();
  const remove = useDeleteView();
  const toast = useToast();
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [current, setCurrent] = useState('');
  const list = views.data?.data ?? [];
  const chosen = list.find((v) => v.id === current);

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(
      { name, query, columns, shared },
      {
        onSuccess: (view) => {
          toast(`View “${view.name}” saved`);
          setCurrent(view.id);
          setSaving(false);
          setName('');
        },
      },
    );
  }

  return (
    <div className="saved-views">
      <div className="sort-select">
        <label className="field__label" htmlFor="saved-view">
          View
        </label>
        <select
          id="saved-view"
          className="input"
          value={current}
          onChange={(e) => {
            setCurrent(e.target.value);
            const view = list.find((v) => v.id === e.target.value);
            if (view) onApply(view);
          }}
        >
          <option value="">{list.length ? 'Choose a saved view…' : 'No saved views yet'}</option>
          {list.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
              {v.shared ? (v.mine ? ' (shared)' : ' (shared with you)') : ''}
            </option>
          ))}
        </select>
      </div>
      {chosen?.mine && (
        <Button variant="ghost" onClick={() => remove.mutate(chosen.id, { onSuccess: () => (setCurrent(''), toast('View deleted')) })} aria-label={`Delete view ${chosen.name}`}>
          Delete
        </Button>
      )}
      {saving ? (
        <form className="row" onSubmit={submit} aria-label="Save this view">
          <label className="visually-hidden" htmlFor="view-name">
            Name of the view
          </label>
          <input id="view-name" className="input input--sm" placeholder="Name of the view" value={name} onChange={(e) => setName(e.target.value)} autoFocus required maxLength={100} />
          <label className="check">
            <input type="checkbox" className="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
            Share with my organization
          </label>
          <Button size="sm" type="submit" variant="primary" busy={save.isPending} disabled={!name.trim()}>
            Save
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setSaving(false)}>
            Cancel
          </Button>
          {save.error && <p className="field__error" role="alert">{save.error instanceof ApiError ? (save.error.fieldErrors.name ?? save.error.detail) : String(save.error)}</p>}
        </form>
      ) : (
        <Button onClick={() => setSaving(true)}>Save view</Button>
      )}
      <ErrorMessage error={views.error ?? remove.error} />
    </div>
  );
}
