package dev.offload.store;

import io.vertx.core.Future;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Schema evolution for the SQLite store: migration N runs once, in a transaction, when the
 * database's {@code user_version} is below N. Append new migrations; never edit a released one.
 */
final class SqliteSchema {

  static final List<List<String>> MIGRATIONS = List.of(
    List.of(
      """
      CREATE TABLE jobs (
        id               TEXT PRIMARY KEY,
        owner            TEXT    NOT NULL,
        type             TEXT    NOT NULL,
        state            TEXT    NOT NULL,
        input            TEXT    NOT NULL,
        result           TEXT,
        error            TEXT,
        progress         REAL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        max_attempts     INTEGER NOT NULL,
        timeout_seconds  INTEGER NOT NULL,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        run_at           INTEGER NOT NULL,
        created_at       INTEGER NOT NULL,
        started_at       INTEGER,
        finished_at      INTEGER
      )""",
      // Listing newest first, per owner and for admins.
      "CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC, id DESC)",
      "CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC)",
      // The queue: due jobs of a type, oldest first. Partial, so finished jobs cost nothing.
      "CREATE INDEX jobs_queue ON jobs (type, run_at, created_at) WHERE state = 'queued'",
      // Admission counts: active jobs per owner, and the backlog.
      "CREATE INDEX jobs_active_owner ON jobs (owner) WHERE state IN ('queued', 'running')",
      "CREATE INDEX jobs_running ON jobs (state) WHERE state = 'running'"),
    // Admission reads the backlog on every batch: counting 100,000 queued rows costs ~4 ms, this
    // one row costs nothing. Triggers keep it exact inside every transaction that moves a job.
    List.of(
      "CREATE TABLE queue_depth (queued INTEGER NOT NULL)",
      "INSERT INTO queue_depth SELECT count(*) FROM jobs WHERE state = 'queued'",
      """
      CREATE TRIGGER queue_depth_insert AFTER INSERT ON jobs WHEN NEW.state = 'queued'
      BEGIN UPDATE queue_depth SET queued = queued + 1; END""",
      """
      CREATE TRIGGER queue_depth_delete AFTER DELETE ON jobs WHEN OLD.state = 'queued'
      BEGIN UPDATE queue_depth SET queued = queued - 1; END""",
      """
      CREATE TRIGGER queue_depth_update AFTER UPDATE OF state ON jobs
      WHEN (OLD.state = 'queued') <> (NEW.state = 'queued')
      BEGIN UPDATE queue_depth SET queued = queued + (NEW.state = 'queued') - (OLD.state = 'queued'); END"""),
    // Leases: the node running an attempt, and until when it holds it.
    List.of(
      "ALTER TABLE jobs ADD COLUMN node TEXT",
      "ALTER TABLE jobs ADD COLUMN lease_until INTEGER",
      "CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running'"),
    // The request that submitted a job (for the logs), and retention's scan of finished jobs.
    List.of(
      "ALTER TABLE jobs ADD COLUMN request_id TEXT",
      "CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled')"));

  private SqliteSchema() {
  }

  /** Brings the database to the latest version; returns the version it was at. */
  static Future<Integer> migrate(SqliteWriter writer) {
    return writer.withConnection(connection -> {
      int current;
      try (Statement statement = connection.createStatement();
           ResultSet version = statement.executeQuery("PRAGMA user_version")) {
        current = version.getInt(1);
      }
      // Each migration and its version number in one transaction (the writer is never in auto-commit).
      for (int i = current; i < MIGRATIONS.size(); i++) {
        try (Statement statement = connection.createStatement()) {
          for (String sql : MIGRATIONS.get(i)) {
            statement.executeUpdate(sql);
          }
          statement.executeUpdate("PRAGMA user_version = " + (i + 1));
          connection.commit();
        } catch (SQLException e) {
          connection.rollback();
          throw e;
        }
      }
      connection.commit();
      return current;
    });
  }
}
