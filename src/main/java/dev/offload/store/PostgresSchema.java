package dev.offload.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.List;

/**
 * Schema evolution for the PostgreSQL store: the migrations of {@code db/postgres/}
 * ({@link Migrations}), each run once when the schema's {@code schema_version} is below its
 * number. An advisory lock makes nodes that start together migrate one after the other.
 */
final class PostgresSchema {

  static final List<List<String>> MIGRATIONS = Migrations.of("postgres");

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
