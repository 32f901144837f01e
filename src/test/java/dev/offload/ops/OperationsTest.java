package dev.offload.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.offload.app.MainVerticle;
import dev.offload.dispatch.Dispatcher;
import dev.offload.support.Scrape;
import dev.offload.support.TestService;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** What an operator sees and does: metrics, readiness, graceful drain, retention, request ids in the logs. */
@ExtendWith(VertxExtension.class)
class OperationsTest {

  /** The readiness check on the management port, with each check's outcome. */
  private static Future<HttpResponse<Buffer>> detailedReadiness(WebClient client, TestService service) {
    return client.get(service.main().managementPort(), "127.0.0.1", "/health/ready").send();
  }

  /** {@link TestService#stop}, without blocking: its client closed, its verticles undeployed. */
  private static Future<Void> stop(TestService service) {
    service.client.close();
    return service.vertx.undeploy(service.main().deploymentID());
  }

  /**
   * Another instance of the service on {@code config}: the next process on the same data directory.
   * Deployed from {@code outside}, a context of no deployment: deployed from wherever the chain runs
   * (a context of the instance just undeployed), it would be refused as that instance's child.
   */
  private static Future<MainVerticle> startNext(Context outside, JsonObject config) {
    MainVerticle next = new MainVerticle(Map.of());
    Promise<String> deployed = Promise.promise();
    outside.runOnContext(v -> outside.owner().deployVerticle(next, new DeploymentOptions().setConfig(config))
      .onComplete(deployed));
    return deployed.future().map(id -> next);
  }

  private static Scrape scrape(TestService service) {
    return service.scrape();
  }

