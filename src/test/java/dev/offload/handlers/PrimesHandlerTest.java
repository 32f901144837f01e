package dev.offload.handlers;

import dev.offload.jobs.JobContext;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sieve itself: the known answers of docs/design.md, progress, and cancellation. */
class PrimesHandlerTest {

  /** A context that records progress and can be cancelled after a number of progress reports. */
  private static final class FakeContext implements JobContext {
    final List<Double> progress = new ArrayList<>();
    final int cancelAfterReports;
    volatile boolean cancelled;

    FakeContext(int cancelAfterReports) {
      this.cancelAfterReports = cancelAfterReports;
    }

    public UUID id() {
      return UUID.randomUUID();
    }

    public String owner() {
      return "alice";
    }

    public int attempt() {
      return 1;
    }

    public JsonObject input() {
      return new JsonObject();
    }

    public Vertx vertx() {
      throw new UnsupportedOperationException();
    }

    public void progress(double fraction) {
      progress.add(fraction);
      if (progress.size() == cancelAfterReports) {
        cancelled = true;
      }
    }

    public boolean cancelled() {
      return cancelled;
    }

    public void onCancel(Runnable action) {
    }
  }

  @Test
  void countsMatchTheKnownAnswers() {
    long[][] known = {{2, 1}, {3, 2}, {10, 4}, {100, 25}, {1_000_000, 78_498}, {10_000_000, 664_579},
      {100_000_000, 5_761_455}, {262_144, 23_000}, {262_145, 23_000}};
    for (long[] pair : known) {
      assertThat(PrimesHandler.count(pair[0], new FakeContext(-1))).as("primes <= %d", pair[0]).isEqualTo(pair[1]);
    }
  }

  @Test
  void progressRisesToOne() {
    FakeContext context = new FakeContext(-1);
    PrimesHandler.count(5_000_000, context);
    assertThat(context.progress).isSortedAccordingTo(Double::compare);
    assertThat(context.progress.get(context.progress.size() - 1)).isEqualTo(1.0);
  }

  @Test
  void stopsAtTheNextSegmentOnceCancelled() {
    FakeContext context = new FakeContext(3);
    assertThatThrownBy(() -> PrimesHandler.count(2_000_000_000, context))
      .isInstanceOf(JobContext.CancelledException.class);
    assertThat(context.progress).hasSize(3);
  }
}
