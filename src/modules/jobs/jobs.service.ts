import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenantRead } from '../../db/tenant.ts';
import { getJob } from '../../jobs/queue.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';

/**
 * Background work as the people who started it see it: status and progress of a job of
 * their organization (a model being trained, every lead being rescored). Row Level
 * Security keeps other organizations' and system jobs out of reach.
 */
export function createJobsService(db: Kysely<DB>) {
  return {
    async get(ctx: AuthContext, id: number) {
      authorize(ctx, 'org:read');
      const job = await withTenantRead(db, ctx, (tx) => getJob(tx, id));
      if (!job) throw new DomainError('not_found', 'No job of your organization has this id.');
      return {
        id: job.id, queue: job.queue, status: job.status, progress: job.progress, attempts: job.attempts, max_attempts: job.max_attempts,
        result: job.result, last_error: job.last_error, created_at: job.created_at, started_at: job.started_at, finished_at: job.finished_at,
      };
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
