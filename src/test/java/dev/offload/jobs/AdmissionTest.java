package dev.offload.jobs;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Admission is bounded: a full backlog is a 503, an owner over quota a 429, both with Retry-After. */
@ExtendWith(VertxExtension.class)
class AdmissionTest {
  private static final JsonObject LONG_SLEEP = new JsonObject().put("type", "sleep")
    .put("input", new JsonObject().put("seconds", 600));

  private static TestService start(Vertx vertx, Path dir, JsonObject limits, int asyncConcurrency) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("limits").mergeIn(limits);
    config.getJsonObject("workers").put("asyncConcurrency", asyncConcurrency);
    return TestService.start(vertx, config);
  }

  @Test
  void aFullBacklogIs503WithRetryAfter(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, new JsonObject().put("backlog", 2), 1);
    String alice = service.token("alice", TestService.READ_WRITE);
    String running = service.post("/api/v1/jobs", alice, LONG_SLEEP).bodyAsJsonObject().getString("id");
    service.awaitState(alice, running, Duration.ofSeconds(10), "running");
    assertThat(service.post("/api/v1/jobs", alice, LONG_SLEEP).statusCode()).isEqualTo(202);
    assertThat(service.post("/api/v1/jobs", alice, LONG_SLEEP).statusCode()).isEqualTo(202);

    HttpResponse<Buffer> refused = service.post("/api/v1/jobs", service.token("bob", TestService.READ_WRITE), LONG_SLEEP);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.getHeader("Retry-After")).matches("\\d+");
    assertThat(refused.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains("backlog");
    assertThat(service.get("/api/v1/jobs", alice).bodyAsJsonObject().getJsonArray("items")).hasSize(3);

    // Room again once a queued job leaves the queue.
    String queued = service.get("/api/v1/jobs?state=queued&limit=1", alice).bodyAsJsonObject()
      .getJsonArray("items").getJsonObject(0).getString("id");
    assertThat(service.delete("/api/v1/jobs/" + queued, alice).statusCode()).isEqualTo(200);
    assertThat(service.post("/api/v1/jobs", alice, LONG_SLEEP).statusCode()).isEqualTo(202);
  }

  @Test
  void anOwnerOverTheActiveJobQuotaIs429WhileOthersAreServed(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, new JsonObject().put("activeJobsPerOwner", 3), 256);
    String alice = service.token("alice", TestService.READ_WRITE);
    for (int i = 0; i < 3; i++) {
      assertThat(service.post("/api/v1/jobs", alice, LONG_SLEEP).statusCode()).isEqualTo(202);
    }
    HttpResponse<Buffer> refused = service.post("/api/v1/jobs", alice, LONG_SLEEP);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.getHeader("Retry-After")).matches("\\d+");
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains("3 active jobs");
    assertThat(service.post("/api/v1/jobs", service.token("bob", TestService.READ_WRITE), LONG_SLEEP).statusCode())
      .isEqualTo(202);

    // Finished jobs no longer count.
    String first = service.get("/api/v1/jobs?limit=1", alice).bodyAsJsonObject().getJsonArray("items")
      .getJsonObject(0).getString("id");
    service.delete("/api/v1/jobs/" + first, alice);
    service.awaitState(alice, first, Duration.ofSeconds(10), "cancelled");
    assertThat(service.post("/api/v1/jobs", alice, LONG_SLEEP).statusCode()).isEqualTo(202);
  }

  @Test
  void concurrentSubmissionsNeverExceedTheQuota(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, new JsonObject().put("activeJobsPerOwner", 10), 256);
    String alice = service.token("alice", TestService.READ_WRITE);
    // 40 requests in flight at once land in a few group-commit batches; admission is decided inside them.
    var responses = new java.util.ArrayList<io.vertx.core.Future<HttpResponse<Buffer>>>();
    for (int i = 0; i < 40; i++) {
      responses.add(service.request(io.vertx.core.http.HttpMethod.POST, "/api/v1/jobs", alice).sendJsonObject(LONG_SLEEP));
    }
    Set<Integer> statuses = new HashSet<>();
    int accepted = 0;
    for (var response : responses) {
      int status = TestService.await(response).statusCode();
      statuses.add(status);
      accepted += status == 202 ? 1 : 0;
    }
    assertThat(accepted).isEqualTo(10);
    assertThat(statuses).containsExactlyInAnyOrder(202, 429);
  }

  @Test
  void theDispatcherNeverHasMoreInFlightThanTheWorkersCanRun(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, new JsonObject(), 3);
    String alice = service.token("alice", TestService.READ_WRITE);
    for (int i = 0; i < 12; i++) {
      service.submit(alice, "sleep", new JsonObject().put("seconds", 1));
    }
    java.util.concurrent.atomic.AtomicInteger maxRunning = new java.util.concurrent.atomic.AtomicInteger();
    int succeeded = TestService.poll(() -> {
      maxRunning.accumulateAndGet(service.get("/api/v1/jobs?state=running&limit=100", alice).bodyAsJsonObject()
        .getJsonArray("items").size(), Math::max);
      return service.get("/api/v1/jobs?state=succeeded&limit=100", alice).bodyAsJsonObject().getJsonArray("items").size();
    }, done -> done == 12, Duration.ofSeconds(30));
    assertThat(succeeded).isEqualTo(12);
    assertThat(maxRunning.get()).isEqualTo(3);
  }

  @Test
  void jobsOfATypeNoNodeRunsStayQueuedAndSaySo(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir).put("roles", new io.vertx.core.json.JsonArray().add("api"));
    config.getJsonObject("workers").put("leaseSeconds", 3);
    TestService service = TestService.start(vertx, config);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");

    JsonObject job = TestService.poll(() -> service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject(),
      read -> read.getValue("error") != null, Duration.ofSeconds(10));
    assertThat(job.getString("state")).isEqualTo("queued");
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("no_workers");
  }
}
