import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, assertUnreachable, type DomainErrorCode } from '../shared/errors.ts';

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
    default:
      return assertUnreachable(code);
  }
}

export function problemFromError(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof DomainError) {
    const { status, title } = statusOf(error.code);
    return { type: PROBLEM_TYPE_BASE + error.code.replaceAll('_', '-'), title, status, detail: error.message, instance: request.url, ...error.details };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return {
      type: PROBLEM_TYPE_BASE + 'validation',
      title: 'The request is not valid',
      status: 400,
      detail: fastifyError.message ?? 'The request does not match the expected shape.',
      instance: request.url,
      errors: fastifyError.validation.map((v) => ({
        field: String(v.instancePath || (v.params as { missingProperty?: string })?.missingProperty || ''),
        message: v.message ?? 'is invalid',
      })),
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { type: PROBLEM_TYPE_BASE + `http-${status}`, title: fastifyError.name ?? 'Bad request', status, detail: fastifyError.message ?? 'Bad request', instance: request.url };
  }
  return {
    type: PROBLEM_TYPE_BASE + 'internal',
    title: 'Internal server error',
    status: 500,
    detail: 'Something went wrong on our side. It has been logged; try again, and report it if it keeps happening.',
    instance: request.url,
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}
