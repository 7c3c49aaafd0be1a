import { openAsBlob } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockHolder } from '../db/data-dir-lock.ts';
import { DomainError } from '../shared/errors.ts';
import { createProgress, printJson } from './output.ts';

export interface ViaServerOptions {
  server: LockHolder & { url: string };
  apiKey: string;
  file: string;
  org?: string;
  override?: unknown;
  errors?: string;
  bulk?: boolean;
  json?: boolean;
}

interface ImportView {
  id: string;
  status: 'pending' | 'queued' | 'running' | 'completed' | 'failed';
  file_name: string;
  counts: { rows: number; created: number; updated: number; rejected: number };
  progress: { bytes_done: number; bytes_total: number };
  last_error: string | null;
}

/**
 * `leadai import` while a server holds the embedded data folder: the file goes to that
 * server's import API (upload, mapping, start, then its progress), authenticated with an
 * API key from LEADAI_API_KEY, and is imported by the server's own workers, the way the
 * web app's import wizard does it. The CLI never opens the folder.
 */
export async function importViaServer(o: ViaServerOptions): Promise<void> {
  const base = o.server.url;
  const call = async <T>(method: string, path: string, body?: FormData | object): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${o.apiKey}`, ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: body instanceof FormData ? body : JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new DomainError('precondition_failed', `The LeadAI server at ${base} (pid ${o.server.pid}) did not answer (${(error as Error).cause ?? (error as Error).message}). If it has stopped, run this again: the import then runs in this process.`);
    }
    const text = await res.text();
    if (!res.ok) throw serverError(res.status, text, base);
    return (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  };

  const organization = await call<{ id: string; name: string }>('GET', '/api/v1/organization');
  if (o.org !== undefined && o.org !== organization.id && o.org.toLowerCase() !== organization.name.toLowerCase()) {
    throw new DomainError('validation', `LEADAI_API_KEY belongs to the organization '${organization.name}', not '${o.org}'. Use an API key of '${o.org}', or leave out --org.`);
  }
  const info = await stat(o.file).catch(() => null);
  if (!info?.isFile()) throw new DomainError('not_found', `There is no file at ${o.file}.`);
  const form = new FormData();
  form.append('file', await openAsBlob(o.file), basename(o.file));
  const uploaded = await call<ImportView>('POST', '/api/v1/imports', form);
  if (o.override !== undefined) await call('PATCH', `/api/v1/imports/${uploaded.id}`, o.override as object);
  await call('POST', `/api/v1/imports/${uploaded.id}/start`, o.bulk === undefined ? {} : { bulk: o.bulk ? 'on' : 'off' });
  if (!o.json) console.error(`Sent ${uploaded.file_name} to the LeadAI server at ${base}; it imports it into '${organization.name}'.`);

  const progress = createProgress('Importing (bytes)', !o.json);
  const started = Date.now();
  let hinted = false;
  let current: ImportView;
  for (;;) {
    current = await call<ImportView>('GET', `/api/v1/imports/${uploaded.id}`);
    if (current.status === 'completed' || current.status === 'failed') break;
    if (current.status === 'running') progress.update(current.progress.bytes_done, current.progress.bytes_total);
    if (current.status === 'queued' && !hinted && Date.now() - started > 30_000) {
      hinted = true;
      console.error(`Still queued after 30 s: the server runs imports in its background workers; check that it was not started with LEADAI_WORKERS=false. Follow it at ${base}/api/v1/imports/${uploaded.id}.`);
    }
    await sleep(300);
  }
  progress.stop();
  if (current.status === 'failed') {
    throw new DomainError('validation', `The server could not import ${current.file_name}: ${current.last_error ?? 'no reason given'}. Fix the file (or --mapping) and run this again: it resumes where it stopped.`);
  }
  let errorsWritten: string | undefined;
  if (o.errors && current.counts.rejected > 0) {
    await writeFile(o.errors, await call<string>('GET', `/api/v1/imports/${uploaded.id}/errors`));
    errorsWritten = o.errors;
  }
  if (o.json) return printJson({ ...current.counts, import_id: current.id, organization, via_server: base });
  const c = current.counts;
  console.log(`Imported ${c.rows} rows into "${organization.name}" through the server at ${base}: ${c.created} created, ${c.updated} updated, ${c.rejected} rejected.`);
  if (c.rejected > 0) console.log(errorsWritten ? `Rejected rows with their reasons: ${errorsWritten}` : `Rejected rows: run again with --errors FILE, or open ${base}/api/v1/imports/${current.id}/errors.`);
}

/** The server's problem+json, as a CLI error with what to do. */
function serverError(status: number, text: string, base: string): DomainError {
  let detail = text.slice(0, 500);
  try {
    const problem = JSON.parse(text) as { detail?: string; title?: string };
    detail = problem.detail ?? problem.title ?? detail;
  } catch {
    // not JSON: keep the text
  }
  if (status === 401) return new DomainError('unauthenticated', `The server at ${base} refused LEADAI_API_KEY: ${detail} Create a key in Settings → API keys (role admin, manager or marketing) and set LEADAI_API_KEY to it.`);
  if (status === 403) return new DomainError('forbidden', `LEADAI_API_KEY may not import: ${detail} Use a key with the role admin, manager or marketing.`);
  return new DomainError(status === 404 ? 'not_found' : status === 409 ? 'conflict' : 'validation', `The server at ${base} answered ${status}: ${detail}`);
}
