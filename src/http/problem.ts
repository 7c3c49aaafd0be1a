import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { databaseFault, type DatabaseFault } from '../db/db-faults.ts';
import { DomainError, assertUnreachable, type DomainErrorCode } from '../shared/errors.ts';
import { fieldName } from './validation-messages.ts';

/**
 * RFC 9457 problem details. Every error leaves the server in this shape, with a stable
 * `type`, a human `title` and a `detail` that says what to do; 500s say nothing internal.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://leadai.dev/problems/';

export function statusOf(code: DomainErrorCode): { status: number; title: string } {
  switch (code) {
    case 'bad_request':
      return { status: 400, title: 'The request is not valid' };
    case 'validation':
      return { status: 422, title: 'The request is not valid' };
    case 'not_found':
      return { status: 404, title: 'Not found' };
    case 'conflict':
      return { status: 409, title: 'Conflict' };
    case 'unauthenticated':
      return { status: 401, title: 'Authentication required' };
    case 'forbidden':
      return { status: 403, title: 'Not allowed' };
    case 'rate_limited':
      return { status: 429, title: 'Too many requests' };
    case 'precondition_failed':
      return { status: 412, title: 'Precondition failed' };
    case 'gone':
      return { status: 410, title: 'Gone' };
    case 'unavailable':
      return { status: 503, title: 'Service unavailable' };
    case 'insufficient_storage':
      return { status: 507, title: 'Insufficient storage' };
    default:
      return assertUnreachable(code);
  }
}

export function problemFromError(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof DomainError) {
    const { status, title } = statusOf(error.code);
    return { type: PROBLEM_TYPE_BASE + error.code.replaceAll('_', '-'), title, status, detail: error.message, instance: request.url, ...error.details };
  }
  const fault = databaseFault(error);
  if (fault) {
    noteDatabaseFault(fault, error, request);
    return problemFromError(DATABASE_FAULTS[fault], request);
  }
  const fastifyError = error as Partial<FastifyError> & { validationContext?: string };
  if (fastifyError.validation) {
    const errors = fastifyError.validation.flatMap((v) => {
      const field = fieldName(String(v.instancePath || (v.params as { missingProperty?: string })?.missingProperty || ''));
      const message = v.message ?? 'is not valid';
      // An unknown field is reported on its parent object: name the field itself.
      const keys = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] })?.keys ?? []) : [];
      return keys.length > 0 ? keys.map((key) => ({ field: field ? `${field}.${key}` : key, message })) : [{ field, message }];
    });
    const context = fastifyError.validationContext;
    const where = context === 'querystring' ? 'query parameter ' : context === 'params' ? 'path parameter ' : '';
    const whole = context === 'querystring' ? 'the query string' : context === 'params' ? 'the address' : 'the request body';
    return {
      type: PROBLEM_TYPE_BASE + 'validation',
      title: 'The request is not valid',
      status: 400,
      detail: errors.map((e) => (e.field ? `${where}${e.field}: ${e.message}` : `${whole}: ${e.message}`)).join('; ') + '.',
      instance: request.url,
      errors,
    };
  }
  const known = (fastifyError.code && FRAMEWORK[fastifyError.code]) || multipartFault(fastifyError);
  if (known) {
    const status = known.status ?? fastifyError.statusCode ?? 400;
    return { type: PROBLEM_TYPE_BASE + known.type, title: known.title, status, detail: typeof known.detail === 'function' ? known.detail(request) : known.detail, instance: safeUrl(request) };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { type: PROBLEM_TYPE_BASE + `http-${status}`, title: STATUS_CODES[status] ?? 'Bad request', status, detail: fastifyError.message ?? 'The request is not valid.', instance: safeUrl(request) };
  }
  return {
    type: PROBLEM_TYPE_BASE + 'internal',
    title: 'Internal server error',
    status: 500,
    detail: 'Something went wrong on our side. It has been logged; try again, and report it if it keeps happening.',
    instance: safeUrl(request),
  };
}

/**
 * The database failing (not the request): the same answer for every request meanwhile, in
 * words for the person waiting, with Retry-After (sendProblem). Details go to the log.
 */
const DATABASE_FAULTS: Record<DatabaseFault, DomainError> = {
  unreachable: new DomainError('unavailable', 'The database is not reachable right now (it may be restarting). This request may not have been saved; try again in a few seconds.'),
  read_only: new DomainError('unavailable', "The server's data storage is read-only, so nothing can be saved right now. An administrator must make it writable again; try again later."),
  disk_full: new DomainError('insufficient_storage', "The server's disk is full, so nothing can be saved right now. An administrator must free some space; LeadAI resumes by itself once there is room."),
};

// Seconds a client is asked to wait (Retry-After) by status.
const RETRY_AFTER: Record<number, number> = { 503: 5, 507: 30 };

// An outage fails every request: one log line per kind of fault every half minute, not one per request.
const LOG_FAULT_EVERY_MS = 30_000;
const faultLoggedAt = new Map<DatabaseFault, number>();
function noteDatabaseFault(fault: DatabaseFault, error: unknown, request: FastifyRequest): void {
  const now = Date.now();
  if (now - (faultLoggedAt.get(fault) ?? 0) < LOG_FAULT_EVERY_MS) return;
  faultLoggedAt.set(fault, now);
  request.log.warn({ err: error, fault }, `database ${fault.replace('_', ' ')}: requests answer ${fault === 'disk_full' ? 507 : 503} until it is back (logged at most every ${LOG_FAULT_EVERY_MS / 1000} s)`);
}