  @Test
  void metricsFollowJobsAsTheyRunBesideVertxAndJvmMetrics(@TempDir Path dir) {
    // Vert.x with metrics, as the launcher starts it.
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true).setRegistryName("offload").setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
      .withMetrics(new MicrometerMetricsFactory()).build();
    try {
      JsonObject config = TestService.baseConfig(dir);
      config.getJsonObject("limits").put("activeJobsPerOwner", 2);
      TestService service = TestService.start(vertx, config);
      String alice = service.token("alice", TestService.READ_WRITE);
      String bob = service.token("bob", TestService.READ_WRITE);

      for (int i = 0; i < 2; i++) {
        String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
        service.awaitState(alice, id, Duration.ofSeconds(10), "succeeded");
      }
      String flaky = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "flaky")
        .put("input", new JsonObject().put("failures", 5)).put("maxAttempts", 1)).bodyAsJsonObject().getString("id");
      service.awaitState(alice, flaky, Duration.ofSeconds(10), "failed");
      String running = service.submit(bob, "sleep", new JsonObject().put("seconds", 3600)).getString("id");
      service.awaitState(bob, running, Duration.ofSeconds(10), "running");
      service.submit(bob, "sleep", new JsonObject().put("seconds", 3600));
      assertProblem(service.post("/api/v1/jobs", bob, new JsonObject().put("type", "sleep")
        .put("input", new JsonObject().put("seconds", 1))), 429);

      Scrape before = scrape(service);
      assertThat(before.value("offload_jobs_submitted_total", "type", "sleep")).isEqualTo(4);
      assertThat(before.value("offload_jobs_submitted_total", "type", "flaky")).isEqualTo(1);
      assertThat(before.value("offload_jobs_succeeded_total", "type", "sleep")).isEqualTo(2);
      assertThat(before.value("offload_jobs_failed_total", "code", "handler_error", "type", "flaky")).isEqualTo(1);
      assertThat(before.value("offload_admission_refused_total", "reason", "quota")).isEqualTo(1);
      assertThat(before.value("offload_jobs_in_flight", "type", "sleep")).as("bob's two jobs").isEqualTo(2);
      assertThat(before.value("offload_jobs_started_total", "type", "sleep")).isEqualTo(4);
      assertThat(before.value("offload_jobs_queue_time_seconds_count", "type", "sleep")).isEqualTo(4);
      assertThat(before.value("offload_jobs_run_time_seconds_count", "outcome", "succeeded", "type", "sleep"))
        .isEqualTo(2);
      assertThat(before.has("offload_event_loop_lag_seconds{thread=\"vert.x-eventloop-thread-")).isTrue();
      assertThat(before.value("offload_http_server_requests_seconds_count", "code", "202", "method", "POST", "route",
        "/api/v1/jobs")).as("the API's requests, by route template").isEqualTo(5);
      assertThat(before.value("offload_http_server_requests_seconds_count", "code", "429", "method", "POST", "route",
        "/api/v1/jobs")).isEqualTo(1);
      assertThat(before.has("offload_http_server_connections")).isTrue();
      assertThat(before.has("jvm_memory_used_bytes")).isTrue();

      // A running job is counted cancelled when its attempt has stopped.
      assertThat(service.delete("/api/v1/jobs/" + running, bob).statusCode()).isEqualTo(202);
      service.awaitState(bob, running, Duration.ofSeconds(10), "cancelled");
      Scrape after = TestService.poll(() -> scrape(service),
        scrape -> scrape.value("offload_jobs_cancelled_total", "type", "sleep") == 1, Duration.ofSeconds(10));
      assertThat(after.value("offload_jobs_cancelled_total", "type", "sleep")).isEqualTo(1);
      assertThat(after.value("offload_jobs_in_flight", "type", "sleep")).isEqualTo(1);
      assertThat(after.value("offload_jobs_queued", "type", "sleep")).isZero();
      assertThat(after.has("offload_jobs_queued{type=\"primes\"}")).isTrue();
      service.stop();
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void drainingTurnsReadinessDownRefusesSubmissionsAndKeepsServingReads(Vertx vertx, VertxTestContext ctx,
                                                                        @TempDir Path dir) {
    JsonObject config = TestService.baseConfig(dir);
    config.put("shutdown", new JsonObject().put("graceSeconds", 30));
    TestService service = TestService.start(vertx, config);
    String alice = service.token("alice", TestService.READ_WRITE);
    // TestService's blocking client submits the job and sees it running; the drain and the checks are a chain.
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 1)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(10), "running");

    WebClient management = WebClient.create(vertx);
    Promise<Integer> drained = Promise.promise();
    detailedReadiness(management, service)
      .compose(ready -> {
        ctx.verify(() -> {
          assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
          assertThat(ready.bodyAsJsonObject().getJsonArray("checks"))
            .extracting(check -> ((JsonObject) check).getString("id"))
            .containsExactlyInAnyOrder("store", "deployed", "accepting");
        });
        // drain() turns readiness down before it returns: the very next check answers DOWN.
        service.main().drain().onComplete(drained);
        return service.request(HttpMethod.GET, "/health/ready", null).send();
      })
      .compose(publicReady -> {
        ctx.verify(() -> {
          assertThat(publicReady.statusCode()).isEqualTo(503);
          assertThat(publicReady.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "DOWN"));
        });
        return detailedReadiness(management, service);
      })
      .compose(notReady -> {
        ctx.verify(() -> assertThat(notReady.bodyAsJsonObject().getJsonArray("checks"))
          .contains(new JsonObject().put("id", "accepting").put("status", "DOWN")));
        return service.request(HttpMethod.POST, "/api/v1/jobs", alice).sendJsonObject(new JsonObject()
          .put("type", "sleep").put("input", new JsonObject().put("seconds", 0)));
      })
      .compose(refused -> {
        ctx.verify(() -> {
          assertProblem(refused, 503);
          assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
        });
        return service.request(HttpMethod.GET, "/api/v1/jobs/" + id, alice).send();
      })
      .compose(read -> {
        ctx.verify(() -> assertThat(read.statusCode()).isEqualTo(200));
        return drained.future();
      })
      .compose(requeued -> {
        // The running job finishes within the grace period: nothing goes back to the queue.
        ctx.verify(() -> assertThat(requeued).isZero());
        return service.request(HttpMethod.GET, "/api/v1/jobs/" + id, alice).send();
      })
      .compose(read -> {
        ctx.verify(() -> assertThat(read.bodyAsJsonObject().getString("state")).isEqualTo("succeeded"));
        return stop(service);
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void jobsStillRunningAfterTheGracePeriodGoBackToTheQueueAndTheNextInstanceRunsThem(Vertx vertx,
                                                                                      VertxTestContext ctx,
                                                                                      @TempDir Path dir) {
    JsonObject config = TestService.baseConfig(dir);
    config.put("shutdown", new JsonObject().put("graceSeconds", 0));
    TestService service = TestService.start(vertx, config);
    String alice = service.token("alice", TestService.READ_WRITE);
    // TestService's blocking client submits the job and sees it running; the drain and the restart are a chain.
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 2)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(10), "running");

    WebClient client = WebClient.create(vertx);
    Context outside = vertx.getOrCreateContext(); // created on the test's thread: belongs to no deployment
    service.main().drain()
      .compose(requeued -> {
        ctx.verify(() -> assertThat(requeued).isEqualTo(1));
        return service.request(HttpMethod.GET, "/api/v1/jobs/" + id, alice).send();
      })
      .compose(read -> {
        ctx.verify(() -> {
          JsonObject requeued = read.bodyAsJsonObject();
          assertThat(requeued.getString("state")).isEqualTo("queued");
          assertThat(requeued.getJsonObject("error").getString("code")).isEqualTo("interrupted");
          assertThat(requeued.getInteger("maxAttempts")).as("the interrupted attempt is not used up").isEqualTo(4);
        });
        return stop(service);
      })
      .compose(stopped -> startNext(outside, config))
      // A read held by Prefer: wait answers once the next instance has run the job (or after 15 s, as it stands).
      .compose(next -> client.get(next.httpPort(), "127.0.0.1", "/api/v1/jobs/" + id).bearerTokenAuthentication(alice)
        .putHeader("Prefer", "wait=15").send()
        .compose(read -> vertx.undeploy(next.deploymentID()).map(read)))
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        JsonObject done = read.bodyAsJsonObject();
        assertThat(done.getString("state")).as(read.bodyAsString()).isEqualTo("succeeded");
        assertThat(done.getInteger("attempts")).isEqualTo(2);
        assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 2));
        ctx.completeNow();
      })));
  }

  @Test
  void retentionDeletesFinishedJobsAfterTheLimitAndNothingElse(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir);
    config.put("retention", new JsonObject().put("keepFinishedSeconds", 1).put("intervalSeconds", 1));
    TestService service = TestService.start(vertx, config);
    String alice = service.token("alice", TestService.READ_WRITE);
    String finished = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    service.awaitState(alice, finished, Duration.ofSeconds(10), "succeeded");
    String running = service.submit(alice, "sleep", new JsonObject().put("seconds", 3600)).getString("id");

    assertProblem(TestService.poll(() -> service.get("/api/v1/jobs/" + finished, alice),
      response -> response.statusCode() != 200, Duration.ofSeconds(15)), 404);
    assertThat(service.get("/api/v1/jobs/" + running, alice).statusCode()).isEqualTo(200);
    assertThat(scrape(service).value("offload_jobs_purged_total")).isEqualTo(1);
    service.stop();
  }

  @Test
  void aJobsLogLinesCarryItsIdTypeAndTheRequestThatSubmittedIt(@TempDir Path dir, Vertx vertx) {
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Logger dispatcher = (Logger) LoggerFactory.getLogger(Dispatcher.class);
    dispatcher.addAppender(lines);
    dispatcher.setLevel(Level.INFO);
    try {
      TestService service = TestService.start(vertx, dir);
      String alice = service.token("alice", TestService.READ_WRITE);
      HttpResponse<Buffer> submitted = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
        .putHeader("X-Request-Id", "req-42").sendJsonObject(new JsonObject().put("type", "flaky")
          .put("input", new JsonObject().put("failures", 1))));
      String id = submitted.bodyAsJsonObject().getString("id");
      service.awaitState(alice, id, Duration.ofSeconds(10), "succeeded");

      ILoggingEvent failure = lines.list.stream().filter(e -> e.getMessage().equals("attempt failed")).findFirst()
        .orElseThrow();
      Map<String, Object> fields = new java.util.HashMap<>();
      failure.getKeyValuePairs().forEach(pair -> fields.put(pair.key, pair.value));
      assertThat(fields).containsEntry("jobId", java.util.UUID.fromString(id)).containsEntry("type", "flaky")
        .containsEntry("requestId", "req-42").containsEntry("attempt", 1).containsEntry("code", "handler_error");
      service.stop();
    } finally {
      dispatcher.detachAppender(lines);
      dispatcher.setLevel(null);
    }
  }

  @Test
  void theAccessLogHasOneLinePerRequestWithItsIdAndNeverTheToken(@TempDir Path dir, Vertx vertx) {
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Logger access = (Logger) LoggerFactory.getLogger("offload.access");
    access.addAppender(lines);
    access.setLevel(Level.INFO);
    try {
      TestService service = TestService.start(vertx, dir);
      String alice = service.token("alice", TestService.READ_WRITE);
      HttpResponse<Buffer> response = await(service.request(HttpMethod.GET,
        "/api/v1/jobs/0b0e0b0e-0000-4000-8000-000000000000?secret=x", alice).putHeader("X-Request-Id", "req-7").send());
      assertThat(response.getHeader("X-Request-Id")).isEqualTo("req-7");
      service.get("/health/live", null);
      // A last API request: once its line is in, the health probe's would be too (one queue, in order).
      service.get("/api/v1/jobs", alice);
      TestService.poll(lines.list::size, size -> size >= 2, Duration.ofSeconds(5));
      assertThat(lines.list).as("health probes are not logged").hasSize(2);
      assertThat(lines.list.get(1).getKeyValuePairs()).anySatisfy(pair ->
        assertThat(pair.key + "=" + pair.value).isEqualTo("path=/api/v1/jobs"));
      Map<String, Object> fields = new java.util.HashMap<>();
      lines.list.get(0).getKeyValuePairs().forEach(pair -> fields.put(pair.key, pair.value));
      assertThat(fields).containsEntry("method", "GET").containsEntry("path", "/api/v1/jobs/:id")
        .containsEntry("status", 404).containsEntry("subject", "alice").containsEntry("requestId", "req-7")
        .containsKey("millis");
      assertThat(fields.toString()).doesNotContain(alice, "secret", "0b0e0b0e");
      service.stop();
    } finally {
      access.detachAppender(lines);
      access.setLevel(null);
    }
  }
}
