-- PostgreSQL migration 1: the jobs table and its indexes (as SQLite's 1), and the backlog as one row
-- kept by a trigger (SQLite's 2).

CREATE TABLE jobs (
  id               uuid PRIMARY KEY,
  owner            text        NOT NULL,
  type             text        NOT NULL,
  state            text        NOT NULL
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  input            jsonb       NOT NULL,
  result           jsonb,
  error            jsonb,
  progress         double precision,
  attempts         integer     NOT NULL DEFAULT 0,
  max_attempts     integer     NOT NULL,
  timeout_seconds  integer     NOT NULL,
  cancel_requested boolean     NOT NULL DEFAULT false,
  run_at           timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  started_at       timestamptz,
  finished_at      timestamptz
);

CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC, id DESC);

CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);

CREATE INDEX jobs_queue ON jobs (type, run_at, created_at) WHERE state = 'queued';

CREATE INDEX jobs_active_owner ON jobs (owner) WHERE state IN ('queued', 'running');

CREATE INDEX jobs_running ON jobs (state) WHERE state = 'running';

CREATE TABLE queue_depth (queued bigint NOT NULL);

INSERT INTO queue_depth SELECT count(*) FROM jobs WHERE state = 'queued';

CREATE FUNCTION queue_depth_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := 0;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'queued' THEN delta := delta + 1; END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.state = 'queued' THEN delta := delta - 1; END IF;
  IF delta <> 0 THEN UPDATE queue_depth SET queued = queued + delta; END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER queue_depth_track AFTER INSERT OR DELETE OR UPDATE OF state ON jobs
FOR EACH ROW EXECUTE FUNCTION queue_depth_track();
