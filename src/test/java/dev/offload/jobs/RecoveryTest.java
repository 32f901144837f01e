package dev.offload.jobs;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every accepted job finishes across a stop: a second Vert.x (a new process, as far as the store
 * can tell) opened on the same data directory runs what was queued and re-runs what was running.
 */
class RecoveryTest {
  private static final Duration LONG = Duration.ofSeconds(30);

  private static JsonObject oneAtATime(Path dir) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("workers").put("asyncConcurrency", 1);
    return config;
  }

  @Test
  void queuedAndRunningJobsAllFinishAfterARestart(@TempDir Path dir) {
    Vertx first = Vertx.vertx();
    TestService before = TestService.start(first, oneAtATime(dir));
    String alice = before.token("alice", TestService.READ_WRITE);
    String running = before.submit(alice, "sleep", new JsonObject().put("seconds", 2)).getString("id");
    before.awaitState(alice, running, LONG, "running");
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(before.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id"));
    }
    await(first.close());

    Vertx second = Vertx.vertx();
    try {
      TestService after = TestService.start(second, oneAtATime(dir));
      JsonObject rerun = after.awaitState(alice, running, LONG, "succeeded", "failed");
      assertThat(rerun.getString("state")).isEqualTo("succeeded");
      assertThat(rerun.getInteger("attempts")).as("the interrupted attempt counts").isEqualTo(2);
      for (String id : queued) {
        JsonObject job = after.awaitState(alice, id, LONG, "succeeded", "failed");
        assertThat(job.getString("state")).isEqualTo("succeeded");
        assertThat(job.getInteger("attempts")).isEqualTo(1);
      }
    } finally {
      await(second.close());
    }
  }

  @Test
  void aRunningJobOnItsLastAttemptFailsAsLost(@TempDir Path dir) {
    Vertx first = Vertx.vertx();
    TestService before = TestService.start(first, oneAtATime(dir));
    String alice = before.token("alice", TestService.READ_WRITE);
    String id = before.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 30)).put("maxAttempts", 1)).bodyAsJsonObject().getString("id");
    before.awaitState(alice, id, LONG, "running");
    await(first.close());

    Vertx second = Vertx.vertx();
    try {
      TestService after = TestService.start(second, oneAtATime(dir));
      JsonObject job = after.get("/api/v1/jobs/" + id, alice).bodyAsJsonObject();
      assertThat(job.getString("state")).isEqualTo("failed");
      assertThat(job.getJsonObject("error").getString("code")).isEqualTo("lost");
      assertThat(job.getString("finishedAt")).isNotNull();
    } finally {
      await(second.close());
    }
  }
}
