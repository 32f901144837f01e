-- SQLite migration 5: idempotent submissions and completion webhooks.
-- An Idempotency-Key is unique per owner while it is kept (a batch's jobs hold "<key> <index>");
-- request_hash tells a retry of the same request from another request under the same key.
-- A job with a callback carries its delivery: its URL, and once the job has finished, the state
-- of the delivery (pending, delivered, failed), its attempts, when the next is due, and why the
-- last failed. The job row is the outbox: the trigger below makes the delivery due in the very
-- statement that finishes the job, whichever statement that is.

ALTER TABLE jobs ADD COLUMN idempotency_key TEXT;

ALTER TABLE jobs ADD COLUMN request_hash TEXT;

CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;

ALTER TABLE jobs ADD COLUMN callback_url TEXT;

ALTER TABLE jobs ADD COLUMN callback_state TEXT;

ALTER TABLE jobs ADD COLUMN callback_attempts INTEGER NOT NULL DEFAULT 0;

ALTER TABLE jobs ADD COLUMN callback_due INTEGER;

ALTER TABLE jobs ADD COLUMN callback_error TEXT;

CREATE INDEX jobs_callbacks_due ON jobs (callback_due) WHERE callback_state = 'pending' AND callback_due IS NOT NULL;

CREATE TRIGGER jobs_callback_due AFTER UPDATE OF state ON jobs
WHEN NEW.callback_url IS NOT NULL AND NEW.callback_due IS NULL
  AND NEW.state IN ('succeeded', 'failed', 'cancelled')
BEGIN UPDATE jobs SET callback_due = COALESCE(NEW.finished_at, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) WHERE id = NEW.id; END;
