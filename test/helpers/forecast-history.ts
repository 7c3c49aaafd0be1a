import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, LeadStatus } from '../../src/db/schema.ts';
import { Random } from '../../src/shared/random.ts';

const DAY = 86_400_000;

export interface PlantedLead {
  id: string;
  created: Date;
  /** When it was won or lost, null while open. */
  decided: Date | null;
  won: boolean;
  /** Its path of statuses and when each change happened. */
  changes: { to: LeadStatus; from: LeadStatus; at: Date }[];
}

/**
 * A year or more of an organization's history, written as the owner role the way an import
 * of history would: leads created every day, each moving new → contacted → (proposal →)
 * won or lost after a cycle of 20–80 days, with status-change journey events at the times
 * they happened. Deterministic for a seed.
 */
export async function plantHistory(db: Kysely<DB>, opts: { organizationId: string; userId: string | null; teamId: string | null; leads: number; days: number; seed?: number; now?: Date; reopen?: number }): Promise<PlantedLead[]> {
  const rng = new Random(opts.seed ?? 1);
  // Its own stream: planting reopenings leaves every other draw as it was.
  const again = new Random((opts.seed ?? 1) + 1000);
  const now = (opts.now ?? new Date()).getTime();
  const planted: PlantedLead[] = [];
  const leads = [];
  const events = [];
  for (let i = 0; i < opts.leads; i++) {
    const created = now - opts.days * DAY + (i / opts.leads) * opts.days * DAY + rng.next() * 0.5 * DAY;
    const cycle = (20 + rng.next() * 60) * DAY;
    const won = rng.bool(0.3);
    const end = created + cycle;
    const decided = end < now ? end : null;
    const path: LeadStatus[] = won || rng.bool(0.5) ? ['contacted', 'proposal'] : ['contacted'];
    const changes: PlantedLead['changes'] = [];
    let from: LeadStatus = 'new';
    path.forEach((to, k) => {
      const at = created + cycle * ((k + 1) / (path.length + 1));
      if (at < now) {
        changes.push({ from, to, at: new Date(at) });
        from = to;
      }
    });
    if (decided) changes.push({ from, to: won ? 'closed_won' : 'closed_lost', at: new Date(decided) });
    // `reopen`: that share of the decided leads is reopened 5–30 days later (to negotiation),
    // then won, lost or left open 10–40 days after that (when those dates have come).
    if (decided && opts.reopen && again.bool(opts.reopen)) {
      const reopened = decided + (5 + again.next() * 25) * DAY;
      if (reopened < now) {
        changes.push({ from: changes[changes.length - 1]!.to, to: 'negotiation', at: new Date(reopened) });
        const second = reopened + (10 + again.next() * 30) * DAY;
        const outcome = again.pick(['closed_won', 'closed_lost', 'negotiation'] as const);
        if (second < now && outcome !== 'negotiation') changes.push({ from: 'negotiation', to: outcome, at: new Date(second) });
      }
    }
    const id = randomUUID();
    const last = changes[changes.length - 1];
    const closed = last && ['closed_won', 'closed_lost'].includes(last.to) ? last.at : null;
    const quote = 1000 + Math.round(rng.next() * 40) * 100;
    leads.push({
      id, organization_id: opts.organizationId, assigned_to: opts.userId, team_id: opts.teamId,
      first_name: `Lead${i}`, last_name: 'History', company: `Company ${i}`, source: rng.pick(['website', 'referral', 'event']),
      status: last?.to ?? 'new', deal_value: won && decided ? quote : changes.some((c) => c.to === 'proposal') ? quote : null,
      created_at: new Date(created), updated_at: new Date(last?.at ?? created), status_changed_at: new Date(last?.at ?? created), closed_at: opts.reopen ? closed : decided ? new Date(decided) : null,
    });
    for (const c of changes) {
      events.push({ organization_id: opts.organizationId, lead_id: id, event_type: 'status_change', event_name: `Status changed to ${c.to}`, properties: JSON.stringify({ from: c.from, to: c.to }), user_id: opts.userId, occurred_at: c.at });
    }
    planted.push({ id, created: new Date(created), decided: decided ? new Date(decided) : null, won, changes });
  }
  for (let i = 0; i < leads.length; i += 500) await db.insertInto('leads').values(leads.slice(i, i + 500)).execute();
  for (let i = 0; i < events.length; i += 500) await db.insertInto('journey_events').values(events.slice(i, i + 500)).execute();
  // History, not news: the inserts queued every lead for rescoring and insights (0012, 0015);
  // a test with workers would spend its time scoring them, so they leave the queues.
  await db.deleteFrom('lead_score_queue').where('organization_id', '=', opts.organizationId).execute();
  await db.deleteFrom('lead_insight_queue').where('organization_id', '=', opts.organizationId).execute();
  return planted;
}
