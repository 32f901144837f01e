package dev.offload.store;

import dev.offload.jobs.JobException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The one way writes reach a store (group commit). Every write queued while a transaction runs
 * goes into the next one, writes of one {@link Kind} (submissions, outcomes, progress ...) become
 * one batched statement, and one commit (one disk sync) serves them all; an idle store commits a
 * lone write at once.
 *
 * <p>Nothing can wedge it: whatever fails (no connection, BEGIN refused, a statement, the commit)
 * fails that transaction's callers with a {@link JobException.Kind#UNAVAILABLE} refusal, and the
 * next transaction starts as if nothing happened. No caller waits longer than the store timeout:
 * a write still queued then is taken out of the queue and refused, and a transaction still
 * running then has its callers refused at once (the {@link Transactions} cut it short where they
 * can). Results reach callers only after the commit, each on the caller's own context.
 * Thread-safe.
 */
final class WritePipeline {
  private static final Logger LOG = LoggerFactory.getLogger(WritePipeline.class);
  /** The most writes one transaction takes. */
  private static final int MAX_WRITES = 2048;
  /**
   * The most rows one transaction writes (a batch submission is one write of up to
   * {@code limits.batchJobs} rows): many large batches arriving together would otherwise make one
   * transaction too long for the store timeout, and every one of them would be refused.
   */
  static final int MAX_ROWS = 10_000;

  /** Runs one transaction of a database: begins it, lets {@code work} issue the statements, commits. */
  interface Transactions {
    /**
     * Begins a transaction, runs {@code work} in it and commits; rolls back and fails when the
     * work fails. Must not throw. A transaction that runs past {@code timeoutMillis} should be
     * cut short (its connection closed) so that the failure comes back.
     */
    Future<Void> run(Function<Sql, Future<Void>> work, long timeoutMillis);
  }

  /** A kind of write: how a batch of its items becomes statements; answers one result per item, in order. */
  @FunctionalInterface
  interface Kind<T, R> {
    Future<List<R>> write(Sql sql, List<T> items);

    /** The results of {@code size} items of a kind that answers nothing. */
    static List<Void> nothing(int size) {
      return Collections.nCopies(size, null);
    }

    /** A kind whose items are not merged: each one is its own statements (issued together). */
    static <T, R> Kind<T, R> each(BiFunction<Sql, T, Future<R>> write) {
      return (sql, items) -> {
        List<Future<R>> written = new ArrayList<>(items.size());
        items.forEach(item -> written.add(write.apply(sql, item)));
        return Future.all(written).map(all -> all.<R>list());
      };
    }
  }

  /** {@code taken}: set by whoever takes the write, a transaction or the sweeper, and never by both. */
  private record Write<T, R>(Kind<T, R> kind, T item, int rows, Promise<R> done, Context caller, long queuedAt,
                             AtomicBoolean taken) {
    boolean take() {
      return taken.compareAndSet(false, true);
    }

    void succeed(Object result) {
      @SuppressWarnings("unchecked")
      R value = (R) result;
      onContext(caller, () -> done.tryComplete(value));
    }

    void refuse(JobException refusal) {
      onContext(caller, () -> done.tryFail(refusal));
    }
  }

  private final Vertx vertx;
  private final Transactions transactions;
  private final long timeoutNanos;
  private final long sweeper;
  private final Queue<Write<?, ?>> pending = new ConcurrentLinkedQueue<>();
  /** A write taken from the queue that the last transaction had no room for: the first of the next one. */
  private volatile Write<?, ?> carried;
  private final AtomicBoolean writing = new AtomicBoolean();
  private final AtomicLong commits = new AtomicLong();
  private final StoreHealth health;
  /** The transaction running now and when it started; null between transactions. */
  private volatile List<Write<?, ?>> running;
  private volatile long runningSince;

  /**
   * {@code timeoutMillis}: the longest a caller waits. A timer on {@code vertx} checks for
   * callers waiting longer (cancelled by {@link #close()}).
   */
  WritePipeline(Vertx vertx, Transactions transactions, long timeoutMillis, StoreHealth health) {
    this.vertx = vertx;
    this.transactions = transactions;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    this.health = health;
    // A tenth of the timeout: no caller waits more than 10 % past it.
    this.sweeper = vertx.setPeriodic(Math.max(50, timeoutMillis / 10), id -> refuseOverdue());
  }

  /**
   * Queues each item as a write of its own (items that arrive together share a transaction);
   * completes with their results, in order, once all are written.
   */
  <T, R> Future<List<R>> writeAll(Kind<T, R> kind, List<T> items) {
    List<Future<R>> written = new ArrayList<>(items.size());
    items.forEach(item -> written.add(write(kind, item)));
    return Future.all(written).map(all -> all.<R>list());
  }

  /** Queues a write of one row for the next transaction; completes (on the caller's context) after the commit. */
  <T, R> Future<R> write(Kind<T, R> kind, T item) {
    return write(kind, item, 1);
  }

