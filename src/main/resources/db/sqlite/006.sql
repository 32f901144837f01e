-- SQLite migration 6: scheduling.
-- priority: 0..9, higher first among due jobs of a type. The queue index now leads with the
-- priority, so that a claim reads each priority's due jobs as one range (run_at <= now) and stays
-- O(batch) however many jobs wait, delayed ones included. The owner index serves fair claims:
-- it finds the owners with queued jobs (a loose scan) and each owner's best due job.
-- history: the job's last attempts (a JSON array: attempt, node, startedAt, finishedAt, error).
-- schedule_name, schedule_tick: the recurring schedule and tick that created the job; unique per
-- owner, so that a tick makes one job however many nodes fire it.

ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 5;

ALTER TABLE jobs ADD COLUMN history TEXT;

ALTER TABLE jobs ADD COLUMN schedule_name TEXT;

ALTER TABLE jobs ADD COLUMN schedule_tick INTEGER;

DROP INDEX jobs_queue;

CREATE INDEX jobs_queue ON jobs (type, priority, run_at) WHERE state = 'queued';

CREATE INDEX jobs_queue_owner ON jobs (type, owner, priority DESC, run_at) WHERE state = 'queued';

CREATE UNIQUE INDEX jobs_schedule_tick ON jobs (owner, schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;
