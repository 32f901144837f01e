package dev.offload.webhooks;

import dev.offload.support.TestService;
import dev.offload.support.WebhookReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

import static dev.offload.support.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Completion webhooks end to end: a real service, a real receiver on loopback, the published signature scheme. */
@ExtendWith(VertxExtension.class)
class WebhookDeliveryTest {
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String NEXT_SECRET = "whsec_c2VjcmV0LWZvci10aGUtbmV4dC1tb250aC0wMQ==";

  /** A service that signs with {@code secrets} and may call plain-HTTP loopback receivers when {@code allowLoopback}. */
  private static TestService start(Vertx vertx, Path dir, boolean allowLoopback, int maxAttempts, String... secrets) {
    JsonObject webhooks = new JsonObject().put("secret", new JsonArray(List.of(secrets))).put("allowHttp", true)
      .put("retryBaseMillis", 100).put("maxAttempts", maxAttempts).put("timeoutSeconds", 2);
    if (allowLoopback) {
      webhooks.put("allowHosts", new JsonArray().add("127.0.0.1"));
    }
    return TestService.start(vertx, dir, "webhooks", webhooks);
  }

  private static String submit(TestService service, String token, int seconds, String url) {
    HttpResponse<Buffer> response = service.post("/api/v1/jobs", token, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", seconds)).put("callback", new JsonObject().put("url", url)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    assertThat(response.bodyAsJsonObject().getJsonObject("callback"))
      .isEqualTo(new JsonObject().put("url", url).put("state", "pending").put("attempts", 0).putNull("lastError"));
    return response.bodyAsJsonObject().getString("id");
  }

  /** The job once its callback's delivery has ended (delivered or failed). */
  private static JsonObject delivery(TestService service, String token, String id) {
    JsonObject job = TestService.poll(() -> service.get("/api/v1/jobs/" + id, token).bodyAsJsonObject(),
      j -> !"pending".equals(j.getJsonObject("callback").getString("state")), Duration.ofSeconds(20));
    assertThat(job.getJsonObject("callback").getString("state")).as(job.encode()).isNotEqualTo("pending");
    return job;
  }

  @Test
  void aFinishedJobIsPostedSignedByThePublishedScheme(Vertx vertx, @TempDir Path dir) {
    WebhookReceiver receiver = WebhookReceiver.start(vertx, 0);
    TestService service = start(vertx, dir, true, 10, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = submit(service, alice, 0, receiver.url());
    JsonObject job = delivery(service, alice, id);

    assertThat(job.getJsonObject("callback").getString("state")).isEqualTo("delivered");
    assertThat(job.getJsonObject("callback").getInteger("attempts")).isEqualTo(1);
    WebhookReceiver.Received request = receiver.received().get(0);
    assertThat(receiver.received()).hasSize(1);
    assertThat(WebhookReceiver.verify(request, SECRET)).as("signature").isTrue();
    assertThat(WebhookReceiver.verify(request, NEXT_SECRET)).as("signature by another secret").isFalse();
    assertThat(request.headers().get("webhook-id"))
      .isEqualTo(id + "_" + Instant.parse(job.getString("finishedAt")).toEpochMilli());
    assertThat(Long.parseLong(request.headers().get("webhook-timestamp")))
      .isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 1);
    assertThat(request.headers().get("Content-Type")).isEqualTo("application/json");
    JsonObject payload = request.json();
    assertThat(payload.getString("type")).isEqualTo("job.succeeded");
    assertThat(payload.getJsonObject("data").getString("id")).isEqualTo(id);
    assertThat(payload.getJsonObject("data").getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 0));
    assertThat(service.scrape().value("offload_webhooks_attempts_total", "outcome", "delivered")).isEqualTo(1.0);
    assertThat(service.scrape().value("offload_webhooks_delivery_latency_seconds_count")).isEqualTo(1.0);
  }

