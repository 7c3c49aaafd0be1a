import type { ApiBody, ApiPathParams, ApiQuery, ApiResponse, Method, PathsWith } from '../api/types';

/**
 * The one way the web app talks to the server: same-origin fetch with the session cookie,
 * the CSRF token on every write, and problem+json errors turned into ApiError.
 */

export interface FieldErrors {
  [field: string]: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Field path ("email", "address.city") → message, from the problem's `errors`. */
  readonly fieldErrors: FieldErrors;
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>) {
    const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `The server answered ${status}.`;
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.type = typeof problem.type === 'string' ? problem.type : 'about:blank';
    this.title = typeof problem.title === 'string' ? problem.title : 'Request failed';
    this.detail = detail;
    this.problem = problem;
    this.fieldErrors = {};
    if (Array.isArray(problem.errors)) {
      for (const e of problem.errors as { field?: unknown; message?: unknown }[]) {
        const field = normaliseField(String(e.field ?? ''));
        if (field && !(field in this.fieldErrors)) this.fieldErrors[field] = String(e.message ?? 'is not valid');
      }
    }
  }

  /** Whether the caller's role may not do this (the UI should not have offered it). */
  get forbidden() {
    return this.status === 403;
  }
}

/** "/body/email", "body.email", "/address/city" → "email", "address.city". */
export function normaliseField(field: string): string {
  return field
    .replace(/^\//, '')
    .replaceAll('/', '.')
    .replace(/^(body|querystring|query|params)\./, '');
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

let csrfToken: string | undefined;

/** Login and sign-up answer with the token; after a reload it is read from the leadai_csrf cookie. */
export function setCsrfToken(token: string | undefined) {
  csrfToken = token;
}

function currentCsrf(): string | undefined {
  if (csrfToken) return csrfToken;
  const match = /(?:^|;\s*)leadai_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

let onUnauthorized: (() => void) | undefined;
/** Called when the session has ended (a 401 on anything but sign-in). */
export function setUnauthorizedHandler(handler: () => void) {
  onUnauthorized = handler;
}

type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type QueryParams = Record<string, QueryValue>;

export function toSearchParams(query: QueryParams | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function fillPath(path: string, params: Record<string, string | number> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
}

export interface RequestOptions<P extends PathsWith<M>, M extends Method> {
  params?: ApiPathParams<P, M>;
  query?: ApiQuery<P, M> | QueryParams;
  body?: ApiBody<P, M> | FormData;
  signal?: AbortSignal;
}

export async function request<M extends Method, P extends PathsWith<M>>(method: M, path: P, options: RequestOptions<P, M> = {}): Promise<ApiResponse<P, M>> {
  const url = fillPath(path, options.params as Record<string, string> | undefined) + toSearchParams(options.query as QueryParams | undefined);
  return rawRequest(method, url, options.body, options.signal) as Promise<ApiResponse<P, M>>;
}

/** For URLs built at run time (cursors, downloads); prefer `api.get` and friends. */
export async function rawRequest(method: Method, url: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'get') {
    const token = currentCsrf();
    if (token) headers['x-csrf-token'] = token;
  }
  let response: Response;
  try {
    response = await fetch(url, { method: method.toUpperCase(), headers, body: payload, credentials: 'same-origin', signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, { title: 'No connection', detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  if (response.status === 204) return undefined;
  const text = await response.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = { detail: text.slice(0, 300) };
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !url.startsWith('/api/v1/auth/') && url !== '/api/v1/me') onUnauthorized?.();
    throw new ApiError(response.status, (json && typeof json === 'object' ? json : {}) as Record<string, unknown>);
  }
  return json;
}

export const api = {
  get: <P extends PathsWith<'get'>>(path: P, options?: RequestOptions<P, 'get'>) => request('get', path, options),
  post: <P extends PathsWith<'post'>>(path: P, options?: RequestOptions<P, 'post'>) => request('post', path, options),
  patch: <P extends PathsWith<'patch'>>(path: P, options?: RequestOptions<P, 'patch'>) => request('patch', path, options),
  put: <P extends PathsWith<'put'>>(path: P, options?: RequestOptions<P, 'put'>) => request('put', path, options),
  delete: <P extends PathsWith<'delete'>>(path: P, options?: RequestOptions<P, 'delete'>) => request('delete', path, options),
};
