package dev.offload.store;

import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The shared store: PostgreSQL through vertx-pg-client, which is asynchronous end to end and
 * pipelines statements on a connection. Offload owns one schema (created if missing; every
 * connection's {@code search_path} points at it), so several deployments, or test runs, can
 * share a database.
 */
public final class PostgresStore {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

  private PostgresStore() {
  }

  /** Connects, creates the schema if needed and brings it up to date. */
  public static Future<SqlJobStore> open(Vertx vertx, OffloadConfig.Postgres config) {
    PgConnectOptions connect = PgConnectOptions.fromUri(config.url())
      .setPipeliningLimit(256)
      .setProperties(Map.of("search_path", config.schema(), "application_name", "offload"));
    if (config.password() != null) {
      connect.setPassword(config.password());
    }
    Pool writer = PgBuilder.pool().connectingTo(connect)
      .with(new PoolOptions().setMaxSize(2).setName("offload-pg-writer")).using(vertx).build();
    Pool readers = PgBuilder.pool().connectingTo(connect)
      .with(new PoolOptions().setMaxSize(config.poolSize()).setName("offload-pg-readers")).using(vertx).build();
    SqlJobStore store = new SqlJobStore(vertx, Dialect.POSTGRES, writer, readers, Future::succeededFuture);
    return PostgresSchema.migrate(writer, config.schema())
      .onSuccess(from -> LOG.info("PostgreSQL store {} (schema {}) ready (version {} -> {})", safeUrl(connect),
        config.schema(), from, PostgresSchema.MIGRATIONS.size()))
      .map(v -> store)
      .onFailure(err -> store.close());
  }

  /** Host, port and database only: never the password. */
  private static String safeUrl(PgConnectOptions options) {
    return options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }
}
