import { Faker, base, en } from '@faker-js/faker';
import { Random, hashString, sigmoid } from '../../shared/random.ts';
import { CopyWriter, type CopyValue } from '../../shared/csv-encode.ts';
import type { LeadStatus, UserRole } from '../../db/schema.ts';
import {
  ACTIVITY_OUTCOMES, ASSETS, BLOG_POSTS, CALL_NOTES, CAMPAIGNS, CASE_STUDIES, COUNTRIES, DEMO_COMPETITORS,
  DEMO_PLANS, DEMO_PRODUCT, FREE_EMAIL_DOMAINS, FUNCTIONS, INBOUND_NEGATIVE, INBOUND_NEUTRAL, INBOUND_POSITIVE,
  INDUSTRIES, OUTBOUND_EMAILS, PAGES, REFERRERS, SENIORITY_LEVELS, SIZE_BANDS, SOURCES, TEAMS, TITLES, USER_AGENTS,
  type Industry, type Plan, type Seniority, type SizeBand, type Source, type TeamKey,
} from './demo.content.ts';
import { CYCLE, GENERATOR_VERSION, LeadCalendar, WEIGHTS, trueProbability, type EmailKind } from './demo.model.ts';

/**
 * Deterministic demo data: the same seed and anchor date give byte-identical rows. Rows
 * come out as COPY-ready CSV per table, in batches, so a million leads stream into the
 * database without building objects the database would only parse again.
 */

const DAY = 86_400_000;

export const LEAD_COLUMNS = [
  'id', 'organization_id', 'assigned_to', 'team_id', 'first_name', 'last_name', 'email', 'phone', 'company',
  'job_title', 'address', 'status', 'stage', 'source', 'campaign', 'custom_fields', 'tags', 'external_id',
  'deal_value', 'status_changed_at', 'closed_at', 'created_at', 'updated_at', 'last_contacted_at', 'next_follow_up_at',
] as const;
export const ACTIVITY_COLUMNS = [
  'id', 'organization_id', 'lead_id', 'user_id', 'type', 'subject', 'description', 'outcome', 'scheduled_at',
  'completed_at', 'duration_minutes', 'metadata', 'created_at', 'updated_at',
] as const;
export const CONVERSATION_COLUMNS = [
  'id', 'organization_id', 'lead_id', 'activity_id', 'direction', 'channel', 'subject', 'content', 'external_id',
  'thread_id', 'metadata', 'created_at', 'updated_at',
] as const;
export const JOURNEY_COLUMNS = [
  'id', 'organization_id', 'lead_id', 'event_type', 'event_name', 'description', 'properties', 'user_id',
  'session_id', 'ip_address', 'user_agent', 'occurred_at', 'anonymous_id',
] as const;
/** The demo visitor's anonymous id, as the tracking snippet would have stored it in the browser. */
export function demoVisitorId(leadId: string): string {
  return `v_${(hashString(leadId) >>> 0).toString(36)}${(hashString(`${leadId}:v`) >>> 0).toString(36)}`;
}

export const TRUTH_COLUMNS = ['lead_id', 'organization_id', 'true_probability', 'drivers', 'generator_version'] as const;

export interface DemoUser {
  id: string;
  email: string;
  fullName: string;
  firstName: string;
  role: UserRole;
  teamKey: TeamKey | null;
}

export interface DemoTeam {
  id: string;
  key: TeamKey;
  name: string;
  description: string;
  managerId: string;
}

export interface DemoOrganization {
  id: string;
  name: string;
  domain: string;
  industry: string;
  settings: Record<string, unknown>;
  teams: DemoTeam[];
  users: DemoUser[];
  admin: DemoUser;
}

/** COPY-ready CSV per table, written straight into bytes. */
export interface DemoBatch {
  leads: CopyWriter;
  activities: CopyWriter;
  conversations: CopyWriter;
  journeyEvents: CopyWriter;
  truth: CopyWriter;
  counts: { leads: number; activities: number; conversations: number; journeyEvents: number };
}

/** A batch as bytes: built on the generator's thread, handed over without a copy. */
export interface EncodedBatch {
  leads: Uint8Array;
  activities: Uint8Array;
  conversations: Uint8Array;
  journeyEvents: Uint8Array;
  truth: Uint8Array;
  counts: DemoBatch['counts'];
}

