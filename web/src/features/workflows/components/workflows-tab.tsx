import { useState, type FormEvent } from 'react';
import '../../../styles/workflows.css';
import { Button } from '../../../components/button';
import { Dialog } from '../../../components/dialog';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import {
  useDeleteWorkflow, useDryRun, useReorder, useRuns, useSaveWorkflow, useSetEnabled, useTeamOptions, useUserOptions, useWorkflows,
  type Action, type Conditions, type DryRun, type Trigger, type UserOption, type Workflow, type WorkflowBody,
} from '../api/workflows-api';

const STATUSES = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost', 'nurturing', 'unqualified'] as const;
type Status = (typeof STATUSES)[number];
const statusLabel = (s: string) => s.replace('_', ' ').replace(/^./, (c) => c.toUpperCase());

const TRIGGERS: { type: Trigger['type']; label: string }[] = [
  { type: 'score_crosses', label: 'Score crosses a threshold' },
  { type: 'insight_detected', label: 'A buying signal or competitor is detected' },
  { type: 'no_touch', label: 'No touch for a number of days' },
  { type: 'status_changed', label: 'Status changes' },
  { type: 'form_submitted', label: 'A form is submitted' },
];
const ACTIONS: { type: Action['type']; label: string }[] = [
  { type: 'assign', label: 'Assign to a user' },
  { type: 'notify', label: 'Notify users' },
  { type: 'create_task', label: 'Create a task' },
  { type: 'change_status', label: 'Change status' },
  { type: 'add_tag', label: 'Add a tag' },
  { type: 'webhook', label: 'Send a webhook (workflow.fired)' },
  { type: 'send_email', label: 'Send a templated e-mail' },
];

/** The trigger in words (the server's run log says the same). */
export function describeTrigger(t: Trigger | Record<string, unknown>): string {
  const x = t as Trigger;
  switch (x.type) {
    case 'score_crosses': return x.direction === 'up' ? `Score reaches ${x.threshold} or more` : `Score falls below ${x.threshold}`;
    case 'insight_detected': return x.insight_type === 'buying_signal' ? 'A buying signal is detected' : 'A competitor is detected';
    case 'no_touch': return `No touch for ${x.days} day${x.days === 1 ? '' : 's'}`;
    case 'status_changed': return `Status changes${x.from ? ` from ${statusLabel(x.from)}` : ''}${x.to ? ` to ${statusLabel(x.to)}` : ''}`;
    case 'form_submitted': return x.form ? `A form named like “${x.form}” is submitted` : 'A form is submitted';
    default: return 'Unknown trigger';
  }
}

const defaultTrigger = (type: Trigger['type']): Trigger => {
  switch (type) {
    case 'score_crosses': return { type, threshold: 70, direction: 'up' };
    case 'insight_detected': return { type, insight_type: 'buying_signal' };
    case 'no_touch': return { type, days: 14 };
    case 'status_changed': return { type, to: 'qualified' };
    case 'form_submitted': return { type };
  }
};
const defaultAction = (type: Action['type'], users: UserOption[]): Action => {
  switch (type) {
    case 'assign': return { type, user_id: users[0]?.id ?? '' };
    case 'notify': return { type, user_ids: [], owner: true };
    case 'create_task': return { type, subject: 'Follow up', due_in_days: 1 };
    case 'change_status': return { type, status: 'contacted' };
    case 'add_tag': return { type, tag: 'hot' };
    case 'webhook': return { type };
    case 'send_email': return { type, template_id: '' };
  }
};

export function WorkflowsTab() {
  const canManage = useCan('automation:manage');
  if (!canManage) {
    return (
      <Card>
        <EmptyState title="Workflows are managed by managers and admins">
          Workflows act on leads automatically (assign, notify, create tasks…). Ask a manager or an admin of your organization to set them up.
        </EmptyState>
      </Card>
    );
  }
  return <WorkflowsManager />;
}

