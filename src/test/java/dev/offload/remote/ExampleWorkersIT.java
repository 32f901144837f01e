package dev.offload.remote;

import dev.offload.support.ServiceProcess;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The example workers users copy (examples/python/worker.py, examples/node/worker.mjs), run as
 * they are against the packaged service: each drains a thousand jobs with the right results.
 * And the service killed with SIGKILL while remote attempts are out: they finish, or come back
 * after their lease.
 */
class ExampleWorkersIT {
  private static final String TYPE = "wordcount";
  private Vertx vertx;
  private ServiceProcess service;
  private Process worker;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    if (worker != null) {
      worker.destroyForcibly();
    }
    if (service != null) {
      service.close();
    }
    await(vertx.close());
  }

  private ServiceProcess start(Path dir) throws IOException {
    JsonObject config = new JsonObject()
      .put("mode", "dev")
      .put("dataDir", dir.resolve("data").toString())
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", TestService.freePort()))
      .put("auth", new JsonObject().put("issuer", TestService.ISSUER).put("audience", TestService.AUDIENCE))
      .put("management", new JsonObject().put("port", 0))
      .put("workers", new JsonObject().put("pollMillis", 100).put("leaseSeconds", 3))
      .put("jobTypes", new JsonObject().put(TYPE, new JsonObject().put("remote", true).put("leaseSeconds", 5)
        .put("inputSchema", new JsonObject().put("type", "object").put("required", new JsonArray().add("text")))));
    return ServiceProcess.start(vertx, dir.resolve("config.json"), config, dir.resolve("service.log"));
  }

  @Test
  void thePythonWorkerDrainsAThousandJobs(@TempDir Path dir) throws Exception {
    assumeTrue(available("python3"), "python3 is not installed");
    drainsAThousandJobs(dir, List.of("python3", "examples/python/worker.py"), "python-it");
  }

  @Test
  void theNodeWorkerDrainsAThousandJobs(@TempDir Path dir) throws Exception {
    assumeTrue(available("node"), "node is not installed");
    drainsAThousandJobs(dir, List.of("node", "examples/node/worker.mjs"), "node-it");
  }

  private void drainsAThousandJobs(Path dir, List<String> command, String name) throws Exception {
    service = start(dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    Map<String, Integer> expected = submitThousand(alice);

    ProcessBuilder builder = new ProcessBuilder(command)
      .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().putAll(Map.of(
      "OFFLOAD_URL", "http://127.0.0.1:" + service.port,
      "OFFLOAD_TOKEN", service.token("worker-1", "jobs:work"),
      "OFFLOAD_TYPES", TYPE,
      "OFFLOAD_WORKER", name,
      "OFFLOAD_MAX", "100"));
    worker = builder.start();

    boolean drained = TestService.poll(() -> {
      assertThat(worker.isAlive()).as("the worker runs; see %s", dir.resolve(name + ".log")).isTrue();
      return counts(alice).getInteger("succeeded");
    }, succeeded -> succeeded == expected.size(), Duration.ofSeconds(120)) == expected.size();
    assertThat(drained).as("all %d jobs succeeded; see %s", expected.size(), dir.resolve(name + ".log")).isTrue();
    for (JsonObject job : allJobs(alice)) {
      assertThat(job.getJsonObject("result").getInteger("words")).as("job %s", job.getString("id"))
        .isEqualTo(expected.get(job.getString("id")));
      assertThat(job.getJsonArray("history").getJsonObject(0).getString("node")).isEqualTo("remote:" + name);
    }
    // A stop signal ends the worker cleanly once the jobs in hand are done.
    worker.destroy();
    assertThat(worker.waitFor(40, TimeUnit.SECONDS)).as("the worker stops on SIGTERM").isTrue();
    assertThat(worker.exitValue()).isZero();
  }

  @Test
  void remoteAttemptsOutWhenTheServiceIsKilledFinishOrComeBackAfterTheirLease(@TempDir Path dir) throws Exception {
    service = start(dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String token = service.token("worker-1", "jobs:work");
    submitThousand(alice);
    JsonArray claimed = post(token, "/api/v1/work/claim", new JsonObject().put("types", new JsonArray().add(TYPE))
      .put("max", 4)).getJsonArray("items");
    assertThat(claimed).hasSize(4);

    service.kill();
    service.restart(dir.resolve("second.log"));

    // The attempts still hold their jobs in the store: a worker that kept working reports them.
    JsonObject finished = claimed.getJsonObject(0);
    HttpResponse<Buffer> succeeded = await(service.client.post("/api/v1/work/" + finished.getString("id") + "/1/succeed")
      .bearerTokenAuthentication(token).sendJsonObject(new JsonObject().put("result", new JsonObject().put("words", 1))));
    assertThat(succeeded.statusCode()).isEqualTo(200);
    // The others, never reported, come back once their 5 s lease runs out, as attempt 2.
    List<String> abandoned = claimed.stream().skip(1).map(item -> ((JsonObject) item).getString("id")).toList();
    boolean back = TestService.poll(() -> abandoned.stream().allMatch(id -> {
      JsonObject job = get(alice, "/api/v1/jobs/" + id);
      return job.getString("state").equals("queued") && job.getJsonObject("error").getString("code").equals("lost");
    }), done -> done, Duration.ofSeconds(30));
    assertThat(back).as("the abandoned attempts went back to the queue").isTrue();
    assertThat(get(alice, "/api/v1/jobs/" + finished.getString("id")).getString("state")).isEqualTo("succeeded");
  }

  /** Submits 1,000 jobs in one batch; answers each id with its number of words. */
  private Map<String, Integer> submitThousand(String token) {
    JsonArray jobs = new JsonArray();
    for (int i = 0; i < 1000; i++) {
      jobs.add(new JsonObject().put("type", TYPE).put("input", new JsonObject().put("text", "word ".repeat(i % 7 + 1))));
    }
    HttpResponse<Buffer> response = await(service.client.post("/api/v1/jobs/batch").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("jobs", jobs)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    Map<String, Integer> words = new HashMap<>();
    JsonArray items = response.bodyAsJsonObject().getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      words.put(items.getJsonObject(i).getString("id"), i % 7 + 1);
    }
    return words;
  }

  private JsonObject counts(String token) {
    return get(token, "/api/v1/stats").getJsonObject("counts");
  }

  private List<JsonObject> allJobs(String token) {
    List<JsonObject> jobs = new java.util.ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = get(token, "/api/v1/jobs?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
      page.getJsonArray("items").forEach(job -> jobs.add((JsonObject) job));
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    return jobs;
  }

  private JsonObject get(String token, String path) {
    HttpResponse<Buffer> response = await(service.client.get(path).bearerTokenAuthentication(token).send());
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private JsonObject post(String token, String path, JsonObject body) {
    HttpResponse<Buffer> response = await(service.client.post(path).bearerTokenAuthentication(token).sendJsonObject(body));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static boolean available(String command) throws Exception {
    return new ProcessBuilder("sh", "-c", "command -v " + command).start().waitFor() == 0;
  }
}
