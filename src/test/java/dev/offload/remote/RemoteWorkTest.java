package dev.offload.remote;

import dev.offload.support.EventStreamClient;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Remote workers as a worker in another language sees them: the pull protocol over real HTTP and
 * SQLite, with the whole service running (claims, long polls, heartbeats, outcomes, fencing,
 * scopes). Every answer is checked against the served contract by {@link TestService}.
 */
@ExtendWith(VertxExtension.class)
class RemoteWorkTest {
  private static final String TYPE = "wordcount";
  private static final String OTHER = "resize";
  private static final String WORK = "/api/v1/work";

  /** Two remote types; dispatchers poll rarely, so only a wake-up can answer a held claim quickly. */
  private static TestService start(Vertx vertx, Path dir, int timeoutSeconds, long pollMillis) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("workers").put("pollMillis", pollMillis).put("leaseSeconds", 3);
    config.put("jobTypes", new JsonObject()
      .put(TYPE, new JsonObject().put("remote", true).put("description", "Counts words")
        .put("leaseSeconds", 5).put("timeoutSeconds", timeoutSeconds).put("maxAttempts", 3)
        .put("inputSchema", new JsonObject().put("type", "object").put("required", new JsonArray().add("text"))
          .put("properties", new JsonObject().put("text", new JsonObject().put("type", "string")))))
      .put(OTHER, new JsonObject().put("remote", true).put("concurrency", 2)));
    return TestService.start(vertx, config);
  }

  private static TestService start(Vertx vertx, Path dir) {
    return start(vertx, dir, 600, 100);
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("text", text);
  }

  private static JsonObject claim(String type, int max, int waitSeconds) {
    return new JsonObject().put("types", new JsonArray().add(type)).put("max", max).put("waitSeconds", waitSeconds)
      .put("worker", "py-1");
  }

  /** Claims one job of {@link #TYPE} at once and returns it; fails the test when none comes. */
  private static JsonObject claimOne(TestService service, String worker) {
    HttpResponse<Buffer> response = service.post(WORK + "/claim", worker, claim(TYPE, 1, 5));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonArray items = response.bodyAsJsonObject().getJsonArray("items");
    assertThat(items).hasSize(1);
    return items.getJsonObject(0);
  }

  private static String attemptPath(JsonObject item, String action) {
    return WORK + "/" + item.getString("id") + "/" + item.getInteger("attempt") + "/" + action;
  }

  @Test
  void aWorkerClaimsAJobAndItsResultBecomesTheJobs(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    String id = service.submit(alice, TYPE, text("hello big world")).getString("id");

    JsonObject item = claimOne(service, worker);
    assertThat(item.getString("id")).isEqualTo(id);
    assertThat(item.getString("type")).isEqualTo(TYPE);
    assertThat(item.getInteger("attempt")).isEqualTo(1);
    assertThat(item.getJsonObject("input")).isEqualTo(text("hello big world"));
    assertThat(item.getString("owner")).isEqualTo("alice");
    assertThat(item.getInteger("timeoutSeconds")).isEqualTo(600);
    assertThat(item.getInteger("leaseSeconds")).isEqualTo(5);
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getString("state")).isEqualTo("running");

    HttpResponse<Buffer> done = service.post(attemptPath(item, "succeed"), worker,
      new JsonObject().put("result", new JsonObject().put("words", 3)));

    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.bodyAsJsonObject().getString("state")).isEqualTo("succeeded");
    JsonObject job = service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject();
    assertThat(job.getString("state")).isEqualTo("succeeded");
    assertThat(job.getJsonObject("result")).isEqualTo(new JsonObject().put("words", 3));
    // The history names the worker that ran the attempt.
    assertThat(job.getJsonArray("history").getJsonObject(0).getString("node")).isEqualTo("remote:py-1");
    // A second outcome for the same attempt changes nothing.
    assertProblem(service.post(attemptPath(item, "fail"), worker, new JsonObject()
      .put("error", new JsonObject().put("code", "late").put("message", "too late"))), 409);
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getString("state")).isEqualTo("succeeded");
  }

  @Test
  void aHeldClaimIsAnsweredBySubmitNotByAPoll(@TempDir Path dir, Vertx vertx) {
    // Dispatchers and held claims poll once a minute: only the submission's wake-up can answer in time.
    TestService service = start(vertx, dir, 600, 60_000);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    Future<HttpResponse<Buffer>> held = service.request(HttpMethod.POST, WORK + "/claim", worker)
      .sendJsonObject(claim(TYPE, 10, 30));
    // The claim is held: nothing answers it while nothing is submitted.
    TestService.poll(service::scrape, scrape -> scrape.value("offload_http_claims") == 1.0, Duration.ofSeconds(10));
    assertThat(held.isComplete()).isFalse();

    long submitted = System.nanoTime();
    String id = service.submit(alice, TYPE, text("one")).getString("id");
    HttpResponse<Buffer> response = await(held);
    Duration took = Duration.ofNanos(System.nanoTime() - submitted);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getString("id")).isEqualTo(id);
    // Far less than a poll interval (make bench measures the latency itself).
    assertThat(took).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aClaimWithNothingDueAnswersEmptyWhenItsWaitIsOver(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String worker = service.token("worker-1", "jobs:work");

    long started = System.nanoTime();
    HttpResponse<Buffer> response = service.post(WORK + "/claim", worker, claim(TYPE, 5, 1));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getJsonArray("items")).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(service.post(WORK + "/claim", worker, claim(TYPE, 5, 0)).bodyAsJsonObject().getJsonArray("items"))
      .isEmpty();
  }

  @Test
  void heartbeatProgressShowsOnTheJobAndItsEventStream(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    String id = service.submit(alice, TYPE, text("a b")).getString("id");
    JsonObject item = claimOne(service, worker);
    EventStreamClient.Stream stream = await(EventStreamClient.open(vertx.createHttpClient(), service.port(),
      "/api/v1/jobs/" + id + "/events", alice, null));

    HttpResponse<Buffer> beat = service.post(attemptPath(item, "heartbeat"), worker, new JsonObject().put("progress", 0.5));

    assertThat(beat.statusCode()).isEqualTo(200);
    assertThat(beat.bodyAsJsonObject()).isEqualTo(new JsonObject().put("cancelRequested", false).put("leaseSeconds", 5));
    assertThat(await(stream.next(event -> event.event().equals("progress"))).json().getDouble("progress"))
      .isEqualTo(0.5);
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getDouble("progress")).isEqualTo(0.5);
    assertProblem(service.post(attemptPath(item, "heartbeat"), worker, new JsonObject().put("progress", 1.5)), 400);
    stream.response.request().connection().close();
  }

  @Test
  void anAttemptWhoseLeaseRanOutIsRefusedAndTheNextAttemptRunsTheJob(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    String id = service.submit(alice, TYPE, text("x")).getString("id");
    JsonObject first = claimOne(service, worker);

    // No heartbeat: after the 5 s lease, lease recovery puts the job back, and a claim takes it again.
    JsonObject second = TestService.poll(() -> service.post(WORK + "/claim", worker, claim(TYPE, 1, 1)),
        response -> !response.bodyAsJsonObject().getJsonArray("items").isEmpty(), Duration.ofSeconds(30))
      .bodyAsJsonObject().getJsonArray("items").getJsonObject(0);

    assertThat(second.getString("id")).isEqualTo(id);
    assertThat(second.getInteger("attempt")).isEqualTo(2);
    assertProblem(service.post(attemptPath(first, "heartbeat"), worker, new JsonObject()), 409);
    assertProblem(service.post(attemptPath(first, "succeed"), worker, new JsonObject().put("result", new JsonObject()
      .put("stale", true))), 409);
    assertThat(service.post(attemptPath(second, "succeed"), worker, new JsonObject().put("result", new JsonObject()
      .put("words", 1))).statusCode()).isEqualTo(200);
    JsonObject job = service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject();
    assertThat(job.getJsonObject("result")).isEqualTo(new JsonObject().put("words", 1));
    assertThat(job.getInteger("attempts")).isEqualTo(2);
    assertThat(job.getJsonArray("history").getJsonObject(0).getJsonObject("error").getString("code")).isEqualTo("lost");
  }

  @Test
  void aFailureWithRetryFalseFailsTheJobAtOnceAndOneWithRetryQueuesItAgain(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    String retried = service.submit(alice, TYPE, text("x")).getString("id");
    JsonObject item = claimOne(service, worker);

    JsonObject error = new JsonObject().put("code", "upstream_down").put("message", "the API answered 502");
    HttpResponse<Buffer> again = service.post(attemptPath(item, "fail"), worker, new JsonObject().put("error", error));
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getString("state")).isEqualTo("queued");
    assertThat(again.bodyAsJsonObject().getJsonObject("error")).isEqualTo(error);

    JsonObject second = claimOne(service, worker);
    assertThat(second.getString("id")).isEqualTo(retried);
    JsonObject bad = new JsonObject().put("code", "bad_text").put("message", "no words in it");
    HttpResponse<Buffer> failed = service.post(attemptPath(second, "fail"), worker,
      new JsonObject().put("error", bad).put("retry", false));

    assertThat(failed.statusCode()).isEqualTo(200);
    JsonObject job = service.get("/api/v1/jobs/" + retried, alice).bodyAsJsonObject();
    assertThat(job.getString("state")).isEqualTo("failed");
    assertThat(job.getInteger("attempts")).isEqualTo(2);
    assertThat(job.getJsonObject("error")).isEqualTo(bad);
  }

  @Test
  void aCancelledRemoteJobIsToldAtTheHeartbeatAndEndsCancelledWhenTheWorkerStops(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    String id = service.submit(alice, TYPE, text("x")).getString("id");
    JsonObject item = claimOne(service, worker);

    assertThat(service.delete("/api/v1/jobs/" + id, alice).statusCode()).isEqualTo(202);
    HttpResponse<Buffer> beat = service.post(attemptPath(item, "heartbeat"), worker, new JsonObject());
    assertThat(beat.bodyAsJsonObject().getBoolean("cancelRequested")).isTrue();
    HttpResponse<Buffer> stopped = service.post(attemptPath(item, "fail"), worker, new JsonObject()
      .put("error", new JsonObject().put("code", "cancelled").put("message", "stopped on request")));

    assertThat(stopped.statusCode()).isEqualTo(200);
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
  }

  @Test
  void anAttemptPastItsTimeoutIsEndedAtItsNextHeartbeat(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, 1, 100);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    String id = service.submit(alice, TYPE, text("x")).getString("id");
    JsonObject item = claimOne(service, worker);

    HttpResponse<Buffer> late = TestService.poll(() -> service.post(attemptPath(item, "heartbeat"), worker, new JsonObject()),
      response -> response.statusCode() != 200, Duration.ofSeconds(10));

    assertProblem(late, 409);
    JsonObject job = service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject();
    assertThat(job.getString("state")).isEqualTo("queued");
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("timeout");
  }

  @Test
  void scopesDecideWhoClaimsWhat(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", "jobs:read jobs:write jobs:admin");
    String resizer = service.token("resizer", "jobs:work:" + OTHER);
    String id = service.submit(alice, TYPE, text("x")).getString("id");

    // A user's token, even an admin's, claims nothing.
    assertProblem(service.post(WORK + "/claim", alice, claim(TYPE, 1, 0)), 403);
    // A worker for another type may not claim this one, nor report on its jobs.
    assertProblem(service.post(WORK + "/claim", resizer, claim(TYPE, 1, 0)), 403);
    JsonObject item = claimOne(service, service.token("worker-1", "jobs:work:" + TYPE));
    assertProblem(service.post(attemptPath(item, "succeed"), resizer, new JsonObject()), 403);
    // A worker token reads no jobs.
    assertProblem(service.get("/api/v1/jobs/" + id, resizer), 403);
    assertThat(service.post(WORK + "/claim", resizer, claim(OTHER, 1, 0)).statusCode()).isEqualTo(200);
  }

  @Test
  void aTypeWithAConcurrencyIsClaimedNoFurtherThanItsRunningAttemptsAllow(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String worker = service.token("worker-1", "jobs:work");
    for (int i = 0; i < 3; i++) {
      service.submit(alice, OTHER, new JsonObject());
    }

    JsonArray first = service.post(WORK + "/claim", worker, claim(OTHER, 5, 0)).bodyAsJsonObject().getJsonArray("items");
    JsonArray none = service.post(WORK + "/claim", worker, claim(OTHER, 5, 0)).bodyAsJsonObject().getJsonArray("items");
    assertThat(service.post(attemptPath(first.getJsonObject(0), "succeed"), worker, new JsonObject()).statusCode())
      .isEqualTo(200);
    JsonArray last = service.post(WORK + "/claim", worker, claim(OTHER, 5, 0)).bodyAsJsonObject().getJsonArray("items");

    assertThat(first).hasSize(2);
    assertThat(none).isEmpty();
    assertThat(last).hasSize(1);
  }

  @Test
  void aPausedRemoteTypeIsClaimedByNoWorkerUntilResumed(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String admin = service.token("ops", "jobs:read jobs:write jobs:admin");
    String worker = service.token("worker-1", "jobs:work");
    HttpResponse<Buffer> paused = await(service.request(HttpMethod.PATCH, "/api/v1/job-types/" + TYPE, admin)
      .sendJsonObject(new JsonObject().put("paused", true)));
    assertThat(paused.statusCode()).isEqualTo(200);
    String id = service.submit(admin, TYPE, text("x")).getString("id");

    assertThat(service.post(WORK + "/claim", worker, claim(TYPE, 5, 0)).bodyAsJsonObject().getJsonArray("items"))
      .isEmpty();
    await(service.request(HttpMethod.PATCH, "/api/v1/job-types/" + TYPE, admin)
      .sendJsonObject(new JsonObject().put("paused", false)));

    assertThat(claimOne(service, worker).getString("id")).isEqualTo(id);
  }

  @Test
  void badClaimsAreRefusedNamingWhatIsWrong(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String worker = service.token("worker-1", "jobs:work");

    assertProblem(service.post(WORK + "/claim", worker, claim("sleep", 1, 0)), 400, "not remote");
    assertProblem(service.post(WORK + "/claim", worker, claim("nope", 1, 0)), 400, "unknown job type 'nope'");
    assertProblem(service.post(WORK + "/claim", worker, claim(TYPE, 101, 0)), 400, "max");
    assertProblem(service.post(WORK + "/claim", worker, claim(TYPE, 1, 61)), 400, "waitSeconds");
    assertProblem(service.post(WORK + "/claim", worker, claim(TYPE, 1, 0).put("worker", "bad name")), 400, "worker");
    assertProblem(service.post(WORK + "/claim", worker, claim(TYPE, 1, 0).put("typo", 1)), 400, "typo");
    assertProblem(service.post(WORK + "/claim", worker, new JsonObject()), 400, "types");
    String missing = WORK + "/00000000-0000-0000-0000-000000000000/1/succeed";
    assertProblem(service.post(missing, worker, new JsonObject()), 404);
    assertProblem(service.post(WORK + "/00000000-0000-0000-0000-000000000000/1/fail", worker,
      new JsonObject().put("error", new JsonObject().put("code", "Bad Code").put("message", "x"))), 400, "error.code");
  }

  @Test
  void remoteTypesAreListedWithTheirRunnerAndLease(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);

    JsonArray types = service.get("/api/v1/job-types", alice).bodyAsJsonObject().getJsonArray("items");

    JsonObject remote = types.stream().map(JsonObject.class::cast).filter(t -> t.getString("type").equals(TYPE))
      .findFirst().orElseThrow();
    assertThat(remote.getString("runner")).isEqualTo("remote");
    assertThat(remote.getString("description")).isEqualTo("Counts words");
    assertThat(remote.getInteger("leaseSeconds")).isEqualTo(5);
    assertThat(remote.getInteger("timeoutSeconds")).isEqualTo(600);
    // Its input schema is checked at submit, as a Java type's is.
    assertProblem(service.post("/api/v1/jobs", alice, new JsonObject().put("type", TYPE).put("input", new JsonObject())),
      400, "text");
  }
}
