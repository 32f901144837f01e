-- SQLite migration 1: the jobs table; the indexes of listing (per owner and for admins), of the
-- queue (due jobs of a type, oldest first; partial, so finished jobs cost nothing) and of admission.

CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  owner            TEXT    NOT NULL,
  type             TEXT    NOT NULL,
  state            TEXT    NOT NULL,
  input            TEXT    NOT NULL,
  result           TEXT,
  error            TEXT,
  progress         REAL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  timeout_seconds  INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  run_at           INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER
);

CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC, id DESC);

CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);

CREATE INDEX jobs_queue ON jobs (type, run_at, created_at) WHERE state = 'queued';

CREATE INDEX jobs_active_owner ON jobs (owner) WHERE state IN ('queued', 'running');

CREATE INDEX jobs_running ON jobs (state) WHERE state = 'running';
