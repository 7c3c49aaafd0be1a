import type { Lead } from '../../../api/types';
import { Card } from '../../../components/page';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../../lib/format';
import { label } from '../../../lib/labels';
import { useCurrentUser } from '../../../lib/session';
import { useCustomFields, useUsers, type CustomField, type LeadPatch } from '../api/leads-api';
import { InlineField, InputError, type Control } from './inline-field';
import { STATUSES } from './lead-columns';

type Address = NonNullable<Lead['address']>;
type Row = Omit<Parameters<typeof InlineField>[0], 'leadId' | 'canEdit'> & { readOnly?: boolean };

const EMPTY = '—';
const text = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? EMPTY : v);
/** The text typed as the value stored: trimmed, empty as null. */
const orNull = (draft: string) => (draft.trim() === '' ? null : draft.trim());
/** A PATCH only when the value changes. */
const changed = <K extends keyof LeadPatch>(key: K, before: unknown, after: LeadPatch[K]): LeadPatch | null =>
  JSON.stringify(before ?? null) === JSON.stringify(after ?? null) ? null : ({ [key]: after } as LeadPatch);

function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function textField(lead: Lead, key: 'first_name' | 'last_name' | 'email' | 'phone' | 'company' | 'job_title' | 'campaign', name: string, type: 'text' | 'email' = 'text'): Row {
  return {
    name: key, label: name, display: text(lead[key]), initial: lead[key] ?? '', control: { type }, errorKeys: [key],
    toPatch: (d) => changed(key, lead[key], orNull(d)),
  };
}

/** A stored code shown as words ("organic_search" → "Organic search"); edited as stored. */
function codeField(lead: Lead, key: 'stage' | 'source', name: string): Row {
  return {
    name: key, label: name, display: label(lead[key], EMPTY), initial: lead[key] ?? '', control: { type: 'text' }, errorKeys: [key],
    toPatch: (d) => changed(key, lead[key], orNull(d)),
  };
}

const regionNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(undefined, { type: 'region' }) : undefined;
function countryName(address: Address | null): string | undefined {
  if (address?.country) return address.country;
  if (!address?.country_code) return undefined;
  try {
    return regionNames?.of(address.country_code.toUpperCase()) ?? address.country_code;
  } catch {
    return address.country_code;
  }
}

const ADDRESS_PARTS: { key: keyof Address; label: string }[] = [
  { key: 'street', label: 'Street' },
  { key: 'city', label: 'City' },
  { key: 'state', label: 'State / region' },
  { key: 'postal_code', label: 'Postal code' },
  { key: 'country', label: 'Country' },
];

/**
 * One part of the address: the PATCH sends only that part (null when emptied), which the
 * server merges into the stored address, so parts others changed since the page loaded stay.
 */
function addressField(lead: Lead, part: { key: keyof Address; label: string }): Row {
  const current = lead.address ?? {};
  const shown = part.key === 'country' ? countryName(lead.address) : current[part.key];
  return {
    name: `address-${part.key}`, label: part.label, display: text(shown), initial: shown ?? '', control: { type: 'text' }, errorKeys: [`address.${part.key}`, 'address'],
    toPatch: (d) => {
      const value = orNull(d);
      if ((value ?? '') === (shown ?? '')) return null;
      const change: NonNullable<LeadPatch['address']> = { [part.key]: value };
      // A country typed by hand replaces the one the code named.
      if (part.key === 'country' && current.country_code !== undefined) change.country_code = null;
      return { address: change };
    },
  };
}

