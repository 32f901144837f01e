package dev.offload.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.List;

/**
 * Schema evolution for the PostgreSQL store: migration N runs once, in a transaction, when the
 * schema's {@code schema_version} is below N. An advisory lock makes nodes that start together
 * migrate one after the other. Append new migrations; never edit a released one.
 */
final class PostgresSchema {

  static final List<List<String>> MIGRATIONS = List.of(
    List.of(
      """
      CREATE TABLE jobs (
        id               uuid PRIMARY KEY,
        owner            text        NOT NULL,
        type             text        NOT NULL,
        state            text        NOT NULL
          CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        input            jsonb       NOT NULL,
        result           jsonb,
        error            jsonb,
        progress         double precision,
        attempts         integer     NOT NULL DEFAULT 0,
        max_attempts     integer     NOT NULL,
        timeout_seconds  integer     NOT NULL,
        cancel_requested boolean     NOT NULL DEFAULT false,
        run_at           timestamptz NOT NULL,
        created_at       timestamptz NOT NULL,
        started_at       timestamptz,
        finished_at      timestamptz
      )""",
      "CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC, id DESC)",
      "CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC)",
      "CREATE INDEX jobs_queue ON jobs (type, run_at, created_at) WHERE state = 'queued'",
      "CREATE INDEX jobs_active_owner ON jobs (owner) WHERE state IN ('queued', 'running')",
      "CREATE INDEX jobs_running ON jobs (state) WHERE state = 'running'",
      // The backlog as one row, kept exact by a trigger: admission reads it instead of counting.
      "CREATE TABLE queue_depth (queued bigint NOT NULL)",
      "INSERT INTO queue_depth SELECT count(*) FROM jobs WHERE state = 'queued'",
      """
      CREATE FUNCTION queue_depth_track() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        delta integer := 0;
      BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'queued' THEN delta := delta + 1; END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.state = 'queued' THEN delta := delta - 1; END IF;
        IF delta <> 0 THEN UPDATE queue_depth SET queued = queued + delta; END IF;
        RETURN NULL;
      END $$""",
      """
      CREATE TRIGGER queue_depth_track AFTER INSERT OR DELETE OR UPDATE OF state ON jobs
      FOR EACH ROW EXECUTE FUNCTION queue_depth_track()"""),
    // Leases: the node running an attempt, and until when it holds it.
    List.of(
      "ALTER TABLE jobs ADD COLUMN node text, ADD COLUMN lease_until timestamptz",
      "CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running'"),
    // The request that submitted a job (for the logs), and retention's scan of finished jobs.
    List.of(
      "ALTER TABLE jobs ADD COLUMN request_id text",
      "CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'failed', 'cancelled')"));

  private PostgresSchema() {
  }

  /** Creates the schema if needed and migrates it; returns the version it was at. */
  static Future<Integer> migrate(Pool pool, String schema) {
    return pool.withTransaction(conn -> conn
      .query("SELECT pg_advisory_xact_lock(hashtext('offload.migrate." + schema + "'))").execute()
      .compose(v -> conn.query("CREATE SCHEMA IF NOT EXISTS " + schema).execute())
      .compose(v -> conn.query("CREATE TABLE IF NOT EXISTS " + schema + ".schema_version (version integer NOT NULL)")
        .execute())
      .compose(v -> conn.query("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_version").execute())
      .map(rows -> rows.iterator().next().getInteger(0))
      .compose(current -> apply(conn, schema, current).map(current)));
  }

  private static Future<Void> apply(SqlConnection conn, String schema, int current) {
    Future<Void> chain = conn.query("SET LOCAL search_path TO " + schema).execute().mapEmpty();
    for (int i = current; i < MIGRATIONS.size(); i++) {
      int version = i + 1;
      for (String sql : MIGRATIONS.get(i)) {
        chain = chain.compose(x -> conn.query(sql).execute().mapEmpty());
      }
      chain = chain.compose(x -> conn.query("INSERT INTO schema_version VALUES (" + version + ")").execute().mapEmpty());
    }
    return chain;
  }
}
