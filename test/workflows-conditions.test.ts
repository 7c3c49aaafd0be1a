import { describe, expect, it } from 'vitest';
import { conditionsHold, holdsNow, statusChangeMatches, transition, triggerState, type LeadFacts } from '../src/modules/workflows/workflows.conditions.ts';

const now = new Date('2026-06-01T12:00:00Z');
const lead = (over: Partial<LeadFacts> = {}): LeadFacts => ({
  id: 'l1', status: 'contacted', score: 50, assigned_to: 'u1', team_id: 't1', source: 'Webinar',
  last_touch_at: new Date('2026-05-30T12:00:00Z'), insight_types: [], forms: [], ...over,
});

describe('workflow conditions (pure)', () => {
  it('score crossing up and down, at the threshold exactly', () => {
    expect(triggerState({ type: 'score_crosses', threshold: 50, direction: 'up' }, lead(), now).active).toBe(true);
    expect(triggerState({ type: 'score_crosses', threshold: 51, direction: 'up' }, lead(), now).active).toBe(false);
    expect(triggerState({ type: 'score_crosses', threshold: 50, direction: 'down' }, lead(), now).active).toBe(false);
    expect(triggerState({ type: 'score_crosses', threshold: 51, direction: 'down' }, lead(), now).active).toBe(true);
  });

  it('no touch: days since the last touch, never for closed leads', () => {
    expect(triggerState({ type: 'no_touch', days: 2 }, lead(), now).active).toBe(true);
    expect(triggerState({ type: 'no_touch', days: 3 }, lead(), now).active).toBe(false);
    expect(triggerState({ type: 'no_touch', days: 2 }, lead({ status: 'closed_won' }), now).active).toBe(false);
  });

  it('insights and forms', () => {
    expect(triggerState({ type: 'insight_detected', insight_type: 'competitive_threat' }, lead({ insight_types: ['competitive_threat'] }), now).active).toBe(true);
    expect(triggerState({ type: 'insight_detected', insight_type: 'buying_signal' }, lead({ insight_types: ['competitive_threat'] }), now).active).toBe(false);
    expect(triggerState({ type: 'form_submitted', form: 'demo' }, lead({ forms: ['Newsletter', 'Book a DEMO', 'demo 2'] }), now)).toEqual({ active: true, count: 2 });
    expect(triggerState({ type: 'form_submitted' }, lead(), now)).toEqual({ active: false, count: 0 });
  });

  it('transitions: fire on false → true and on one more occurrence, re-arm on true → false, nothing while it stays', () => {
    expect(transition(undefined, { active: true, count: 0 })).toBe('fire');
    expect(transition({ active: true, count: 0 }, { active: true, count: 0 })).toBe('none');
    expect(transition({ active: true, count: 0 }, { active: false, count: 0 })).toBe('rearm');
    expect(transition({ active: false, count: 0 }, { active: false, count: 0 })).toBe('none');
    expect(transition({ active: true, count: 1 }, { active: true, count: 2 })).toBe('fire');
    expect(transition({ active: true, count: 2 }, { active: true, count: 1 })).toBe('update');
  });

  it('status changes match from/to, any when absent, never a non-change', () => {
    expect(statusChangeMatches({ type: 'status_changed', to: 'qualified' }, 'new', 'qualified')).toBe(true);
    expect(statusChangeMatches({ type: 'status_changed', from: 'new', to: 'qualified' }, 'contacted', 'qualified')).toBe(false);
    expect(statusChangeMatches({ type: 'status_changed' }, 'new', 'new')).toBe(false);
    expect(holdsNow({ type: 'status_changed', to: 'contacted' }, lead(), now)).toBe(true);
  });

  it('extra conditions: every one given must hold', () => {
    expect(conditionsHold({}, lead())).toBe(true);
    expect(conditionsHold({ owner_ids: ['u2'] }, lead())).toBe(false);
    expect(conditionsHold({ sources: ['webinar'], team_ids: ['t1'], score_min: 50, score_max: 50, statuses: ['contacted'] }, lead())).toBe(true);
    expect(conditionsHold({ sources: ['ads'] }, lead())).toBe(false);
    expect(conditionsHold({ score_min: 51 }, lead())).toBe(false);
    expect(conditionsHold({ owner_ids: ['u1'] }, lead({ assigned_to: null }))).toBe(false);
  });
});
