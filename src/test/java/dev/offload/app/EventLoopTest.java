package dev.offload.app;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CPU-bound jobs never reach the event loop: with every worker thread computing primes, the API
 * still answers at once, and Vert.x's blocked-thread checker (set twice as strict as its 2 s
 * default; it measures wall time, so a tighter limit would trip on a busy CI machine's
 * scheduling alone) never fires. A primes job on an event loop would block it for seconds.
 */
@Tag("slow") // saturates the cores on purpose: alone, not beside make test's second JVM
class EventLoopTest {
  private Vertx vertx;
  private ListAppender<ILoggingEvent> logs;
  private Logger root;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx(new VertxOptions()
      .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
      .setMaxEventLoopExecuteTime(1000).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setWarningExceptionTime(1000).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
  }

  /** Captures log events from now on (start-up, with its one-off class loading, is not under test). */
  private void watchLogs() {
    root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void stop() {
    if (root != null) {
      root.detachAppender(logs);
    }
    await(vertx.close());
  }

  @Test
  void theApiAnswersQuicklyWhileEveryWorkerComputes(@TempDir Path dir) {
    TestService service = TestService.start(vertx, dir);
    watchLogs();
    String alice = service.token("alice", TestService.READ_WRITE);
    int threads = service.config.workers().blockingThreads();
    List<String> busy = new ArrayList<>();
    for (int i = 0; i < threads + 2; i++) {
      busy.add(service.submit(alice, "primes", new JsonObject().put("limit", 2_000_000_000)).getString("id"));
    }
    for (int i = 0; i < threads; i++) {
      service.awaitState(alice, busy.get(i), Duration.ofSeconds(10), "running");
    }

    long slowest = 0;
    for (int i = 0; i < 50; i++) {
      slowest = Math.max(slowest, timed(() -> service.get("/health/live", null), 200));
      slowest = Math.max(slowest, timed(() -> service.get("/api/v1/jobs/" + busy.get(0), alice), 200));
    }
    // A blocked event loop would hold these for as long as a job computes (many seconds).
    assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(1));
    assertThat(service.get("/api/v1/jobs/" + busy.get(0), alice).bodyAsJsonObject().getString("state"))
      .as("the jobs were still computing while we measured").isEqualTo("running");

    busy.forEach(id -> service.delete("/api/v1/jobs/" + id, alice));
    busy.forEach(id -> service.awaitState(alice, id, Duration.ofSeconds(20), "cancelled", "succeeded"));
    assertThat(logs.list).noneMatch(event -> event.getLoggerName().contains("BlockedThreadChecker"));
  }

  private static long timed(java.util.function.Supplier<HttpResponse<Buffer>> call, int expectedStatus) {
    long started = System.nanoTime();
    HttpResponse<Buffer> response = call.get();
    long took = System.nanoTime() - started;
    assertThat(response.statusCode()).isEqualTo(expectedStatus);
    return took;
  }
}
