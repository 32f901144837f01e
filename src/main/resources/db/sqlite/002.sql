-- SQLite migration 2: the backlog as one row, kept exact by triggers inside every transaction that
-- moves a job: admission reads it instead of counting up to 100,000 queued rows (about 4 ms).

CREATE TABLE queue_depth (queued INTEGER NOT NULL);

INSERT INTO queue_depth SELECT count(*) FROM jobs WHERE state = 'queued';

CREATE TRIGGER queue_depth_insert AFTER INSERT ON jobs WHEN NEW.state = 'queued'
BEGIN UPDATE queue_depth SET queued = queued + 1; END;

CREATE TRIGGER queue_depth_delete AFTER DELETE ON jobs WHEN OLD.state = 'queued'
BEGIN UPDATE queue_depth SET queued = queued - 1; END;

CREATE TRIGGER queue_depth_update AFTER UPDATE OF state ON jobs
WHEN (OLD.state = 'queued') <> (NEW.state = 'queued')
BEGIN UPDATE queue_depth SET queued = queued + (NEW.state = 'queued') - (OLD.state = 'queued'); END;
