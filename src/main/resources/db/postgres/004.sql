-- PostgreSQL migration 4: idempotent submissions and completion webhooks (as SQLite's 5).

ALTER TABLE jobs ADD COLUMN idempotency_key text, ADD COLUMN request_hash text,
  ADD COLUMN callback_url text,
  ADD COLUMN callback_state text CHECK (callback_state IN ('pending', 'delivered', 'failed')),
  ADD COLUMN callback_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN callback_due timestamptz,
  ADD COLUMN callback_error text;

CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE INDEX jobs_callbacks_due ON jobs (callback_due) WHERE callback_state = 'pending' AND callback_due IS NOT NULL;

CREATE FUNCTION jobs_callback_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.callback_due := COALESCE(NEW.finished_at, now());
  RETURN NEW;
END $$;

CREATE TRIGGER jobs_callback_due BEFORE UPDATE OF state ON jobs
FOR EACH ROW WHEN (NEW.callback_url IS NOT NULL AND NEW.callback_due IS NULL
  AND NEW.state IN ('succeeded', 'failed', 'cancelled'))
EXECUTE FUNCTION jobs_callback_due();
