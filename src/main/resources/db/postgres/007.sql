-- PostgreSQL migration 7: the dashboard's counts (as SQLite's 8).

CREATE INDEX jobs_owner_finished ON jobs (owner, state, finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled');