function customDisplay(value: unknown, type: CustomField['type'] | undefined): string {
  if (value === null || value === undefined || value === '') return EMPTY;
  if (type === 'boolean' || typeof value === 'boolean') return value === true || value === 'true' ? 'Yes' : value === false || value === 'false' ? 'No' : String(value);
  if (type === 'number' && typeof value === 'number') return formatNumber(value);
  if (type === 'date' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return formatDate(value);
  if (type === 'category' && typeof value === 'string') return label(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function customControl(field: CustomField | undefined): Control {
  switch (field?.type) {
    case 'number':
      return { type: 'number' };
    case 'date':
      return { type: 'date' };
    case 'boolean':
      return { type: 'select', options: [{ value: '', label: EMPTY }, { value: 'true', label: 'Yes' }, { value: 'false', label: 'No' }] };
    case 'category':
      return { type: 'text', suggestions: field.categories };
    default:
      return { type: 'text' };
  }
}

function customValue(draft: string, field: CustomField | undefined): unknown {
  const t = draft.trim();
  if (t === '') return undefined;
  if (field?.type === 'number') {
    const n = Number(t);
    if (!Number.isFinite(n)) throw new InputError(`${field.label} must be a number, like 1200 or 3.5.`);
    return n;
  }
  if (field?.type === 'boolean') return t === 'true';
  return t;
}

function inferred(key: string, value: unknown): CustomField {
  const type = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text';
  return { key, label: label(key), type, categories: [], source_import_id: null } as unknown as CustomField;
}

/** Every custom field: the organization's catalogue first (so empty ones can be filled in), then any other key the lead holds. */
function customRows(lead: Lead, catalogue: CustomField[]): Row[] {
  const byKey = new Map(catalogue.map((f) => [f.key, f]));
  const keys = [...catalogue.map((f) => f.key), ...Object.keys(lead.custom_fields).filter((k) => !byKey.has(k)).sort()];
  return keys.map((key) => {
    const value = lead.custom_fields[key];
    // Outside the catalogue (set through the API): the value's own type decides the control.
    const field = byKey.get(key) ?? inferred(key, value);
    const initial = value === null || value === undefined ? '' : field?.type === 'date' && typeof value === 'string' ? value.slice(0, 10) : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return {
      name: `cf-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`, label: field.label, display: customDisplay(value, field?.type), initial, control: customControl(field), errorKeys: ['custom_fields', `custom_fields.${key}`],
      toPatch: (d: string) => {
        const next = customValue(d, field);
        if (JSON.stringify(next ?? null) === JSON.stringify(value ?? null)) return null;
        // Only this key (null removes it): the server merges it, so keys an import or another user set meanwhile stay.
        return { custom_fields: { [key]: next ?? null } };
      },
    };
  });
}

/**
 * The owner: a manager or admin picks anyone active; a sales rep may only take the lead
 * themselves (the server refuses them assigning to others: README, roles), so only the
 * current owner and "me" are offered.
 */
function ownerRow(lead: Lead, users: { id: string; full_name: string; is_active: boolean }[], me: string | undefined, canAssign: boolean): Row {
  const name = (id: string | null) => (id === null ? 'Unassigned' : (users.find((u) => u.id === id)?.full_name ?? 'A former user'));
  const offered = canAssign ? users.filter((u) => u.is_active || u.id === lead.assigned_to) : users.filter((u) => u.id === lead.assigned_to || u.id === me);
  const options = [
    ...(canAssign || lead.assigned_to === null ? [{ value: '', label: 'Unassigned' }] : []),
    ...offered.map((u) => ({ value: u.id, label: u.id === me ? `${u.full_name} (me)` : u.full_name })),
  ];
  return {
    name: 'assigned_to', label: 'Owner', display: name(lead.assigned_to), initial: lead.assigned_to ?? '', control: { type: 'select', options }, errorKeys: ['assigned_to'],
    toPatch: (d) => changed('assigned_to', lead.assigned_to, d === '' ? null : d),
  };
}

function Section({ title, rows, lead, canEdit }: { title: string; rows: Row[]; lead: Lead; canEdit: boolean }) {
  if (rows.length === 0) return null;
  return (
    <section className="profile-section" aria-label={title}>
      <h3 className="profile-section__title">{title}</h3>
      <dl className="profile-list">
        {rows.map(({ readOnly, ...row }) => (
          <InlineField key={row.name} leadId={lead.id} canEdit={canEdit && !readOnly} {...row} />
        ))}
      </dl>
    </section>
  );
}

function DateRow({ term, value }: { term: string; value: string | null }) {
  return (
    <div className="profile-list__row">
      <dt>{term}</dt>
      <dd className="profile-list__static">{value ? <time dateTime={value}>{formatDateTime(value)}</time> : EMPTY}</dd>
    </div>
  );
}

/** The lead's fields, grouped: who, where, the deal, custom fields, and when things happened. */
export function LeadProfile({ lead, canEdit, canAssign }: { lead: Lead; canEdit: boolean; canAssign: boolean }) {
  const users = useUsers().data?.data ?? [];
  const catalogue = useCustomFields().data?.data ?? [];
  const me = useCurrentUser()?.user?.id;

  const contact: Row[] = [
    textField(lead, 'first_name', 'First name'),
    textField(lead, 'last_name', 'Last name'),
    textField(lead, 'email', 'Email', 'email'),
    textField(lead, 'phone', 'Phone'),
    textField(lead, 'company', 'Company'),
    textField(lead, 'job_title', 'Job title'),
  ];
  const deal: Row[] = [
    { ...ownerRow(lead, users, me, canAssign), readOnly: !canAssign && lead.assigned_to === me && lead.assigned_to !== null },
    {
      name: 'status', label: 'Status', display: label(lead.status), initial: lead.status, control: { type: 'select', options: STATUSES.map((s) => ({ value: s, label: label(s) })) }, errorKeys: ['status'],
      toPatch: (d) => changed('status', lead.status, d as Lead['status']),
    },
    codeField(lead, 'stage', 'Stage'),
    codeField(lead, 'source', 'Source'),
    textField(lead, 'campaign', 'Campaign'),
    {
      name: 'deal_value', label: 'Deal value', display: formatMoney(lead.deal_value), initial: lead.deal_value === null ? '' : String(lead.deal_value), control: { type: 'number' }, errorKeys: ['deal_value'],
      toPatch: (d) => {
        const t = d.trim();
        const n = t === '' ? null : Number(t);
        if (n !== null && !Number.isFinite(n)) throw new InputError('Deal value must be a number, like 25000.');
        return changed('deal_value', lead.deal_value, n);
      },
    },
    {
      name: 'tags', label: 'Tags', display: lead.tags.length ? lead.tags.join(', ') : EMPTY, initial: lead.tags.join(', '), control: { type: 'text' }, errorKeys: ['tags'],
      toPatch: (d) => changed('tags', lead.tags, d.split(',').map((s) => s.trim()).filter(Boolean)),
    },
    {
      name: 'next_follow_up_at', label: 'Next follow-up', display: formatDateTime(lead.next_follow_up_at), initial: toLocalInput(lead.next_follow_up_at), control: { type: 'datetime-local' }, errorKeys: ['next_follow_up_at'],
      toPatch: (d) => {
        const next = d.trim() === '' ? null : new Date(d).toISOString();
        return next === (lead.next_follow_up_at ? new Date(lead.next_follow_up_at).toISOString() : null) ? null : { next_follow_up_at: next };
      },
    },
  ];
  const address = ADDRESS_PARTS.map((p) => addressField(lead, p));
  const custom = customRows(lead, catalogue);

  return (
    <Card title="Profile" actions={!canEdit ? <span className="muted">Read only</span> : <span className="muted">Click a value to change it</span>}>
      <div className="stack">
        <Section title="Contact" rows={contact} lead={lead} canEdit={canEdit} />
        <Section title="Deal" rows={deal} lead={lead} canEdit={canEdit} />
        <Section title="Address" rows={address} lead={lead} canEdit={canEdit} />
        <section className="profile-section" aria-label="Custom fields">
          <h3 className="profile-section__title">Custom fields</h3>
          {custom.length ? (
            <dl className="profile-list">
              {custom.map((row) => (
                <InlineField key={row.name} leadId={lead.id} canEdit={canEdit} {...row} />
              ))}
            </dl>
          ) : (
            <p className="muted small">No custom fields yet: they come with an import (extra columns) or through the API.</p>
          )}
        </section>
        <section className="profile-section" aria-label="Dates">
          <h3 className="profile-section__title">Dates</h3>
          <dl className="profile-list">
            <DateRow term="Created" value={lead.created_at} />
            <DateRow term="Last contacted" value={lead.last_contacted_at} />
            <DateRow term="Status changed" value={lead.status_changed_at} />
            <DateRow term="Updated" value={lead.updated_at} />
          </dl>
        </section>
      </div>
    </Card>
  );
}