  @Test
  void aReceiverThatFailsThreeTimesGetsTheJobAtTheFourthAttempt(Vertx vertx, @TempDir Path dir) {
    WebhookReceiver receiver = WebhookReceiver.start(vertx, 3);
    TestService service = start(vertx, dir, true, 10, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = submit(service, alice, 0, receiver.url());
    JsonObject job = delivery(service, alice, id);

    assertThat(job.getJsonObject("callback").getString("state")).isEqualTo("delivered");
    assertThat(job.getJsonObject("callback").getInteger("attempts")).isEqualTo(4);
    assertThat(receiver.received()).hasSize(4)
      .allSatisfy(request -> assertThat(request.headers().get("webhook-id"))
        .isEqualTo(receiver.received().get(0).headers().get("webhook-id")).startsWith(id + "_"))
      .allSatisfy(request -> assertThat(WebhookReceiver.verify(request, SECRET)).isTrue());
    assertThat(service.scrape().value("offload_webhooks_attempts_total", "outcome", "retried")).isEqualTo(3.0);
  }

  @Test
  void aJobRetriedByItsOwnerDeliversItsNextOutcomeAsANewMessage(Vertx vertx, @TempDir Path dir) {
    WebhookReceiver receiver = WebhookReceiver.start(vertx, 0);
    TestService service = start(vertx, dir, true, 10, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);
    HttpResponse<Buffer> submitted = service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 0)).put("delaySeconds", 3600)
      .put("callback", new JsonObject().put("url", receiver.url())));
    String id = submitted.bodyAsJsonObject().getString("id");
    assertThat(service.delete("/api/v1/jobs/" + id, alice).statusCode()).isEqualTo(200);
    assertThat(delivery(service, alice, id).getJsonObject("callback").getString("state")).isEqualTo("delivered");

    HttpResponse<Buffer> retried = service.post("/api/v1/jobs/" + id + "/retry", alice, null);
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(202);
    assertThat(retried.bodyAsJsonObject().getJsonObject("callback").getString("state")).isEqualTo("pending");
    service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded");
    JsonObject job = delivery(service, alice, id);

    assertThat(job.getJsonObject("callback").getString("state")).isEqualTo("delivered");
    assertThat(receiver.received()).extracting(request -> request.json().getString("type"))
      .containsExactly("job.cancelled", "job.succeeded");
    assertThat(receiver.received()).extracting(request -> request.headers().get("webhook-id"))
      .as("two outcomes, two messages").doesNotHaveDuplicates().allSatisfy(msg -> assertThat(msg).startsWith(id + "_"));
    assertThat(receiver.received()).allSatisfy(request -> assertThat(WebhookReceiver.verify(request, SECRET)).isTrue());
  }

  @Test
  void aDeliveryThatNeverSucceedsFailsAfterItsAttempts(Vertx vertx, @TempDir Path dir) {
    WebhookReceiver receiver = WebhookReceiver.start(vertx, 1000);
    TestService service = start(vertx, dir, true, 2, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    JsonObject job = delivery(service, alice, submit(service, alice, 0, receiver.url()));

    assertThat(job.getJsonObject("callback"))
      .isEqualTo(new JsonObject().put("url", receiver.url()).put("state", "failed").put("attempts", 2)
        .put("lastError", "HTTP 500"));
    assertThat(receiver.received()).hasSize(2);
  }

  @Test
  void aLoopbackTargetIsRefusedUnlessItsHostIsAllowed(Vertx vertx, @TempDir Path dir) {
    WebhookReceiver receiver = WebhookReceiver.start(vertx, 0);
    TestService service = start(vertx, dir, false, 10, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    JsonObject job = delivery(service, alice, submit(service, alice, 0, receiver.url()));

    assertThat(job.getJsonObject("callback").getString("state")).isEqualTo("failed");
    assertThat(job.getJsonObject("callback").getInteger("attempts")).isEqualTo(1);
    assertThat(job.getJsonObject("callback").getString("lastError")).startsWith("refused").contains("loopback");
    assertThat(receiver.received()).isEmpty();
  }

  @Test
  void aRotatedSecretSignsBesideTheOldOne(Vertx vertx, @TempDir Path dir) {
    WebhookReceiver receiver = WebhookReceiver.start(vertx, 0);
    TestService service = start(vertx, dir, true, 10, NEXT_SECRET, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    delivery(service, alice, submit(service, alice, 0, receiver.url()));

    WebhookReceiver.Received request = receiver.received().get(0);
    assertThat(request.headers().get("webhook-signature").split(" ")).hasSize(2);
    assertThat(WebhookReceiver.verify(request, SECRET)).isTrue();
    assertThat(WebhookReceiver.verify(request, NEXT_SECRET)).isTrue();
  }

  @Test
  void callbacksAreRefusedAtSubmissionWhenOffOrUnsafe(Vertx vertx, @TempDir Path dir) {
    TestService off = TestService.start(vertx, dir.resolve("off"));
    String alice = off.token("alice", TestService.READ_WRITE);
    JsonObject job = new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0));

    HttpResponse<Buffer> disabled = off.post("/api/v1/jobs", alice,
      job.copy().put("callback", new JsonObject().put("url", "https://hooks.example.com/x")));
    assertProblem(disabled, 400);
    assertThat(disabled.bodyAsJsonObject().getString("detail")).contains("not enabled");

    JsonObject strict = new JsonObject().put("secret", new JsonArray().add(SECRET));
    TestService on = TestService.start(vertx, TestService.baseConfig(dir.resolve("on")).put("webhooks", strict));
    String bob = on.token("bob", TestService.READ_WRITE);
    for (String url : new String[] {"http://hooks.example.com/x", "ftp://hooks.example.com/x", "/relative",
      "https://user:pass@hooks.example.com/x"}) {
      assertProblem(on.post("/api/v1/jobs", bob, job.copy().put("callback", new JsonObject().put("url", url))), 400);
    }
    assertThat(on.get("/api/v1/jobs", bob).bodyAsJsonObject().getJsonArray("items")).isEmpty();
  }
}
