package dev.offload.http;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.offload.support.TestService.await;
import static dev.offload.support.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP contract of docs/design.md, section 2, endpoint by endpoint, over real HTTP and SQLite. */
@ExtendWith(VertxExtension.class)
class JobApiTest {
  private TestService service;
  private String alice;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    service = TestService.start(vertx, dir);
    alice = service.token("alice", TestService.READ_WRITE);
  }

  @Test
  void submitAnswers202WithLocationRetryAfterAndTheQueuedJob() {
    HttpResponse<Buffer> response = service.post("/api/v1/jobs", alice,
      new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0)));

    assertThat(response.statusCode()).isEqualTo(202);
    JsonObject job = response.bodyAsJsonObject();
    assertThat(response.getHeader("Location")).isEqualTo("/api/v1/jobs/" + job.getString("id"));
    assertThat(response.getHeader("Retry-After")).isEqualTo("1");
    assertThat(job.getString("state")).isEqualTo("queued");
    assertThat(job.getString("owner")).isEqualTo("alice");
    assertThat(job.getJsonObject("input")).isEqualTo(new JsonObject().put("seconds", 0));
    assertThat(job.getInteger("attempts")).isZero();
    assertThat(job.getInteger("maxAttempts")).isEqualTo(3);
    assertThat(job.getInteger("timeoutSeconds")).isEqualTo(60);
    assertThat(job.getString("createdAt")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
  }

  @Test
  void submitHonoursMaxAttemptsAndTimeoutFromTheBody() {
    HttpResponse<Buffer> response = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 1)).put("maxAttempts", 1).put("timeoutSeconds", 30));
    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(response.bodyAsJsonObject().getInteger("maxAttempts")).isEqualTo(1);
    assertThat(response.bodyAsJsonObject().getInteger("timeoutSeconds")).isEqualTo(30);
  }

  @Test
  void getReturnsTheJobAndItsResultOnceDone() {
    String id = service.submit(alice, "primes", new JsonObject().put("limit", 100)).getString("id");
    JsonObject done = service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("count", 25));
    assertThat(done.getInteger("attempts")).isEqualTo(1);
    assertThat(done.getString("startedAt")).isNotNull();
    assertThat(done.getString("finishedAt")).isNotNull();
    assertThat(done.getDouble("progress")).isEqualTo(1.0);
  }

  @Test
  void getOfAnUnknownOrMalformedIdIs404() {
    assertProblem(service.get("/api/v1/jobs/0b6f3c0e-0000-4000-8000-000000000000", alice), 404);
    assertProblem(service.get("/api/v1/jobs/not-a-uuid", alice), 404);
  }

  @Test
  void listIsNewestFirstAndPagesWithACursor() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonObject job = service.submit(alice, "sleep", new JsonObject().put("seconds", 0));
      ids.add(job.getString("id"));
      // Distinct creation times make the expected order unambiguous: the next one is created later.
      java.time.Instant created = java.time.Instant.parse(job.getString("createdAt"));
      TestService.poll(System::currentTimeMillis, now -> now > created.toEpochMilli(), Duration.ofSeconds(1));
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      HttpResponse<Buffer> response = service.get("/api/v1/jobs?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), alice);
      assertThat(response.statusCode()).isEqualTo(200);
      JsonObject page = response.bodyAsJsonObject();
      page.getJsonArray("items").forEach(item -> seen.add(((JsonObject) item).getString("id")));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null);

    assertThat(pages).isEqualTo(3);
    java.util.Collections.reverse(ids);
    assertThat(seen).containsExactlyElementsOf(ids);
  }

  @Test
  void listFiltersByStateAndType() {
    service.submit(alice, "sleep", new JsonObject().put("seconds", 0));
    String primes = service.submit(alice, "primes", new JsonObject().put("limit", 10)).getString("id");
    service.awaitState(alice, primes, Duration.ofSeconds(20), "succeeded");

    JsonArray items = service.get("/api/v1/jobs?type=primes&state=succeeded", alice).bodyAsJsonObject()
      .getJsonArray("items");
    assertThat(items).hasSize(1);
    assertThat(items.getJsonObject(0).getString("id")).isEqualTo(primes);
    assertThat(service.get("/api/v1/jobs?type=primes&state=failed", alice).bodyAsJsonObject()
      .getJsonArray("items")).isEmpty();
  }

  @Test
  void listRejectsBadParameters() {
    assertProblem(service.get("/api/v1/jobs?limit=0", alice), 400);
    assertProblem(service.get("/api/v1/jobs?limit=101", alice), 400);
    assertProblem(service.get("/api/v1/jobs?limit=1000000", alice), 400);
    assertProblem(service.get("/api/v1/jobs?limit=abc", alice), 400);
    assertProblem(service.get("/api/v1/jobs?state=done", alice), 400);
    assertProblem(service.get("/api/v1/jobs?type=primez", alice), 400);
    assertProblem(service.get("/api/v1/jobs?cursor=bm9wZQ", alice), 400);
  }

  @Test
  void cancelOfAQueuedJobIs200AndCancelsIt() {
    // One sleep at a time: the second job waits in the queue.
    service.stop();
    service = TestService.start(service.vertx, TestService.baseConfig(service.config.dataDir())
      .put("workers", new JsonObject().put("asyncConcurrency", 1).put("pollMillis", 100)));
    alice = service.token("alice", TestService.READ_WRITE);
    String running = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");
    service.awaitState(alice, running, Duration.ofSeconds(10), "running");
    String queued = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");

    HttpResponse<Buffer> response = service.delete("/api/v1/jobs/" + queued, alice);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("cancelled");
    assertThat(service.get("/api/v1/jobs/" + queued, alice).bodyAsJsonObject().getString("state"))
      .isEqualTo("cancelled");
  }

  @Test
  void cancelOfARunningJobIs202AndStopsIt() {
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(10), "running");

    HttpResponse<Buffer> response = service.delete("/api/v1/jobs/" + id, alice);
    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(response.bodyAsJsonObject().getBoolean("cancelRequested")).isTrue();

    JsonObject job = service.awaitState(alice, id, Duration.ofSeconds(10), "cancelled", "succeeded", "failed");
    assertThat(job.getString("state")).isEqualTo("cancelled");
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("cancelled");
  }

  @Test
  void cancelOfAFinishedJobIs409AndChangesNothing() {
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(10), "succeeded");
    assertProblem(service.delete("/api/v1/jobs/" + id, alice), 409);
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getString("state")).isEqualTo("succeeded");
  }

  @Test
  void cancelOfAnUnknownJobIs404() {
    assertProblem(service.delete("/api/v1/jobs/0b6f3c0e-0000-4000-8000-000000000000", alice), 404);
  }

  @Test
  void jobTypesDescribeEachTypeWithItsSchema() {
    HttpResponse<Buffer> response = service.get("/api/v1/job-types", alice);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonArray items = response.bodyAsJsonObject().getJsonArray("items");
    assertThat(items.stream().map(item -> ((JsonObject) item).getString("type"))).contains("primes", "sleep");
    JsonObject primes = items.stream().map(JsonObject.class::cast)
      .filter(item -> item.getString("type").equals("primes")).findFirst().orElseThrow();
    assertThat(primes.getString("description")).isNotBlank();
    assertThat(primes.getJsonObject("inputSchema").getJsonArray("required")).containsExactly("limit");
    assertThat(primes.getInteger("maxAttempts")).isEqualTo(3);
    assertThat(primes.getInteger("timeoutSeconds")).isEqualTo(600);
  }

  @Test
  void submitRefusesBadDocumentsWith400AndStoresNothing() {
    JsonObject sleep = new JsonObject().put("seconds", 1);
    assertProblem(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "nope").put("input", sleep)), 400);
    HttpResponse<Buffer> massAssignment = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", sleep).put("state", "succeeded"));
    assertProblem(massAssignment, 400);
    assertThat(massAssignment.bodyAsJsonObject().getString("detail"))
      .isEqualTo("invalid submission: property 'state' is not allowed");
    assertProblem(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", sleep).put("owner", "bob")), 400);
    assertProblem(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", -1))), 400);
    HttpResponse<Buffer> wrongType = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", "ten")));
    assertProblem(wrongType, 400);
    assertThat(wrongType.bodyAsJsonObject().getString("detail"))
      .isEqualTo("invalid input for type 'sleep': /seconds: string found, integer expected");
    assertProblem(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "primes")
      .put("input", new JsonObject().put("limit", 3_000_000_000L))), 400);
    assertProblem(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "primes")
      .put("input", new JsonObject().put("limit", 10).put("extra", 1))), 400);
    assertProblem(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")), 400);
    assertProblem(await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{\"type\": "))), 400);
    assertProblem(await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("[1, 2]"))), 400);
    assertProblem(await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Content-Type", "application/json").send()), 400);

    assertThat(service.get("/api/v1/jobs", alice).bodyAsJsonObject().getJsonArray("items")).isEmpty();
  }

  @Test
  void submitThatIsNotJsonIs415() {
    assertProblem(await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("type=sleep"))), 415);
    assertProblem(await(service.request(HttpMethod.POST, "/api/v1/jobs", alice).send()), 415);
    assertProblem(await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Content-Type", "application/jsonx").sendBuffer(Buffer.buffer("{}"))), 415);
  }

  /** Media types are case-insensitive (RFC 9110 §8.3.1), and may carry parameters after optional spaces. */
  @Test
  void submitTakesJsonWhateverTheMediaTypesCase() {
    String body = new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0)).encode();
    for (String contentType : List.of("Application/JSON", "APPLICATION/JSON; charset=UTF-8",
      "application/json ; charset=utf-8")) {
      HttpResponse<Buffer> response = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
        .putHeader("Content-Type", contentType).sendBuffer(Buffer.buffer(body)));
      assertThat(response.statusCode()).as(contentType).isEqualTo(202);
    }
  }

  @Test
  void submitLargerThanTheBodyLimitIs413() {
    String padding = "x".repeat(70_000);
    HttpResponse<Buffer> response = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 0).put("padding", padding)));
    assertProblem(response, 413);
  }

  @Test
  void unknownRoutesAre404AndWrongMethodsAre405() {
    assertProblem(service.get("/nothing-here", null), 404);
    assertProblem(service.get("/api/v1/nothing-here", alice), 404);
    assertProblem(await(service.request(HttpMethod.PUT, "/api/v1/jobs", alice).send()), 405);
    assertProblem(await(service.request(HttpMethod.PATCH, "/api/v1/job-types", alice).send()), 405);
    assertProblem(await(service.request(HttpMethod.POST, "/health/live", null).send()), 405);
  }

  @Test
  void healthAnswersWithoutAuthAndWithoutInternals() {
    HttpResponse<Buffer> live = service.get("/health/live", null);
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP"));
    HttpResponse<Buffer> ready = service.get("/health/ready", null);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP"));
  }
}
