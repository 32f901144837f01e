-- PostgreSQL migration 2: leases: the node running an attempt, and until when it holds it.

ALTER TABLE jobs ADD COLUMN node text, ADD COLUMN lease_until timestamptz;

CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
