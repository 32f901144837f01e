package dev.offload.dispatch;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Jobs run end to end: results, progress, timeouts, retries with backoff, cancellation of running work. */
@ExtendWith(VertxExtension.class)
class JobExecutionTest {
  private static final Duration LONG = Duration.ofSeconds(30);
  private TestService service;
  private String alice;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    service = TestService.start(vertx, dir);
    alice = service.token("alice", TestService.READ_WRITE);
  }

  @Test
  void primesGivesTheKnownAnswers() {
    long[][] known = {{10, 4}, {100, 25}, {1_000_000, 78_498}, {10_000_000, 664_579}};
    String[] ids = new String[known.length];
    for (int i = 0; i < known.length; i++) {
      ids[i] = service.submit(alice, "primes", new JsonObject().put("limit", known[i][0])).getString("id");
    }
    for (int i = 0; i < known.length; i++) {
      JsonObject job = service.awaitState(alice, ids[i], LONG, "succeeded", "failed");
      assertThat(job.getJsonObject("result")).as("primes <= %d", known[i][0])
        .isEqualTo(new JsonObject().put("count", known[i][1]));
    }
  }

  @Test
  void sleepWaitsAndReportsTheSecondsSlept() {
    Instant before = Instant.now();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 1)).getString("id");
    JsonObject job = service.awaitState(alice, id, LONG, "succeeded", "failed");
    assertThat(job.getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 1));
    assertThat(Duration.between(Instant.parse(job.getString("startedAt")), Instant.parse(job.getString("finishedAt"))))
      .isGreaterThanOrEqualTo(Duration.ofMillis(990));
    assertThat(Instant.parse(job.getString("createdAt"))).isAfterOrEqualTo(before.minusMillis(1));
  }

  @Test
  void manySleepingJobsRunAtOnceWithoutHoldingThreads() {
    // 100 two-second sleeps finish in far less than 100 x 2 s: they wait on timers, not threads.
    String[] ids = new String[100];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = service.submit(alice, "sleep", new JsonObject().put("seconds", 2)).getString("id");
    }
    long started = System.nanoTime();
    for (String id : ids) {
      assertThat(service.awaitState(alice, id, LONG, "succeeded", "failed").getString("state")).isEqualTo("succeeded");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void runningPrimesReportsProgress() {
    String id = service.submit(alice, "primes", new JsonObject().put("limit", 2_000_000_000)).getString("id");
    Double progress = TestService.poll(
      () -> service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getDouble("progress"),
      value -> value != null && value != 0, LONG);
    assertThat(progress).isStrictlyBetween(0.0, 1.0);
    assertThat(service.delete("/api/v1/jobs/" + id, alice).statusCode()).isEqualTo(202);
    service.awaitState(alice, id, LONG, "cancelled");
  }

  @Test
  void cancellingRunningPrimesStopsTheComputationPromptly() {
    String id = service.submit(alice, "primes", new JsonObject().put("limit", 2_000_000_000)).getString("id");
    service.awaitState(alice, id, LONG, "running");
    long asked = System.nanoTime();
    assertThat(service.delete("/api/v1/jobs/" + id, alice).statusCode()).isEqualTo(202);
    JsonObject job = service.awaitState(alice, id, LONG, "cancelled", "succeeded", "failed");
    assertThat(job.getString("state")).isEqualTo("cancelled");
    assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
    // The worker thread is free again: the next primes job runs at once.
    String next = service.submit(alice, "primes", new JsonObject().put("limit", 1000)).getString("id");
    assertThat(service.awaitState(alice, next, Duration.ofSeconds(10), "succeeded").getJsonObject("result"))
      .isEqualTo(new JsonObject().put("count", 168));
  }

  @Test
  void anAttemptOverItsTimeoutFailsWithCodeTimeout() {
    JsonObject body = new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 30))
      .put("timeoutSeconds", 1).put("maxAttempts", 1);
    String id = service.post("/api/v1/jobs", alice, body).bodyAsJsonObject().getString("id");
    JsonObject job = service.awaitState(alice, id, LONG, "failed", "succeeded");
    assertThat(job.getString("state")).isEqualTo("failed");
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("timeout");
    assertThat(job.getInteger("attempts")).isEqualTo(1);
  }

  @Test
  void aTimedOutAttemptIsRetriedWhileAttemptsRemain() {
    JsonObject body = new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 30))
      .put("timeoutSeconds", 1).put("maxAttempts", 2);
    String id = service.post("/api/v1/jobs", alice, body).bodyAsJsonObject().getString("id");
    JsonObject job = service.awaitState(alice, id, LONG, "failed", "succeeded");
    assertThat(job.getInteger("attempts")).isEqualTo(2);
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("timeout");
  }

  @Test
  void aFailingAttemptIsRetriedWithBackoffThenSucceeds() {
    String id = service.submit(alice, "flaky", new JsonObject().put("failures", 2)).getString("id");
    JsonObject job = service.awaitState(alice, id, LONG, "succeeded", "failed");
    assertThat(job.getString("state")).isEqualTo("succeeded");
    assertThat(job.getInteger("attempts")).isEqualTo(3);
    assertThat(job.getJsonObject("result")).as("the handler sees the attempt and who submitted the job")
      .isEqualTo(new JsonObject().put("succeededOnAttempt", 3).put("owner", "alice"));
    // Backoff of 100 ms then 200 ms (test config) lies between creation and the last start.
    assertThat(Duration.between(Instant.parse(job.getString("createdAt")), Instant.parse(job.getString("startedAt"))))
      .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void aJobOutOfAttemptsFailsWithTheHandlersMessage() {
    JsonObject body = new JsonObject().put("type", "flaky").put("input", new JsonObject().put("failures", 5))
      .put("maxAttempts", 2);
    String id = service.post("/api/v1/jobs", alice, body).bodyAsJsonObject().getString("id");
    JsonObject job = service.awaitState(alice, id, LONG, "failed", "succeeded");
    assertThat(job.getString("state")).isEqualTo("failed");
    assertThat(job.getInteger("attempts")).isEqualTo(2);
    assertThat(job.getJsonObject("error"))
      .isEqualTo(new JsonObject().put("code", "handler_error").put("message", "planned failure of attempt 2"));
  }

  @Test
  void aPermanentFailureEndsTheJobAfterOneAttemptWithItsCode() {
    for (String how : new String[] {"throw", "fail"}) {
      JsonObject body = new JsonObject().put("type", "flaky").put("maxAttempts", 5)
        .put("input", new JsonObject().put("failures", 0).put("permanent", how));
      String id = service.post("/api/v1/jobs", alice, body).bodyAsJsonObject().getString("id");
      JsonObject job = service.awaitState(alice, id, LONG, "failed", "succeeded");
      assertThat(job.getInteger("attempts")).as(how).isEqualTo(1);
      assertThat(job.getJsonObject("error")).as(how).isEqualTo("throw".equals(how)
        ? new JsonObject().put("code", "unknown_account").put("message", "account 42 does not exist")
        : new JsonObject().put("code", "declined").put("message", "the payment was declined"));
      assertThat(job.getJsonArray("history")).hasSize(1);
    }
  }

  @Test
  void theHistoryShowsEachAttempt() {
    String id = service.submit(alice, "flaky", new JsonObject().put("failures", 2)).getString("id");
    JsonObject job = service.awaitState(alice, id, LONG, "succeeded", "failed");
    var history = job.getJsonArray("history");
    assertThat(history).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject run = history.getJsonObject(i);
      assertThat(run.getInteger("attempt")).isEqualTo(i + 1);
      assertThat(run.getString("node")).isNotBlank();
      assertThat(Instant.parse(run.getString("finishedAt"))).isAfterOrEqualTo(Instant.parse(run.getString("startedAt")));
      assertThat(run.getValue("error")).isEqualTo(i < 2 ? new JsonObject().put("code", "handler_error")
        .put("message", "planned failure of attempt " + (i + 1)) : null);
    }
    assertThat(history.getJsonObject(2).getString("startedAt")).isEqualTo(job.getString("startedAt"));
  }
}
