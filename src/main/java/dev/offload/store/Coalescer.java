package dev.offload.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.SqlConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * Turns many callers' items of one kind (submissions, outcomes, progress reports) into a single
 * work of the next group-commit transaction: one batched statement for all of them instead of
 * one statement each, which is where the JDBC path spends its time. Thread-safe; each caller
 * hears back on its own context once the transaction has committed.
 */
final class Coalescer<T, R> {
  private record Item<T, R>(T value, Promise<R> done, Context caller) {
  }

  private final GroupCommit commit;
  private final BiFunction<SqlConnection, List<T>, Future<List<R>>> statements;
  private final Queue<Item<T, R>> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  /** {@code statements} must answer one result per item, in order. */
  Coalescer(GroupCommit commit, BiFunction<SqlConnection, List<T>, Future<List<R>>> statements) {
    this.commit = commit;
    this.statements = statements;
  }

  Future<R> add(T value) {
    Promise<R> done = Promise.promise();
    pending.add(new Item<>(value, done, Vertx.currentContext()));
    if (scheduled.compareAndSet(false, true)) {
      List<Item<T, R>> items = new ArrayList<>();
      commit.write(conn -> {
          // Runs when the transaction starts: everything queued by then goes in this batch;
          // what comes later schedules the next one.
          scheduled.set(false);
          for (Item<T, R> item = pending.poll(); item != null; item = pending.poll()) {
            items.add(item);
          }
          List<T> values = new ArrayList<>(items.size());
          items.forEach(item -> values.add(item.value()));
          return statements.apply(conn, values);
        })
        .onComplete(ar -> {
          for (int i = 0; i < items.size(); i++) {
            Item<T, R> item = items.get(i);
            R result = ar.succeeded() ? ar.result().get(i) : null;
            GroupCommit.onContext(item.caller(), () -> {
              if (ar.succeeded()) {
                item.done().complete(result);
              } else {
                item.done().fail(ar.cause());
              }
            });
          }
        });
    }
    return done.future();
  }
}
