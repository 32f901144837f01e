package dev.offload.webhooks;

import dev.offload.app.MainVerticle;
import dev.offload.config.ConfigException;
import dev.offload.support.TestService;
import dev.offload.support.WebhookReceiver;
import dev.offload.support.WebhookReceiver.Received;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Endpoint job types end to end, as a user sees them through the API: a real service whose
 * {@code jobTypes} section points at an endpoint the test runs on loopback, which checks each call's
 * signature with the receiver's own verifier (written from the Standard Webhooks specification, not
 * from Offload's signer) and answers as each test needs.
 */
@ExtendWith(VertxExtension.class)
class EndpointHandlerTest {
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String TYPE = "resize";
  private static final Set<String> FINISHED = Set.of("succeeded", "failed", "cancelled");

  /** How the endpoint answers its {@code call}th request (from 1). */
  @FunctionalInterface
  private interface Answers {
    void answer(int call, Received request, HttpServerResponse response);
  }

  /** The endpoint: every request it got, and a future that completes when a connection to it closes. */
  private record Endpoint(HttpServer server, List<Received> received, Promise<Void> connectionClosed) {
    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/jobs/resize";
    }
  }

  /** An endpoint on 127.0.0.1 that refuses (401) a request whose signature does not verify, and else {@code answers}. */
  private static Endpoint endpoint(Vertx vertx, Answers answers) {
    List<Received> received = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    Promise<Void> closed = Promise.promise();
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      request.connection().closeHandler(v -> closed.tryComplete());
      request.body().onSuccess(body -> {
        Received call = new Received(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body.toString());
        received.add(call);
        if (!WebhookReceiver.verify(call, SECRET)) {
          request.response().setStatusCode(401).end("bad signature");
          return;
        }
        answers.answer(calls.incrementAndGet(), call, request.response());
      });
    });
    await(server.listen(0, "127.0.0.1"));
    return new Endpoint(server, received, closed);
  }

  private static void json(HttpServerResponse response, int status, JsonObject body) {
    response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** The test config with webhooks signed by {@link #SECRET} and the endpoint type {@value #TYPE} calling {@code url}. */
  private static JsonObject config(Path dir, String url, JsonObject webhooks, JsonObject typeSettings) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("workers").put("retryBaseMillis", 50);
    config.put("webhooks", webhooks);
    config.put("jobTypes", new JsonObject().put(TYPE, typeSettings.copy().put("endpoint", url)));
    return config;
  }

  private static JsonObject loopbackAllowed() {
    return new JsonObject().put("secret", new JsonArray().add(SECRET)).put("allowHttp", true)
      .put("allowHosts", new JsonArray().add("127.0.0.1"));
  }

  private static TestService start(Vertx vertx, Path dir, Endpoint endpoint, JsonObject typeSettings) {
    return TestService.start(vertx, config(dir, endpoint.url(), loopbackAllowed(), typeSettings));
  }

  /** The job once it has finished: reads held by {@code Prefer: wait}, again until it has. */
  private static JsonObject finished(TestService service, String token, String id) {
    HttpResponse<Buffer> last = TestService.poll(
      () -> await(service.request(HttpMethod.GET, "/api/v1/jobs/" + id, token).putHeader("Prefer", "wait=10").send()),
      response -> response.statusCode() == 200 && FINISHED.contains(response.bodyAsJsonObject().getString("state")),
      Duration.ofSeconds(30));
    assertThat(last.statusCode()).as(last.bodyAsString()).isEqualTo(200);
    assertThat(last.bodyAsJsonObject().getString("state")).as(last.bodyAsString()).isIn(FINISHED);
    return last.bodyAsJsonObject();
  }

  @Test
  void theEndpointGetsASignedCallAndItsAnswerIsTheResult(@TempDir Path dir, Vertx vertx) {
    Endpoint endpoint = endpoint(vertx, (call, request, response) -> json(response, 200,
      new JsonObject().put("width", request.json().getJsonObject("input").getInteger("width") / 2)));
    TestService service = start(vertx, dir, endpoint, new JsonObject());
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = service.submit(alice, TYPE, new JsonObject().put("width", 640)).getString("id");
    JsonObject job = finished(service, alice, id);

    assertThat(job.getString("state")).as(job.encode()).isEqualTo("succeeded");
    assertThat(job.getJsonObject("result")).isEqualTo(new JsonObject().put("width", 320));
    assertThat(job.getInteger("attempts")).isEqualTo(1);
    assertThat(endpoint.received()).hasSize(1);
    Received call = endpoint.received().get(0);
    assertThat(WebhookReceiver.verify(call, SECRET)).as("signature").isTrue();
    assertThat(call.headers().get("webhook-id")).isEqualTo(id + "_1");
    assertThat(Long.parseLong(call.headers().get("webhook-timestamp")))
      .isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 1);
    assertThat(call.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(call.json()).isEqualTo(new JsonObject().put("id", id).put("type", TYPE).put("attempt", 1)
      .put("input", new JsonObject().put("width", 640)).put("owner", "alice"));
    // The type is listed as the endpoint's, without its URL.
    JsonObject listed = service.get("/api/v1/job-types", alice).bodyAsJsonObject().getJsonArray("items").stream()
      .map(JsonObject.class::cast).filter(type -> TYPE.equals(type.getString("type"))).findFirst().orElseThrow();
    assertThat(listed.getString("runner")).isEqualTo("endpoint");
    assertThat(listed.getString("description")).isEqualTo("Runs at 127.0.0.1");
    assertThat(listed.encode()).doesNotContain(endpoint.url());
  }

  @Test
  void anEmptyAnswerIsAnEmptyResultAndAnAnswerThatIsNoObjectFailsTheJob(@TempDir Path dir, Vertx vertx) {
    Endpoint endpoint = endpoint(vertx, (call, request, response) -> {
      if (request.json().getJsonObject("input").getBoolean("empty")) {
        response.setStatusCode(204).end();
      } else {
        response.setStatusCode(200).putHeader("Content-Type", "application/json").end("[1, 2]");
      }
    });
    TestService service = start(vertx, dir, endpoint, new JsonObject());
    String alice = service.token("alice", TestService.READ_WRITE);

    String empty = service.submit(alice, TYPE, new JsonObject().put("empty", true)).getString("id");
    String array = service.submit(alice, TYPE, new JsonObject().put("empty", false)).getString("id");

    JsonObject succeeded = finished(service, alice, empty);
    assertThat(succeeded.getString("state")).as(succeeded.encode()).isEqualTo("succeeded");
    assertThat(succeeded.getJsonObject("result")).isEqualTo(new JsonObject());
    JsonObject failed = finished(service, alice, array);
    assertThat(failed.getString("state")).as(failed.encode()).isEqualTo("failed");
    assertThat(failed.getInteger("attempts")).as("no retry").isEqualTo(1);
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("bad_result");
  }

  @Test
  void a503ThenA200SucceedsAtTheSecondAttempt(@TempDir Path dir, Vertx vertx) {
    Endpoint endpoint = endpoint(vertx, (call, request, response) -> {
      if (call == 1) {
        response.setStatusCode(503).end("busy");
      } else {
        json(response, 200, new JsonObject().put("done", true));
      }
    });
    TestService service = start(vertx, dir, endpoint, new JsonObject().put("maxAttempts", 3));
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = service.submit(alice, TYPE, new JsonObject()).getString("id");
    JsonObject job = finished(service, alice, id);

    assertThat(job.getString("state")).as(job.encode()).isEqualTo("succeeded");
    assertThat(job.getInteger("attempts")).isEqualTo(2);
    assertThat(job.getJsonObject("result")).isEqualTo(new JsonObject().put("done", true));
    JsonObject firstError = job.getJsonArray("history").getJsonObject(0).getJsonObject("error");
    assertThat(firstError.getString("message")).contains("HTTP 503");
    assertThat(endpoint.received()).extracting(call -> call.headers().get("webhook-id"))
      .containsExactly(id + "_1", id + "_2");
  }

  @Test
  void a422FailsTheJobAtOnceWithTheProblemsDetail(@TempDir Path dir, Vertx vertx) {
    Endpoint endpoint = endpoint(vertx, (call, request, response) -> response.setStatusCode(422)
      .putHeader("Content-Type", "application/problem+json")
      .end(new JsonObject().put("type", "about:blank").put("title", "Unprocessable Content").put("status", 422)
        .put("detail", "width must be even").encode()));
    TestService service = start(vertx, dir, endpoint, new JsonObject().put("maxAttempts", 3));
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = service.submit(alice, TYPE, new JsonObject().put("width", 641)).getString("id");
    JsonObject job = finished(service, alice, id);

    assertThat(job.getString("state")).as(job.encode()).isEqualTo("failed");
    assertThat(job.getInteger("attempts")).as("no retry").isEqualTo(1);
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("endpoint_refused");
    assertThat(job.getJsonObject("error").getString("message")).contains("width must be even").contains("422");
    assertThat(endpoint.received()).hasSize(1);
  }

  @Test
  void aSlowEndpointTimesOutAndItsRequestIsReset(@TempDir Path dir, Vertx vertx) throws Exception {
    // Never answers: only the attempt's timeout ends the call.
    Endpoint endpoint = endpoint(vertx, (call, request, response) -> { });
    TestService service = start(vertx, dir, endpoint, new JsonObject().put("timeoutSeconds", 1).put("maxAttempts", 1));
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = service.submit(alice, TYPE, new JsonObject()).getString("id");
    JsonObject job = finished(service, alice, id);

    assertThat(job.getString("state")).as(job.encode()).isEqualTo("failed");
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("timeout");
    assertThat(job.getJsonObject("error").getString("message")).contains("timed out after 1 s");
    assertThat(endpoint.received()).hasSize(1);
    // The call was given up with the attempt: its connection is closed, not left hanging.
    assertThat(endpoint.connectionClosed().future().await(10, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void anAnswerLargerThanTheLimitFailsTheAttempt(@TempDir Path dir, Vertx vertx) {
    String big = "{\"pad\":\"" + "x".repeat(EndpointHandler.MAX_ANSWER_BYTES) + "\"}";
    Endpoint endpoint = endpoint(vertx, (call, request, response) -> response.setStatusCode(200)
      .putHeader("Content-Type", "application/json").end(big));
    TestService service = start(vertx, dir, endpoint, new JsonObject().put("maxAttempts", 1));
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = service.submit(alice, TYPE, new JsonObject()).getString("id");
    JsonObject job = finished(service, alice, id);

    assertThat(job.getString("state")).as(job.encode()).isEqualTo("failed");
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("handler_error");
    assertThat(job.getJsonObject("error").getString("message"))
      .contains("larger than " + EndpointHandler.MAX_ANSWER_BYTES + " bytes");
  }

  @Test
  void aRefusedConnectionFailsTheAttemptAndIsRetried(@TempDir Path dir, Vertx vertx) {
    HttpServer gone = await(vertx.createHttpServer().requestHandler(request -> { }).listen(0, "127.0.0.1"));
    String url = "http://127.0.0.1:" + gone.actualPort() + "/jobs/resize";
    await(gone.close());
    TestService service = TestService.start(vertx, config(dir, url, loopbackAllowed(),
      new JsonObject().put("maxAttempts", 2)));
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = service.submit(alice, TYPE, new JsonObject()).getString("id");
    JsonObject job = finished(service, alice, id);

    assertThat(job.getString("state")).as(job.encode()).isEqualTo("failed");
    assertThat(job.getInteger("attempts")).as("retried").isEqualTo(2);
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("handler_error");
    assertThat(job.getJsonObject("error").getString("message")).contains("connection refused");
  }

  @Test
  void aLoopbackEndpointIsNotAllowedUnlessItsHostIsListed(@TempDir Path dir, Vertx vertx) {
    Endpoint endpoint = endpoint(vertx, (call, request, response) -> json(response, 200, new JsonObject()));
    JsonObject webhooks = new JsonObject().put("secret", new JsonArray().add(SECRET)).put("allowHttp", true);
    TestService service = TestService.start(vertx, config(dir, endpoint.url(), webhooks,
      new JsonObject().put("maxAttempts", 3)));
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = service.submit(alice, TYPE, new JsonObject()).getString("id");
    JsonObject job = finished(service, alice, id);

    assertThat(job.getString("state")).as(job.encode()).isEqualTo("failed");
    assertThat(job.getInteger("attempts")).as("no retry").isEqualTo(1);
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("endpoint_not_allowed");
    assertThat(job.getJsonObject("error").getString("message")).contains("127.0.0.1 is a loopback address");
    assertThat(endpoint.received()).isEmpty();
  }

  @Test
  void theServiceRefusesToStartAnEndpointTypeWithoutAWebhookSecret(@TempDir Path dir, Vertx vertx) {
    JsonObject config = config(dir, "https://jobs.example.com/resize", new JsonObject(), new JsonObject());

    Throwable failure = TestService.awaitFailure(vertx.deployVerticle(new MainVerticle(Map.of()),
      new DeploymentOptions().setConfig(config)));

    assertThat(failure).isInstanceOf(ConfigException.class)
      .hasMessageContaining("jobTypes." + TYPE + ".endpoint").hasMessageContaining("webhooks.secret");
    assertThat(vertx.deploymentIDs()).isEmpty();
  }

  @Test
  void theServiceRefusesToStartAPlainHttpEndpointUnlessHttpIsAllowed(@TempDir Path dir, Vertx vertx) {
    JsonObject webhooks = new JsonObject().put("secret", new JsonArray().add(SECRET));
    JsonObject config = config(dir, "http://jobs.example.com/resize", webhooks, new JsonObject());

    Throwable failure = TestService.awaitFailure(vertx.deployVerticle(new MainVerticle(Map.of()),
      new DeploymentOptions().setConfig(config)));

    assertThat(failure).isInstanceOf(ConfigException.class)
      .hasMessageContaining("jobTypes." + TYPE + ".endpoint").hasMessageContaining("https")
      .hasMessageContaining("webhooks.allowHttp");
    assertThat(vertx.deploymentIDs()).isEmpty();
  }
}
