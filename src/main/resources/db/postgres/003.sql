-- PostgreSQL migration 3: the request that submitted a job (for the logs), and retention's scan of
-- finished jobs.

ALTER TABLE jobs ADD COLUMN request_id text;

CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled');
