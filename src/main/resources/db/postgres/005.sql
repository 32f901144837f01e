-- PostgreSQL migration 5: scheduling (as SQLite's 6): priorities, the queue indexes of priority
-- and fair claims, the attempt history, and the schedule tick that created a job.

ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 5 CHECK (priority BETWEEN 0 AND 9),
  ADD COLUMN history jsonb,
  ADD COLUMN schedule_name text,
  ADD COLUMN schedule_tick timestamptz;

DROP INDEX jobs_queue;

CREATE INDEX jobs_queue ON jobs (type, priority, run_at) WHERE state = 'queued';

CREATE INDEX jobs_queue_owner ON jobs (type, owner, priority DESC, run_at) WHERE state = 'queued';

CREATE UNIQUE INDEX jobs_schedule_tick ON jobs (owner, schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;
