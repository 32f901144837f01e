-- PostgreSQL migration 7: no row that every transaction updates. The backlog counter becomes 1,024
-- stripes, and each session adds its moves to its own (pg_backend_pid() % 1024): transactions of
-- different sessions, on one node or several, no longer wait on each other's counter row (a
-- collision of two live sessions on one stripe makes those two wait, nothing else). The backlog
-- is the sum of the stripes. And jobs_running goes: jobs_leases indexes the same rows, and every
-- claim wrote both.

ALTER TABLE queue_depth ADD COLUMN slot integer NOT NULL DEFAULT 0;

ALTER TABLE queue_depth ADD PRIMARY KEY (slot);

INSERT INTO queue_depth (slot, queued) SELECT s, 0 FROM generate_series(1, 1023) s;

CREATE OR REPLACE FUNCTION queue_depth_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := 0;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'queued' THEN delta := delta + 1; END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.state = 'queued' THEN delta := delta - 1; END IF;
  IF delta <> 0 THEN UPDATE queue_depth SET queued = queued + delta WHERE slot = pg_backend_pid() % 1024; END IF;
  RETURN NULL;
END $$;

DROP INDEX jobs_running;
