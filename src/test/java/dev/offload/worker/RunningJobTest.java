package dev.offload.worker;

import dev.offload.jobs.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress reaches the store at a bounded rate, however often a handler reports it. */
@ExtendWith(VertxExtension.class)
class RunningJobTest {

  @Test
  void aMillionProgressReportsBecomeAtMostOnePerInterval(Vertx vertx, VertxTestContext test) {
    AtomicInteger reports = new AtomicInteger();
    AtomicLong elapsedMillis = new AtomicLong();
    // The reports and then an end marker are delivered in the order they were sent: once the
    // marker is in, every report sent before it is counted.
    vertx.eventBus().<JsonObject>localConsumer(Addresses.PROGRESS, message -> {
      if (!message.body().containsKey("end")) {
        reports.incrementAndGet();
        return;
      }
      test.verify(() -> {
        assertThat(reports.get()).isPositive().isLessThanOrEqualTo((int) (elapsedMillis.get() / 100) + 1);
        test.completeNow();
      });
    }).completion().onComplete(test.succeeding(registered -> {
      RunningJob job = new RunningJob(vertx, new JsonObject().put("id", UUID.randomUUID().toString())
        .put("attempt", 1).put("input", new JsonObject()), 100);
      long start = System.nanoTime();
      for (int i = 1; i <= 1_000_000; i++) {
        job.progress(i / 1_000_000.0);
      }
      elapsedMillis.set((System.nanoTime() - start) / 1_000_000);
      vertx.eventBus().send(Addresses.PROGRESS, new JsonObject().put("end", true),
        new DeliveryOptions().setLocalOnly(true));
    }));
  }
}