  /** Queues a write of about {@code rows} rows (see {@link #MAX_ROWS}). */
  <T, R> Future<R> write(Kind<T, R> kind, T item, int rows) {
    Promise<R> done = Promise.promise();
    if (stuck()) {
      // The transaction in progress is overdue: the store does not answer. Say so at once.
      done.fail(health.refusal());
      return done.future();
    }
    pending.add(new Write<>(kind, item, rows, done, Vertx.currentContext(), System.nanoTime(), new AtomicBoolean()));
    if (writing.compareAndSet(false, true)) {
      loop();
    }
    return done.future();
  }

  /** Transactions committed so far (for tests). */
  long commits() {
    return commits.get();
  }

  void close() {
    vertx.cancelTimer(sweeper);
  }

  /** Runs transactions while writes are queued. Only the thread that set {@code writing} runs it. */
  private void loop() {
    while (true) {
      List<Write<?, ?>> batch = new ArrayList<>();
      int rows = 0;
      Write<?, ?> write = carried != null ? carried : pending.poll();
      carried = null;
      // The first write always goes in, however large; the next ones while both limits allow.
      for (; write != null; write = pending.poll()) {
        if (!batch.isEmpty() && (batch.size() >= MAX_WRITES || rows + write.rows() > MAX_ROWS)) {
          carried = write;
          break;
        }
        if (write.take()) {
          batch.add(write);
          rows += write.rows();
        }
      }
      if (batch.isEmpty()) {
        writing.set(false);
        // A write queued after the poll above but before the flag went down is taken here.
        if (pending.isEmpty() || !writing.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      Map<Write<?, ?>, Object> results = new IdentityHashMap<>(batch.size());
      runningSince = System.nanoTime();
      running = batch;
      Future<Void> transaction;
      try {
        transaction = transactions.run(sql -> issue(sql, batch, results), timeoutNanos / 1_000_000);
      } catch (RuntimeException bug) {
        transaction = Future.failedFuture(bug);
      }
      if (!transaction.isComplete()) {
        transaction.onComplete(ar -> {
          ended(batch, results, ar);
          loop();
        });
        return;
      }
      // Completed at once (a synchronous failure, say): go round without growing the stack.
      ended(batch, results, transaction);
    }
  }

  /** Issues every write of the batch, grouped by kind in order of arrival; fills {@code results}. */
  private static Future<Void> issue(Sql sql, List<Write<?, ?>> batch, Map<Write<?, ?>, Object> results) {
    Map<Kind<?, ?>, List<Write<?, ?>>> byKind = new LinkedHashMap<>();
    batch.forEach(write -> byKind.computeIfAbsent(write.kind(), k -> new ArrayList<>()).add(write));
    List<Future<?>> issued = new ArrayList<>(byKind.size());
    byKind.forEach((kind, writes) -> issued.add(issue(sql, kind, writes, results)));
    return Future.all(issued).mapEmpty();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Future<?> issue(Sql sql, Kind kind, List<Write<?, ?>> writes, Map<Write<?, ?>, Object> results) {
    List<Object> items = new ArrayList<>(writes.size());
    writes.forEach(write -> items.add(write.item()));
    Future<List<Object>> written;
    try {
      written = kind.write(sql, items);
    } catch (RuntimeException bug) {
      written = Future.failedFuture(bug);
    }
    return written.onSuccess(list -> {
      for (int i = 0; i < writes.size(); i++) {
        results.put(writes.get(i), list.get(i));
      }
    });
  }

  private void ended(List<Write<?, ?>> batch, Map<Write<?, ?>, Object> results, AsyncResult<Void> outcome) {
    running = null;
    if (outcome.succeeded()) {
      commits.incrementAndGet();
      health.succeeded();
      batch.forEach(write -> write.succeed(results.get(write)));
    } else {
      health.failed(outcome.cause(), batch.size());
      JobException refusal = health.refusal();
      batch.forEach(write -> write.refuse(refusal));
    }
  }

  /** True while a transaction has run longer than the timeout. */
  private boolean stuck() {
    return running != null && System.nanoTime() - runningSince > timeoutNanos;
  }

  /** Refuses the callers of an overdue transaction, and takes overdue writes out of the queue. */
  private void refuseOverdue() {
    long now = System.nanoTime();
    List<Write<?, ?>> inProgress = running;
    if (inProgress != null && now - runningSince > timeoutNanos) {
      health.failed(new TimeoutException("a transaction of " + inProgress.size()
        + " write(s) has run for more than " + timeoutNanos / 1_000_000 + " ms"), inProgress.size());
      JobException refusal = health.refusal();
      inProgress.forEach(write -> write.refuse(refusal));
    }
    Write<?, ?> next = carried;
    if (next != null && now - next.queuedAt() > timeoutNanos && next.take()) {
      next.refuse(health.refusal());
    }
    for (Iterator<Write<?, ?>> it = pending.iterator(); it.hasNext(); ) {
      Write<?, ?> write = it.next();
      if (now - write.queuedAt() > timeoutNanos && write.take()) {
        it.remove();
        write.refuse(health.refusal());
      }
    }
  }

  /** Runs {@code action} on {@code caller}'s context (at once if already there, or if there is none). */
  private static void onContext(Context caller, Runnable action) {
    if (caller == null || caller == Vertx.currentContext()) {
      action.run();
    } else {
      caller.runOnContext(v -> action.run());
    }
  }
}