export function encodeBatch(batch: DemoBatch): EncodedBatch {
  // Copies into right-sized buffers, which can then be transferred to another thread whole.
  const encode = (writer: CopyWriter) => Buffer.from(writer.bytes());
  return {
    leads: encode(batch.leads),
    activities: encode(batch.activities),
    conversations: encode(batch.conversations),
    journeyEvents: encode(batch.journeyEvents),
    truth: encode(batch.truth),
    counts: batch.counts,
  };
}

export const DEFAULT_DEMO_SEED = 42;

/** The organization, its teams and one user of every role (several reps per team). */
export function generateOrganization(seed: number): DemoOrganization {
  const rng = new Random(`org:${seed}`);
  const faker = new Faker({ locale: [en, base], seed });
  const domain = seed === DEFAULT_DEMO_SEED ? 'northwind.example' : `northwind-${seed}.example`;
  const users: DemoUser[] = [];
  const person = (role: UserRole, teamKey: TeamKey | null, local?: string): DemoUser => {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const user: DemoUser = {
      id: rng.uuid(),
      email: `${local ?? slug(`${firstName}.${lastName}`)}@${domain}`,
      fullName: `${firstName} ${lastName}`,
      firstName,
      role,
      teamKey,
    };
    users.push(user);
    return user;
  };
  const admin = person('admin', null, 'admin');
  const teams: DemoTeam[] = TEAMS.map((t) => ({
    id: rng.uuid(),
    key: t.key,
    name: t.name,
    description: t.description,
    managerId: person('manager', t.key).id,
  }));
  for (const t of TEAMS) for (let i = 0; i < 3; i++) person('sales_rep', t.key);
  person('marketing', null);
  person('marketing', null);
  person('viewer', null);
  return {
    id: rng.uuid(),
    name: seed === DEFAULT_DEMO_SEED ? 'Northwind Analytics (demo)' : `Northwind Analytics (demo ${seed})`,
    domain,
    industry: 'Software',
    settings: {
      demo: { seed, generator: GENERATOR_VERSION },
      competitors: [...DEMO_COMPETITORS],
      products: [DEMO_PRODUCT, ...DEMO_PLANS.map((p) => `${DEMO_PRODUCT} ${p.name}`)],
      timezone: 'America/New_York',
      currency: 'USD',
    },
    teams,
    users,
    admin,
  };
}

interface Touch {
  at: number;
  outbound: boolean;
}

/**
 * Generates leads with their activities, conversations, journey events and hidden truth.
 * `anchor` is "today" for the data set; every timestamp lies before it.
 */
/**
 * Leads come in fixed blocks of BLOCK_SIZE. Block b depends only on (seed, b) and on the
 * emails already used in its lane (b % LANES): lanes draw last names from disjoint halves,
 * so two lanes can never produce the same email and can run on two threads. The result is
 * the same whether one thread generates every block in order or two threads share them.
 */
export const BLOCK_SIZE = 5000;
export const LANES = 2;
/** Id-clock milliseconds reserved per block (a block uses ~70k ids). */
const IDS_PER_BLOCK = 2 ** 20;

export function blockCount(leads: number): number {
  return Math.ceil(leads / BLOCK_SIZE);
}

/** Every block in order, on this thread (small data sets, tests). */
export function* demoBlocks(org: DemoOrganization, seed: number, anchor: Date, leads: number): Generator<DemoBatch> {
  const lanes = Array.from({ length: LANES }, (_, lane) => new LeadGenerator(org, seed, anchor, lane));
  for (let b = 0; b < blockCount(leads); b++) yield lanes[b % LANES]!.block(b, Math.min(BLOCK_SIZE, leads - b * BLOCK_SIZE));
}

export class LeadGenerator {
  private rng: Random;
  private faker: Faker;
  private readonly emails = new Set<string>();
  private readonly repsByTeam: Map<TeamKey, DemoUser[]>;
  private readonly teamIds: Map<TeamKey, string>;
  private readonly calendar: LeadCalendar;
  private index = 0;
  private idClock = 0;
  private latest = 0;

