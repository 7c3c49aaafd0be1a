import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import { checkPasswordPolicy, hashPassword } from '../auth/password.ts';
import * as q from './organizations.queries.ts';

export interface CreateOrganizationInput {
  name: string;
  adminEmail: string;
  adminPassword: string;
  adminName?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Creates an organization with its first admin. The rows are written as the application
 * role inside the new tenant's context, so the policies that guard every later request
 * also guard this one.
 */
export async function createOrganization(db: Kysely<DB>, input: CreateOrganizationInput) {
  const name = input.name.trim();
  const email = input.adminEmail.trim().toLowerCase();
  if (name === '' || name.length > 255) {
    throw new DomainError('validation', 'The organization name must be 1 to 255 characters.', { field: 'name' });
  }
  if (!EMAIL.test(email) || email.length > 255) {
    throw new DomainError('validation', `"${input.adminEmail}" is not a valid email address.`, { field: 'admin_email' });
  }
  checkPasswordPolicy(input.adminPassword);
  if (await q.emailExists(db, email)) {
    throw new DomainError('conflict', 'A user with this email already exists; choose another admin email.', {
      field: 'admin_email',
    });
  }
  const passwordHash = await hashPassword(input.adminPassword);
  const organizationId = randomUUID();
  const fullName = input.adminName?.trim() || email.split('@')[0]!;
  return withTenant(db, { organizationId }, async (tx) => {
    const organization = await q.insertOrganization(tx, { id: organizationId, name });
    const admin = await q.insertUser(tx, { organizationId, email, fullName, role: 'admin' });
    await q.insertCredentials(tx, { userId: admin.id, organizationId, passwordHash });
    return { organization, admin };
  });
}

export const listOrganizations = q.listOrganizations;

/**
 * Resolves `--org ID_OR_NAME`; without one, the only organization. Errors say what to do.
 */
export async function resolveOrganization(db: Kysely<DB>, idOrName: string | undefined) {
  if (idOrName === undefined || idOrName === '') {
    const all = await q.listOrganizations(db);
    if (all.length === 1) return { id: all[0]!.id, name: all[0]!.name };
    if (all.length === 0) {
      throw new DomainError('not_found', 'There is no organization yet. Create one with `leadai org create NAME --admin-email E --admin-password P` or `leadai seed --demo`.');
    }
    throw new DomainError('validation', `There are ${all.length} organizations; choose one with --org ID_OR_NAME (see \`leadai org list\`).`);
  }
  const found = await q.findOrganizationsByIdOrName(db, idOrName);
  if (found.length === 0) throw new DomainError('not_found', `No organization has the id or name "${idOrName}". See \`leadai org list\`.`);
  if (found.length > 1) throw new DomainError('conflict', `Several organizations are named "${idOrName}"; use the id instead.`);
  return found[0]!;
}
