-- SQLite migration 9 (as PostgreSQL's 9): paused job types. A paused type keeps accepting
-- submissions (they queue) and is claimed on no node until it is resumed (issue 26).

CREATE TABLE paused_types (
  type TEXT PRIMARY KEY,
  paused_by TEXT NOT NULL,
  paused_at TEXT NOT NULL
);
