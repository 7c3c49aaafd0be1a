/**
 * What a database error says about the database rather than about the request: it is
 * unreachable (restarting, stopped, network gone, pool exhausted) or out of space. The HTTP
 * edge answers these with 503/507 and Retry-After instead of a 500, and the workers and the
 * real-time hub wait and retry instead of logging every failed attempt.
 */
export type DatabaseFault = 'unreachable' | 'disk_full' | 'read_only';

// Node's socket errors when PostgreSQL is not listening or the connection drops.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// SQLSTATEs: 57P01 admin_shutdown (pg_ctl stop -m fast), 57P02 crash_shutdown (-m immediate),
// 57P03 cannot_connect_now (starting up or shutting down), 53300 too_many_connections,
// 25006 read_only_sql_transaction (a standby promoted late, or a read-only server).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
// 53100 disk_full; 53200 out_of_memory is not the operator's disk, so it stays a 500.
const STORAGE_SQLSTATES = new Set(['53100']);
// node-postgres and pg-pool report these as plain Errors without a code.
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^the database system is (starting up|shutting down|in recovery mode)/,
  /^terminating connection due to administrator command/,
];
// Out of space or a read-only folder under the embedded database (PGlite passes the OS's words on).
const STORAGE_MESSAGES = [/No space left on device/i, /ENOSPC/, /EDQUOT|Disk quota exceeded/i];
const READ_ONLY_MESSAGES = [/Read-only file system/i, /EROFS/];

export function databaseFault(error: unknown): DatabaseFault | undefined {
  // Wrapped errors (a cause, or AggregateError from trying IPv6 and IPv4) are looked through.
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const fault = own(current as { code?: unknown; message?: unknown });
    if (fault) return fault;
    const { cause, errors } = current as { cause?: unknown; errors?: unknown };
    if (cause) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return undefined;
}

function own(error: { code?: unknown; message?: unknown }): DatabaseFault | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (STORAGE_SQLSTATES.has(code) || code === 'ENOSPC' || code === 'EDQUOT' || STORAGE_MESSAGES.some((m) => m.test(message))) return 'disk_full';
  if (code === 'EROFS' || READ_ONLY_MESSAGES.some((m) => m.test(message))) return 'read_only';
  // Class 08: connection exceptions.
  if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return 'unreachable';
  if (UNAVAILABLE_MESSAGES.some((m) => m.test(message))) return 'unreachable';
  return undefined;
}