interface KnownFault { type: string; title: string; status?: number; detail: string | ((request: FastifyRequest) => string) }

/** Errors Fastify and its plugins raise before a route runs, by code, in words a person acts on. */
const FRAMEWORK: Record<string, KnownFault> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { type: 'malformed-json', title: 'The request body is not valid JSON', detail: 'The body is not valid JSON although its content-type is application/json: look for a missing quote, brace or comma, or a comma before a closing brace.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { type: 'malformed-json', title: 'The request body is empty', detail: 'The content-type is application/json but the body is empty: send a JSON object, or no content-type header.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { type: 'too-large', title: 'The request body is too large', detail: 'The body is larger than this server accepts (1 MB for JSON): send less at once, or upload files through /api/v1/imports.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { type: 'malformed-request', title: 'The request body is incomplete', detail: 'The body is not as long as its Content-Length header says; send the request again.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { type: 'unsupported-media-type', title: 'Unsupported content type', detail: (request) => `This route takes application/json (file uploads: multipart/form-data), not ${request.headers['content-type'] ?? 'a body without a content-type'}.` },
  FST_ERR_BAD_URL: { type: 'malformed-url', title: 'The address is not valid', status: 400, detail: 'A part of the address is not valid percent-encoding (like %E0%A4%A, or an encoded half of a character): encode each part with encodeURIComponent.' },
  FST_ERR_MAX_PARAM_LENGTH: { type: 'malformed-url', title: 'A part of the address is too long', status: 414, detail: 'A path parameter (an id) is too long for any route here: ids are UUIDs like 0193609e-3000-75cb-8630-c62afa0e2a4d.' },
  // The web app's file server refuses addresses it cannot map to one file ("..", "//", or a
  // name longer than a file name can be). An API address whose id is too long for its route
  // falls through to it too: it answered a bare "Forbidden".
  FST_STATIC_FORBIDDEN_PATH: {
    type: 'not-found', title: 'Not found', status: 404,
    detail: (request) => (request.url.startsWith('/api/')
      ? 'There is no route at this address: a part of it is too long or not in canonical form ("..", "//"). Ids are UUIDs like 0193609e-3000-75cb-8630-c62afa0e2a4d.'
      : 'No file or page is served at this address: it has ".." or "//" in it, or a name longer than a file name can be.'),
  },
  FST_REQ_FILE_TOO_LARGE: { type: 'too-large', title: 'The file is too large', detail: 'The uploaded file is larger than this server accepts; split it, or raise the limit (LEADAI_IMPORT_MAX_MB).' },
  FST_PARTS_LIMIT: { type: 'too-large', title: 'Too many parts in the upload', detail: 'Send one file, in a multipart field named "file".' },
  FST_FILES_LIMIT: { type: 'too-large', title: 'Too many files in the upload', detail: 'Send one file, in a multipart field named "file".' },
  FST_FIELDS_LIMIT: { type: 'too-large', title: 'Too many fields in the upload', detail: 'Send one file, in a multipart field named "file".' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { type: 'unsupported-media-type', title: 'The upload is not multipart', status: 415, detail: 'Send the file as multipart/form-data, in a field named "file".' },
  FST_MP_PREMATURE_CLOSE: { type: 'malformed-request', title: 'The upload is incomplete', status: 400, detail: 'The upload ended before the file did; send it again.' },
  FST_PROTO_VIOLATION: { type: 'malformed-request', title: 'The upload is not valid', status: 400, detail: 'A multipart field name is not allowed; send the file in a field named "file".' },
};

/**
 * The multipart parser (busboy) reports a cut-off or malformed upload as a plain Error
 * without a code; its messages are stable, and they are the client's doing, not ours.
 */
function multipartFault(error: Partial<FastifyError>): KnownFault | undefined {
  if (error.statusCode !== undefined || typeof error.message !== 'string') return undefined;
  if (!/unexpected end of multipart data|^Multipart: Boundary not found/i.test(error.message)) return undefined;
  return { type: 'malformed-request', title: 'The upload is incomplete', status: 400, detail: 'The multipart upload is cut off or malformed (it ends before its closing boundary); send the file again.' };
}

/** The URL for `instance`, which a request refused for its URL may not even have parsed. */
function safeUrl(request: FastifyRequest): string {
  try {
    return request.url;
  } catch {
    return request.raw.url ?? '';
  }
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  // A refusal that ends by itself (sign-in throttling) says when, as HTTP clients expect it.
  if (typeof problem.retry_after_seconds === 'number' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(problem.retry_after_seconds));
  const retryAfter = RETRY_AFTER[problem.status];
  if (retryAfter !== undefined && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfter));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/**
 * A request Node's HTTP parser refused (headers too large, a malformed request line) never
 * reaches Fastify's routing: the answer is written on the socket, as problem+json too.
 */
export function sendClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, title, detail] = error.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'The request headers are too large', 'The request headers (often cookies) are larger than this server accepts; clear this site\'s cookies and sign in again.']
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request took too long', 'The request did not arrive in time; send it again.']
      : [400, 'The request is not valid HTTP', 'The request could not be read as HTTP; send it again with a standard client.'];
  const body = JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${status === 431 ? 'headers-too-large' : status === 408 ? 'timeout' : 'malformed-request'}`, title, status, detail });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
