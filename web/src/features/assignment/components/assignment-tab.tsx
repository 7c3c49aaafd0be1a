import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import '../../../styles/assignment.css';
import { Button } from '../../../components/button';
import { Dialog } from '../../../components/dialog';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { useCan } from '../../../lib/session';
import {
  useDeleteRule, useDryRun, useFallback, usePeople, useReorder, useRules, useSaveFallback, useSaveRule, useToggleRule,
  type DryRunRow, type Rule, type RuleCreate,
} from '../api/assignment-api';

type People = ReturnType<typeof usePeople>;
type Distribution = Rule['distribution'];

const DISTRIBUTIONS: { value: Distribution; label: string; hint: string }[] = [
  { value: 'round_robin', label: 'Round-robin', hint: 'Each new lead goes to the next person in turn.' },
  { value: 'capacity', label: 'By capacity', hint: 'The person with the fewest open leads, while under the maximum.' },
  { value: 'single', label: 'One person', hint: 'Every matching lead goes to the same person.' },
];

const list = (values: string[] | undefined, or = 'or') => {
  if (!values || values.length === 0) return '';
  return values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} ${or} ${values.at(-1)}`;
};

/** A rule in one sentence: its condition, then where its leads go. */
export function describeRule(rule: Rule, people: Pick<People, 'users' | 'teams'>) {
  const c = rule.conditions;
  const parts = [
    c.sources && `source is ${list(c.sources)}`,
    c.campaigns && `campaign is ${list(c.campaigns)}`,
    c.countries && `country is ${list(c.countries)}`,
    c.regions && `region is ${list(c.regions)}`,
    c.score_min !== undefined && `score is at least ${c.score_min}`,
    c.score_max !== undefined && `score is at most ${c.score_max}`,
  ].filter(Boolean);
  const when = parts.length > 0 ? `When ${parts.join(' and ')}` : 'Every lead';
  const name = (id: string) => people.users.find((u) => u.id === id)?.full_name ?? 'a removed user';
  const targets = rule.team_id ? `the ${people.teams.find((t) => t.id === rule.team_id)?.name ?? 'removed'} team` : list(rule.user_ids.map(name), 'and');
  const to = rule.distribution === 'single' ? targets
    : rule.distribution === 'round_robin' ? `${targets}, in turn`
    : `whoever of ${targets} has the fewest open leads (at most ${rule.max_open_per_rep ?? '—'} each)`;
  return { when, to };
}

export function AssignmentTab() {
  const canManage = useCan('automation:manage');
  if (!canManage) {
    return (
      <Card>
        <EmptyState title="Assignment rules are set by managers and admins">
          They decide who gets each new lead that arrives without an owner. Ask a manager or an admin to change them.
        </EmptyState>
      </Card>
    );
  }
  return <AssignmentSettings />;
}

function AssignmentSettings() {
  const rules = useRules();
  const people = usePeople();
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  return (
    <div className="stack assignment-tab">
      <Card title="Assignment rules" actions={<Button variant="primary" onClick={() => setEditing('new')}>Add rule</Button>}>
        <p className="muted">
          A new lead that arrives without an owner — created here or through the API, imported from a file, or identified on your website — goes to the
          first enabled rule whose conditions it meets, from the top. A rule skips deactivated people; if nobody is left, the next rule is tried, then the
          fallback owner below.
        </p>
        <ErrorMessage error={rules.error ?? people.error} title="The rules could not be loaded" />
        {rules.isPending ? <SkeletonBlock lines={3} label="Loading assignment rules" />
          : (rules.data?.data.length ?? 0) === 0 ? (
            <EmptyState title="No assignment rules yet" action={<Button variant="primary" onClick={() => setEditing('new')}>Add your first rule</Button>}>
              Rules hand new leads to the right people automatically: by territory (country or region), by source or campaign, by score, in turn within a
              team, or to whoever has the fewest open leads. Until you add one, new leads without an owner go to the fallback owner, or stay unassigned.
            </EmptyState>
          ) : <RuleList rules={rules.data!.data} people={people} onEdit={setEditing} />}
      </Card>
      <FallbackCard people={people} />
      <DryRunCard />
      {editing && <RuleDialog rule={editing === 'new' ? null : editing} people={people} onClose={() => setEditing(null)} />}
    </div>
  );
}

function RuleList({ rules, people, onEdit }: { rules: Rule[]; people: People; onEdit: (r: Rule) => void }) {
  const reorder = useReorder();
  const toggle = useToggleRule();
  const remove = useDeleteRule();
  const toast = useToast();
  // After a move the list re-renders in its new order; focus stays on the control that moved it.
  const focusAfter = useRef<string | null>(null);
  useEffect(() => {
    if (!focusAfter.current) return;
    const [dir, id] = focusAfter.current.split(':') as ['up' | 'down', string];
    const own = document.getElementById(`rule-${dir}-${id}`) as HTMLButtonElement | null;
    const other = document.getElementById(`rule-${dir === 'up' ? 'down' : 'up'}-${id}`) as HTMLButtonElement | null;
    (own && !own.disabled ? own : other)?.focus();
    focusAfter.current = null;
  }, [rules]);
  const move = (index: number, dir: 'up' | 'down') => {
    const ids = rules.map((r) => r.id);
    const to = dir === 'up' ? index - 1 : index + 1;
    [ids[index], ids[to]] = [ids[to]!, ids[index]!];
    focusAfter.current = `${dir}:${rules[index]!.id}`;
    reorder.mutate(ids);
  };
  return (
    <>
      <ErrorMessage error={reorder.error ?? toggle.error ?? remove.error} title="Not changed" />
      <ol className="rule-list" aria-label="Assignment rules, first evaluated first">
        {rules.map((rule, i) => {
          const { when, to } = describeRule(rule, people);
          return (
            <li key={rule.id} className={`rule-item${rule.enabled ? '' : ' rule-item--off'}`}>
              <span className="rule-item__pos" aria-hidden="true">{i + 1}</span>
              <div className="rule-item__main">
                <div className="row">
                  <strong>{rule.name}</strong>
                  {rule.enabled ? <Badge tone="good">On</Badge> : <Badge>Off</Badge>}
                </div>
                <p className="rule-item__text">{when} → {to}.</p>
              </div>
              <div className="rule-item__actions row">
                <Button size="sm" id={`rule-up-${rule.id}`} aria-label={`Move ${rule.name} up`} disabled={i === 0} onClick={() => move(i, 'up')}>↑</Button>
                <Button size="sm" id={`rule-down-${rule.id}`} aria-label={`Move ${rule.name} down`} disabled={i === rules.length - 1} onClick={() => move(i, 'down')}>↓</Button>
                <Button size="sm" aria-label={`Edit ${rule.name}`} onClick={() => onEdit(rule)}>Edit</Button>
                <Button size="sm" aria-label={`${rule.enabled ? 'Disable' : 'Enable'} ${rule.name}`} onClick={() => toggle.mutate({ id: rule.id, enabled: !rule.enabled })}>{rule.enabled ? 'Disable' : 'Enable'}</Button>
                <Button size="sm" variant="danger" aria-label={`Delete ${rule.name}`} onClick={() => {
                  if (window.confirm(`Delete the rule “${rule.name}”? Leads it assigned keep their owners.`)) remove.mutate(rule.id, { onSuccess: () => toast(`Rule “${rule.name}” deleted`) });
                }}>Delete</Button>
              </div>
            </li>
          );
        })}
      </ol>
    </>
  );
}

const csv = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function RuleDialog({ rule, people, onClose }: { rule: Rule | null; people: People; onClose: () => void }) {
  const save = useSaveRule();
  const toast = useToast();
  const c = rule?.conditions ?? {};
  const [name, setName] = useState(rule?.name ?? '');
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [sources, setSources] = useState((c.sources ?? []).join(', '));
  const [campaigns, setCampaigns] = useState((c.campaigns ?? []).join(', '));
  const [countries, setCountries] = useState((c.countries ?? []).join(', '));
  const [regions, setRegions] = useState((c.regions ?? []).join(', '));
  const [scoreMin, setScoreMin] = useState(c.score_min?.toString() ?? '');
  const [scoreMax, setScoreMax] = useState(c.score_max?.toString() ?? '');
  const [distribution, setDistribution] = useState<Distribution>(rule?.distribution ?? 'round_robin');
  const [targetKind, setTargetKind] = useState<'team' | 'users'>(rule?.team_id ? 'team' : rule ? 'users' : 'team');
  const [teamId, setTeamId] = useState(rule?.team_id ?? '');
  const [userIds, setUserIds] = useState<string[]>(rule?.user_ids ?? []);
  const [maxOpen, setMaxOpen] = useState(rule?.max_open_per_rep?.toString() ?? '');
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : {};
  const active = people.users.filter((u) => u.is_active);
  const byTeam = distribution !== 'single' && targetKind === 'team';
  const number = (s: string) => (s.trim() === '' ? undefined : Number(s));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const conditions: RuleCreate['conditions'] = {
      ...(csv(sources).length > 0 ? { sources: csv(sources) } : {}),
      ...(csv(campaigns).length > 0 ? { campaigns: csv(campaigns) } : {}),
      ...(csv(countries).length > 0 ? { countries: csv(countries) } : {}),
      ...(csv(regions).length > 0 ? { regions: csv(regions) } : {}),
      ...(number(scoreMin) !== undefined ? { score_min: number(scoreMin) } : {}),
      ...(number(scoreMax) !== undefined ? { score_max: number(scoreMax) } : {}),
    };
    const body: RuleCreate = {
      name, enabled, distribution, conditions,
      team_id: byTeam ? (teamId || null) : null,
      user_ids: byTeam ? [] : distribution === 'single' ? userIds.slice(0, 1) : userIds,
      max_open_per_rep: distribution === 'capacity' ? (number(maxOpen) ?? null) : null,
    };
    save.mutate({ id: rule?.id ?? null, body }, { onSuccess: () => { toast(rule ? `Rule “${name}” saved` : `Rule “${name}” added`); onClose(); } });
  };
  const toggleUser = (id: string) => setUserIds((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  const conditionError = Object.entries(errors).find(([k]) => k.startsWith('conditions'))?.[1];

  return (
    <Dialog open onClose={onClose} title={rule ? `Edit “${rule.name}”` : 'New assignment rule'} footer={
      <>
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" form="rule-form" variant="primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}</Button>
      </>
    }>
      <form id="rule-form" className="stack rule-form" onSubmit={submit} aria-label="Assignment rule">
        <TextField label="Name" required value={name} onChange={(e) => setName(e.target.value)} error={errors.name} hint="Shown in each lead’s timeline next to the assignment." placeholder="e.g. Webinar leads, DACH" />
        <fieldset className="rule-form__group">
          <legend>1. When a new lead…</legend>
          <p className="field__hint">Fill in only what matters; every field you fill must hold. Separate several values with commas. Leave all empty to take every lead.</p>
          <div className="rule-form__grid">
            <TextField label="Source is" value={sources} onChange={(e) => setSources(e.target.value)} placeholder="webinar, website" error={errors['conditions.sources']} />
            <TextField label="Campaign is" value={campaigns} onChange={(e) => setCampaigns(e.target.value)} placeholder="spring-2026" error={errors['conditions.campaigns']} />
            <TextField label="Country is" value={countries} onChange={(e) => setCountries(e.target.value)} placeholder="DE, AT, CH" hint="Country name or ISO code." error={errors['conditions.countries']} />
            <TextField label="Region is" value={regions} onChange={(e) => setRegions(e.target.value)} placeholder="Bavaria" hint="The address’s state or region." error={errors['conditions.regions']} />
            <TextField label="Score at least" inputMode="numeric" value={scoreMin} onChange={(e) => setScoreMin(e.target.value)} placeholder="0" error={errors['conditions.score_min']} />
            <TextField label="Score at most" inputMode="numeric" value={scoreMax} onChange={(e) => setScoreMax(e.target.value)} placeholder="100" error={errors['conditions.score_max']} hint="A new lead scores 0 until it is first scored." />
          </div>
          {conditionError && !Object.keys(errors).some((k) => ['conditions.sources', 'conditions.campaigns', 'conditions.countries', 'conditions.regions', 'conditions.score_min', 'conditions.score_max'].includes(k)) && <p className="field__error" role="alert">{conditionError}</p>}
        </fieldset>
        <fieldset className="rule-form__group">
          <legend>2. …give it to</legend>
          <SelectField label="How" value={distribution} onChange={(e) => setDistribution(e.target.value as Distribution)} hint={DISTRIBUTIONS.find((d) => d.value === distribution)?.hint} error={errors.distribution}>
            {DISTRIBUTIONS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
          </SelectField>
          {distribution === 'capacity' && (
            <TextField label="At most this many open leads each" inputMode="numeric" value={maxOpen} onChange={(e) => setMaxOpen(e.target.value)} error={errors.max_open_per_rep} hint="Open: not won, lost or unqualified." />
          )}
        </fieldset>
        <fieldset className="rule-form__group">
          <legend>3. Among</legend>
          {distribution !== 'single' && (
            <div className="row" role="radiogroup" aria-label="Targets">
              <label className="check"><input type="radio" name="target-kind" checked={targetKind === 'team'} onChange={() => setTargetKind('team')} /> A team’s active members</label>
              <label className="check"><input type="radio" name="target-kind" checked={targetKind === 'users'} onChange={() => setTargetKind('users')} /> Chosen people</label>
            </div>
          )}
          {byTeam ? (
            <SelectField label="Team" value={teamId} onChange={(e) => setTeamId(e.target.value)} error={errors.team_id} hint={people.teams.length === 0 ? 'No teams yet: create one under Users & teams, or choose people.' : 'Members by name, in turn.'}>
              <option value="">Choose a team…</option>
              {people.teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </SelectField>
          ) : distribution === 'single' ? (
            <SelectField label="Person" value={userIds[0] ?? ''} onChange={(e) => setUserIds(e.target.value ? [e.target.value] : [])} error={errors.user_ids}>
              <option value="">Choose a person…</option>
              {active.map((u) => <option key={u.id} value={u.id}>{u.full_name}</option>)}
            </SelectField>
          ) : (
            <div className="field">
              <span className="field__label" id="rule-people-label">People, in turn order</span>
              <div className="check-list" role="group" aria-labelledby="rule-people-label">
                {active.map((u) => (
                  <label key={u.id} className="check"><input type="checkbox" className="checkbox" checked={userIds.includes(u.id)} onChange={() => toggleUser(u.id)} /> {u.full_name}</label>
                ))}
              </div>
              {errors.user_ids && <p className="field__error" role="alert">{errors.user_ids}</p>}
            </div>
          )}
          {errors.team_id && !byTeam && <p className="field__error" role="alert">{errors.team_id}</p>}
        </fieldset>
        <label className="check"><input type="checkbox" className="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled</label>
        <ErrorMessage error={Object.keys(errors).length > 0 ? null : save.error} title="Not saved" />
      </form>
    </Dialog>
  );
}

function FallbackCard({ people }: { people: People }) {
  const fallback = useFallback();
  const save = useSaveFallback();
  const toast = useToast();
  const [choice, setChoice] = useState<string | null>(null);
  const current = choice ?? fallback.data?.user_id ?? '';
  const active = people.users.filter((u) => u.is_active || u.id === fallback.data?.user_id);
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : {};
  return (
    <Card title="Fallback owner">
      <form className="stack" aria-label="Fallback owner" onSubmit={(e) => { e.preventDefault(); save.mutate(current || null, { onSuccess: () => { setChoice(null); toast('Fallback owner saved'); } }); }}>
        <ErrorMessage error={fallback.error} title="The fallback owner could not be loaded" />
        <SelectField className="fallback-field" label="Leads no rule takes go to" value={current} onChange={(e) => setChoice(e.target.value)} error={errors.user_id}
          hint="A deactivated fallback owner gets nothing: such leads then stay unassigned.">
          <option value="">Nobody (leave them unassigned)</option>
          {active.map((u) => <option key={u.id} value={u.id}>{u.full_name}{u.is_active ? '' : ' (deactivated)'}</option>)}
        </SelectField>
        <div className="row">
          <Button type="submit" variant="primary" disabled={save.isPending || fallback.isPending}>{save.isPending ? 'Saving…' : 'Save fallback'}</Button>
        </div>
        {!(Object.keys(errors).length > 0) && <ErrorMessage error={save.error} title="Not saved" />}
      </form>
    </Card>
  );
}

const OUTCOMES: Record<DryRunRow['outcome'], { label: string; tone: 'good' | 'info' | 'warn' | 'neutral' }> = {
  rule: { label: 'Rule', tone: 'good' },
  fallback: { label: 'Fallback', tone: 'info' },
  none: { label: 'Unassigned', tone: 'warn' },
  owned: { label: 'Has an owner', tone: 'neutral' },
};

function DryRunCard() {
  const run = useDryRun();
  const [recent, setRecent] = useState('20');
  const rows = run.data?.data;
  return (
    <Card title="Dry run">
      <form className="stack" aria-label="Dry run" onSubmit={(e) => { e.preventDefault(); run.mutate(Math.min(200, Math.max(1, Number(recent) || 20))); }}>
        <p className="muted">Which rule would take each of the most recent leads without an owner, and who would get it. Nothing changes.</p>
        <div className="row dry-run__controls">
          <TextField label="Leads to check (1–200)" inputMode="numeric" value={recent} onChange={(e) => setRecent(e.target.value)} />
          <Button type="submit" disabled={run.isPending}>{run.isPending ? 'Checking…' : 'Run dry run'}</Button>
        </div>
        <ErrorMessage error={run.error} title="The dry run failed" />
      </form>
      {rows && rows.length === 0 && <EmptyState title="No unassigned leads">Every lead has an owner; new ones will be assigned as they arrive.</EmptyState>}
      {rows && rows.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Dry run result">
            <thead><tr><th scope="col">Lead</th><th scope="col">Would go to</th><th scope="col">How</th><th scope="col">Rule</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.lead_id}>
                  <td><Link to={`/leads/${r.lead_id}`}>{r.lead_name}</Link></td>
                  <td>{r.assigned_to_name ?? <span className="muted">nobody</span>}</td>
                  <td><Badge tone={OUTCOMES[r.outcome].tone}>{OUTCOMES[r.outcome].label}</Badge></td>
                  <td>{r.outcome === 'rule' ? r.rule_name : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
