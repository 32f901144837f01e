package dev.offload.app;

import dev.offload.support.ProblemAssert;
import dev.offload.support.TcpRelay;
import dev.offload.support.TestPostgres;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole service on the PostgreSQL store ({@code store.kind: postgres}): submit, run, cancel, restart. */
@ExtendWith(VertxExtension.class)
class PostgresServiceTest {
  private Vertx vertx;
  private String schema;

  @AfterEach
  void dropSchema() {
    if (schema != null) {
      TestPostgres.drop(vertx, schema);
    }
  }

  /** A short lease: a stopped node's attempts are taken back within seconds. */
  private JsonObject config(Path dir) {
    JsonObject config = TestService.baseConfig(dir).put("store", new JsonObject().put("kind", "postgres")
      .put("postgres", new JsonObject().put("url", TestPostgres.URL).put("schema", schema)));
    config.getJsonObject("workers").put("leaseSeconds", 3);
    return config;
  }

  @Test
  void jobsRunEndToEndAndSurviveARestart(@TempDir Path dir, Vertx vertx) {
    this.vertx = vertx;
    schema = TestPostgres.freshSchema(vertx);
    TestService service = TestService.start(vertx, config(dir));
    String alice = service.token("alice", TestService.READ_WRITE);

    String primes = service.submit(alice, "primes", new JsonObject().put("limit", 1_000_000)).getString("id");
    String sleep = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    assertThat(service.awaitState(alice, primes, Duration.ofSeconds(30), "succeeded").getJsonObject("result"))
      .isEqualTo(new JsonObject().put("count", 78_498));
    service.awaitState(alice, sleep, Duration.ofSeconds(10), "running");
    assertThat(service.delete("/api/v1/jobs/" + sleep, alice).statusCode()).isEqualTo(202);
    service.awaitState(alice, sleep, Duration.ofSeconds(10), "cancelled");

    // Stopped while running: the next node takes it back once the lease has run out.
    String queued = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");
    service.awaitState(alice, queued, Duration.ofSeconds(10), "running");
    service.stop();
    TestService again = TestService.start(vertx, config(dir));
    int attempts = TestService.poll(
      () -> again.get("/api/v1/jobs/" + queued, alice).bodyAsJsonObject().getInteger("attempts"),
      read -> read >= 2, Duration.ofSeconds(20));
    assertThat(attempts).as("taken back and run again once the 3 s lease expired").isEqualTo(2);
    assertThat(again.delete("/api/v1/jobs/" + queued, alice).statusCode()).isEqualTo(202);
    again.awaitState(alice, queued, Duration.ofSeconds(10), "cancelled");
    assertThat(again.get("/api/v1/jobs?limit=10", alice).bodyAsJsonObject().getJsonArray("items")).hasSize(3);
    again.stop();
  }

  /**
   * PostgreSQL cut off for real (the relay between the service and the database closes, then
   * listens again on the same port): while it is away, submissions and reads get 503 with
   * Retry-After at once, never a 500 or a hang, and readiness is down; once it is back, the
   * service heals by itself: new submissions are accepted and every job accepted before, or
   * after, the outage succeeds, including those whose outcome fell in the outage.
   */
  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void anOutageIsAnsweredWith503AndTheServiceHealsWhenTheDatabaseIsBack(Vertx vertx, VertxTestContext ctx,
    @TempDir Path dir) {
    this.vertx = vertx;
    schema = TestPostgres.freshSchema(vertx);
    URI pg = URI.create(TestPostgres.URL.replaceFirst("^postgres(ql)?://", "http://"));
    TcpRelay relay = TcpRelay.start(vertx, pg.getHost(), pg.getPort() > 0 ? pg.getPort() : 5432);
    JsonObject config = config(dir);
    config.getJsonObject("store").put("timeoutSeconds", 2).getJsonObject("postgres")
      .put("url", TestPostgres.URL.replace(pg.getHost() + ":" + pg.getPort(), "127.0.0.1:" + relay.port()));
    TestService service = TestService.start(vertx, config);
    String alice = service.token("alice", TestService.READ_WRITE);
    assertThat(service.get("/health/ready", null).statusCode()).isEqualTo(200);
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      // Running when the database goes: their outcomes come in during the outage.
      accepted.add(service.submit(alice, "sleep", new JsonObject().put("seconds", 1)).getString("id"));
    }
    service.awaitState(alice, accepted.get(0), Duration.ofSeconds(10), "running");
    Checkpoint refusedAtOnce = ctx.checkpoint(3);
    Checkpoint readsRefused = ctx.checkpoint();
    Checkpoint readinessDown = ctx.checkpoint();
    Checkpoint stillAlive = ctx.checkpoint();
    Checkpoint readinessBack = ctx.checkpoint();
    Checkpoint healed = ctx.checkpoint();

