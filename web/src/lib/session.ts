import { useQuery } from '@tanstack/react-query';
import type { Me } from '../api/types';
import { api, ApiError } from './api-client';
import { queryKeys } from './query-keys';

/**
 * Who is signed in, with their role and permissions (GET /api/v1/me). Shared by every
 * feature: controls a role may not use are hidden or disabled with `useCan`; the server
 * refuses them anyway.
 */
export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: async ({ signal }) => {
      // Signed-in browsers hold the readable leadai_csrf cookie; without it, skip a certain 401.
      if (!hasSessionCookie()) return null;
      try {
        return await api.get('/api/v1/me', { signal });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 5 * 60_000,
  });
}

function hasSessionCookie(): boolean {
  return /(?:^|;\s*)leadai_csrf=/.test(document.cookie);
}

/** Actions as the server names them in Me.permissions, e.g. 'leads:write'. */
export type Permission = Me['permissions'][number];

export function useCan(permission: Permission): boolean {
  const me = useMe().data;
  return !!me?.permissions.includes(permission);
}

/** For pages inside the signed-in shell (RequireAuth has loaded /me before they render). */
export function useCurrentUser(): NonNullable<Me> | undefined {
  return useMe().data ?? undefined;
}
