import type { FastifyInstance, FastifyRequest } from 'fastify';
import { textProblem } from '../shared/text.ts';
import { errorCodes } from 'fastify';
import { PROBLEM_TYPE_BASE, problemFromError, sendProblem } from './problem.ts';

const { FST_ERR_BAD_URL } = errorCodes;

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** Deeper than any settings, metadata or custom-field object a person writes; PostgreSQL's jsonb and every recursive reader stay far from their limits. */
export const MAX_JSON_DEPTH = 32;

export interface InputFault { field: string; message: string }

/**
 * The first thing in a request's path parameters, query or body that no route can store:
 * text with NUL or a lone surrogate (in values and in object keys), or JSON nested deeper
 * than MAX_JSON_DEPTH. Walks at most MAX_JSON_DEPTH levels, so a hostile body costs
 * no more than its size.
 */
export function findInputFault(value: unknown, field = ''): InputFault | null {
  const stack: { value: unknown; field: string; depth: number }[] = [{ value, field, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, field: f, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const message = textProblem(v);
      if (message) return { field: f, message };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) return { field: f, message: `is nested too deeply; at most ${MAX_JSON_DEPTH} levels of objects and lists are accepted` };
    const entries = Array.isArray(v) ? v.map((item, i) => [i, item] as const) : Object.entries(v);
    for (const [key, item] of entries) {
      const child = typeof key === 'number' ? `${f}[${key}]` : f ? `${f}.${key}` : key;
      if (typeof key === 'string') {
        const message = textProblem(key);
        if (message) return { field: child, message: `(a key) ${message}` };
      }
      stack.push({ value: item, field: child, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * Refuses, for every route before its schema runs, input PostgreSQL would refuse later as
 * a 500 — so a new route inherits it. Reject rather than strip: silently changed text is
 * data loss the sender never hears about.
 */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest, reply) => {
    // The query parser keeps what it cannot decode (%E0%A4%A, an encoded half of a
    // character) as something else; the path's parser refuses it: so does this, alike.
    const query = request.raw.url?.split('?').slice(1).join('?') ?? '';
    if (query && !decodes(query)) return sendProblem(reply, problemFromError(new FST_ERR_BAD_URL(query), request));
    const fault = findInputFault(request.params) ?? findInputFault(request.query) ?? findInputFault(request.body);
    if (!fault) return;
    const field = fault.field || 'the request body';
    return sendProblem(reply, {
      type: `${PROBLEM_TYPE_BASE}validation`,
      title: 'The request is not valid',
      status: 400,
      detail: `${field}: ${fault.message}.`,
      instance: request.url.split('?')[0]!,
      errors: [{ field: fault.field, message: fault.message }],
    });
  });
}
