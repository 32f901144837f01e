-- PostgreSQL migration 6: recurring schedules (as SQLite's 7).

CREATE TABLE schedules (
  owner       text        NOT NULL,
  name        text        NOT NULL,
  cron        text        NOT NULL,
  timezone    text        NOT NULL,
  job         jsonb       NOT NULL,
  paused      boolean     NOT NULL DEFAULT false,
  next_run_at timestamptz NOT NULL,
  last_run_at timestamptz,
  last_job_id uuid,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (owner, name)
);

CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = FALSE;
