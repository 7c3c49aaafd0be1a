import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/connect.ts';
import { processingRecord, recordAsText } from '../modules/privacy/privacy.record.ts';
import { scanForTraces } from '../modules/privacy/privacy.scan.ts';
import { createPrivacyService } from '../modules/privacy/privacy.service.ts';
import { resolveSubject } from '../modules/privacy/privacy.subject.ts';
import { setPrivacyHashKey } from '../modules/privacy/privacy.tombstones.ts';
import { DomainError } from '../shared/errors.ts';
import { resolveCliOrganization } from './organization.ts';
import { createProgress, printJson, printTable } from './output.ts';

type WithDatabase = <T>(config: ReturnType<typeof loadConfig>, fn: (database: Database) => Promise<T>) => Promise<T>;

type Person = { email?: string; phone?: string; lead?: string };

function subjectOf(opts: Person) {
  if (!opts.email && !opts.phone && !opts.lead) throw new DomainError('validation', 'Name the person: --email ADDRESS, --phone NUMBER or --lead LEAD_ID.');
  return { ...(opts.email ? { email: opts.email } : {}), ...(opts.phone ? { phone: opts.phone } : {}), ...(opts.lead ? { lead_id: opts.lead } : {}) };
}

const personOptions = (c: Command) =>
  c
    .option('--email <address>', "the person's e-mail")
    .option('--phone <number>', "the person's phone, any format")
    .option('--lead <id>', 'one of their leads (their other leads with the same e-mail or phone are found too)')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--json', 'print the result as JSON');

/** `leadai privacy export|erase|verify|record`: data subject requests from the command line. */
export function registerPrivacyCommand(program: Command, withDatabase: WithDatabase): void {
  const privacy = program.command('privacy').description('Data subject requests: export everything held about a person, erase them, verify that nothing is left, and the record of processing.');

  personOptions(privacy.command('export').description('Export everything held about a person as one JSON document (recorded as a privacy request).'))
    .option('--out <file>', 'write the JSON document to this file (default: privacy-export-<request id>.json)')
    .action(async (opts: Person & { org?: string; json?: boolean; out?: string }) => {
      const config = loadConfig();
      await withDatabase(config, async (database) => {
        setPrivacyHashKey(config.privacy.hashKey);
        const org = await resolveCliOrganization(database.db, opts.org);
        const service = createPrivacyService(database.db, { hashKey: config.privacy.hashKey });
        const progress = createProgress('Collecting', !opts.json);
        const { request } = await service.runNow({ organizationId: org.id, userId: null, actor: { type: 'system', id: null } }, { type: 'export', ...subjectOf(opts) }, (done, total) => progress.update(done, total));
        progress.stop();
        const artefact = await service.takeExportNow(org.id, request.id);
        if (!artefact) throw new Error('The export document was not produced.');
        const out = opts.out ?? `privacy-export-${request.id}.json`;
        await writeFile(out, JSON.stringify({ ...artefact.document, summary: artefact.summary }, null, 2));
        if (opts.json) return printJson({ request_id: request.id, file: out, counts: request.result });
        console.log(artefact.summary);
        console.log(`\nWritten to ${out} (request ${request.id}).`);
      });
    });

  personOptions(privacy.command('erase').description("Erase a person everywhere: their leads and everything about them, mentions in others' records, and a tombstone that stops them coming back."))
    .addOption(new Option('--yes', 'confirm: erasure cannot be undone'))
    .action(async (opts: Person & { org?: string; json?: boolean; yes?: boolean }) => {
      const config = loadConfig();
      const subject = subjectOf(opts);
      if (!opts.yes) throw new DomainError('validation', 'Erasure cannot be undone: run again with --yes to confirm.');
      await withDatabase(config, async (database) => {
        setPrivacyHashKey(config.privacy.hashKey);
        const org = await resolveCliOrganization(database.db, opts.org);
        const service = createPrivacyService(database.db, { hashKey: config.privacy.hashKey });
        const progress = createProgress('Erasing', !opts.json);
        const { request } = await service.runNow({ organizationId: org.id, userId: null, actor: { type: 'system', id: null } }, { type: 'erasure', ...subject }, (done, total) => progress.update(done, total));
        progress.stop();
        if (opts.json) return printJson({ request_id: request.id, result: request.result, verification: request.verification });
        const r = request.result as { leads: number; deleted: Record<string, number>; rewritten: Record<string, number>; tombstones: number };
        console.log(`Erased ${r.leads} lead(s) (request ${request.id}); ${r.tombstones} tombstone(s) written.`);
        const rows = [...Object.entries(r.deleted).map(([table, n]) => ({ table, action: 'deleted', rows: n })), ...Object.entries(r.rewritten).map(([table, n]) => ({ table, action: 'mentions rewritten', rows: n }))];
        if (rows.length > 0) printTable(rows);
        const v = request.verification as { clean: boolean; tables_scanned: number; columns_scanned: number } | null;
        if (v) console.log(v.clean ? `Verified: no trace in ${v.columns_scanned} columns of ${v.tables_scanned} tables.` : 'Verification found traces: run `leadai privacy verify` for details.');
      });
    });

  privacy
    .command('verify')
    .description('Scan every text, json and binary column of every table for a person\'s e-mail, phone and names; prints where traces remain (never the values).')
    .option('--email <address>', "the person's e-mail")
    .option('--phone <number>', "the person's phone, any format")
    .option('--name <full name>', 'their name, "First Last" (needed once their leads are gone)')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { email?: string; phone?: string; name?: string; org?: string; json?: boolean }) => {
      if (!opts.email && !opts.phone && !opts.name) throw new DomainError('validation', 'Name the person: --email, --phone and/or --name "First Last".');
      const config = loadConfig();
      await withDatabase(config, async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const [first = '', ...rest] = (opts.name ?? '').trim().split(/\s+/);
        const subject = await resolveSubject(database.db, org.id, { email: opts.email, phone: opts.phone, names: opts.name ? [{ first, last: rest.join(' ') }] : [] });
        const report = await scanForTraces(database.db, org.id, subject.patterns, subject.sharedNames);
        if (opts.json) printJson(report);
        else {
          console.log(`Scanned ${report.columns_scanned} columns of ${report.tables_scanned} tables for ${report.patterns} patterns.`);
          if (report.shared_names_skipped > 0) console.log(`${report.shared_names_skipped} single name(s) are also other leads' names: searched only as part of the full name.`);
          if (report.clean) console.log('No trace found.');
          else printTable(report.traces);
        }
        if (!report.clean) process.exitCode = 1;
      });
    });

  privacy
    .command('record')
    .description('The record of processing: which personal data is stored where, why, who reads it and for how long — generated from the schema and the retention settings.')
    .option('--org <id-or-name>', 'organization whose retention settings to show (default: the only one)')
    .option('--json', 'print the record as JSON')
    .action(async (opts: { org?: string; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org).catch(() => null);
        const record = await processingRecord(database.db, org);
        if (opts.json) printJson(record);
        else console.log(recordAsText(record));
      });
    });
}