function WorkflowsManager() {
  const workflows = useWorkflows();
  const users = useUserOptions();
  const reorder = useReorder();
  const setEnabled = useSetEnabled();
  const remove = useDeleteWorkflow();
  const dryRun = useDryRun();
  const toast = useToast();
  const [editing, setEditing] = useState<Workflow | 'new' | null>(null);
  const [runsOf, setRunsOf] = useState<Workflow | null>(null);
  const [dryOf, setDryOf] = useState<Workflow | null>(null);

  if (workflows.error) return <ErrorMessage error={workflows.error} title="The workflows could not be loaded" />;
  if (!workflows.data) return <Card><SkeletonBlock lines={4} label="Loading workflows" /></Card>;
  const list = workflows.data.data;
  const move = (i: number, by: -1 | 1) => {
    const ids = list.map((w) => w.id);
    const [id] = ids.splice(i, 1);
    ids.splice(i + by, 0, id!);
    reorder.mutate(ids);
  };

  return (
    <div className="stack workflows-tab">
      <Card title="Workflows" actions={<Button variant="primary" onClick={() => setEditing('new')}>New workflow</Button>}>
        {list.length === 0 ? (
          <EmptyState title="No workflows yet" action={<Button variant="primary" onClick={() => setEditing('new')}>Create your first workflow</Button>}>
            A workflow acts on leads by itself: when something happens to a lead (its score crosses a threshold, a buying signal or a competitor is detected,
            it goes days without a touch, its status changes, it submits a form), it assigns, notifies, creates a task, changes the status, adds a tag, sends a
            webhook or an e-mail. For example: <em>when the score reaches 70, assign the lead to your best closer and create a call task due tomorrow.</em>{' '}
            Each workflow fires once per change, never loops, and can be tried on today’s data with a dry run first.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table workflows-table" aria-label="Workflows">
              <thead>
                <tr><th scope="col">Order</th><th scope="col">Name</th><th scope="col">When</th><th scope="col">State</th><th scope="col">Last fired</th><th scope="col">Actions</th></tr>
              </thead>
              <tbody>
                {list.map((w, i) => (
                  <tr key={w.id}>
                    <td className="workflows-order">
                      <Button size="sm" aria-label={`Move ${w.name} up`} disabled={i === 0 || reorder.isPending} onClick={() => move(i, -1)}>↑</Button>
                      <Button size="sm" aria-label={`Move ${w.name} down`} disabled={i === list.length - 1 || reorder.isPending} onClick={() => move(i, 1)}>↓</Button>
                    </td>
                    <td className="workflows-name">{w.name}<span className="muted"> · {w.actions.length} action{w.actions.length === 1 ? '' : 's'}</span></td>
                    <td>{describeTrigger(w.trigger)}</td>
                    <td>{w.enabled ? <Badge tone="good">Active</Badge> : <Badge tone="warn">Paused</Badge>}</td>
                    <td title={w.last_fired_at ? formatDateTime(w.last_fired_at) : undefined}><span className="workflows-phone-label">Last fired: </span>{w.last_fired_at ? formatRelative(w.last_fired_at) : 'Never'}{w.runs_last_7_days > 0 && <span className="muted"> · {w.runs_last_7_days} in 7 days</span>}</td>
                    <td className="workflows-buttons">
                      <Button size="sm" onClick={() => setEditing(w)}>Edit</Button>
                      <Button size="sm" onClick={() => setEnabled.mutate({ id: w.id, enabled: !w.enabled }, { onSuccess: () => toast(w.enabled ? `${w.name} paused` : `${w.name} resumed`) })}>{w.enabled ? 'Pause' : 'Resume'}</Button>
                      <Button size="sm" onClick={() => { setDryOf(w); dryRun.mutate(w.id); }}>Dry run</Button>
                      <Button size="sm" onClick={() => setRunsOf(w)}>Run log</Button>
                      <Button size="sm" variant="danger" onClick={() => { if (window.confirm(`Delete the workflow “${w.name}” and its run log?`)) remove.mutate(w.id); }}>Delete</Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <ErrorMessage error={reorder.error ?? setEnabled.error ?? remove.error} title="That did not work" />
      </Card>

      {dryOf && (
        <Card title={`Dry run: ${dryOf.name}`} actions={<Button size="sm" onClick={() => setDryOf(null)}>Close</Button>}>
          <ErrorMessage error={dryRun.error} title="The dry run failed" />
          {dryRun.isPending && <SkeletonBlock lines={3} label="Running the dry run" />}
          {dryRun.data && <DryRunTable result={dryRun.data} />}
        </Card>
      )}
      {runsOf && <RunLog workflow={runsOf} onClose={() => setRunsOf(null)} />}
      {editing && <WorkflowForm key={editing === 'new' ? 'new' : editing.id} workflow={editing === 'new' ? null : editing} users={users.data?.data ?? []} onClose={() => setEditing(null)} />}
    </div>
  );
}

function DryRunTable({ result }: { result: DryRun }) {
  return (
    <div className="stack">
      <p role="status">
        {result.trigger}: holds for <strong>{result.matched.toLocaleString()}</strong> of {result.scanned.toLocaleString()} leads now. Nothing was changed.
        {result.truncated && ` The first ${result.leads.length} are shown.`}
      </p>
      {result.leads.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Dry run result">
            <thead><tr><th scope="col">Lead</th><th scope="col">Status</th><th scope="col" className="num">Score</th><th scope="col">What would happen</th></tr></thead>
            <tbody>
              {result.leads.map((l) => (
                <tr key={l.lead_id}>
                  <td><a href={`/leads/${l.lead_id}`}>{l.name || 'Unnamed lead'}</a></td>
                  <td>{statusLabel(l.status)}</td>
                  <td className="num">{l.score}</td>
                  <td><ActionResults actions={l.actions} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ActionResults({ actions }: { actions: { type: string; ok: boolean; result: string | null; error: string | null }[] }) {
  return (
    <ul className="workflows-results">
      {actions.map((a, i) => <li key={i} className={a.ok ? '' : 'workflows-results__error'}>{a.ok ? a.result : `✕ ${a.error}`}</li>)}
    </ul>
  );
}

function RunLog({ workflow, onClose }: { workflow: Workflow; onClose: () => void }) {
  const runs = useRuns(workflow.id);
  const data = runs.data?.data ?? [];
  return (
    <Card title={`Run log: ${workflow.name}`} actions={<Button size="sm" onClick={onClose}>Close</Button>}>
      <ErrorMessage error={runs.error} title="The run log could not be loaded" />
      {!runs.data && !runs.error && <SkeletonBlock lines={3} label="Loading the run log" />}
      {runs.data && data.length === 0 && <EmptyState title="Not fired yet">Each time this workflow fires, what it did to which lead appears here.</EmptyState>}
      {data.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Run log">
            <thead><tr><th scope="col">When</th><th scope="col">Lead</th><th scope="col">Trigger</th><th scope="col">Result</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {data.map((r) => (
                <tr key={r.id}>
                  <td title={formatDateTime(r.created_at)}>{formatRelative(r.created_at)}</td>
                  <td>{r.lead_id ? <a href={`/leads/${r.lead_id}`}>Open lead</a> : '—'}</td>
                  <td>{String(r.trigger.description ?? r.trigger.type ?? '')}</td>
                  <td>{r.dry_run ? <Badge tone="info">Dry run</Badge> : <Badge tone={r.status === 'succeeded' ? 'good' : r.status === 'skipped' ? 'neutral' : 'bad'}>{statusLabel(r.status)}</Badge>}</td>
                  <td>{r.dry_run ? `${String(r.trigger.matched ?? 0)} leads matched` : <ActionResults actions={r.actions} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function WorkflowForm({ workflow, users, onClose }: { workflow: Workflow | null; users: UserOption[]; onClose: () => void }) {
  const save = useSaveWorkflow();
  const toast = useToast();
  const [name, setName] = useState(workflow?.name ?? '');
  const [trigger, setTrigger] = useState<Trigger>((workflow?.trigger as Trigger | undefined) ?? defaultTrigger('score_crosses'));
  const [conditions, setConditions] = useState<Conditions>((workflow?.conditions as Conditions | undefined) ?? {});
  const [actions, setActions] = useState<Action[]>((workflow?.actions as Action[] | undefined) ?? [defaultAction('notify', users)]);
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : {};
  const active = users.filter((u) => u.is_active);
  const teams = useTeamOptions().data?.data ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: WorkflowBody = { name, trigger, conditions, actions, enabled: workflow?.enabled ?? true };
    save.mutate({ id: workflow?.id ?? null, body }, { onSuccess: () => { toast(workflow ? 'Workflow saved' : 'Workflow created'); onClose(); } });
  };
  const setAction = (i: number, a: Action) => setActions((xs) => xs.map((x, j) => (j === i ? a : x)));
  const num = (v: string) => (v === '' ? 0 : Number(v));

  return (
    <Dialog open onClose={onClose} title={workflow ? `Edit ${workflow.name}` : 'New workflow'} footer={
      <>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="primary" type="submit" form="workflow-form" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save workflow'}</Button>
      </>
    }>
      <form id="workflow-form" className="stack workflow-form" onSubmit={submit} aria-label="Workflow">
        <TextField label="Name" value={name} required maxLength={120} onChange={(e) => setName(e.target.value)} error={errors.name} />
        <fieldset className="workflow-form__group">
          <legend>1. When</legend>
          <SelectField label="Trigger" value={trigger.type} onChange={(e) => setTrigger(defaultTrigger(e.target.value as Trigger['type']))}>
            {TRIGGERS.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
          </SelectField>
          {trigger.type === 'score_crosses' && (
            <div className="workflow-form__row">
              <SelectField label="Direction" value={trigger.direction} onChange={(e) => setTrigger({ ...trigger, direction: e.target.value as 'up' | 'down' })}>
                <option value="up">Reaches or exceeds</option><option value="down">Falls below</option>
              </SelectField>
              <TextField label="Threshold (0–100)" type="number" min={0} max={100} value={trigger.threshold} onChange={(e) => setTrigger({ ...trigger, threshold: num(e.target.value) })} error={errors['trigger.threshold']} />
            </div>
          )}
          {trigger.type === 'insight_detected' && (
            <SelectField label="Detected" value={trigger.insight_type} onChange={(e) => setTrigger({ ...trigger, insight_type: e.target.value as 'buying_signal' | 'competitive_threat' })}>
              <option value="buying_signal">A buying signal</option><option value="competitive_threat">A competitor mention</option>
            </SelectField>
          )}
          {trigger.type === 'no_touch' && (
            <TextField label="Days without a touch" type="number" min={1} max={365} value={trigger.days} hint="A touch is a completed call, e-mail, meeting… or a conversation. Closed leads never count." onChange={(e) => setTrigger({ ...trigger, days: num(e.target.value) })} error={errors['trigger.days']} />
          )}
          {trigger.type === 'status_changed' && (
            <div className="workflow-form__row">
              <SelectField label="From" value={trigger.from ?? ''} onChange={(e) => setTrigger({ ...trigger, from: (e.target.value || null) as Status | null })}>
                <option value="">Any status</option>{STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
              </SelectField>
              <SelectField label="To" value={trigger.to ?? ''} onChange={(e) => setTrigger({ ...trigger, to: (e.target.value || null) as Status | null })}>
                <option value="">Any status</option>{STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
              </SelectField>
            </div>
          )}
          {trigger.type === 'form_submitted' && (
            <TextField label="Form name contains (optional)" value={trigger.form ?? ''} placeholder="any form" onChange={(e) => setTrigger({ ...trigger, form: e.target.value || null })} />
          )}
        </fieldset>

        <fieldset className="workflow-form__group">
          <legend>2. Only if (optional)</legend>
          <div className="workflow-form__row">
            <SelectField label="Owner" value={conditions.owner_ids?.[0] ?? ''} onChange={(e) => setConditions({ ...conditions, owner_ids: e.target.value ? [e.target.value] : undefined })}>
              <option value="">Anyone</option>{users.map((u) => <option key={u.id} value={u.id}>{u.full_name}</option>)}
            </SelectField>
            <SelectField label="Team" value={conditions.team_ids?.[0] ?? ''} onChange={(e) => setConditions({ ...conditions, team_ids: e.target.value ? [e.target.value] : undefined })}>
              <option value="">Any team</option>{teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </SelectField>
            <SelectField label="Status" value={conditions.statuses?.[0] ?? ''} onChange={(e) => setConditions({ ...conditions, statuses: e.target.value ? [e.target.value as Status] : undefined })}>
              <option value="">Any status</option>{STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
            </SelectField>
          </div>
          <div className="workflow-form__row">
            <TextField label="Source" value={conditions.sources?.join(', ') ?? ''} placeholder="any source" hint="Comma-separated, e.g. webinar, ads" onChange={(e) => { const v = e.target.value.split(',').map((s) => s.trim()).filter(Boolean); setConditions({ ...conditions, sources: v.length ? v : undefined }); }} />
            <TextField label="Score from" type="number" min={0} max={100} value={conditions.score_min ?? ''} onChange={(e) => setConditions({ ...conditions, score_min: e.target.value === '' ? undefined : Number(e.target.value) })} error={errors['conditions.score_min']} />
            <TextField label="Score to" type="number" min={0} max={100} value={conditions.score_max ?? ''} onChange={(e) => setConditions({ ...conditions, score_max: e.target.value === '' ? undefined : Number(e.target.value) })} />
          </div>
        </fieldset>

        <fieldset className="workflow-form__group">
          <legend>3. Then</legend>
          {actions.map((a, i) => (
            <div className="workflow-action" key={i}>
              <div className="workflow-form__row">
                <SelectField label={`Action ${i + 1}`} value={a.type} onChange={(e) => setAction(i, defaultAction(e.target.value as Action['type'], active))}>
                  {ACTIONS.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
                </SelectField>
                {a.type === 'assign' && (
                  <SelectField label="User" value={a.user_id} onChange={(e) => setAction(i, { ...a, user_id: e.target.value })} error={errors[`actions.${i}.user_id`] ?? errors[`actions.${i}`]}>
                    <option value="">Choose…</option>{active.map((u) => <option key={u.id} value={u.id}>{u.full_name}</option>)}
                  </SelectField>
                )}
                {a.type === 'notify' && (
                  <SelectField label="Also notify" value={a.user_ids?.[0] ?? ''} onChange={(e) => setAction(i, { ...a, user_ids: e.target.value ? [e.target.value] : [] })} error={errors[`actions.${i}.user_ids`]}>
                    <option value="">Only the owner</option>{active.map((u) => <option key={u.id} value={u.id}>{u.full_name}</option>)}
                  </SelectField>
                )}
                {a.type === 'create_task' && (
                  <>
                    <TextField label="Task" value={a.subject} onChange={(e) => setAction(i, { ...a, subject: e.target.value })} error={errors[`actions.${i}.subject`]} />
                    <TextField label="Due in days" type="number" min={0} max={365} value={a.due_in_days} onChange={(e) => setAction(i, { ...a, due_in_days: num(e.target.value) })} />
                  </>
                )}
                {a.type === 'change_status' && (
                  <SelectField label="New status" value={a.status} onChange={(e) => setAction(i, { ...a, status: e.target.value as Status })}>
                    {STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
                  </SelectField>
                )}
                {a.type === 'add_tag' && <TextField label="Tag" value={a.tag} maxLength={50} onChange={(e) => setAction(i, { ...a, tag: e.target.value })} error={errors[`actions.${i}.tag`]} />}
                {a.type === 'send_email' && <TextField label="Template id" value={a.template_id} onChange={(e) => setAction(i, { ...a, template_id: e.target.value })} error={errors[`actions.${i}.template_id`]} />}
              </div>
              {a.type === 'notify' && (
                <label className="workflow-form__check"><input type="checkbox" checked={a.owner ?? false} onChange={(e) => setAction(i, { ...a, owner: e.target.checked })} /> Notify the lead’s owner</label>
              )}
              {a.type === 'webhook' && <p className="muted">Endpoints subscribed to <code>workflow.fired</code> receive the workflow, the lead’s id and the trigger (no personal data).</p>}
              <Button size="sm" variant="ghost" disabled={actions.length === 1} onClick={() => setActions((xs) => xs.filter((_, j) => j !== i))}>Remove action {i + 1}</Button>
            </div>
          ))}
          <Button size="sm" onClick={() => setActions((xs) => [...xs, defaultAction('create_task', active)])} disabled={actions.length >= 10}>Add an action</Button>
        </fieldset>
        <ErrorMessage error={save.error} title="Not saved" />
      </form>
    </Dialog>
  );
}
