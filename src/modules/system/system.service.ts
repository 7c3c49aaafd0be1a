import type { Database } from '../../db/connect.ts';
import * as q from './system.queries.ts';

export const VERSION = '0.1.0';

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  database: { mode: 'embedded' | 'server'; reachable: boolean; migration: string | null };
  uptime_seconds: number;
}

export interface DemoLogin {
  email: string;
  password: string;
}

export interface SystemService {
  /** Set when this process created the demo organization: the status page shows it. */
  readonly demoLogin: DemoLogin | undefined;
  health(): Promise<Health>;
  overview(): Promise<{ organizations: number; mode: 'embedded' | 'server' }>;
}

export function createSystemService(database: Database, demoLogin?: DemoLogin): SystemService {
  const started = Date.now();
  return {
    demoLogin,
    async health() {
      try {
        await q.ping(database.db);
        return {
          status: 'ok',
          version: VERSION,
          database: { mode: database.mode, reachable: true, migration: await q.latestMigration(database.db) },
          uptime_seconds: Math.round((Date.now() - started) / 1000),
        };
      } catch {
        return {
          status: 'degraded',
          version: VERSION,
          database: { mode: database.mode, reachable: false, migration: null },
          uptime_seconds: Math.round((Date.now() - started) / 1000),
        };
      }
    },
    async overview() {
      return { organizations: await q.organizationCount(database.db), mode: database.mode };
    },
  };
}
