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

/**
 * The embedded store: one SQLite file in WAL mode, reached through vertx-jdbc-client (which
 * runs each JDBC call on a worker thread, never on the event loop). All writes go through one
 * connection (SQLite allows one writer at a time); reads use their own small pool, which WAL
 * lets run beside the writer. One process per file, enforced by a lock file.
 */
public final class SqliteStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

  private SqliteStore() {
  }

  /** Opens (creating if needed) the database file and brings its schema up to date. */
  public static Future<SqlJobStore> open(Vertx vertx, OffloadConfig.Store config) {
    Path lockFile = config.sqliteFile().resolveSibling(config.sqliteFile().getFileName() + ".lock");
    return vertx.executeBlocking(() -> FileLock.acquire(lockFile))
      .compose(lock -> open(vertx, config, lock));
  }

  private static Future<SqlJobStore> open(Vertx vertx, OffloadConfig.Store config, FileLock lock) {
    String url = "jdbc:sqlite:" + config.sqliteFile().toAbsolutePath();
    Pool writer = JDBCPool.pool(vertx, dataSource(url, config, true), new PoolOptions().setMaxSize(1)
      .setName("offload-sqlite-writer"));
    Pool readers = JDBCPool.pool(vertx, dataSource(url, config, false),
      new PoolOptions().setMaxSize(config.readConnections()).setName("offload-sqlite-readers"));
    SqlJobStore store = new SqlJobStore(vertx, Dialect.SQLITE, writer, readers, () -> vertx.executeBlocking(() -> {
      lock.close();
      return null;
    }));
    // The lock file makes this the only process on the file: every lease still held is a dead one's.
    return SqliteSchema.migrate(writer)
      .compose(from -> store.expireAllLeases().map(from))
      .onSuccess(from -> LOG.info("SQLite store {} ready (schema version {} -> {})", config.sqliteFile(), from,
        SqliteSchema.MIGRATIONS.size()))
      .map(v -> store)
      .onFailure(err -> store.close());
  }

  private static SQLiteDataSource dataSource(String url, OffloadConfig.Store config, boolean writer) {
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // FULL: a commit is on disk (fsync) before 202 is sent, even across power loss. Group commit
    // amortises the sync over every write in the transaction.
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(config.sqliteSynchronous()));
    sqlite.setBusyTimeout(10_000);
    if (writer) {
      sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    }
    SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
    dataSource.setUrl(url);
    return dataSource;
  }
}
