package dev.offload.http;

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

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/v1/stats} (docs/design.md, section 2): the caller's counts, an admin's everyone's or one owner's. */
@ExtendWith(VertxExtension.class)
class StatsApiTest {
  private TestService service;
  private String alice;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    service = TestService.start(vertx, dir);
    alice = service.token("alice", TestService.READ_WRITE);
  }

  private static JsonObject counts(long queued, long running, long succeeded, long failed, long cancelled) {
    return new JsonObject().put("queued", queued).put("running", running).put("succeeded", succeeded)
      .put("failed", failed).put("cancelled", cancelled);
  }

  @Test
  void aCallerSeesTheirOwnCountsAndAnAdminEveryonesOrOneOwners() {
    String done = service.submit(alice, "primes", new JsonObject().put("limit", 100)).getString("id");
    service.awaitState(alice, done, Duration.ofSeconds(20), "succeeded");
    // Delayed: stays queued while the test reads.
    var delayed = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 1)).put("delaySeconds", 3600));
    assertThat(delayed.statusCode()).isEqualTo(202);
    String bob = service.token("bob", TestService.READ_WRITE);
    String bobs = service.submit(bob, "sleep", new JsonObject().put("seconds", 3600)).getString("id");
    assertThat(service.delete("/api/v1/jobs/" + bobs, bob).statusCode()).isIn(200, 202);
    service.awaitState(bob, bobs, Duration.ofSeconds(20), "cancelled");

    var own = service.get("/api/v1/stats", alice);
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(own.bodyAsJsonObject()).isEqualTo(new JsonObject().put("owner", "alice")
      .put("counts", counts(1, 0, 1, 0, 0)).put("finishedLastHour", 1));

    String admin = service.token("root", "jobs:read jobs:admin");
    assertThat(service.get("/api/v1/stats", admin).bodyAsJsonObject()).isEqualTo(new JsonObject()
      .putNull("owner").put("counts", counts(1, 0, 1, 0, 1)).put("finishedLastHour", 2));
    assertThat(service.get("/api/v1/stats?owner=bob", admin).bodyAsJsonObject()).isEqualTo(new JsonObject()
      .put("owner", "bob").put("counts", counts(0, 0, 0, 0, 1)).put("finishedLastHour", 1));
  }

  @Test
  void anotherOwnerIsForbiddenWithoutAdminAndTheScopeIsRequired() {
    assertThat(service.get("/api/v1/stats?owner=bob", alice).statusCode()).isEqualTo(403);
    assertThat(service.get("/api/v1/stats?owner=alice", alice).statusCode()).isEqualTo(200);
    assertThat(service.get("/api/v1/stats?owner=", alice).statusCode()).isEqualTo(400);
    assertThat(service.get("/api/v1/stats", service.token("alice", "jobs:write")).statusCode()).isEqualTo(403);
    assertThat(service.get("/api/v1/stats", null).statusCode()).isEqualTo(401);
  }
}
