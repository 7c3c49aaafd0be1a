import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';

export type SmtpAccount = ApiResponse<'/api/v1/email/relay', 'get'>;
export type SmtpBody = ApiBody<'/api/v1/email/relay', 'put'>;
export type EmailTemplate = ApiResponse<'/api/v1/email-templates/{id}', 'get'>;
export type TemplateBody = ApiBody<'/api/v1/email-templates', 'post'>;
export type Preview = ApiResponse<'/api/v1/email-templates/preview', 'post'>;
export type SendBody = ApiBody<'/api/v1/leads/{id}/emails', 'post'>;
export type EmailMessage = ApiResponse<'/api/v1/emails/{id}', 'get'>;
export type Scope = 'organization' | 'personal';

const keys = {
  account: (scope: Scope) => ['email', 'account', scope] as const,
  settings: ['email', 'settings'] as const,
  templates: ['email', 'templates'] as const,
  variables: ['email', 'variables'] as const,
  readiness: (leadId: string) => ['email', 'readiness', leadId] as const,
  leadEmails: (leadId: string) => ['email', 'lead', leadId] as const,
};

const accountPath = (scope: Scope) => (scope === 'organization' ? '/api/v1/email/relay' : '/api/v1/email/account') as '/api/v1/email/relay';

export function useSmtpAccount(scope: Scope, enabled = true) {
  return useQuery({ queryKey: keys.account(scope), queryFn: ({ signal }) => api.get(accountPath(scope), { signal }), enabled });
}

export function useSaveSmtpAccount(scope: Scope) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SmtpBody) => api.put(accountPath(scope), { body }),
    onSuccess: (data) => client.setQueryData(keys.account(scope), data),
  });
}

export function useRemoveSmtpAccount(scope: Scope) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.delete(accountPath(scope)),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.account(scope) }),
  });
}

export function useSendTest() {
  return useMutation({ mutationFn: (account: Scope) => api.post('/api/v1/email/test', { body: { account } }) });
}

export function useEmailSettings() {
  return useQuery({ queryKey: keys.settings, queryFn: ({ signal }) => api.get('/api/v1/email/settings', { signal }) });
}

export function useSaveEmailSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/email/settings', 'put'>) => api.put('/api/v1/email/settings', { body }),
    onSuccess: (data) => client.setQueryData(keys.settings, data),
  });
}

export function useTemplates(enabled = true) {
  return useQuery({ queryKey: keys.templates, queryFn: ({ signal }) => api.get('/api/v1/email-templates', { signal }), enabled });
}

export function useVariables() {
  return useQuery({ queryKey: keys.variables, queryFn: ({ signal }) => api.get('/api/v1/email-templates/variables', { signal }), staleTime: 60_000 });
}

export function useSaveTemplate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: TemplateBody }) =>
      id ? api.patch('/api/v1/email-templates/{id}', { params: { id }, body }) : api.post('/api/v1/email-templates', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.templates }),
  });
}

export function useDeleteTemplate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/email-templates/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.templates }),
  });
}

/** The rendering of unsaved text for a lead (or a sample lead): the editor's and the dialog's live preview. */
export function usePreview(draft: { subject: string; body_text: string; body_html: string | null; lead_id?: string | undefined } | null) {
  return useQuery({
    queryKey: ['email', 'preview', draft] as const,
    queryFn: ({ signal }) => api.post('/api/v1/email-templates/preview', { body: { ...draft!, ...(draft!.lead_id ? { lead_id: draft!.lead_id } : {}) }, signal }),
    enabled: draft !== null && draft.subject.length > 0 && draft.body_text.length > 0,
    placeholderData: (previous) => previous,
  });
}

export function useReadiness(leadId: string, enabled: boolean) {
  return useQuery({ queryKey: keys.readiness(leadId), queryFn: ({ signal }) => api.get('/api/v1/leads/{id}/emails/readiness', { params: { id: leadId }, signal }), enabled });
}

export function useLeadEmails(leadId: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.leadEmails(leadId),
    queryFn: ({ signal }) => api.get('/api/v1/leads/{id}/emails', { params: { id: leadId }, signal }),
    enabled,
    // Queued messages leave the queue within seconds: follow them until they are sent or failed.
    refetchInterval: (query) => (query.state.data?.data.some((m) => m.status === 'queued') ? 1500 : false),
  });
}

export function useSendEmail(leadId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SendBody) => api.post('/api/v1/leads/{id}/emails', { params: { id: leadId }, body }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.leadEmails(leadId) }),
  });
}
