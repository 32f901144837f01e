package dev.offload.jobs;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Group commit: while one batch is being written, new items wait and go together in the next
 * batch. An idle batcher writes at once (no added latency); a busy one writes many items per
 * transaction. Use from a single Vert.x context: it is not thread-safe.
 */
public final class Batcher<T, R> {
  private final Function<List<T>, Future<List<R>>> writer;
  private final int maxBatch;
  private List<Pending<T, R>> pending = new ArrayList<>();
  private boolean writing;

  private record Pending<T, R>(T item, Promise<R> promise) {
  }

  /** {@code writer} must return one result per item, in order. */
  public Batcher(int maxBatch, Function<List<T>, Future<List<R>>> writer) {
    this.maxBatch = maxBatch;
    this.writer = writer;
  }

  public Future<R> add(T item) {
    Promise<R> promise = Promise.promise();
    pending.add(new Pending<>(item, promise));
    if (!writing) {
      writeNext();
    }
    return promise.future();
  }

  private void writeNext() {
    if (pending.isEmpty()) {
      writing = false;
      return;
    }
    writing = true;
    List<Pending<T, R>> batch;
    if (pending.size() <= maxBatch) {
      batch = pending;
      pending = new ArrayList<>();
    } else {
      batch = new ArrayList<>(pending.subList(0, maxBatch));
      pending = new ArrayList<>(pending.subList(maxBatch, pending.size()));
    }
    List<T> items = new ArrayList<>(batch.size());
    batch.forEach(p -> items.add(p.item()));
    Future<List<R>> written;
    try {
      written = writer.apply(items);
    } catch (RuntimeException e) {
      written = Future.failedFuture(e);
    }
    written.onComplete(ar -> {
      for (int i = 0; i < batch.size(); i++) {
        if (ar.succeeded()) {
          batch.get(i).promise().complete(ar.result().get(i));
        } else {
          batch.get(i).promise().fail(ar.cause());
        }
      }
      writeNext();
    });
  }
}
