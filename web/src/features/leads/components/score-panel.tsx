import { lazy, Suspense } from 'react';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { formatMoney, formatRelative } from '../../../lib/format';
import type { Score, ScoreHistory } from '../api/leads-api';

const ScoreHistoryChart = lazy(() => import('./score-history-chart'));

const GROUPS = [
  ['demographic', 'Fit'],
  ['behavioral', 'Behaviour'],
  ['temporal', 'Timing'],
  ['conversational', 'Conversations'],
] as const;

/** A half-ring gauge of the score, 0–100. */
export function ScoreGauge({ score, confidence }: { score: number; confidence: number }) {
  const r = 52;
  const circumference = Math.PI * r;
  const color = score >= 70 ? '#c2410c' : score >= 40 ? '#a16207' : '#0369a1';
  return (
    <svg className="gauge" viewBox="0 0 140 100" role="img" aria-label={`Score ${score} of 100, confidence ${Math.round(confidence * 100)}%`}>
      <path d="M 18 80 A 52 52 0 0 1 122 80" fill="none" stroke="#e7e9f0" strokeWidth="14" strokeLinecap="round" />
      <path d="M 18 80 A 52 52 0 0 1 122 80" fill="none" stroke={color} strokeWidth="14" strokeLinecap="round" strokeDasharray={`${(circumference * score) / 100} ${circumference}`} />
      <text x="70" y="74" textAnchor="middle" fontSize="30" fontWeight="800" fill="#1b2130" data-testid="score-value">
        {score}
      </text>
      <text x="70" y="95" textAnchor="middle" fontSize="11" fill="#4d5566">
        {Math.round(confidence * 100)}% confidence
      </text>
    </svg>
  );
}

export function ScorePanel({ score, history, loading, error }: { score: Score | undefined; history: ScoreHistory | undefined; loading: boolean; error: unknown }) {
  if (loading) return <Card title="Score"><SkeletonBlock lines={6} label="Loading the score" /></Card>;
  if (error || !score) return <Card title="Score"><ErrorMessage error={error ?? new Error('No score yet.')} title="Could not load the score" /></Card>;
  const positive = score.explanation.filter((f) => f.points > 0).sort((a, b) => b.points - a.points);
  const negative = score.explanation.filter((f) => f.points < 0).sort((a, b) => a.points - b.points);
  return (
    <Card title="Score" actions={score.scored_at ? <span className="muted">scored {formatRelative(score.scored_at)}{score.model_version ? ` · model ${score.model_version}` : ''}</span> : <Badge tone="warn">Waiting for its first score</Badge>}>
      <div className="stack">
        <div className="gauge-wrap">
          <ScoreGauge score={score.score} confidence={score.confidence} />
          <div className="subscores" aria-label="Sub-scores" role="list">
            {GROUPS.map(([key, label]) => {
              const v = score.sub_scores?.[key];
              // A lead nobody has talked with has nothing to grade: said in words, not a 50 or a dash.
              if (key === 'conversational' && score.sub_scores && v === null) {
                return (
                  <div key={key} className="subscore" role="listitem" data-testid="subscore-conversational">
                    <span>{label}</span>
                    <span className="muted" style={{ gridColumn: '2 / 4' }}>no conversations yet</span>
                  </div>
                );
              }
              return (
                <div key={key} className="subscore" role="listitem">
                  <span>{label}</span>
                  <span className="bar" aria-hidden="true">
                    <span style={{ width: `${v ?? 0}%` }} />
                  </span>
                  <span className="mono">{v === null || v === undefined ? '—' : Math.round(v)}</span>
                </div>
              );
            })}
            {score.predicted_value !== null && (
              <p className="muted" data-testid="predicted-value">
                Predicted deal value if won: {formatMoney(score.predicted_value)}
                {/* The model's 80 % interval: how far won deals like this one fell from the estimate. */}
                {score.predicted_value_low !== null && score.predicted_value_high !== null && (
                  <span title="8 in 10 won deals like this one were in this range (cross-validated on your won deals)">
                    {' '}(likely {formatMoney(score.predicted_value_low)}–{formatMoney(score.predicted_value_high)})
                  </span>
                )}
              </p>
            )}
          </div>
        </div>
        <section aria-labelledby="why-heading">
          <h3 id="why-heading" className="card__title" style={{ marginBottom: 8 }}>
            Why this score
          </h3>
          {score.explanation.length === 0 ? (
            <p className="muted">No factor stands out yet: the score is the organization's base rate.</p>
          ) : (
            <ul className="factors" data-testid="explanation">
              {[...positive, ...negative].map((f) => (
                <li key={f.feature} className={`factor ${f.points > 0 ? 'factor--up' : 'factor--down'}`}>
                  <span className="factor__points">
                    {f.points > 0 ? '+' : '−'}
                    {Math.abs(f.points).toFixed(1)}
                  </span>
                  <span>{f.text}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        {score.recommendations.length > 0 && (
          <section aria-labelledby="next-heading">
            <h3 id="next-heading" className="card__title" style={{ marginBottom: 8 }}>
              Recommended next
            </h3>
            <ul className="factors">
              {score.recommendations.map((r) => (
                <li key={r.action} className="factor">
                  <Badge tone={r.priority === 'high' ? 'bad' : r.priority === 'medium' ? 'warn' : 'neutral'}>{r.priority}</Badge>
                  <span>
                    <strong>{r.action}</strong> — {r.reason}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        )}
        <section aria-labelledby="history-heading">
          <h3 id="history-heading" className="card__title" style={{ marginBottom: 8 }}>
            Score history
          </h3>
          {!history || history.length < 2 ? (
            <EmptyState title="Not enough history yet">The chart appears once the score has moved.</EmptyState>
          ) : (
            <Suspense fallback={<SkeletonBlock lines={4} label="Loading the chart" />}>
              <ScoreHistoryChart history={history} />
            </Suspense>
          )}
        </section>
      </div>
    </Card>
  );
}
