package dev.offload.dispatch;

import dev.offload.app.MainVerticle;
import dev.offload.support.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every accepted job finishes across a stop: a second Vert.x (a new process, as far as the store
 * can tell) opened on the same data directory runs what was queued and re-runs what was running.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RecoveryTest {
  private static final Duration LONG = Duration.ofSeconds(30);

  private static JsonObject oneAtATime(Path dir) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("workers").put("asyncConcurrency", 1);
    return config;
  }

  /**
   * What a new process does on the same data directory: a node deployed on {@code vertx}, once the
   * old one's Vert.x is closed; completes with a client of the new node's API. Called on a thread of
   * the old Vert.x (or none), so the node is a deployment of its own, not a child of the caller's.
   */
  private static Future<WebClient> restart(Vertx vertx, Path dir) {
    MainVerticle main = new MainVerticle(Map.of());
    return vertx.deployVerticle(main, new DeploymentOptions().setConfig(oneAtATime(dir)))
      .map(id -> WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(main.httpPort())));
  }

  /** Job {@code id} once it has finished: a read held by {@code Prefer: wait} (or as it stands after the wait). */
  private static Future<HttpResponse<Buffer>> whenFinished(WebClient client, String token, String id) {
    return read(client, token, id).putHeader("Prefer", "wait=" + LONG.toSeconds()).send();
  }

  private static HttpRequest<Buffer> read(WebClient client, String token, String id) {
    return client.get("/api/v1/jobs/" + id).bearerTokenAuthentication(token);
  }

  @Test
  void queuedAndRunningJobsAllFinishAfterARestart(@TempDir Path dir, Vertx second, VertxTestContext ctx) {
    // Up to the stop, TestService's blocking client drives the service; the restart and what follows are a chain.
    Vertx first = Vertx.vertx();
    TestService before = TestService.start(first, oneAtATime(dir));
    String alice = before.token("alice", TestService.READ_WRITE);
    String running = before.submit(alice, "sleep", new JsonObject().put("seconds", 2)).getString("id");
    before.awaitState(alice, running, LONG, "running");
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(before.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id"));
    }

    Checkpoint finished = ctx.checkpoint(1 + queued.size());
    first.close()
      .compose(closed -> restart(second, dir))
      .onComplete(ctx.succeeding(client -> {
        whenFinished(client, alice, running).onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          JsonObject rerun = response.bodyAsJsonObject();
          assertThat(rerun.getString("state")).as(response.bodyAsString()).isEqualTo("succeeded");
          assertThat(rerun.getInteger("attempts")).as("the interrupted attempt counts").isEqualTo(2);
          finished.flag();
        })));
        for (String id : queued) {
          whenFinished(client, alice, id).onComplete(ctx.succeeding(response -> ctx.verify(() -> {
            JsonObject job = response.bodyAsJsonObject();
            assertThat(job.getString("state")).as(response.bodyAsString()).isEqualTo("succeeded");
            assertThat(job.getInteger("attempts")).isEqualTo(1);
            finished.flag();
          })));
        }
      }));
  }

  @Test
  void aRunningJobOnItsLastAttemptFailsAsLost(@TempDir Path dir, Vertx second, VertxTestContext ctx) {
    // Up to the stop, TestService's blocking client drives the service; the restart and what follows are a chain.
    Vertx first = Vertx.vertx();
    TestService before = TestService.start(first, oneAtATime(dir));
    String alice = before.token("alice", TestService.READ_WRITE);
    String id = before.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 30)).put("maxAttempts", 1)).bodyAsJsonObject().getString("id");
    before.awaitState(alice, id, LONG, "running");

    first.close()
      .compose(closed -> restart(second, dir))
      // No wait: the node takes the attempt back as it starts, before its API is up.
      .compose(client -> read(client, alice, id).send())
      .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
        JsonObject job = response.bodyAsJsonObject();
        assertThat(job.getString("state")).as(response.bodyAsString()).isEqualTo("failed");
        assertThat(job.getJsonObject("error").getString("code")).isEqualTo("lost");
        assertThat(job.getString("finishedAt")).isNotNull();
        ctx.completeNow();
      })));
  }
}
