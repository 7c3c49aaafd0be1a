-- Forecast runs (issue 22). Each run of the forecasts job INSERTS its rows and never updates
-- them: the history of what was forecast, against what then happened, is the earlier runs'
-- rows. A run is one `run_id`; `made_as_of` is the instant the forecast knew the data up to
-- (the run's time, or a period's start for a backtest row computed as of then, `kind`
-- 'backtest'); `horizon` is the period's step ahead of the period containing made_as_of
-- (0 = that period).
ALTER TABLE forecasts
  ADD COLUMN run_id UUID,
  ADD COLUMN made_as_of TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  ADD COLUMN horizon INTEGER NOT NULL DEFAULT 0 CHECK (horizon >= 0),
  ADD COLUMN kind TEXT NOT NULL DEFAULT 'forecast' CHECK (kind IN ('forecast', 'backtest'));

-- The latest run per granularity (GET /api/v1/forecasts), and the history: per period, the
-- forecasts made before it began.
CREATE INDEX forecasts_latest_idx ON forecasts (organization_id, granularity, created_at DESC);
CREATE INDEX forecasts_history_idx ON forecasts (organization_id, granularity, forecast_type, period_start, made_as_of DESC);

-- Rows are a record of what was said: the application may add and delete them, never rewrite one.
REVOKE UPDATE ON forecasts FROM leadai_app;
