package dev.offload.store;

import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The embedded store: one SQLite file in WAL mode. Every write goes through one plain JDBC
 * connection on its own thread ({@link SqliteWriter}: SQLite allows one writer at a time); reads
 * use a small pool through vertx-jdbc-client (JDBC calls on worker threads, never on the event
 * loop), which WAL lets read beside the writer. One process per file, enforced by a lock file.
 */
public final class SqliteStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

  private SqliteStore() {
  }

  /** Opens (creating if needed) the database file and brings its schema up to date. */
  public static Future<SqlJobStore> open(Vertx vertx, OffloadConfig.Store config) {
    return open(vertx, config, UnaryOperator.identity());
  }

  /** {@code around} wraps the writer's transactions (tests inject faults with it). */
  static Future<SqlJobStore> open(Vertx vertx, OffloadConfig.Store config,
                                  UnaryOperator<WritePipeline.Transactions> around) {
    Path lockFile = config.sqliteFile().resolveSibling(config.sqliteFile().getFileName() + ".lock");
    return vertx.executeBlocking(() -> DataDirectoryLock.acquire(lockFile))
      .compose(lock -> open(vertx, config, lock, around));
  }

  private static Future<SqlJobStore> open(Vertx vertx, OffloadConfig.Store config, DataDirectoryLock lock,
                                          UnaryOperator<WritePipeline.Transactions> around) {
    String url = "jdbc:sqlite:" + config.sqliteFile().toAbsolutePath();
    return SqliteWriter.open(url, sqlite(config, true))
      .recover(err -> release(vertx, lock).transform(ignored -> Future.failedFuture(err)))
      .compose(writer -> {
        Pool readers = JDBCPool.pool(vertx, dataSource(url, config),
          new PoolOptions().setMaxSize(config.readConnections()).setName("offload-sqlite-readers"));
        StoreHealth health = new StoreHealth("SQLite");
        long timeout = config.timeoutSeconds() * 1000L;
        WritePipeline writes = new WritePipeline(vertx, around.apply(writer), timeout, health);
        SqlJobStore store = new SqlJobStore(Dialect.SQLITE, new Lanes(List.of(writes)), writes, new ClientSql(readers), health, timeout,
          () -> Future.join(readers.close(), writer.close()).eventually(() -> release(vertx, lock)).mapEmpty());
        // The lock file makes this the only process on the file: every lease still held is a dead one's.
        return SqliteSchema.migrate(writer)
          .compose(from -> store.expireAllLeases().map(from))
          .onSuccess(from -> LOG.info("SQLite store {} ready (schema version {} -> {})", config.sqliteFile(), from,
            SqliteSchema.MIGRATIONS.size()))
          .map(store)
          .recover(err -> store.close().transform(ignored -> Future.failedFuture(err)));
      });
  }

  /** Lets go of the data directory (a blocking call: on a worker thread). */
  private static Future<Void> release(Vertx vertx, DataDirectoryLock lock) {
    return vertx.executeBlocking(() -> {
      lock.close();
      return null;
    });
  }

  private static SQLiteConfig sqlite(OffloadConfig.Store config, boolean writer) {
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // FULL: a commit is on disk (fsync) before 202 is sent, even across power loss. Group commit
    // amortises the sync over every write in the transaction.
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(config.sqliteSynchronous()));
    sqlite.setBusyTimeout(10_000);
    if (writer) {
      sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    }
    return sqlite;
  }

  private static SQLiteDataSource dataSource(String url, OffloadConfig.Store config) {
    SQLiteDataSource dataSource = new SQLiteDataSource(sqlite(config, false));
    dataSource.setUrl(url);
    return dataSource;
  }
}
