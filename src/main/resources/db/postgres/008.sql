-- PostgreSQL migration 8: the backlog counter moved once per statement, not once per row. A row
-- trigger updated the session's stripe once for every job a statement moved: a claim of 5,000
-- jobs wrote 5,000 versions of one row in one transaction, each update walking the versions
-- before it (1,258 ms for that claim; 160 ms without the trigger; 213 ms with this one). A
-- statement trigger counts the statement's moved rows (its transition tables) and writes the
-- stripe once. It fires for every UPDATE (transition tables cannot go with a column list), so
-- the store writes a transaction's jobs with one statement where it can (unnest).

DROP TRIGGER queue_depth_track ON jobs;

DROP FUNCTION queue_depth_track();

CREATE FUNCTION queue_depth_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta bigint := 0;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN delta := delta + (SELECT count(*) FROM moved_in WHERE state = 'queued'); END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN delta := delta - (SELECT count(*) FROM moved_out WHERE state = 'queued'); END IF;
  IF delta <> 0 THEN UPDATE queue_depth SET queued = queued + delta WHERE slot = pg_backend_pid() % 1024; END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER queue_depth_inserted AFTER INSERT ON jobs REFERENCING NEW TABLE AS moved_in
FOR EACH STATEMENT EXECUTE FUNCTION queue_depth_moved();

CREATE TRIGGER queue_depth_updated AFTER UPDATE ON jobs REFERENCING OLD TABLE AS moved_out NEW TABLE AS moved_in
FOR EACH STATEMENT EXECUTE FUNCTION queue_depth_moved();

CREATE TRIGGER queue_depth_deleted AFTER DELETE ON jobs REFERENCING OLD TABLE AS moved_out
FOR EACH STATEMENT EXECUTE FUNCTION queue_depth_moved();
