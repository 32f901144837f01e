package dev.offload.http;

import dev.offload.support.TestPostgres;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job types as an operator sees them: listed with whether each is paused and its queued and
 * running jobs; paused by an admin, a type keeps accepting submissions, which wait until it is
 * resumed, on this node and on another node on the same PostgreSQL schema.
 */
@ExtendWith(VertxExtension.class)
class JobTypesApiTest {
  private static final String ADMIN = "jobs:read jobs:write jobs:admin";

  private static JsonObject type(TestService service, String token, String name) {
    JsonArray items = service.get("/api/v1/job-types", token).bodyAsJsonObject().getJsonArray("items");
    return items.stream().map(JsonObject.class::cast).filter(t -> t.getString("type").equals(name)).findFirst()
      .orElseThrow();
  }

  private static HttpResponse<Buffer> pause(TestService service, String token, String name, boolean paused) {
    return await(service.request(io.vertx.core.http.HttpMethod.PATCH, "/api/v1/job-types/" + name, token)
      .sendJsonObject(new JsonObject().put("paused", paused)));
  }

  /** Waits until {@code service}'s node knows {@code type} as paused (or not), from its own gauge. */
  private static void nodeSees(TestService service, String name, boolean paused) {
    TestService.poll(service::scrape, scrape -> scrape.value("offload_job_type_paused", "type", name)
      == (paused ? 1.0 : 0.0), Duration.ofSeconds(10));
    assertThat(service.scrape().value("offload_job_type_paused", "type", name)).isEqualTo(paused ? 1.0 : 0.0);
  }

  /** The job stays queued while the type is paused: for a second, many times the nodes' 100 ms poll. */
  private static void staysQueued(TestService service, String token, String id) {
    Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
      .until(() -> service.get("/api/v1/jobs/" + id, token).bodyAsJsonObject().getString("state").equals("queued"));
  }

  @Test
  void eachTypeIsListedWithItsPausedFlagAndItsQueuedAndRunningJobs(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    service.submit(alice, "sleep", new JsonObject().put("seconds", 30));
    service.awaitState(alice, service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id"),
      Duration.ofSeconds(10), "running");

    JsonObject sleep = type(service, alice, "sleep");

    assertThat(sleep.getBoolean("paused")).isFalse();
    assertThat(sleep.getLong("running")).isEqualTo(2);
    assertThat(sleep.getLong("queued")).isZero();
    assertThat(type(service, alice, "primes").getLong("running")).isZero();
  }

  @Test
  void aPausedTypeQueuesItsSubmissionsAndRunsThemWhenResumed(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String admin = service.token("ops", ADMIN);
    String alice = service.token("alice", TestService.READ_WRITE);

    HttpResponse<Buffer> paused = pause(service, admin, "sleep", true);
    assertThat(paused.statusCode()).isEqualTo(200);
    assertThat(paused.bodyAsJsonObject().getBoolean("paused")).isTrue();
    nodeSees(service, "sleep", true);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");

    staysQueued(service, alice, id);
    assertThat(type(service, alice, "sleep").getLong("queued")).isEqualTo(1);
    // Another type is not held up.
    String primes = service.submit(alice, "primes", new JsonObject().put("limit", 100)).getString("id");
    service.awaitState(alice, primes, Duration.ofSeconds(10), "succeeded");

    assertThat(pause(service, admin, "sleep", false).bodyAsJsonObject().getBoolean("paused")).isFalse();
    service.awaitState(alice, id, Duration.ofSeconds(10), "succeeded");
  }

  @Test
  void onlyAnAdminPausesAndABadRequestIsRefusedNamingWhy(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String admin = service.token("ops", ADMIN);

    assertProblem(pause(service, service.token("alice", TestService.READ_WRITE), "sleep", true), 403);
    assertProblem(pause(service, admin, "nope", true), 404, "no job type 'nope'");
    assertProblem(await(service.request(io.vertx.core.http.HttpMethod.PATCH, "/api/v1/job-types/sleep", admin)
      .sendJsonObject(new JsonObject().put("paused", "yes"))), 400, "paused");
    assertProblem(await(service.request(io.vertx.core.http.HttpMethod.PATCH, "/api/v1/job-types/sleep", admin)
      .sendJsonObject(new JsonObject().put("paused", true).put("until", "tomorrow"))), 400, "nothing else");
    assertThat(type(service, admin, "sleep").getBoolean("paused")).isFalse();
  }

  @Test
  void pausingOnOneNodeStopsClaimsOnAnotherOnTheSameSchema(@TempDir Path dir, Vertx vertx) {
    String schema = TestPostgres.freshSchema(vertx);
    // A Vert.x of its own: the second node hears of the pause from the store, not the event bus.
    Vertx other = Vertx.vertx();
    try {
      JsonObject store = new JsonObject().put("kind", "postgres")
        .put("postgres", new JsonObject().put("url", TestPostgres.URL).put("schema", schema));
      TestService nodeA = TestService.start(vertx, TestService.baseConfig(dir.resolve("a")).put("store", store));
      TestService nodeB = TestService.start(other, TestService.baseConfig(dir.resolve("b")).put("store", store.copy()));

      assertThat(pause(nodeA, nodeA.token("ops", ADMIN), "sleep", true).statusCode()).isEqualTo(200);
      nodeSees(nodeB, "sleep", true);
      String alice = nodeB.token("alice", TestService.READ_WRITE);
      String id = nodeB.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
      staysQueued(nodeB, alice, id);

      pause(nodeA, nodeA.token("ops", ADMIN), "sleep", false);
      nodeB.awaitState(alice, id, Duration.ofSeconds(10), "succeeded");
      nodeB.stop();
    } finally {
      await(other.close());
      TestPostgres.drop(vertx, schema);
    }
  }
}
