package dev.offload.app;

import dev.offload.support.ServiceProcess;
import dev.offload.support.TestService;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real thing: the packaged service ({@code java -jar target/offload.jar}) is killed with
 * SIGKILL while jobs are queued and running, started again on the same data directory, and every
 * job it had accepted finishes with the right result.
 */
class KillRecoveryIT {
  private Vertx vertx;
  private ServiceProcess service;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      service.close();
    }
    await(vertx.close());
  }

  private JsonObject config(Path dir, int port) {
    return new JsonObject()
      .put("mode", "dev")
      .put("dataDir", dir.resolve("data").toString())
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
      .put("auth", new JsonObject().put("issuer", TestService.ISSUER).put("audience", TestService.AUDIENCE))
      .put("workers", new JsonObject().put("asyncConcurrency", 4).put("blockingThreads", 1).put("pollMillis", 100))
      .put("limits", new JsonObject().put("rate", new JsonObject().put("enabled", false)))
      .put("management", new JsonObject().put("port", 0));
  }

  @Test
  void everyAcceptedJobFinishesAfterKillDashNine(@TempDir Path dir) throws Exception {
    Path configFile = dir.resolve("config.json");
    String token = startFirst(configFile, config(dir, TestService.freePort()), dir.resolve("first.log"));

    Map<String, JsonObject> expected = new HashMap<>();
    List<String> sleeps = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String id = submit(token, "sleep", new JsonObject().put("seconds", 3));
      sleeps.add(id);
      expected.put(id, new JsonObject().put("sleptSeconds", 3));
    }
    for (int i = 0; i < 4; i++) {
      expected.put(submit(token, "primes", new JsonObject().put("limit", 20_000_000)),
        new JsonObject().put("count", 1_270_607));
    }
    // Wait until work is really in flight, then kill without warning.
    waitFor(() -> state(token, sleeps.get(0)).equals("running"), Duration.ofSeconds(20));
    assertThat(service.kill()).isEqualTo(137);

    service.restart(dir.resolve("second.log"));
    for (Map.Entry<String, JsonObject> entry : expected.entrySet()) {
      waitFor(() -> List.of("succeeded", "failed", "cancelled").contains(state(token, entry.getKey())),
        Duration.ofSeconds(60));
      JsonObject job = get(token, entry.getKey()).bodyAsJsonObject();
      assertThat(job.getString("state")).as("job %s", job).isEqualTo("succeeded");
      assertThat(job.getJsonObject("result")).isEqualTo(entry.getValue());
    }
    JsonObject interrupted = get(token, sleeps.get(0)).bodyAsJsonObject();
    assertThat(interrupted.getInteger("attempts")).as("the killed attempt counts").isEqualTo(2);
  }

  @Test
  void aWebhookInFlightWhenTheProcessIsKilledIsDeliveredAfterTheRestart(@TempDir Path dir) throws Exception {
    // The receiver holds the first delivery without answering, then takes the next ones.
    Promise<Void> firstArrived = Promise.promise();
    List<String> delivered = new ArrayList<>();
    HttpServer receiver = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      if (firstArrived.tryComplete()) {
        return;
      }
      synchronized (delivered) {
        delivered.add(request.getHeader("webhook-id"));
      }
      request.response().setStatusCode(204).end();
    }));
    int receiverPort = await(receiver.listen(0, "127.0.0.1")).actualPort();
    Path configFile = dir.resolve("config.json");
    String token = startFirst(configFile, config(dir, TestService.freePort()).put("webhooks", new JsonObject()
      .put("secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").put("allowHttp", true)
      .put("allowHosts", new io.vertx.core.json.JsonArray().add("127.0.0.1")).put("timeoutSeconds", 60)),
      dir.resolve("first.log"));

    HttpResponse<Buffer> submitted = await(service.client.post("/api/v1/jobs").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0))
        .put("callback", new JsonObject().put("url", "http://127.0.0.1:" + receiverPort + "/hook"))));
    String id = submitted.bodyAsJsonObject().getString("id");
    // The job's outcome is committed and its delivery is under way when the process dies.
    await(firstArrived.future());
    assertThat(state(token, id)).isEqualTo("succeeded");
    service.kill();

    service.restart(dir.resolve("second.log"));
    waitFor(() -> get(token, id).bodyAsJsonObject().getJsonObject("callback").getString("state").equals("delivered"),
      Duration.ofSeconds(30));
    synchronized (delivered) {
      assertThat(delivered).singleElement().asString().startsWith(id + "_");
    }
    assertThat(get(token, id).bodyAsJsonObject().getJsonObject("callback").getInteger("attempts")).isEqualTo(1);
  }

  @Test
  void sigtermDrainsHandsRunningWorkBackAndExitsZero(@TempDir Path dir) throws Exception {
    Path configFile = dir.resolve("config.json");
    String token = startFirst(configFile, config(dir, TestService.freePort())
      .put("shutdown", new JsonObject().put("graceSeconds", 1)), dir.resolve("first.log"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(submit(token, "sleep", new JsonObject().put("seconds", 5)));
    }
    waitFor(() -> ids.stream().allMatch(id -> state(token, id).equals("running")), Duration.ofSeconds(20));

    assertThat(service.stop(30)).as("exits 0 within the grace period").isZero();
    String log = Files.readString(dir.resolve("first.log"));
    assertThat(log).contains("SIGTERM: draining").contains("4 running attempt(s) handed back to the queue")
      .as("logback's own status dump (printed on any configuration warning)").doesNotContain("|-INFO in ch.qos.logback");

    service.restart(dir.resolve("second.log"));
    for (String id : ids) {
      waitFor(() -> state(token, id).equals("succeeded"), Duration.ofSeconds(30));
      JsonObject job = get(token, id).bodyAsJsonObject();
      assertThat(job.getInteger("attempts")).isEqualTo(2);
      assertThat(job.getInteger("maxAttempts")).as("the interrupted attempt is given back").isEqualTo(4);
    }
  }

  /** Writes {@code config}, starts the jar on it, and returns a token (alice) it accepts. */
  private String startFirst(Path configFile, JsonObject config, Path log) throws Exception {
    service = ServiceProcess.start(vertx, configFile, config, log);
    return service.token("alice", TestService.READ_WRITE);
  }

  private String submit(String token, String type, JsonObject input) {
    HttpResponse<Buffer> response = await(service.client.post("/api/v1/jobs").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("type", type).put("input", input)));
    assertThat(response.statusCode()).isEqualTo(202);
    return response.bodyAsJsonObject().getString("id");
  }

  private HttpResponse<Buffer> get(String token, String id) {
    return await(service.client.get("/api/v1/jobs/" + id).bearerTokenAuthentication(token).send());
  }

  private String state(String token, String id) {
    return get(token, id).bodyAsJsonObject().getString("state");
  }

  private void waitFor(java.util.function.BooleanSupplier condition, Duration timeout) {
    boolean met = TestService.poll(() -> {
      assertThat(service.alive()).as("the service process is alive").isTrue();
      return condition.getAsBoolean();
    }, done -> done, timeout);
    assertThat(met).as("waited %s", timeout).isTrue();
  }

}
