package dev.offload.ops;

import dev.offload.jobs.JobMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Event-loop lag: a timer asks to run every 100 ms on this verticle's event loop and measures
 * how late it runs. A loop that is late is blocked or overloaded, and every request on it waits
 * as long. Deployed once per event loop the HTTP verticles use; the gauge
 * {@code offload_event_loop_lag_seconds{thread}} holds the worst lag of the last second.
 */
public final class EventLoopProbe extends VerticleBase {
  private static final long PERIOD_NANOS = 100_000_000L;

  private final JobMetrics metrics;
  private final AtomicLong worstNanos = new AtomicLong();
  private long windowWorst;
  private long expected;
  private int ticks;

  public EventLoopProbe(JobMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    metrics.gauge("offload.event.loop.lag.seconds", "worst lag of a 100 ms timer on this event loop in the last second",
      () -> worstNanos.get() / 1e9, "thread", Thread.currentThread().getName());
    expected = System.nanoTime() + PERIOD_NANOS;
    vertx.setPeriodic(PERIOD_NANOS / 1_000_000, id -> tick());
    return Future.succeededFuture();
  }

  private void tick() {
    long now = System.nanoTime();
    windowWorst = Math.max(windowWorst, Math.max(0, now - expected));
    expected = now + PERIOD_NANOS;
    if (++ticks == 10) {
      worstNanos.set(windowWorst);
      windowWorst = 0;
      ticks = 0;
    }
  }
}
