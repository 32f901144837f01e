-- SQLite migration 8 (as PostgreSQL's 7): the backlog counter's rows are numbered (SQLite's one
-- writer only ever uses stripe 0), and jobs_running goes: jobs_leases indexes the same rows.

ALTER TABLE queue_depth ADD COLUMN slot INTEGER NOT NULL DEFAULT 0;

DROP INDEX jobs_running;
