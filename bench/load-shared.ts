/**
 * What bench/load.bench.ts and its load process (bench/load-client.ts) share: the operations
 * of the mix with their weights, and the messages between the two processes.
 */
import type { SparseHistogram } from './realtime-shared.ts';

/**
 * The mix: what a sales team's browsers and a website send in a working day, per 100
 * requests. Reads dominate (people look far more than they type: lists, searches, opening a
 * lead and its history); a rep logs a call or a note on roughly one lead in three they open,
 * and moves a lead's status less often; the website's tracking snippet sends a steady share of
 * batches (10 events each) whoever is signed in.
 */
export const MIX = [
  { op: 'list leads', weight: 20 },
  { op: 'search', weight: 12 },
  { op: 'open a lead', weight: 22 },
  { op: 'lead timeline', weight: 10 },
  { op: 'log an activity', weight: 8 },
  { op: 'update status', weight: 5 },
  { op: 'track events', weight: 23 },
] as const;
export type OpName = (typeof MIX)[number]['op'];

/** A signed-in user of the demo organization: a real session (cookie + CSRF token) and leads they may see. */
export interface LoadUser {
  userId: string;
  role: string;
  session: string;
  csrf: string;
  leadIds: string[];
}

export interface LoadSetup {
  type: 'setup';
  servers: string[];
  users: LoadUser[];
  words: string[];
  trackKey: string;
  run: string;
  streams: number;
  importRows: number;
}

export type ToLoad = LoadSetup | { type: 'step'; rate: number; seconds: number } | { type: 'window' } | { type: 'stop' };

export interface OpResult {
  hist: SparseHistogram;
  errors: number;
  /** A few error descriptions (status and the start of the body) to show what went wrong. */
  samples: string[];
}

export interface StepResult {
  type: 'step';
  rate: number;
  seconds: number;
  sent: number;
  ops: Record<string, OpResult>;
}

export interface WindowResult {
  type: 'window';
  seconds: number;
  completed: number;
  errors: number;
  p99: number;
  inFlight: number;
}

export interface ImportRun {
  id: string | null;
  status: string;
  rows: number;
  created: number;
  rejected: number;
  seconds: number;
  error: string | null;
}

export interface StopResult {
  type: 'stop';
  streams: { opened: number; open: number; dropped: number; frames: number; bytes: number; errors: string[] };
  imports: ImportRun[];
}

export type FromLoad = { type: 'ready' } | StepResult | WindowResult | StopResult;
