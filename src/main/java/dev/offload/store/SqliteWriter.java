package dev.offload.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.sqlite.SQLiteConfig;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The SQLite store's one writer: a plain JDBC connection and the one thread that owns it. A
 * transaction is one task on that thread (BEGIN IMMEDIATE, every statement of every write in it,
 * COMMIT), so a whole group commit costs one hand-off to the thread and one back, whatever it
 * holds. SQLite allows one writer at a time anyway; this one never waits for another.
 */
final class SqliteWriter implements WritePipeline.Transactions {
  private final ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
    Thread t = new Thread(task, "offload-sqlite-writer");
    t.setDaemon(true);
    return t;
  });
  private Connection connection;
  private JdbcSql sql;

  /** Opens the connection (on the writer thread). */
  static Future<SqliteWriter> open(String url, SQLiteConfig config) {
    SqliteWriter writer = new SqliteWriter();
    return writer.call(() -> {
      writer.connection = DriverManager.getConnection(url, config.toProperties());
      writer.connection.setAutoCommit(false);
      writer.sql = new JdbcSql(writer.connection);
      return writer;
    }).onFailure(err -> writer.thread.shutdown());
  }

  @Override
  public Future<Void> run(Function<Sql, Future<Void>> work, long timeoutMillis) {
    // SQLite cannot be cut short from outside; the pipeline refuses the callers of an overdue one.
    return call(() -> {
      Future<Void> statements;
      try {
        statements = work.apply(sql);
      } catch (RuntimeException bug) {
        statements = Future.failedFuture(bug);
      }
      if (!statements.isComplete()) {
        statements = Future.failedFuture(new IllegalStateException("a write on the SQLite writer did not run at once"));
      }
      if (statements.failed()) {
        rollback();
        throw asException(statements.cause());
      }
      try {
        connection.commit();
      } catch (SQLException e) {
        rollback();
        throw e;
      }
      return null;
    });
  }

  /** Runs {@code task} on the writer thread, with the connection to itself. */
  <T> Future<T> call(Callable<T> task) {
    Promise<T> done = Promise.promise();
    try {
      thread.execute(() -> {
        try {
          done.complete(task.call());
        } catch (Throwable e) {
          done.fail(e);
        }
      });
    } catch (RejectedExecutionException closed) {
      done.fail(new IllegalStateException("the SQLite store is closed"));
    }
    return done.future();
  }

  /** Runs statements on the writer's connection, outside the pipeline (migrations). */
  <T> Future<T> withConnection(JdbcWork<T> work) {
    return call(() -> work.run(connection));
  }

  /** Plain JDBC on the writer's connection. */
  @FunctionalInterface
  interface JdbcWork<T> {
    T run(Connection connection) throws SQLException;
  }

  Future<Void> close() {
    Future<Void> closed = call(() -> {
      if (sql != null) {
        sql.close();
      }
      if (connection != null) {
        connection.close();
      }
      return null;
    });
    thread.shutdown();
    return closed;
  }

  private void rollback() {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // The transaction is gone with the failure that caused this (SQLite rolls back on I/O errors).
    }
  }

  private static Exception asException(Throwable cause) {
    return cause instanceof Exception e ? e : new IllegalStateException(cause);
  }
}
