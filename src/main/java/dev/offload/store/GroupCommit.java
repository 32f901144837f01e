package dev.offload.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Group commit for the single SQLite writer: every write that arrives while a transaction is
 * running (submissions from every HTTP event loop, claims, outcomes, progress) goes into the next
 * transaction together. One commit, one disk sync and two hand-offs to the database thread
 * serve them all; an idle store commits a lone write at once.
 *
 * <p>Works run in arrival order on one connection; once the transaction has begun, their
 * statements are issued without waiting for one another, so the database thread runs them back
 * to back. If any work fails, the whole
 * transaction rolls back and every work in it fails. Thread-safe: callers on any context get
 * their result back on their own context.
 */
final class GroupCommit {
  private static final int MAX_WORKS = 1024;

  private record Work<T>(Function<SqlConnection, Future<T>> statements, Promise<T> done, Context caller) {
    void complete(Future<?> outcome, Throwable txFailure) {
      @SuppressWarnings("unchecked")
      Future<T> result = (Future<T>) outcome;
      Runnable finish = () -> {
        if (txFailure == null) {
          done.complete(result.result());
        } else {
          done.fail(result.failed() ? result.cause() : txFailure);
        }
      };
      onContext(caller, finish);
    }
  }

  /** Runs {@code action} on {@code caller}'s context (at once if already there, or if there is none). */
  static void onContext(Context caller, Runnable action) {
    if (caller == null || caller == Vertx.currentContext()) {
      action.run();
    } else {
      caller.runOnContext(v -> action.run());
    }
  }

  private final Pool writer;
  private final Context context;
  private final Queue<Work<?>> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicLong commits = new AtomicLong();
  private boolean writing;

  /** {@code context} is where the transactions are driven from. */
  GroupCommit(Pool writer, Context context) {
    this.writer = writer;
    this.context = context;
  }

  <T> Future<T> write(Function<SqlConnection, Future<T>> statements) {
    Promise<T> done = Promise.promise();
    pending.add(new Work<>(statements, done, Vertx.currentContext()));
    if (scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> next());
    }
    return done.future();
  }

  /** Transactions committed so far (for tests and metrics). */
  long commits() {
    return commits.get();
  }

  private void next() {
    scheduled.set(false);
    if (writing || pending.isEmpty()) {
      return;
    }
    writing = true;
    List<Work<?>> batch = new ArrayList<>();
    for (Work<?> work = pending.poll(); work != null; work = batch.size() < MAX_WORKS ? pending.poll() : null) {
      batch.add(work);
    }
    List<Future<?>> results = new ArrayList<>(batch.size());
    writer.withConnection(conn -> {
        // BEGIN is awaited: issued together with the statements, vertx-jdbc-client 5.0.7 may run a
        // statement before it, outside the transaction, where a later rollback cannot undo it
        // (GroupCommitTest caught a failed batch that was half committed).
        return conn.begin().compose(tx -> {
          for (Work<?> work : batch) {
            results.add(Future.<Void>succeededFuture().compose(v -> work.statements().apply(conn)));
          }
          return Future.join(results).compose(
            v -> tx.commit(),
            err -> tx.rollback().transform(ignored -> Future.<Void>failedFuture(err)));
        });
      })
      .onComplete(ar -> {
        if (ar.succeeded()) {
          commits.incrementAndGet();
        }
        for (int i = 0; i < batch.size(); i++) {
          Future<?> result = i < results.size() ? results.get(i) : Future.failedFuture(ar.cause());
          batch.get(i).complete(result, ar.failed() ? ar.cause() : null);
        }
        writing = false;
        next();
      });
  }
}