  constructor(
    private readonly org: DemoOrganization,
    private readonly seed: number,
    private readonly anchor: Date,
    private readonly lane: number,
  ) {
    this.rng = new Random(0);
    this.faker = new Faker({ locale: [en, base] });
    this.repsByTeam = new Map(
      TEAMS.map((t) => [t.key, org.users.filter((u) => u.teamKey === t.key && (u.role === 'sales_rep' || u.role === 'manager'))]),
    );
    this.teamIds = new Map(org.teams.map((t) => [t.key, t.id]));
    this.calendar = new LeadCalendar(anchor.getTime());
  }

  /** Generates block `b` (which must belong to this lane): `count` leads and their rows. */
  block(b: number, count: number): DemoBatch {
    if (b % LANES !== this.lane) throw new Error(`Block ${b} belongs to lane ${b % LANES}, not ${this.lane}`);
    this.rng = new Random(`leads:${this.seed}:${b}`);
    this.faker = new Faker({ locale: [en, base], seed: (this.seed * 7919 + b * 104729 + 1) >>> 0 });
    this.index = b * BLOCK_SIZE;
    this.idClock = this.anchor.getTime() - 3 * 365 * DAY + b * IDS_PER_BLOCK;
    const out: DemoBatch = {
      leads: new CopyWriter(), activities: new CopyWriter(), conversations: new CopyWriter(),
      journeyEvents: new CopyWriter(), truth: new CopyWriter(),
      counts: { leads: 0, activities: 0, conversations: 0, journeyEvents: 0 },
    };
    for (let i = 0; i < count; i++) this.lead(out);
    return out;
  }

  /**
   * Time-ordered (version-7 layout) ids: rows generated together sit together in every
   * index keyed by id or lead_id, so bulk loading appends to B-trees instead of touching
   * random pages — the difference between minutes and an hour at a million leads.
   */
  private nextId(): string {
    const t = this.idClock++;
    const r1 = this.rng.uint32();
    const r2 = this.rng.uint32();
    const r3 = this.rng.uint32();
    return (
      hex8(Math.floor(t / 65536)) + '-' + hex4(t & 0xffff) + '-7' + hex4(r1 >>> 16).slice(1) + '-' +
      hex4(0x8000 | (r1 & 0x3fff)) + '-' + hex4(r2 >>> 16) + hex8(r3)
    );
  }

  /** A last name from this lane's half of the name space (see the class comment). */
  private laneLastName(): string {
    for (;;) {
      const name = this.faker.person.lastName();
      if (hashString(name) % LANES === this.lane) return name;
    }
  }

