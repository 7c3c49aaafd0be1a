import type { LeadStatus } from '../../../api/types';
import { humanize } from '../../../lib/format';

/** The board's columns, in the order a deal travels; every status the server knows has its place. */
const ORDER: Record<LeadStatus, number> = { new: 0, contacted: 1, qualified: 2, proposal: 3, negotiation: 4, closed_won: 5, closed_lost: 6, nurturing: 7, unqualified: 8 };
export const STATUSES = (Object.keys(ORDER) as LeadStatus[]).sort((a, b) => ORDER[a] - ORDER[b]);
export const statusLabel = (s: LeadStatus) => (s === 'closed_won' ? 'Won' : s === 'closed_lost' ? 'Lost' : humanize(s));
