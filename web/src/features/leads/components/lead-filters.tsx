import type { ReactNode } from 'react';
import { SelectField, TextField } from '../../../components/field';
import { humanize } from '../../../lib/format';
import { STATUSES } from './lead-columns';
import type { CustomField } from '../api/leads-api';
import type { Team, User } from '../../../api/types';

export const ENGAGEMENT = ['cold', 'warm', 'hot'] as const;

/** Every filter of GET /leads that the panel offers; values live in the URL. */
export const FILTER_KEYS = [
  'status', 'engagement_level', 'stage', 'source', 'campaign', 'tags_any', 'tags_all', 'assigned_to', 'team_id', 'score_min', 'score_max',
  'company', 'job_title', 'city', 'region', 'country', 'deal_value_min', 'deal_value_max', 'has_email', 'has_phone',
  'follow_up', 'follow_up_after', 'follow_up_before', 'last_contacted_after', 'last_contacted_before', 'created_after', 'created_before', 'updated_after', 'updated_before',
] as const;

function MultiCheck({ legend, name, options, value, onChange }: { legend: string; name: string; options: readonly string[]; value: string; onChange: (v: string) => void }) {
  const selected = new Set(value.split(',').filter(Boolean));
  return (
    <fieldset className="filter-group">
      <legend className="field__label">{legend}</legend>
      <div className="check-list">
        {options.map((o) => (
          <label key={o} className="check">
            <input
              type="checkbox"
              className="checkbox"
              name={name}
              checked={selected.has(o)}
              onChange={(e) => {
                const next = new Set(selected);
                if (e.target.checked) next.add(o);
                else next.delete(o);
                onChange([...next].join(','));
              }}
            />
            {humanize(o)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function LeadFilters({ values, onChange, customFields, users, teams, footer }: { values: Record<string, string>; onChange: (key: string, value: string) => void; customFields: CustomField[]; users: User[]; teams: Team[]; footer?: ReactNode }) {
  const v = (k: string) => values[k] ?? '';
  const text = (key: string, label: string, type = 'text', extra: Record<string, unknown> = {}) => <TextField label={label} type={type} value={v(key)} onChange={(e) => onChange(key, e.target.value)} {...extra} />;
  return (
    <div className="filters" aria-label="Filters" role="region">
      <MultiCheck legend="Status" name="status" options={STATUSES} value={v('status')} onChange={(x) => onChange('status', x)} />
      <MultiCheck legend="Engagement" name="engagement_level" options={ENGAGEMENT} value={v('engagement_level')} onChange={(x) => onChange('engagement_level', x)} />
      <div className="filter-grid">
        <SelectField label="Owner" value={v('assigned_to')} onChange={(e) => onChange('assigned_to', e.target.value)}>
          <option value="">Anyone</option>
          <option value="me">Me</option>
          <option value="none">Unassigned</option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.full_name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Team" value={v('team_id')} onChange={(e) => onChange('team_id', e.target.value)}>
          <option value="">Any team</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </SelectField>
        {text('company', 'Company starts with')}
        {text('job_title', 'Job title contains')}
        {text('city', 'City')}
        {text('region', 'State or region')}
        {text('country', 'Country', 'text', { hint: 'Name or two-letter code' })}
        {text('stage', 'Stage', 'text', { hint: 'e.g. Sales qualified' })}
        {text('source', 'Source', 'text', { hint: 'e.g. Organic search' })}
        {text('campaign', 'Campaign')}
        {text('tags_any', 'Any of these tags', 'text', { hint: 'Comma-separated' })}
        {text('tags_all', 'All of these tags', 'text', { hint: 'Comma-separated' })}
        {text('score_min', 'Score at least', 'number', { min: 0, max: 100 })}
        {text('score_max', 'Score at most', 'number', { min: 0, max: 100 })}
        {text('deal_value_min', 'Deal value at least', 'number', { min: 0 })}
        {text('deal_value_max', 'Deal value at most', 'number', { min: 0 })}
        <SelectField label="Email" value={v('has_email')} onChange={(e) => onChange('has_email', e.target.value)}>
          <option value="">Any</option>
          <option value="true">Has an email</option>
          <option value="false">No email</option>
        </SelectField>
        <SelectField label="Phone" value={v('has_phone')} onChange={(e) => onChange('has_phone', e.target.value)}>
          <option value="">Any</option>
          <option value="true">Has a phone</option>
          <option value="false">No phone</option>
        </SelectField>
        <SelectField label="Follow-up" value={v('follow_up')} onChange={(e) => onChange('follow_up', e.target.value)}>
          <option value="">Any</option>
          <option value="due">Due today</option>
          <option value="overdue">Overdue</option>
        </SelectField>
        {text('follow_up_after', 'Follow-up from', 'date')}
        {text('follow_up_before', 'Follow-up before', 'date')}
        {text('last_contacted_after', 'Last contacted after', 'date')}
        {text('last_contacted_before', 'Last contacted before', 'date')}
        {text('created_after', 'Created after', 'date')}
        {text('created_before', 'Created before', 'date')}
        {text('updated_after', 'Updated after', 'date')}
        {text('updated_before', 'Updated before', 'date')}
        {customFields.map((f) => {
          const key = `cf.${f.key}`;
          if (f.type === 'boolean' || (f.type === 'category' && f.categories.length > 0)) {
            const options = f.type === 'boolean' ? ['true', 'false'] : f.categories;
            return (
              <SelectField key={key} label={f.label} value={v(key)} onChange={(e) => onChange(key, e.target.value)}>
                <option value="">Any</option>
                {options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </SelectField>
            );
          }
          return <TextField key={key} label={f.label} value={v(key)} onChange={(e) => onChange(key, e.target.value)} hint="Exact value" />;
        })}
      </div>
      {footer}
    </div>
  );
}
