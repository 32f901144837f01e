-- SQLite migration 8: the dashboard's counts (GET /api/v1/stats). The finished jobs of an owner
-- per state, with their finish times, in a covering index: counting them, and those finished in
-- the last hour, reads index entries only. Partial, so submissions and claims never touch it: an
-- entry is written once, when a job finishes. Active jobs are counted through jobs_active_owner.

CREATE INDEX jobs_owner_finished ON jobs (owner, state, finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled');
