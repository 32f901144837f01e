-- SQLite migration 3: leases: the node running an attempt, and until when it holds it.

ALTER TABLE jobs ADD COLUMN node TEXT;

ALTER TABLE jobs ADD COLUMN lease_until INTEGER;

CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
