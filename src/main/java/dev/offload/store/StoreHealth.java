package dev.offload.store;

import dev.offload.jobs.JobException;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the store answers, as its callers see it. Writes set it ({@link WritePipeline}); reads
 * that fail are counted too. It logs when the store stops answering and when it answers again,
 * not once per failure (an outage fails thousands of requests), and it makes the refusal a
 * client gets meanwhile: {@code 503} with {@code Retry-After}. Readiness reads it. Thread-safe.
 */
final class StoreHealth {
  private static final Logger LOG = LoggerFactory.getLogger(StoreHealth.class);
  private static final long READ_LOG_INTERVAL_NANOS = 10_000_000_000L;
  /** What a client refused because of the store is told to wait before it tries again. */
  static final int RETRY_AFTER_SECONDS = 2;

  private final String name;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicLong refusedWrites = new AtomicLong();
  private final AtomicLong lastReadLog = new AtomicLong(System.nanoTime() - READ_LOG_INTERVAL_NANOS);
  /** Set when the store is closed on purpose: a read that fails after that is no outage to report. */
  private volatile boolean closed;

  StoreHealth(String name) {
    this.name = name;
  }

  /** A transaction of {@code writes} writes failed (or ran out of time). */
  void failed(Throwable cause, int writes) {
    refusedWrites.addAndGet(writes);
    if (failure.getAndSet(cause) == null) {
      LOG.error("The {} store does not accept writes ({}); they are refused with 503 until it does", name,
        describe(cause));
    }
  }

  /** A transaction committed. */
  void succeeded() {
    if (failure.get() != null && failure.getAndSet(null) != null) {
      LOG.info("The {} store accepts writes again; {} write(s) were refused meanwhile", name, refusedWrites.getAndSet(0));
    }
  }

  /** The store is being closed (a stop, or a start that failed while other parts were still running). */
  void closing() {
    closed = true;
  }

  /** A read failed; logged at most once every 10 s, and not at all once the store is closed. */
  void readFailed(Throwable cause) {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    long last = lastReadLog.get();
    if (now - last >= READ_LOG_INTERVAL_NANOS && lastReadLog.compareAndSet(last, now)) {
      LOG.warn("A read from the {} store failed ({}); answered with 503", name, describe(cause));
    }
  }

  /** A read, bounded by {@code timeoutMillis}; a failure is a 503 for the caller. */
  <T> Future<T> read(Future<T> read, long timeoutMillis) {
    return read.timeout(timeoutMillis, TimeUnit.MILLISECONDS).recover(err -> {
      readFailed(err);
      return Future.failedFuture(refusal());
    });
  }

  /** True from a failed transaction until the next one commits. */
  boolean failing() {
    return failure.get() != null;
  }

  /** What a caller whose request the store could not serve is told. */
  JobException refusal() {
    return new JobException(JobException.Kind.UNAVAILABLE, "the job store is not available right now; try again in "
      + RETRY_AFTER_SECONDS + " s", RETRY_AFTER_SECONDS);
  }

  private static String describe(Throwable cause) {
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getClass().getSimpleName() + ": "
      + cause.getMessage();
  }
}
