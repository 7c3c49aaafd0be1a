/**
 * Domain errors carry a stable code; the HTTP edge and the CLI map codes to status codes
 * and exit codes in one place each. Domain code never throws HTTP errors. `bad_request` is
 * input no client could have meant (a made-up cursor, text PostgreSQL cannot store: 400);
 * `validation` is a well-formed request the rules refuse (422).
 */
export type DomainErrorCode =
  | 'bad_request'
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'precondition_failed'
  | 'gone'
  // The database cannot be used right now (restarting, unreachable, read-only): try again later.
  | 'unavailable'
  // The disk under the database is full: nothing can be saved until space is freed.
  | 'insufficient_storage';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
