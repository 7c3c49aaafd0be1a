import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/button';
import { ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { TextAreaField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { useCan } from '../../../lib/session';
import { useOrganizationSettings, useUpdateOrganization, type Organization } from '../api/settings-api';

const lines = (v: unknown): string => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join('\n') : '');
const list = (text: string) => [...new Set(text.split(/\n|,/).map((s) => s.trim()).filter(Boolean))];

export function OrganizationTab() {
  const org = useOrganizationSettings();
  if (org.error) return <ErrorMessage error={org.error} title="The organization could not be loaded" />;
  if (!org.data) return <Card><SkeletonBlock lines={6} label="Loading organization" /></Card>;
  return <OrganizationForm key={org.data.id} org={org.data} />;
}

function OrganizationForm({ org }: { org: Organization }) {
  const canEdit = useCan('org:update');
  const update = useUpdateOrganization();
  const toast = useToast();
  const settings = org.settings;
  const ai = (settings.ai ?? {}) as { llm_enabled?: unknown };
  const [name, setName] = useState(org.name);
  const [domain, setDomain] = useState(org.domain ?? '');
  const [industry, setIndustry] = useState(org.industry ?? '');
  const [competitors, setCompetitors] = useState(lines(settings.competitors));
  const [products, setProducts] = useState(lines(settings.products));
  const [llm, setLlm] = useState(ai.llm_enabled === true);
  const fieldErrors = update.error instanceof ApiError ? update.error.fieldErrors : {};

  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate(
      { name, domain: domain.trim() || null, industry: industry.trim() || null, settings: { competitors: list(competitors), products: list(products), ai: { llm_enabled: llm } } },
      { onSuccess: () => toast('Organization saved') },
    );
  };

  return (
    <form onSubmit={submit} className="settings-grid" aria-label="Organization settings">
      {!canEdit && (
        <p className="alert alert--info settings-grid__note">You can read these settings; only admins can change them.</p>
      )}
      <Card title="Organization">
        <fieldset className="stack" disabled={!canEdit}>
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={fieldErrors.name} required />
          <TextField label="Website domain" value={domain} onChange={(e) => setDomain(e.target.value)} error={fieldErrors.domain} placeholder="example.com" />
          <TextField label="Industry" value={industry} onChange={(e) => setIndustry(e.target.value)} error={fieldErrors.industry} />
        </fieldset>
      </Card>
      <Card title="Conversation analysis">
        <fieldset className="stack" disabled={!canEdit}>
          <TextAreaField
            label="Competitors"
            hint="One per line. Mentions in emails and calls raise competitor-threat insights."
            value={competitors}
            onChange={(e) => setCompetitors(e.target.value)}
            error={fieldErrors['settings.competitors']}
            rows={4}
          />
          <TextAreaField label="Products" hint="One per line. Recognised in conversations as product interest." value={products} onChange={(e) => setProducts(e.target.value)} error={fieldErrors['settings.products']} rows={4} />
          <div className="field">
            <label className="switch">
              <input type="checkbox" className="checkbox" checked={llm} onChange={(e) => setLlm(e.target.checked)} aria-describedby="llm-hint" />
              <span className="field__label">Analyse conversations with the LLM provider</span>
            </label>
            <p id="llm-hint" className="field__hint">
              Message text is sent to the provider configured on the server (LEADAI_LLM_*). Off: everything is analysed on this machine. No effect while the server has no provider.
            </p>
            {fieldErrors['settings.ai.llm_enabled'] && <p className="field__error">{fieldErrors['settings.ai.llm_enabled']}</p>}
          </div>
        </fieldset>
      </Card>
      <div className="settings-grid__actions">
        <ErrorMessage error={update.error} title="Not saved" />
        {canEdit ? (
          <Button type="submit" variant="primary" busy={update.isPending}>
            Save changes
          </Button>
        ) : (
          <p className="muted">Only admins can change organization settings.</p>
        )}
      </div>
    </form>
  );
}
