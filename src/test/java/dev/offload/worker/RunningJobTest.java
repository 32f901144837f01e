package dev.offload.worker;

import dev.offload.jobs.Addresses;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress reaches the store at a bounded rate, however often a handler reports it. */
@ExtendWith(VertxExtension.class)
class RunningJobTest {

  @Test
  void aMillionProgressReportsBecomeAtMostOnePerInterval(Vertx vertx) {
    AtomicInteger sent = new AtomicInteger();
    TestService.await(vertx.eventBus().localConsumer(Addresses.PROGRESS, message -> sent.incrementAndGet())
      .completion());
    RunningJob job = new RunningJob(vertx, new JsonObject().put("id", UUID.randomUUID().toString()).put("attempt", 1)
      .put("input", new JsonObject()), 100);

    long start = System.nanoTime();
    for (int i = 1; i <= 1_000_000; i++) {
      job.progress(i / 1_000_000.0);
    }
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    TestService.sleep(200);

    assertThat(sent.get()).isPositive().isLessThanOrEqualTo((int) (elapsedMillis / 100) + 1);
  }
}
