package dev.offload.http;

import dev.offload.support.RawHttp;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Response headers on every answer, the per-owner rate limit, and requests that must be refused. */
@ExtendWith(VertxExtension.class)
class HardeningTest {

  private static void assertHardened(HttpResponse<Buffer> response) {
    assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(response.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(response.getHeader("Content-Security-Policy")).contains("default-src 'none'")
      .contains("frame-ancestors 'none'");
    assertThat(response.getHeader("X-Frame-Options")).isEqualTo("DENY");
    assertThat(response.getHeader("Server")).isNull();
  }

  @Test
  void everyResponseCarriesTheSecurityHeaders(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    List<HttpResponse<Buffer>> responses = List.of(
      service.get("/health/live", null),
      service.get("/api/v1/jobs", alice),
      service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0))),
      service.get("/api/v1/jobs", null),
      service.get("/nothing", null),
      await(service.request(HttpMethod.PUT, "/api/v1/jobs", alice).send()));
    responses.forEach(HardeningTest::assertHardened);
  }

  @Test
  void traceIsRefusedAndATokenInTheQueryStringIsNotAccepted(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    assertProblem(await(service.request(HttpMethod.TRACE, "/api/v1/jobs", alice).send()), 405);
    HttpResponse<Buffer> queryToken = service.get("/api/v1/jobs?access_token=" + alice, null);
    assertProblem(queryToken, 401);
    assertThat(service.get("/api/v1/jobs", alice).statusCode()).isEqualTo(200);
  }

  @Test
  void aBurstOverTheRateLimitIs429UntilTheBucketRefills(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("limits").put("rate", new JsonObject().put("enabled", true).put("perSecond", 5).put("burst", 5));
    TestService service = TestService.start(vertx, config);
    String alice = service.token("alice", TestService.READ_WRITE);
    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> allowed = service.get("/api/v1/jobs", alice);
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.getHeader("RateLimit-Limit")).isEqualTo("5");
    }
    HttpResponse<Buffer> refused = service.get("/api/v1/jobs", alice);
    assertProblem(refused, 429);
    assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
    assertThat(refused.getHeader("RateLimit-Remaining")).isEqualTo("0");
    // Another owner has a bucket of its own.
    assertThat(service.get("/api/v1/jobs", service.token("bob", TestService.READ_WRITE)).statusCode()).isEqualTo(200);
    // One token comes back every 200 ms: a refused request takes none, so polling finds it.
    assertThat(TestService.poll(() -> service.get("/api/v1/jobs", alice).statusCode(), status -> status == 200,
      Duration.ofSeconds(2))).isEqualTo(200);
  }

  @Test
  void connectionsBeyondTheCapAreClosedAtOnceAndServedAgainWhenOthersLeave(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("http").put("maxConnections", 2);
    TestService service = TestService.start(vertx, config);
    String request = "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    try (RawHttp first = new RawHttp(service.port()); RawHttp second = new RawHttp(service.port())) {
      first.send("GET /health/live HTTP/1.1\r\n");
      second.send("GET /health/live HTTP/1.1\r\n");
      try (RawHttp third = new RawHttp(service.port())) {
        RawHttp.Response refused = third.send(request).readUntilClosed();
        assertThat(refused.status()).as("closed without an answer: " + refused.head()).isZero();
      }
    }
    // The two holders left: connections are served again.
    assertThat(TestService.poll(() -> {
      try (RawHttp again = new RawHttp(service.port())) {
        return again.send(request).readUntilClosed().status();
      }
    }, status -> status == 200, Duration.ofSeconds(2))).isEqualTo(200);
  }

  @Test
  void duplicateKeysDeepNestingAndInvalidUtf8AreRefusedAndNothingIsStored(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String deep = "[".repeat(40) + "]".repeat(40);
    String[] bodies = {
      "{\"type\": \"sleep\", \"type\": \"primes\", \"input\": {\"seconds\": 1}}",
      "{\"type\": \"sleep\", \"input\": {\"seconds\": 1, \"x\": " + deep + "}}",
    };
    String[] details = {"the body repeats a key", "the body is nested deeper than 32 levels"};
    for (int i = 0; i < bodies.length; i++) {
      HttpResponse<Buffer> response = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(bodies[i])));
      assertProblem(response, 400);
      assertThat(response.bodyAsJsonObject().getString("detail")).isEqualTo(details[i]);
    }
    byte[] invalidUtf8 = {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    HttpResponse<Buffer> garbled = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(invalidUtf8)));
    assertProblem(garbled, 400);
    assertThat(service.get("/api/v1/jobs", alice).bodyAsJsonObject().getJsonArray("items")).isEmpty();
    assertThat(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 0))).statusCode()).isEqualTo(202);
  }

  @Test
  void encodedTraversalAndSlashesInIdsNameNoJob(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    for (String path : List.of("/api/v1/jobs/%2e%2e%2fjob-types", "/api/v1/jobs/..%2F..%2Fhealth%2Flive",
      "/api/v1/jobs/" + id + "%2F..", "/api/v1/jobs/%2e%2e", "/api/v1/jobs/" + id.toUpperCase())) {
      assertProblem(service.get(path, alice), 404);
      assertProblem(service.delete(path, alice), 404);
    }
    // A dot-dot segment cannot reach the job list around the token check: the path is normalised
    // (to /api/api/v1/jobs here), where there is nothing.
    assertProblem(service.get("/api/v1/%2e%2e/api/v1/jobs", null), 404);
    assertProblem(service.get("/api/v1/jobs/%2e%2e", null), 401);
    assertThat(service.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject().getString("state")).isNotNull();
  }

  @Test
  void corsIsOffByDefaultAndAnAllowListWhenConfigured(@TempDir Path dir, Vertx vertx) {
    TestService closed = TestService.start(vertx, dir.resolve("a"));
    String alice = closed.token("alice", TestService.READ_WRITE);
    HttpResponse<Buffer> noCors = await(closed.request(HttpMethod.GET, "/api/v1/jobs", alice)
      .putHeader("Origin", "https://app.example.com").send());
    assertThat(noCors.getHeader("Access-Control-Allow-Origin")).isNull();

    JsonObject config = TestService.baseConfig(dir.resolve("b"));
    config.getJsonObject("http").put("corsOrigins", List.of("https://app.example.com"));
    TestService open = TestService.start(vertx, config);
    String bob = open.token("bob", TestService.READ_WRITE);
    HttpResponse<Buffer> preflight = await(open.request(HttpMethod.OPTIONS, "/api/v1/jobs", null)
      .putHeader("Origin", "https://app.example.com")
      .putHeader("Access-Control-Request-Method", "POST")
      .putHeader("Access-Control-Request-Headers", "Authorization, Content-Type").send());
    assertThat(preflight.statusCode()).isIn(200, 204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
    HttpResponse<Buffer> allowed = await(open.request(HttpMethod.GET, "/api/v1/jobs", bob)
      .putHeader("Origin", "https://app.example.com").send());
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
    HttpResponse<Buffer> stranger = await(open.request(HttpMethod.GET, "/api/v1/jobs", bob)
      .putHeader("Origin", "https://evil.example").send());
    assertThat(stranger.getHeader("Access-Control-Allow-Origin")).isNull();
    assertThat(stranger.statusCode()).isEqualTo(403);
  }
}
