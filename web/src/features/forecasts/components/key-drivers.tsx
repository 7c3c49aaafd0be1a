import { Link } from 'react-router';
import { Badge, EmptyState } from '../../../components/feedback';
import type { ForecastKeyDriver, ForecastUnit } from '../api/forecasts-api';
import { formatEffect, formatUnitExact } from './forecast-format';

const KIND: Record<ForecastKeyDriver['kind'], string> = { lead: 'Lead', segment: 'Segment', input: 'Input' };

/** What moves the forecast most, largest effect first; a lead links to its page. */
export function KeyDrivers({ drivers, unit, currency, period }: { drivers: readonly ForecastKeyDriver[]; unit: ForecastUnit; currency: string; period: string }) {
  const sorted = [...drivers].sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
  if (sorted.length === 0) {
    return <EmptyState title="Nothing stands out">No single lead or segment moves this {period}’s forecast much: it rests on many small deals and the trend.</EmptyState>;
  }
  return (
    <ol className="fc-drivers" aria-label="Key drivers">
      {sorted.map((d, i) => (
        <li key={`${d.kind}-${d.lead_id ?? d.label}-${i}`} className="fc-driver">
          <div className="fc-driver__head">
            <Badge tone={d.kind === 'lead' ? 'accent' : 'neutral'}>{KIND[d.kind]}</Badge>
            {d.kind === 'lead' && d.lead_id ? (
              <Link to={`/leads/${d.lead_id}`} className="strong-link fc-driver__label">
                {d.label}
              </Link>
            ) : (
              <span className="strong fc-driver__label">{d.label}</span>
            )}
            <span className={`fc-driver__effect delta delta--${d.effect >= 0 ? 'up' : 'down'}`} title={formatUnitExact(unit, d.effect, currency)}>
              {formatEffect(unit, d.effect, currency)}
            </span>
          </div>
          {d.detail && <p className="muted small fc-driver__detail">{d.detail}</p>}
        </li>
      ))}
    </ol>
  );
}