  private lead(out: DemoBatch): void {
    const { rng, faker, org } = this;
    const n = this.index++;
    const anchor = this.anchor.getTime();
    const orgId = org.id;
    const leadId = this.nextId();

    // --- who they are (fit) ---
    const firstName = faker.person.firstName();
    const lastName = this.laneLastName();
    const sizeSpec = rng.weighted(SIZE_BANDS.map((s) => [s, s.weight] as const));
    const sizeBand: SizeBand = sizeSpec.band;
    const employees = Math.round(Math.exp(rng.uniform(Math.log(sizeSpec.min), Math.log(sizeSpec.max))));
    const industry: Industry = rng.pick(INDUSTRIES);
    const company = faker.company.name();
    const companyDomain = `${slug(company).replaceAll('.', '')}.com`;
    const seniority: Seniority = rng.weighted(SENIORITY_LEVELS.map((s, i) => [s, [6, 10, 16, 24, 36, 8][i]!] as const));
    const jobTitle = rng.pick(TITLES[seniority]).replace('{f}', rng.pick(FUNCTIONS));
    const emailKind: EmailKind = rng.weighted([['corporate', 75], ['free', 21], ['invalid', 4]] as const);
    const email = this.uniqueEmail(firstName, lastName, emailKind, companyDomain, n);
    const source: Source = rng.weighted(SOURCES);
    const campaign = rng.pick(CAMPAIGNS[source]);
    const [countryCode, country] = rng.weighted(COUNTRIES.map((c) => [[c[0], c[1]] as const, c[2]] as const));
    const phone = rng.bool(0.7) ? `+${countryDialCode(countryCode)} ${rng.int(200, 989)} ${rng.int(100, 999)} ${rng.int(1000, 9999)}` : null;
    const fitRaw =
      WEIGHTS.seniority[seniority] + WEIGHTS.size[sizeBand] + WEIGHTS.industry[industry] + WEIGHTS.emailKind[emailKind] + WEIGHTS.source[source];

    // --- latent engagement and tone (never stored; only their observable traces are) ---
    const engagement = rng.normal(0.4 * fitRaw, 1);
    const tone = rng.normal(0.4 * engagement, 1);

    // --- timeline ---
    // Creation time from the demo's lead-arrival intensity (trend, week, year): one draw.
    const ageDays = this.calendar.ageDays(rng.next());
    const created = anchor - ageDays * DAY;
    const cycleDays = CYCLE.minDays + rng.logNormal(CYCLE.medianDays, CYCLE.sigma);
    const closed = cycleDays < ageDays;
    const decisionAt = closed ? created + cycleDays * DAY : anchor;
    // Web events and messages never happen after the decision (nor after "today").
    this.latest = decisionAt;
    const windowDays = (decisionAt - created) / DAY;
    const gapDays = Math.min(rng.exponential(6 * Math.exp(-0.35 * engagement)), windowDays * 0.9);
    const lastTouch = decisionAt - gapDays * DAY;
    const activeStart = created;
    const activeEnd = Math.max(created + 60_000, lastTouch);
    const at = () => activeStart + rng.next() * (activeEnd - activeStart);
    const touches: Touch[] = [];

    // --- web journey ---
    const ip = `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    const ua = rng.pick(USER_AGENTS);
    const intensity = 0.5 + 0.5 * Math.min(1, windowDays / 45);
    const sessions = 1 + rng.poisson(Math.exp(-0.6 + 0.6 * engagement) * intensity);
    let pricingVisits = 0;
    let otherPageViews = 0;
    const demoRequested = rng.bool(sigmoid(-2.2 + 1.1 * engagement));
    const demoSession = demoRequested ? rng.int(0, sessions - 1) : -1;
    const pPricing = sigmoid(-1.6 + 0.9 * engagement);
    const sessionStarts: number[] = [];
    for (let s = 0; s < sessions; s++) sessionStarts.push(s === sessions - 1 ? activeEnd - rng.uniform(0, 3600_000) : at());
    sessionStarts.sort((a, b) => a - b);
    for (let s = 0; s < sessions; s++) {
      const sessionId = `s_${rng.uuid().replaceAll('-', '').slice(0, 20)}`;
      let t = Math.max(created, sessionStarts[s]!);
      const views = 1 + rng.poisson(0.7);
      const referrer = s === 0 ? rng.pick(REFERRERS) : '';
      for (let v = 0; v < views; v++) {
        let page: { path: string; title: string };
        if (rng.bool(pPricing)) {
          page = PAGES.pricing;
          pricingVisits++;
        } else {
          otherPageViews++;
          const r = rng.next();
          page =
            r < 0.22 ? PAGES.home
            : r < 0.42 ? pickPair(rng, BLOG_POSTS)
            : r < 0.56 ? PAGES.features
            : r < 0.66 ? pickPair(rng, CASE_STUDIES)
            : r < 0.74 ? PAGES.integrations
            : r < 0.8 ? PAGES.security
            : r < 0.87 ? PAGES.demo
            : r < 0.92 ? PAGES.contact
            : r < 0.96 ? PAGES.careers
            : PAGES.home;
        }
        out.journeyEvents.row(this.journey(leadId, 'page_view', page.title, {
          url: `https://${org.domain}${page.path}`, ...(v === 0 && referrer ? { referrer } : {}),
        }, null, sessionId, ip, v === 0 ? ua : null, t));
        out.counts.journeyEvents++;
        t += rng.int(15, 240) * 1000;
      }
      if (s === demoSession) {
        out.journeyEvents.row(this.journey(leadId, 'form_submit', 'Demo request', {
          form: 'demo_request', url: `https://${org.domain}${PAGES.demo.path}`, fields: ['email', 'company', 'team_size'],
        }, null, sessionId, ip, ua, t));
        out.counts.journeyEvents++;
      } else if (rng.bool(0.12)) {
        const [kind, title] = rng.pick(ASSETS);
        out.journeyEvents.row(this.journey(leadId, 'form_submit', `Download: ${title}`, {
          form: 'asset_download', asset: kind, url: `https://${org.domain}/resources/${kind}`,
        }, null, sessionId, ip, ua, t));
        out.counts.journeyEvents++;
      }
    }
    const opens = rng.poisson(Math.exp(-0.6 + 0.45 * engagement) * intensity);
    let emailClicks = 0;
    const pClick = sigmoid(-1.4 + 0.6 * engagement);
    const mailing = campaign ?? 'Monthly newsletter';
    for (let o = 0; o < opens; o++) {
      const t = at();
      out.journeyEvents.row(this.journey(leadId, 'email_open', `Opened: ${mailing}`, { campaign: mailing }, null, null, null, null, t));
      out.counts.journeyEvents++;
      if (rng.bool(pClick)) {
        emailClicks++;
        const target = rng.bool(0.5) ? PAGES.pricing.path : pickPair(rng, BLOG_POSTS).path;
        out.journeyEvents.row(this.journey(leadId, 'email_click', `Clicked: ${mailing}`, { campaign: mailing, url: `https://${org.domain}${target}` }, null, null, null, null, t + 30_000));
        out.counts.journeyEvents++;
      }
    }

    // --- status path (the outcome), rep work and conversations ---
    const teamKey: TeamKey = sizeBand === '5001+' || sizeBand === '1001-5000' ? 'enterprise' : sizeBand === '1-10' || sizeBand === '11-50' ? 'smb' : 'mid_market';
    const reps = this.repsByTeam.get(teamKey)!;
    const owner = rng.pick(reps);

    // Inbound messages: count and tone are observable and drive the truth.
    const contacted = closed || ageDays / cycleDays > 0.2;
    const inboundTotal = contacted ? rng.poisson(Math.exp(-0.4 + 0.5 * engagement) * intensity) : 0;
    const inboundTones: ('positive' | 'neutral' | 'negative')[] = [];
    for (let k = 0; k < inboundTotal; k++) {
      const u = tone + rng.normal(0, 0.8);
      inboundTones.push(u > 0.6 ? 'positive' : u < -0.6 ? 'negative' : 'neutral');
    }
    const inboundPositive = inboundTones.filter((x) => x === 'positive').length;
    const inboundNegative = inboundTones.filter((x) => x === 'negative').length;

    const truth = trueProbability({
      seniority, sizeBand, industry, emailKind, source, pricingVisits, demoRequested, otherPageViews, emailClicks,
      daysSinceLastTouch: gapDays, inboundPositive, inboundNegative, inboundTotal,
    });
    const won = closed && rng.bool(truth.probability);

    const path: LeadStatus[] = ['new'];
    let status: LeadStatus;
    if (closed) {
      const reach = won ? 4 : rng.weighted([[1, 35], [2, 30], [3, 20], [4, 15]] as const);
      const steps: LeadStatus[] = ['contacted', 'qualified', 'proposal', 'negotiation'];
      path.push(...steps.slice(0, won && rng.bool(0.5) ? 3 : reach));
      status = won ? 'closed_won' : 'closed_lost';
      path.push(status);
    } else {
      const progress = Math.min(0.999, ageDays / cycleDays);
      const steps: LeadStatus[] = ['contacted', 'qualified', 'proposal', 'negotiation'];
      const reach = Math.floor(progress * 5);
      path.push(...steps.slice(0, reach));
      status = path[path.length - 1]!;
      if (reach >= 1 && rng.bool(0.35 * (1 - truth.probability))) {
        status = rng.bool(0.6) ? 'nurturing' : 'unqualified';
        path.push(status);
      }
    }
    const changes: number[] = [];
    for (let k = 1; k < path.length; k++) {
      const last = k === path.length - 1;
      changes.push(last && closed ? decisionAt : created + ((decisionAt - created) * k) / path.length * rng.uniform(0.8, 1.0));
    }
    changes.sort((a, b) => a - b);
    for (let k = 1; k < path.length; k++) {
      const t = changes[k - 1]!;
      out.journeyEvents.row(this.journey(leadId, 'status_change', `Status changed to ${path[k]}`, { from: path[k - 1]!, to: path[k]! }, owner.id, null, null, null, t));
      out.counts.journeyEvents++;
    }
    const statusChangedAt = changes.length > 0 ? changes[changes.length - 1]! : created;
    const reached = (s: LeadStatus) => path.includes(s);

    const plan = rng.weighted<Plan>([[DEMO_PLANS[0]!, 3], [DEMO_PLANS[1]!, 4], [DEMO_PLANS[2]!, 2]]);
    const seats = Math.max(3, Math.min(500, Math.round(employees * rng.uniform(0.02, 0.15))));
    const quote = Math.round((plan.monthly * 12 * seats * rng.uniform(0.8, 1.0)) / 100) * 100;
    // Placeholders are filled lazily: a random draw only where the text asks for one.
    const fill = (text: string) =>
      text.replace(/\{(\w+)\}/g, (_, key: string) => {
        switch (key) {
          case 'first': return firstName;
          case 'rep': return owner.firstName;
          case 'company': return company;
          case 'competitor': return rng.pick(DEMO_COMPETITORS);
          case 'price': return `$${formatThousands(quote)}`;
          case 'date': return formatDate(at() + rng.int(3, 20) * DAY);
          case 'weekday': return rng.pick(WEEKDAYS);
          case 'plan': return plan.name;
          case 'seats': return String(seats);
          default: return key;
        }
      });

    if (contacted) {
      const threadId = `t_${leadId.slice(0, 8)}`;
      const outboundEmails = 1 + rng.poisson(0.25 + 0.3 * Math.max(0, engagement));
      let lastOutbound: { subject: string; body: string; at: number } | null = null;
      for (let k = 0; k < outboundEmails; k++) {
        const template = k === 0 ? OUTBOUND_EMAILS[0]! : reached('proposal') && k === outboundEmails - 1 ? OUTBOUND_EMAILS[3]! : rng.pick(OUTBOUND_EMAILS);
        const t = k === outboundEmails - 1 ? activeEnd : at();
        const subject = fill(template.subject);
        const body = fill(template.body);
        const activityId = this.nextId();
        out.activities.row(this.activity(activityId, leadId, owner.id, 'email', subject, body.split('\n\n')[1] ?? body, 'sent', null, t, null, { direction: 'outbound' }));
        out.conversations.row(this.conversation(leadId, activityId, 'outbound', 'email', subject, body, threadId, t));
        out.counts.activities++;
        out.counts.conversations++;
        touches.push({ at: t, outbound: true });
        lastOutbound = { subject, body, at: t };
      }
      for (const toneLabel of inboundTones) {
        const bank = toneLabel === 'positive' ? INBOUND_POSITIVE : toneLabel === 'negative' ? INBOUND_NEGATIVE : INBOUND_NEUTRAL;
        const template = rng.pick(bank);
        const t = Math.min(activeEnd, at() + rng.int(1, 48) * 3600_000);
        let body = fill(template.body);
        // Real replies quote the mail they answer; the quote must not decide the tone.
        if (lastOutbound && rng.bool(0.4)) {
          body += `\n\nOn ${new Date(lastOutbound.at).toUTCString()}, ${owner.fullName} wrote:\n${lastOutbound.body.split('\n').map((l) => `> ${l}`).join('\n')}`;
        }
        out.conversations.row(this.conversation(leadId, null, 'inbound', rng.bool(0.85) ? 'email' : 'chat', fill(template.subject), body, threadId, t));
        out.counts.conversations++;
        touches.push({ at: t, outbound: false });
      }
      const calls = rng.poisson(0.35 + 0.25 * Math.max(0, engagement));
      for (let k = 0; k < calls; k++) {
        const u = tone + rng.normal(0, 0.8);
        const bank = u > 0.6 ? CALL_NOTES.positive : u < -0.6 ? CALL_NOTES.negative : CALL_NOTES.neutral;
        const note = fill(rng.pick(bank));
        const t = at();
        const connected = !note.startsWith('Left a voicemail');
        const activityId = this.nextId();
        out.activities.row(this.activity(activityId, leadId, owner.id, 'call', `Call with ${firstName} ${lastName}`, note,
          connected ? rng.pick(['connected', 'meeting_booked']) : 'left_voicemail', null, t, connected ? rng.int(5, 45) : 1, {}));
        out.conversations.row(this.conversation(leadId, activityId, 'outbound', 'phone', `Call notes: ${firstName} ${lastName}`, note, null, t));
        out.counts.activities++;
        out.counts.conversations++;
        touches.push({ at: t, outbound: true });
      }
      if (reached('qualified') || demoRequested) {
        const t = at();
        const type = demoRequested ? 'demo' : 'meeting';
        out.activities.row(this.activity(this.nextId(), leadId, owner.id, type,
          type === 'demo' ? `${DEMO_PRODUCT} demo for ${company}` : `Discovery meeting with ${company}`,
          type === 'demo' ? `Walked ${firstName} through lead scoring, pipeline board and forecasts.` : `Discussed ${company}'s sales process, team of ${seats}, current tools.`,
          rng.pick(ACTIVITY_OUTCOMES[type]!), t - DAY, t, rng.int(30, 60), {}));
        out.counts.activities++;
        touches.push({ at: t, outbound: true });
      }
      if (reached('proposal')) {
        const t = changes[path.indexOf('proposal') - 1] ?? at();
        out.activities.row(this.activity(this.nextId(), leadId, owner.id, 'proposal', `Proposal sent: ${plan.name} plan`,
          `${plan.name} plan, ${seats} seats, $${formatThousands(quote)} per year.`, 'sent', null, t, null, { amount: quote, plan: plan.name, seats }));
        out.counts.activities++;
      }
      if (rng.bool(0.15)) {
        const t = at();
        out.activities.row(this.activity(this.nextId(), leadId, owner.id, 'note', 'Research',
          `${company}: ${employees} employees, ${industry}. ${firstName} is ${jobTitle}.`, 'logged', null, t, null, {}));
        out.counts.activities++;
      }
      // Written after the close: a trap for scoring models that do not respect time.
      if (won && rng.bool(0.4) && decisionAt + DAY < anchor) {
        const t = Math.min(anchor - 60_000, decisionAt + rng.uniform(1, 10) * DAY);
        out.activities.row(this.activity(this.nextId(), leadId, owner.id, 'note', 'Handoff to onboarding',
          `Closed-won. Kick-off with ${firstName} scheduled; onboarding owner assigned.`, 'logged', null, t, null, { after_close: true }));
        out.counts.activities++;
      }
    }
    if (!closed && reached('contacted') && rng.bool(0.5)) {
      const due = anchor + rng.uniform(-3, 10) * DAY;
      out.activities.row(this.activity(this.nextId(), leadId, owner.id, 'task', `Follow up with ${firstName}`, null, null, due, null, null, {}));
      out.counts.activities++;
    }

    const lastOutboundTouch = touches.filter((x) => x.outbound).reduce((m, x) => Math.max(m, x.at), 0);
    const lastActivity = touches.reduce((m, x) => Math.max(m, x.at), created);
    const nextFollowUp = !closed && status !== 'unqualified' && reached('contacted') && rng.bool(0.7)
      ? lastActivity + rng.uniform(1, 14) * DAY
      : null;
    const dealValue = won
      ? Math.round((quote * rng.uniform(0.85, 1.1)) / 100) * 100
      : reached('proposal') ? quote : null;
    const unassigned = status === 'new' && rng.bool(0.15);
    const tags: string[] = [];
    if (sizeBand === '5001+') tags.push('enterprise');
    if (source === 'webinar') tags.push('webinar-attendee');
    if (demoRequested) tags.push('demo-requested');
    if (rng.bool(0.08)) tags.push('partner-referral');
    if (rng.bool(0.1)) tags.push('priority');

    out.leads.row([
      leadId, orgId, unassigned ? null : owner.id, this.teamIds.get(teamKey)!, firstName, lastName, email, phone, company,
      jobTitle,
      // faker's street templates are slow; a number and a street name read the same.
      { street: `${rng.int(1, 9999)} ${rng.pick(STREETS)}`, city: this.faker.location.city(), country, country_code: countryCode, postal_code: String(rng.int(10000, 99999)) },
      status, stageOf(status), source, campaign,
      {
        industry, employees,
        plan_interest: plan.name,
        newsletter_opt_in: rng.bool(0.35),
        ...(rng.bool(0.3) ? { lead_form_id: `F-${rng.int(1000, 9999)}` } : {}),
      },
      tags, `NW-${String(n + 1).padStart(7, '0')}`, dealValue,
      new Date(statusChangedAt), closed ? new Date(decisionAt) : null, new Date(created),
      new Date(Math.max(statusChangedAt, lastActivity)), lastOutboundTouch ? new Date(lastOutboundTouch) : null,
      nextFollowUp ? new Date(nextFollowUp) : null,
    ]);
    out.counts.leads++;
    out.truth.row([leadId, orgId, Math.round(truth.probability * 1e6) / 1e6, { ...truth.drivers, latent_engagement: round4(engagement), latent_tone: round4(tone) }, GENERATOR_VERSION]);
  }

  private uniqueEmail(first: string, last: string, kind: EmailKind, companyDomain: string, n: number): string {
    const base = slug(`${first}.${last}`);
    // Free-mail addresses carry the lead number, as real ones carry digits: unique anyway.
    let email =
      kind === 'corporate' ? `${base}@${companyDomain}`
      : kind === 'free' ? `${base.replace('.', '')}${n + 1}@${this.rng.pick(FREE_EMAIL_DOMAINS)}`
      : `${base}@${companyDomain.replace(/\.com$/, '')}`; // no top-level domain: invalid
    for (let k = 2; this.emails.has(email); k++) email = email.replace(/^([^@]*?)(\d*)@/, `$1${k}@`);
    this.emails.add(email);
    return email;
  }

  private journey(
    leadId: string, type: string, name: string, properties: Record<string, unknown>, userId: string | null,
    sessionId: string | null, ip: string | null, ua: string | null, at: number,
  ): CopyValue[] {
    const when = new Date(Math.min(at, this.latest));
    // Website events (they have a browser session) arrive through the tracking snippet, so they
    // carry the visitor's anonymous id as real tracked events do; e-mail opens and status
    // changes do not. Derived from the lead id, not drawn: the random sequence stays the same.
    const visitor = sessionId === null ? null : demoVisitorId(leadId);
    return [this.nextId(), this.org.id, leadId, type, name, null, properties, userId, sessionId, ip, ua, when, visitor];
  }

  private activity(
    id: string, leadId: string, userId: string, type: string, subject: string, description: string | null,
    outcome: string | null, scheduledAt: number | null, completedAt: number | null, duration: number | null,
    metadata: Record<string, unknown>,
  ): CopyValue[] {
    const createdAt = new Date(Math.min(completedAt ?? scheduledAt ?? 0, this.anchor.getTime()) || this.anchor.getTime());
    return [
      id, this.org.id, leadId, userId, type, subject, description, outcome,
      scheduledAt === null ? null : new Date(scheduledAt), completedAt === null ? null : new Date(completedAt),
      duration, metadata, createdAt, createdAt,
    ];
  }

  private conversation(
    leadId: string, activityId: string | null, direction: 'inbound' | 'outbound', channel: string, subject: string,
    content: string, threadId: string | null, at: number,
  ): CopyValue[] {
    const when = new Date(Math.min(at, this.latest));
    const id = this.nextId();
    return [
      id, this.org.id, leadId, activityId, direction, channel, subject, content,
      channel === 'email' ? `<${id.slice(0, 18)}@mail.${direction === 'inbound' ? 'example.net' : this.org.domain}>` : null,
      threadId, {}, when, when,
    ];
  }
}