    Future<Void> outage = TestService.blocking(vertx, () -> {
      relay.cut();
      return null;
    });
    for (int i = 0; i < 3; i++) {
      outage = outage.compose(v -> refusedSubmission(service, alice, ctx, refusedAtOnce));
    }
    outage
      .compose(v -> service.request(HttpMethod.GET, "/api/v1/jobs/" + accepted.get(0), alice).send())
      .andThen(ctx.succeeding(read -> ctx.verify(() -> {
        ProblemAssert.assertProblem(read, 503);
        readsRefused.flag();
      })))
      .compose(read -> readiness(vertx, service, 503))
      .andThen(ctx.succeeding(ready -> ctx.verify(() -> {
        assertThat(ready).as("GET /health/ready while the database is away").isEqualTo(503);
        readinessDown.flag();
      })))
      .compose(ready -> service.request(HttpMethod.GET, "/health/live", null).send())
      .andThen(ctx.succeeding(live -> ctx.verify(() -> {
        assertThat(live.statusCode()).as("alive all the same").isEqualTo(200);
        stillAlive.flag();
      })))
      // The outage outlasts the running jobs: the workers finish them while their outcomes cannot be written.
      .compose(live -> TestService.blocking(vertx, () -> TestService.poll(
        () -> service.scrape().value("offload_jobs_succeeded_total", "type", "sleep"), finished -> finished >= 10,
        Duration.ofSeconds(10))))
      .compose(finished -> TestService.blocking(vertx, () -> {
        relay.restore();
        return null;
      }))
      .compose(restored -> readiness(vertx, service, 200))
      .andThen(ctx.succeeding(ready -> ctx.verify(() -> {
        assertThat(ready).as("GET /health/ready once the database is back").isEqualTo(200);
        readinessBack.flag();
      })))
      .compose(ready -> TestService.blocking(vertx, () -> {
        for (int i = 0; i < 5; i++) {
          accepted.add(service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id"));
        }
        for (String id : accepted) {
          service.awaitState(alice, id, Duration.ofSeconds(30), "succeeded");
        }
        service.stop();
        relay.close();
        return null;
      }))
      .onComplete(ctx.succeeding(v -> healed.flag()));
  }

  /** A submission during the outage: 503 with Retry-After, within the store timeout. */
  private static Future<Void> refusedSubmission(TestService service, String token, VertxTestContext ctx,
    Checkpoint refused) {
    long started = System.nanoTime();
    return service.request(HttpMethod.POST, "/api/v1/jobs", token)
      .sendJsonObject(new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0)))
      .andThen(ctx.succeeding(response -> ctx.verify(() -> {
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered within the store timeout")
          .isLessThan(Duration.ofSeconds(4));
        ProblemAssert.assertProblem(response, 503);
        assertThat(response.getHeader("Retry-After")).isEqualTo("2");
        assertThat(response.bodyAsJsonObject().getString("detail")).contains("job store is not available");
        refused.flag();
      })))
      .mapEmpty();
  }

  /** The status of {@code GET /health/ready} once it is {@code status}, or the last seen after 20 s. */
  private static Future<Integer> readiness(Vertx vertx, TestService service, int status) {
    return TestService.blocking(vertx, () -> TestService.poll(() -> service.get("/health/ready", null).statusCode(),
      seen -> seen == status, Duration.ofSeconds(20)));
  }

}
