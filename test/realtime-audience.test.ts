import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UserRole } from '../src/db/schema.ts';
import { frameFor, prepare, type Viewer } from '../src/realtime/audience.ts';
import type { LeadAccess, OutboxRow } from '../src/realtime/realtime.queries.ts';

/**
 * Who receives which event, written out independently of the code as a table per role and
 * relation to the lead (the REST routes' rules: a sales rep reads leads assigned to them or
 * their team; imports are for those who may import; models for managers and admins).
 */
const me = randomUUID();
const someoneElse = randomUUID();
const myTeam = randomUUID();
const otherTeam = randomUUID();
const viewer = (role: UserRole, userId: string | null = me, teamId: string | null = myTeam): Viewer => ({ userId, role, teamId });

let seq = 0;
function event(type: string, entityType: string, payload: Record<string, unknown>, access: Record<string, LeadAccess> = {}) {
  const row: OutboxRow = { seq: ++seq, event_type: type, entity_type: entityType, entity_id: randomUUID(), actor_id: null, created_at: new Date(), payload };
  return prepare(row, new Map(Object.entries(access)));
}

const mine = randomUUID();
const teams = randomUUID();
const others = randomUUID();
const access = {
  [mine]: { assigned_to: me, team_id: null },
  [teams]: { assigned_to: someoneElse, team_id: myTeam },
  [others]: { assigned_to: someoneElse, team_id: otherTeam },
};

describe('stream audience', () => {
  it('lead events: every role but the sales rep reads every lead; the rep their own and their team\'s', () => {
    const cases: [string, boolean][] = [[mine, true], [teams, true], [others, false]];
    for (const [lead, repReads] of cases) {
      const e = event('lead.updated', 'lead', { lead_id: lead, fields: ['status'] }, access);
      for (const role of ['viewer', 'marketing', 'manager', 'admin'] as UserRole[]) expect(frameFor(e, viewer(role)), role).not.toBeNull();
      expect(frameFor(e, viewer('sales_rep')) !== null).toBe(repReads);
    }
    // A rep without a team reads only what is assigned to them.
    expect(frameFor(event('lead.updated', 'lead', { lead_id: teams }, access), viewer('sales_rep', me, null))).toBeNull();
  });

  it('a lead taken away reaches its previous reader once; a deleted lead its last readers', () => {
    const moved = event('lead.assigned', 'lead', { lead_id: others, to: someoneElse, previous_assigned_to: me, previous_team_id: null }, access);
    expect(frameFor(moved, viewer('sales_rep'))).not.toBeNull();
    const merged = event('lead.merged', 'lead', { lead_id: randomUUID(), into: others, previous_assigned_to: me, previous_team_id: null }, access);
    const told = frameFor(merged, viewer('sales_rep'))!;
    expect(told).not.toBeNull();
    expect(told).not.toContain(others); // where it went is not theirs to know
    expect(frameFor(merged, viewer('manager'))).toContain(others);
    const gone = event('lead.deleted', 'lead', { lead_id: randomUUID(), previous_assigned_to: someoneElse, previous_team_id: myTeam }, access);
    expect(frameFor(gone, viewer('sales_rep'))).not.toBeNull();
    expect(frameFor(gone, viewer('sales_rep', me, otherTeam))).toBeNull();
    // An event about a lead that no longer exists and says nothing of its owner: not for reps.
    expect(frameFor(event('activity.created', 'activity', { lead_id: randomUUID() }, access), viewer('sales_rep'))).toBeNull();
    expect(frameFor(event('activity.created', 'activity', { lead_id: randomUUID() }, access), viewer('viewer'))).not.toBeNull();
  });

  it('batches are cut down to the ids the reader may read, and say nothing of the others', () => {
    const batch = event('lead.scored', 'lead', { lead_ids: [mine, teams, others], model_version: 'v3' }, access);
    const forRep = frameFor(batch, viewer('sales_rep'))!;
    const data = JSON.parse(forRep.split('\ndata: ')[1]!) as { payload: { lead_ids: string[]; model_version: string } };
    expect(data.payload.lead_ids).toEqual([mine, teams]);
    expect(data.payload.model_version).toBe('v3');
    expect(forRep).not.toContain(others);
    expect(frameFor(batch, viewer('viewer'))).toBe(batch.frame);
    expect(frameFor(event('lead.scored', 'lead', { lead_ids: [others] }, access), viewer('sales_rep'))).toBeNull();
  });

  it('addressed events reach their recipient only, whatever the role', () => {
    const note = event('notification.created', 'notification', { recipient_id: me, notification_id: randomUUID(), kind: 'mention' });
    expect(frameFor(note, viewer('viewer'))).not.toBeNull();
    expect(frameFor(note, viewer('admin', someoneElse))).toBeNull();
    expect(frameFor(note, viewer('admin', null))).toBeNull(); // an API key without a user
  });

  it('imports only for those who may import, models for managers and admins, the rest for all', () => {
    const expected: Record<string, UserRole[]> = {
      import: ['marketing', 'manager', 'admin'],
      model: ['manager', 'admin'],
      team: ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
      job: ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
      user: ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'],
    };
    for (const [entity, roles] of Object.entries(expected)) {
      const e = event(`${entity}.changed`, entity, {});
      const got = (['viewer', 'marketing', 'sales_rep', 'manager', 'admin'] as UserRole[]).filter((r) => frameFor(e, viewer(r)) !== null);
      expect(got, entity).toEqual(roles);
    }
  });
});
