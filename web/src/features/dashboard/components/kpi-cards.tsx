import { Icon } from '../../../components/icons';
import { formatMoney, formatMoneyCompact, formatNumber, formatPercent } from '../../../lib/format';
import type { Dashboard, Kpi } from '../api/dashboard-api';

/**
 * Four numbers of the period, each with its change against the period before (arrow and %),
 * and a line saying what it counts: the same figures as the funnel's steps (the server
 * defines them once), so the cards and the funnel never disagree.
 */
export function KpiCards({ kpis, days, currency }: { kpis: Dashboard['kpis']; days: number; currency: string }) {
  const money = (v: number) => formatMoneyCompact(v, currency);
  return (
    <ul className="kpis" aria-label="Key figures">
      <KpiCard label="New leads" counts="created in the period" kpi={kpis.new_leads} days={days} format={formatNumber} />
      <KpiCard label="Qualified" counts="reached qualified in the period" kpi={kpis.qualified} days={days} format={formatNumber} />
      <KpiCard label="Won" counts="marked won in the period, less deals reopened" kpi={kpis.won} days={days} format={formatNumber} />
      <KpiCard label="Revenue won" counts="deal values won in the period, less deals reopened" kpi={kpis.revenue_won} days={days} format={money} exact={(v) => formatMoney(v, currency)} />
    </ul>
  );
}

function KpiCard({ label, counts, kpi, days, format, exact }: { label: string; counts: string; kpi: Kpi; days: number; format: (v: number) => string; exact?: (v: number) => string }) {
  const direction = kpi.change === null ? (kpi.current > 0 ? 'up' : 'flat') : kpi.change > 0.0005 ? 'up' : kpi.change < -0.0005 ? 'down' : 'flat';
  const changeText = kpi.change === null ? (kpi.current > 0 ? 'new' : 'no change') : `${kpi.change > 0 ? '+' : ''}${formatPercent(kpi.change)}`;
  const spoken = kpi.change === null ? (kpi.current > 0 ? 'none in the previous period' : 'no change') : `${direction === 'up' ? 'up' : direction === 'down' ? 'down' : 'unchanged'} ${formatPercent(Math.abs(kpi.change))}`;
  return (
    <li className="card kpi">
      <div className="kpi__label">{label}</div>
      <div className="kpi__counts muted small">{counts}</div>
      <div className="kpi__value" title={exact?.(kpi.current)}>
        {format(kpi.current)}
      </div>
      <div className="kpi__compare">
        <span className={`kpi__change kpi__change--${direction}`}>
          {direction !== 'flat' && <Icon name={direction === 'up' ? 'arrowUp' : 'arrowDown'} size={14} />}
          <span aria-hidden="true">{changeText}</span>
          <span className="visually-hidden">{spoken}</span>
        </span>
        <span className="muted" title={exact?.(kpi.previous)}>
          vs {format(kpi.previous)} in the {days} days before
        </span>
      </div>
    </li>
  );
}
