import type { JsonObject } from '../../db/schema.ts';
import { canonicalTimeZone } from '../../shared/time-zone.ts';

/**
 * Forecast configuration, from organizations.settings:
 *
 * ```json
 * { "timezone": "America/New_York", "currency": "USD",
 *   "forecasts": { "level": 0.8,
 *                  "commit":    { "statuses": ["negotiation"], "min_probability": 0.7 },
 *                  "best_case": { "statuses": ["proposal", "negotiation"], "min_probability": 0.4 } } }
 * ```
 *
 * Categories of an open deal, first match wins: commit, then best case, else pipeline. Any
 * value missing or invalid falls back to the default.
 */
export interface CategoryRule {
  statuses: string[];
  minProbability: number;
}

export interface ForecastSettings {
  timeZone: string;
  currency: string;
  level: number;
  commit: CategoryRule;
  bestCase: CategoryRule;
}

export const DEFAULT_LEVEL = 0.8;
const DEFAULT_COMMIT: CategoryRule = { statuses: ['negotiation'], minProbability: 0.7 };
const DEFAULT_BEST_CASE: CategoryRule = { statuses: ['proposal', 'negotiation'], minProbability: 0.4 };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function rule(value: unknown, fallback: CategoryRule): CategoryRule {
  if (!isObject(value)) return fallback;
  const statuses = Array.isArray(value.statuses) && value.statuses.every((s) => typeof s === 'string') ? (value.statuses as string[]) : fallback.statuses;
  const p = value.min_probability;
  return { statuses, minProbability: typeof p === 'number' && p >= 0 && p <= 1 ? p : fallback.minProbability };
}

export function forecastSettings(settings: JsonObject): ForecastSettings {
  const f = isObject(settings.forecasts) ? settings.forecasts : {};
  const level = typeof f.level === 'number' && f.level >= 0.5 && f.level < 1 ? f.level : DEFAULT_LEVEL;
  const currency = typeof settings.currency === 'string' && /^[A-Z]{3}$/.test(settings.currency) ? settings.currency : 'USD';
  return {
    timeZone: canonicalTimeZone(typeof settings.timezone === 'string' ? settings.timezone : null) ?? 'UTC',
    currency,
    level,
    commit: rule(f.commit, DEFAULT_COMMIT),
    bestCase: rule(f.best_case, DEFAULT_BEST_CASE),
  };
}

export function categoryOf(status: string, p: number, s: Pick<ForecastSettings, 'commit' | 'bestCase'>): 'commit' | 'best_case' | 'pipeline' {
  if (s.commit.statuses.includes(status) && p >= s.commit.minProbability) return 'commit';
  if (s.bestCase.statuses.includes(status) && p >= s.bestCase.minProbability) return 'best_case';
  return 'pipeline';
}

/** Money in words for a manager: "$48k", "€1.2M" (the organization's currency). */
export function money(value: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

export function signedMoney(value: number, currency: string): string {
  return `${value < 0 ? '−' : '+'}${money(Math.abs(value), currency)}`;
}
