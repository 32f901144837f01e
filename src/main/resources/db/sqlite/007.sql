-- SQLite migration 7: recurring schedules. One row per owner and name: the cron expression and
-- its time zone, the submission each tick queues (job), and the next tick due (next_run_at, in
-- epoch milliseconds like every time here). The due index holds the active schedules only, so a
-- scheduler's poll reads one short range whatever the number of paused ones.

CREATE TABLE schedules (
  owner       TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  cron        TEXT    NOT NULL,
  timezone    TEXT    NOT NULL,
  job         TEXT    NOT NULL,
  paused      INTEGER NOT NULL DEFAULT 0,
  next_run_at INTEGER NOT NULL,
  last_run_at INTEGER,
  last_job_id TEXT,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (owner, name)
);

CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = FALSE;
