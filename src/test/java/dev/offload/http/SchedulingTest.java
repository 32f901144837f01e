package dev.offload.http;

import dev.offload.auth.Scopes;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static dev.offload.support.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Job control over HTTP: delays, priorities, retries by the user, listing filters, and the refusals of each. */
@ExtendWith(VertxExtension.class)
class SchedulingTest {
  private static final Duration LONG = Duration.ofSeconds(30);
  private TestService service;
  private String alice;
  private Path dir;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    this.dir = dir;
    service = start(vertx);
    alice = service.token("alice", TestService.READ_WRITE);
  }

  private TestService start(Vertx vertx) {
    return TestService.start(vertx, dir, "limits", new JsonObject().put("maxDelaySeconds", 3600)
      .put("rate", new JsonObject().put("enabled", false)));
  }

  @Test
  void aDelayOutlivesARestart(Vertx vertx) {
    JsonObject accepted = submit(new JsonObject().put("delaySeconds", 2)).bodyAsJsonObject();
    service.stop();
    service = start(vertx);
    JsonObject done = service.awaitState(alice, accepted.getString("id"), LONG, "succeeded", "failed");
    assertThat(Instant.parse(done.getString("startedAt"))).isAfterOrEqualTo(Instant.parse(accepted.getString("runAt")));
  }

  private HttpResponse<Buffer> submit(JsonObject extra) {
    JsonObject body = new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0));
    return service.post("/api/v1/jobs", alice, body.mergeIn(extra));
  }

  @Test
  void aDelayedJobIsQueuedUntilItsTimeThenRunsPromptly() {
    JsonObject accepted = submit(new JsonObject().put("delaySeconds", 2).put("priority", 7)).bodyAsJsonObject();
    Instant created = Instant.parse(accepted.getString("createdAt"));
    assertThat(Instant.parse(accepted.getString("runAt"))).isEqualTo(created.plusSeconds(2));
    assertThat(accepted.getInteger("priority")).isEqualTo(7);

    JsonObject done = service.awaitState(alice, accepted.getString("id"), LONG, "succeeded", "failed");
    Instant started = Instant.parse(done.getString("startedAt"));
    assertThat(started).as("not before its time").isAfterOrEqualTo(created.plusSeconds(2));
    assertThat(Duration.between(created.plusSeconds(2), started)).as("promptly after (poll: 100 ms)")
      .isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aRunAtInThePastMeansNow() {
    JsonObject accepted = submit(new JsonObject().put("runAt", "2020-01-01T00:00:00Z")).bodyAsJsonObject();
    assertThat(accepted.getString("runAt")).isEqualTo(accepted.getString("createdAt"));
    service.awaitState(alice, accepted.getString("id"), LONG, "succeeded");
  }

  @Test
  void badSchedulingFieldsAreRefusedNamingTheField() {
    String future = Instant.now().plusSeconds(7200).toString();
    JsonObject[] bodies = {
      new JsonObject().put("priority", 10),
      new JsonObject().put("runAt", "2026-12-02T10:00:00Z").put("delaySeconds", 5),
      new JsonObject().put("delaySeconds", 3601),
      new JsonObject().put("runAt", future),
      new JsonObject().put("runAt", "next tuesday")};
    String[] details = {"/priority", "/delaySeconds", "/delaySeconds", "/runAt", "/runAt"};
    for (int i = 0; i < bodies.length; i++) {
      HttpResponse<Buffer> refused = submit(bodies[i]);
      assertProblem(refused, 400);
      assertThat(refused.bodyAsJsonObject().getString("detail")).as(bodies[i].encode()).contains(details[i]);
    }
    assertThat(service.get("/api/v1/jobs", alice).bodyAsJsonObject().getJsonArray("items")).as("nothing stored")
      .isEmpty();
  }

  @Test
  void aFailedJobIsRetriedByItsOwnerAndKeepsItsHistory() {
    JsonObject body = new JsonObject().put("type", "flaky").put("maxAttempts", 1)
      .put("input", new JsonObject().put("failures", 1));
    String id = service.post("/api/v1/jobs", alice, body).bodyAsJsonObject().getString("id");
    JsonObject failed = service.awaitState(alice, id, LONG, "failed");

    String bob = service.token("bob", TestService.READ_WRITE);
    assertProblem(service.post("/api/v1/jobs/" + id + "/retry", bob, null), 404);
    assertProblem(service.post("/api/v1/jobs/" + id + "/retry", service.token("alice", Scopes.READ), null), 403);

    HttpResponse<Buffer> retried = service.post("/api/v1/jobs/" + id + "/retry", alice, null);
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(202);
    assertThat(retried.getHeader("Location")).isEqualTo("/api/v1/jobs/" + id);
    JsonObject queued = retried.bodyAsJsonObject();
    assertThat(queued.getString("state")).isIn("queued", "running");
    assertThat(queued.getInteger("attempts")).isZero();
    assertThat(queued.getJsonObject("error")).as("the last error stays visible").isEqualTo(failed.getJsonObject("error"));

    JsonObject again = service.awaitState(alice, id, LONG, "failed");
    assertThat(again.getJsonArray("history")).as("both runs").hasSize(2);
    assertThat(again.getString("finishedAt")).isNotEqualTo(failed.getString("finishedAt"));
  }

  @Test
  void aCancelledJobCanBeRetriedAndOthersCannot() {
    String id = submit(new JsonObject().put("delaySeconds", 3600)).bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> notYet = service.post("/api/v1/jobs/" + id + "/retry", alice, null);
    assertProblem(notYet, 409);
    assertThat(notYet.bodyAsJsonObject().getString("detail")).contains("is queued");
    assertThat(service.delete("/api/v1/jobs/" + id, alice).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> retried = service.post("/api/v1/jobs/" + id + "/retry", alice, null);
    assertThat(retried.statusCode()).isEqualTo(202);
    assertThat(Instant.parse(retried.bodyAsJsonObject().getString("runAt"))).as("a retry is due at once")
      .isBefore(Instant.now().plusSeconds(1));
    service.awaitState(alice, id, LONG, "succeeded");
    assertProblem(service.post("/api/v1/jobs/" + id + "/retry", alice, null), 409);
    assertProblem(service.post("/api/v1/jobs/not-a-job/retry", alice, null), 404);
  }

  @Test
  void listingFiltersByCreationTimeAndAdminsByOwner() {
    JsonObject firstJob = submit(new JsonObject().put("delaySeconds", 3600)).bodyAsJsonObject();
    String first = firstJob.getString("id");
    // Created in a later millisecond than the first, so that the bound falls between them.
    Instant firstCreated = Instant.parse(firstJob.getString("createdAt"));
    TestService.poll(Instant::now, now -> now.isAfter(firstCreated.plusMillis(1)), LONG);
    JsonObject second = submit(new JsonObject().put("delaySeconds", 3600)).bodyAsJsonObject();
    String bob = service.token("bob", TestService.READ_WRITE);
    service.post("/api/v1/jobs", bob, new JsonObject().put("type", "sleep").put("input", new JsonObject()
      .put("seconds", 0)).put("delaySeconds", 3600));

    String since = encode(second.getString("createdAt"));
    assertThat(ids("/api/v1/jobs?createdAfter=" + since, alice)).containsExactly(second.getString("id"));
    assertThat(ids("/api/v1/jobs?createdBefore=" + since, alice)).containsExactly(first);
    assertProblem(service.get("/api/v1/jobs?createdAfter=yesterday", alice), 400);

    String admin = service.token("root", Scopes.READ + " " + Scopes.ADMIN);
    assertThat(ids("/api/v1/jobs", admin)).hasSize(3);
    assertThat(ids("/api/v1/jobs?owner=alice", admin)).containsExactlyInAnyOrder(first, second.getString("id"));
    assertThat(ids("/api/v1/jobs?owner=alice", alice)).as("one's own name is allowed").hasSize(2);
    assertProblem(service.get("/api/v1/jobs?owner=bob", alice), 403);
  }

  private java.util.List<String> ids(String path, String token) {
    HttpResponse<Buffer> page = service.get(path, token);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("items").stream().map(j -> ((JsonObject) j).getString("id")).toList();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
