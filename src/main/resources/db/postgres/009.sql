-- PostgreSQL migration 9 (as SQLite's 9): paused job types. A paused type keeps accepting
-- submissions (they queue) and is claimed on no node until it is resumed (issue 26).

CREATE TABLE IF NOT EXISTS paused_types (
  type text PRIMARY KEY,
  paused_by text NOT NULL,
  paused_at timestamptz NOT NULL
);
