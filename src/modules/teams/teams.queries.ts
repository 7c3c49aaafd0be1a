import type { Updateable } from 'kysely';
import type { TeamsTable } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

const TEAM_COLUMNS = ['id', 'name', 'description', 'manager_id', 'created_at', 'updated_at'] as const;

export async function listTeams(tx: Tx) {
  return tx
    .selectFrom('teams as t')
    .select([...TEAM_COLUMNS.map((c) => `t.${c}` as const)])
    .select((eb) => eb.selectFrom('users as u').whereRef('u.team_id', '=', 't.id').where('u.is_active', '=', true).select(eb.fn.countAll<number>().as('n')).as('members'))
    .orderBy('t.name')
    .execute();
}

export async function getTeam(tx: Tx, id: string) {
  return tx.selectFrom('teams').select(TEAM_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function insertTeam(tx: Tx, row: { organizationId: string; name: string; description: string | null; managerId: string | null }) {
  return tx
    .insertInto('teams')
    .values({ organization_id: row.organizationId, name: row.name, description: row.description, manager_id: row.managerId })
    .returning(TEAM_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function updateTeam(tx: Tx, id: string, values: Updateable<TeamsTable>) {
  return tx.updateTable('teams').set(values).where('id', '=', id).returning(TEAM_COLUMNS).executeTakeFirstOrThrow();
}

export async function deleteTeam(tx: Tx, id: string) {
  await tx.deleteFrom('teams').where('id', '=', id).execute();
}
