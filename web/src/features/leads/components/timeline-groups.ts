import type { TimelineItem } from '../api/leads-api';

/** Score changes closer together than this (each to the next) are one burst. */
export const SCORE_BURST_GAP_MS = 6 * 3_600_000;

export type TimelineEntry = { kind: 'item'; item: TimelineItem } | { kind: 'score-burst'; items: TimelineItem[] };

/**
 * The timeline as shown: a run of score changes with nothing else between them, each within
 * SCORE_BURST_GAP_MS of the next, is one entry (a rescoring after an import or a busy day
 * writes several in minutes); everything else is one entry per item. Items come newest first.
 */
export function groupTimeline(items: readonly TimelineItem[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (item.kind === 'score' && last) {
      const previous = last.kind === 'score-burst' ? last.items.at(-1)! : last.item;
      if (previous.kind === 'score' && Date.parse(previous.at) - Date.parse(item.at) <= SCORE_BURST_GAP_MS) {
        if (last.kind === 'score-burst') last.items.push(item);
        else out[out.length - 1] = { kind: 'score-burst', items: [previous, item] };
        continue;
      }
    }
    out.push({ kind: 'item', item });
  }
  return out;
}

/** The score a score-change item moved to, and from (null for the first score). */
export function scoreChange(item: TimelineItem): { from: number | null; to: number } {
  const to = Number(item.data.score);
  const from = typeof item.data.previous_score === 'number' ? item.data.previous_score : null;
  return { from, to };
}
