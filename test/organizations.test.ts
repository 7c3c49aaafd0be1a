import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/modules/auth/password.ts';
import { createOrganization, resolveOrganization } from '../src/modules/organizations/organizations.service.ts';
import { DomainError } from '../src/shared/errors.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

describe(`organizations (${MODE})`, () => {
  it('resolves --org: none yet, the only one by default, by id or name, and refuses to guess among several', async () => {
    await expect(resolveOrganization(database.db, undefined)).rejects.toThrow(/no organization yet/);
    const { organization, admin } = await createOrganization(database.db, { name: 'Acme Corp', adminEmail: 'Ada@Acme.example', adminPassword: 'a long enough password' });
    expect(await resolveOrganization(database.db, undefined)).toEqual({ id: organization.id, name: 'Acme Corp' });
    expect((await resolveOrganization(database.db, 'acme corp')).id).toBe(organization.id);
    expect((await resolveOrganization(database.db, organization.id)).name).toBe('Acme Corp');
    await expect(resolveOrganization(database.db, 'Globex')).rejects.toThrow(/No organization has the id or name "Globex"/);
    await createOrganization(database.db, { name: 'Globex', adminEmail: 'hank@globex.example', adminPassword: 'another long password' });
    await expect(resolveOrganization(database.db, undefined)).rejects.toThrow(/There are 2 organizations; choose one with --org/);
    // The first admin can log in with an argon2id hash, never the password itself.
    const credentials = await database.db.selectFrom('user_credentials').select('password_hash').where('user_id', '=', admin.id).executeTakeFirstOrThrow();
    expect(credentials.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(credentials.password_hash, 'a long enough password')).toBe(true);
    expect(await verifyPassword(credentials.password_hash, 'wrong')).toBe(false);
  });

  it('rejects bad input with a domain error and writes nothing', async () => {
    const before = await database.db.selectFrom('organizations').select('id').execute();
    const attempts = [
      { name: '   ', adminEmail: 'x@y.example', adminPassword: 'long enough password' },
      { name: 'X', adminEmail: 'nope', adminPassword: 'long enough password' },
      { name: 'X', adminEmail: 'x@y.example', adminPassword: 'short' },
      { name: 'X', adminEmail: 'ADA@acme.example', adminPassword: 'long enough password' },
    ];
    for (const input of attempts) await expect(createOrganization(database.db, input)).rejects.toBeInstanceOf(DomainError);
    expect(await database.db.selectFrom('organizations').select('id').execute()).toEqual(before);
  });
});
