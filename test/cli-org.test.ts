import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCliOrganization } from '../src/cli/organization.ts';
import { createOrganization } from '../src/modules/organizations/organizations.service.ts';
import { runLeadai, withCliData } from './helpers/cli.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

/** `--org` on the command line: a typo gets the close matches and the known organizations. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  for (const [name, email] of [['Northwind Analytics', 'a@northwind.example'], ['Acme Corp', 'a@acme.example'], ['Globex', 'a@globex.example']]) {
    await createOrganization(database.db, { name: name!, adminEmail: email!, adminPassword: 'long enough password' });
  }
});
afterAll(async () => database?.close());

describe(`--org ID_OR_NAME (${MODE})`, () => {
  it('suggests the close match for a typo and lists the known organizations', async () => {
    await expect(resolveCliOrganization(database.db, 'Nortwind')).rejects.toThrow(
      "No organization 'Nortwind'. Did you mean 'Northwind Analytics'? Known: 'Northwind Analytics', 'Acme Corp', 'Globex'.",
    );
    await expect(resolveCliOrganization(database.db, 'acme crop')).rejects.toThrow(/Did you mean 'Acme Corp'\?/);
  });

  it('suggests nothing for a name like none of them, and still lists them', async () => {
    await expect(resolveCliOrganization(database.db, 'Initech')).rejects.toThrow("No organization 'Initech'. Known: 'Northwind Analytics', 'Acme Corp', 'Globex'.");
  });

  it('without --org among several: names them', async () => {
    await expect(resolveCliOrganization(database.db, undefined)).rejects.toThrow(
      "There are 3 organizations; choose one with --org ID_OR_NAME. Known: 'Northwind Analytics', 'Acme Corp', 'Globex'.",
    );
  });

  it('finds an exact name (any case) or id as before', async () => {
    expect((await resolveCliOrganization(database.db, 'northwind analytics')).name).toBe('Northwind Analytics');
    const acme = await resolveCliOrganization(database.db, 'Acme Corp');
    expect(await resolveCliOrganization(database.db, acme.id)).toEqual(acme);
  });

  it('the command prints it with exit code 3 (not found)', { timeout: 180_000 }, async () => {
    await withCliData('org', async (env) => {
      const seeded = await runLeadai(env, ['seed', '--demo', '--leads', '5', '--json']);
      expect(seeded.code, seeded.stderr).toBe(0);
      const r = await runLeadai(env, ['score', '--org', 'Nortwind']);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe("Error: No organization 'Nortwind'. Did you mean 'Northwind Analytics (demo)'? Known: 'Northwind Analytics (demo)'.\n");
    });
  });
});
