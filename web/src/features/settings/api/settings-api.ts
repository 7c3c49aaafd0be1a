import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type Organization = ApiResponse<'/api/v1/organization', 'get'>;
export type OrganizationPatch = ApiBody<'/api/v1/organization', 'patch'>;
export type User = ApiResponse<'/api/v1/users', 'get'>['data'][number];
export type UserPatch = ApiBody<'/api/v1/users/{id}', 'patch'>;
export type Role = User['role'];
export type Team = ApiResponse<'/api/v1/teams', 'get'>['data'][number];
export type TeamBody = ApiBody<'/api/v1/teams', 'post'>;
export type Invitation = ApiResponse<'/api/v1/invitations', 'get'>['data'][number];
export type InvitationBody = ApiBody<'/api/v1/invitations', 'post'>;
export type InvitationCreated = ApiResponse<'/api/v1/invitations', 'post'>;
export type ApiKey = ApiResponse<'/api/v1/api-keys', 'get'>['data'][number];
export type ApiKeyBody = ApiBody<'/api/v1/api-keys', 'post'>;
export type ApiKeyCreated = ApiResponse<'/api/v1/api-keys', 'post'>;
export type TrackingKey = ApiResponse<'/api/v1/tracking/keys', 'get'>['data'][number];
export type RecentEvents = ApiResponse<'/api/v1/tracking/events', 'get'>;
export type Model = ApiResponse<'/api/v1/models', 'get'>['data'][number];
export type CalibrationBin = Model['calibration'][number];

/** Role names as people read them; keyed by the server's roles so a new role fails the type check. */
export const ROLES: Record<Role, { label: string; hint: string }> = {
  admin: { label: 'Admin', hint: 'Everything, including users, API keys and the scoring model' },
  manager: { label: 'Manager', hint: 'Their teams’ leads, assignment, imports, teams' },
  sales_rep: { label: 'Sales rep', hint: 'Their own and their team’s leads' },
  marketing: { label: 'Marketing', hint: 'Imports and website tracking; reads leads' },
  viewer: { label: 'Viewer', hint: 'Reads everything, changes nothing' },
};

// Organization
export function useOrganizationSettings() {
  return useQuery({ queryKey: queryKeys.organization, queryFn: ({ signal }) => api.get('/api/v1/organization', { signal }) });
}
export function useUpdateOrganization() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: OrganizationPatch) => api.patch('/api/v1/organization', { body }),
    onSuccess: (org) => {
      client.setQueryData(queryKeys.organization, org);
      return client.invalidateQueries({ queryKey: queryKeys.me });
    },
  });
}

// Users, invitations, teams
export function useUsers() {
  return useQuery({ queryKey: queryKeys.users.all, queryFn: ({ signal }) => api.get('/api/v1/users', { signal }) });
}
export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UserPatch }) => api.patch('/api/v1/users/{id}', { params: { id }, body }),
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: queryKeys.users.all }), client.invalidateQueries({ queryKey: queryKeys.teams.all })]),
  });
}
export function useInvitations(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.invitations.all, queryFn: ({ signal }) => api.get('/api/v1/invitations', { signal }), enabled });
}
export function useInvite() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: InvitationBody) => api.post('/api/v1/invitations', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.invitations.all }),
  });
}
export function useRevokeInvitation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/invitations/{id}', { params: { id } }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.invitations.all }),
  });
}
export function useTeams() {
  return useQuery({ queryKey: queryKeys.teams.all, queryFn: ({ signal }) => api.get('/api/v1/teams', { signal }) });
}
export function useCreateTeam() {
  const client = useQueryClient();
  return useMutation({ mutationFn: (body: TeamBody) => api.post('/api/v1/teams', { body }), onSettled: () => client.invalidateQueries({ queryKey: queryKeys.teams.all }) });
}
export function useUpdateTeam() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: Partial<TeamBody> }) => api.patch('/api/v1/teams/{id}', { params: { id }, body }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.teams.all }),
  });
}
export function useDeleteTeam() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/teams/{id}', { params: { id } }),
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: queryKeys.teams.all }), client.invalidateQueries({ queryKey: queryKeys.users.all })]),
  });
}

// API keys
export function useApiKeys(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.apiKeys.all, queryFn: ({ signal }) => api.get('/api/v1/api-keys', { signal }), enabled });
}
export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({ mutationFn: (body: ApiKeyBody) => api.post('/api/v1/api-keys', { body }), onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.apiKeys.all }) });
}
export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/api-keys/{id}', { params: { id } }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.apiKeys.all }),
  });
}

// Tracking
export function useTrackingKeys(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.trackingKeys.all, queryFn: ({ signal }) => api.get('/api/v1/tracking/keys', { signal }), enabled });
}
export function useCreateTrackingKey() {
  const client = useQueryClient();
  return useMutation({ mutationFn: (name: string) => api.post('/api/v1/tracking/keys', { body: { name } }), onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.trackingKeys.all }) });
}
export function useRotateTrackingKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/api/v1/tracking/keys/{id}/rotate', { params: { id } }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.trackingKeys.all }),
  });
}
/** The install check: refreshed every 10 s while the Tracking tab is open. */
export function useRecentTrackingEvents(enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.trackingEvents.all,
    queryFn: ({ signal }) => api.get('/api/v1/tracking/events', { query: { limit: 10 }, signal }),
    enabled,
    refetchInterval: 10_000,
  });
}

// Scoring models
export function useModels(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.models.all, queryFn: ({ signal }) => api.get('/api/v1/models', { signal }), enabled });
}
export function useTrainModel() {
  return useMutation({ mutationFn: () => api.post('/api/v1/models/train', { body: {} }) });
}
export function useActivateModel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (version: string) => api.post('/api/v1/models/{version}/activate', { params: { version }, body: {} }),
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: queryKeys.models.all }), client.invalidateQueries({ queryKey: queryKeys.leads.all })]),
  });
}
