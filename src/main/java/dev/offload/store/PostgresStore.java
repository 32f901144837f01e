package dev.offload.store;

import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shared store: PostgreSQL through vertx-pg-client, which is asynchronous end to end and
 * pipelines statements on a connection. Offload owns one schema (created if missing; every
 * connection's {@code search_path} points at it), so several deployments, or test runs, can
 * share a database. Connections are made and borrowed within the store timeout: while the
 * database is away, requests are refused at once, and the pools reconnect when it is back.
 */
public final class PostgresStore {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

  private PostgresStore() {
  }

  /** Connects, creates the schema if needed and brings it up to date. */
  public static Future<SqlJobStore> open(Vertx vertx, OffloadConfig.Postgres config, int timeoutSeconds) {
    int timeoutMillis = timeoutSeconds * 1000;
    PgConnectOptions connect = PgConnectOptions.fromUri(config.url())
      .setPipeliningLimit(256)
      // Parsed and planned once per connection, not at every run: the claim alone is 2.4 kB of
      // SQL with a dozen branches (docs/benchmarks.md, "PostgreSQL writes in parallel").
      .setCachePreparedStatements(true)
      .setPreparedStatementCacheMaxSize(256)
      .setPreparedStatementCacheSqlLimit(16_384)
      // Notices ("schema ... already exists, skipping" at every start) are no warnings: not sent.
      .setProperties(Map.of("search_path", config.schema(), "application_name", "offload",
        "client_min_messages", "warning"));
    if (config.password() != null) {
      connect.setPassword(config.password());
    }
    // One connection per lane: each lane runs one transaction at a time.
    Pool writer = pool(vertx, connect, config.writers(), "offload-pg-writer", timeoutMillis);
    // Outcomes, progress and renewals: a lane of their own (SqlJobStore says why).
    Pool attemptWriter = pool(vertx, connect, 2, "offload-pg-attempt-writer", timeoutMillis);
    Pool readers = pool(vertx, connect, config.poolSize(), "offload-pg-readers", timeoutMillis);
    StoreHealth health = new StoreHealth("PostgreSQL");
    List<WritePipeline> lanes = new ArrayList<>();
    for (int i = 0; i < config.writers(); i++) {
      lanes.add(new WritePipeline(vertx, transactions(vertx, writer), timeoutMillis, health));
    }
    Lanes writes = new Lanes(lanes);
    WritePipeline attemptWrites = new WritePipeline(vertx, transactions(vertx, attemptWriter), timeoutMillis, health);
    SqlJobStore store = new SqlJobStore(Dialect.POSTGRES, writes, attemptWrites, new ClientSql(readers), health,
      timeoutMillis, () -> Future.join(writer.close(), attemptWriter.close(), readers.close()).mapEmpty());
    return PostgresSchema.migrate(writer, config.schema())
      .onSuccess(from -> LOG.info("PostgreSQL store {} (schema {}) ready (version {} -> {})", safeUrl(connect),
        config.schema(), from, PostgresSchema.MIGRATIONS.size()))
      .map(v -> store)
      .recover(err -> store.close().transform(ignored -> Future.failedFuture(err)));
  }

  /**
   * One transaction on a connection of the writer pool: BEGIN, the work's statements (pipelined:
   * issued together, answered in order), COMMIT. A transaction still running at the timeout has
   * its connection closed, which fails it (PostgreSQL rolls back what was not committed) and
   * gives the pool a fresh connection for the next one.
   */
  private static WritePipeline.Transactions transactions(Vertx vertx, Pool writer) {
    return (work, timeoutMillis) -> writer.getConnection().compose(conn -> {
      long cut = vertx.setTimer(timeoutMillis, id -> conn.close());
      return conn.begin()
        .compose(tx -> work.apply(new ClientSql(conn)).transform(done -> done.succeeded() ? tx.commit()
          : tx.rollback().transform(ignored -> Future.<Void>failedFuture(done.cause()))))
        .eventually(() -> {
          vertx.cancelTimer(cut);
          return conn.close();
        });
    });
  }

  /** A pool whose connections are made, and borrowed, within the store timeout. */
  private static Pool pool(Vertx vertx, PgConnectOptions connect, int size, String name, int timeoutMillis) {
    return PgBuilder.pool().connectingTo(connect)
      .with(new NetClientOptions().setConnectTimeout(timeoutMillis))
      .with(new PoolOptions().setMaxSize(size).setName(name)
        .setConnectionTimeout(timeoutMillis).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
      .using(vertx).build();
  }

  /** Host, port and database only: never the password. */
  private static String safeUrl(PgConnectOptions options) {
    return options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }
}