function stageOf(status: LeadStatus): string {
  switch (status) {
    case 'new':
    case 'contacted':
    case 'unqualified':
      return 'prospect';
    case 'nurturing':
      return 'marketing_qualified';
    case 'qualified':
      return 'sales_qualified';
    case 'proposal':
    case 'negotiation':
    case 'closed_lost':
      return 'opportunity';
    case 'closed_won':
      return 'customer';
  }
}

function pickPair(rng: Random, items: readonly (readonly [string, string])[]): { path: string; title: string } {
  const [path, title] = rng.pick(items);
  return { path, title };
}

export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/-+/g, '-');
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const;

// Intl formatting is ~100x slower than this, and a million leads format millions of dates.
function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

function formatThousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function countryDialCode(code: string): number {
  const codes: Record<string, number> = { US: 1, CA: 1, GB: 44, DE: 49, FR: 33, IN: 91, AU: 61, NL: 31, BR: 55, ES: 34, SE: 46 };
  return codes[code] ?? 1;
}

const STREETS = [
  'Main Street', 'Oak Avenue', 'Park Road', 'Market Street', 'Church Lane', 'Mill Road', 'High Street', 'Cedar Drive',
  'Maple Avenue', 'Station Road', 'River Road', 'King Street', 'Elm Street', 'Broadway', 'Harbor Boulevard', 'Lake Drive',
];

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hex4(n: number): string {
  return HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
}
function hex8(n: number): string {
  return hex4(n >>> 16) + hex4(n & 0xffff);
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
