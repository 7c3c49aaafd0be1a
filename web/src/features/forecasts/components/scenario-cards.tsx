import { formatMoney, formatMoneyCompact, formatPercent } from '../../../lib/format';
import type { ForecastScenarios } from '../api/forecasts-api';

interface Stat {
  label: string;
  value: number;
  meaning: string;
}

/**
 * The period's scenarios (worst / expected / best) and the categories sales teams forecast
 * by (closed / commit / best case / pipeline), as cards that each say in one sentence what
 * their number means: a manager who reads "commit" in another tool must not guess ours.
 */
export function ScenarioCards({ scenarios, period, level, currency }: { scenarios: ForecastScenarios; period: string; level: number; currency: string }) {
  // The band's tails: with an 80 % band, 1 chance in 10 below the worst case and 1 above the best.
  const tail = formatPercent((1 - level) / 2);
  const outcomes: Stat[] = [
    { label: 'Worst case', value: scenarios.worst, meaning: `If deals slip and few close: about ${tail} chance of closing less this ${period}.` },
    { label: 'Expected', value: scenarios.expected, meaning: `The average over thousands of simulated ${period}s of your pipeline: the figure to plan on.` },
    { label: 'Best case', value: scenarios.best, meaning: `If most open deals close on time: about ${tail} chance of closing more this ${period}.` },
  ];
  const c = scenarios.categories;
  // Each open deal falls in one category (first rule that matches, configurable per
  // organization); a category's figure is what its deals are expected to bring this period
  // (value × chance of closing in it), so closed + the three add up to the expected total.
  const categories: Stat[] = c
    ? [
        { label: 'Closed', value: c.closed, meaning: `Already won this ${period}.` },
        { label: 'Commit', value: c.commit, meaning: 'Expected from the deals the team counts on (by default: negotiation, win probability 70 % or more).' },
        { label: 'Best case', value: c.best_case, meaning: 'Expected from deals that could go either way (by default: proposal or negotiation, 40 % or more).' },
        { label: 'Pipeline', value: c.pipeline, meaning: 'Expected from every other open deal and from the leads not created yet.' },
      ]
    : [];
  return (
    <div className="fc-scenarios">
      <StatList title="Scenarios" stats={outcomes} currency={currency} />
      {categories.length > 0 && (
        <StatList title="By forecast category" stats={categories} currency={currency} note={`Closed + commit + best case + pipeline = the expected ${formatMoneyCompact(scenarios.expected, currency)}.`} />
      )}
    </div>
  );
}

function StatList({ title, stats, currency, note }: { title: string; stats: Stat[]; currency: string; note?: string }) {
  return (
    <section aria-label={title}>
      <h3 className="fc-subhead">{title}</h3>
      <ul className="fc-stats">
        {stats.map((s) => (
          <li key={s.label} className="card fc-stat">
            <div className="kpi__label">{s.label}</div>
            <div className="kpi__value" title={formatMoney(s.value, currency)}>
              {formatMoneyCompact(s.value, currency)}
            </div>
            <p className="fc-stat__meaning muted small">{s.meaning}</p>
          </li>
        ))}
      </ul>
      {note && <p className="muted small fc-stats__note">{note}</p>}
    </section>
  );
}
