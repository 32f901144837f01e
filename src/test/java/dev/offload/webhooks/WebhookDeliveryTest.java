package dev.offload.webhooks;

import dev.offload.support.Ordered;
import dev.offload.support.Scrape;
import dev.offload.support.TestService;
import dev.offload.support.WebhookReceiver;
import dev.offload.support.WebhookReceiver.Received;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Completion webhooks end to end: a real service, a receiver the test runs on loopback, the
 * published signature scheme. Each delivery the receiver gets flags a {@link Checkpoint}; what the
 * service recorded of it is read once its delivery has ended.
 */
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

  /** The receiver: every request it was sent, in order. */
  private record Receiver(HttpServer server, List<Received> received) {
    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/hooks/offload";
    }
  }

  /**
   * Listens on 127.0.0.1, answers 500 to the first {@code failures} requests and 200 to the
   * others, keeps each, and hands it to {@code delivered} once answered.
   */
  private static Receiver receive(Vertx vertx, int failures, Handler<Received> delivered) {
    List<Received> received = new CopyOnWriteArrayList<>();
    AtomicInteger failuresLeft = new AtomicInteger(failures);
    HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      Received delivery = new Received(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body.toString());
      received.add(delivery);
      request.response().setStatusCode(failuresLeft.getAndDecrement() > 0 ? 500 : 200).end();
      delivered.handle(delivery);
    }));
    await(server.listen(0, "127.0.0.1"));
    return new Receiver(server, received);
  }

  private static String submit(TestService service, String token, int seconds, String url) {
    HttpResponse<Buffer> response = service.post("/api/v1/jobs", token, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", seconds)).put("callback", new JsonObject().put("url", url)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    assertThat(response.bodyAsJsonObject().getJsonObject("callback"))
      .isEqualTo(new JsonObject().put("url", url).put("state", "pending").put("attempts", 0).putNull("lastError"));
    return response.bodyAsJsonObject().getString("id");
  }

  /** The job once its callback's delivery has ended (delivered or failed): blocking, so never on an event loop. */
  private static JsonObject delivery(TestService service, String token, String id) {
    JsonObject job = TestService.poll(() -> service.get("/api/v1/jobs/" + id, token).bodyAsJsonObject(),
      j -> !"pending".equals(j.getJsonObject("callback").getString("state")), Duration.ofSeconds(20));
    assertThat(job.getJsonObject("callback").getString("state")).as(job.encode()).isNotEqualTo("pending");
    return job;
  }

  /** What the service recorded once the delivery ended: the job, and its metrics. */
  private record Outcome(JsonObject job, Scrape metrics) {
    JsonObject callback() {
      return job.getJsonObject("callback");
    }
  }

  /** Waits, on a worker thread, for the job's delivery to end, and reads the job and the metrics. */
  private static Future<Outcome> outcome(Vertx vertx, TestService service, String token, String id) {
    return TestService.blocking(vertx, () -> new Outcome(delivery(service, token, id), service.scrape()));
  }

  @Test
  void aFinishedJobIsPostedSignedByThePublishedScheme(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    Checkpoint delivered = ctx.checkpoint();
    Checkpoint recorded = ctx.checkpoint();
    Receiver receiver = receive(vertx, 0, request -> ctx.verify(() -> {
      assertThat(WebhookReceiver.verify(request, SECRET)).as("signature").isTrue();
      assertThat(WebhookReceiver.verify(request, NEXT_SECRET)).as("signature by another secret").isFalse();
      assertThat(Long.parseLong(request.headers().get("webhook-timestamp")))
        .isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 1);
      assertThat(request.headers().get("Content-Type")).isEqualTo("application/json");
      assertThat(request.json().getString("type")).isEqualTo("job.succeeded");
      delivered.flag();
    }));
    TestService service = start(vertx, dir, true, 10, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = submit(service, alice, 0, receiver.url());

    outcome(vertx, service, alice, id).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
      JsonObject job = outcome.job();
      assertThat(outcome.callback().getString("state")).isEqualTo("delivered");
      assertThat(outcome.callback().getInteger("attempts")).isEqualTo(1);
      assertThat(receiver.received()).hasSize(1);
      Received request = receiver.received().get(0);
      assertThat(request.headers().get("webhook-id"))
        .isEqualTo(id + "_" + Instant.parse(job.getString("finishedAt")).toEpochMilli());
      JsonObject payload = request.json();
      assertThat(payload.getJsonObject("data").getString("id")).isEqualTo(id);
      assertThat(payload.getJsonObject("data").getJsonObject("result"))
        .isEqualTo(new JsonObject().put("sleptSeconds", 0));
      assertThat(outcome.metrics().value("offload_webhooks_attempts_total", "outcome", "delivered")).isEqualTo(1.0);
      assertThat(outcome.metrics().value("offload_webhooks_delivery_latency_seconds_count")).isEqualTo(1.0);
      recorded.flag();
    })));
  }

  @Test
  void aReceiverThatFailsThreeTimesGetsTheJobAtTheFourthAttempt(Vertx vertx, VertxTestContext ctx,
    @TempDir Path dir) {
    Checkpoint delivered = ctx.checkpoint(4);
    Checkpoint recorded = ctx.checkpoint();
    Receiver receiver = receive(vertx, 3, request -> ctx.verify(() -> {
      assertThat(WebhookReceiver.verify(request, SECRET)).as("signature").isTrue();
      delivered.flag();
    }));
    TestService service = start(vertx, dir, true, 10, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = submit(service, alice, 0, receiver.url());

    outcome(vertx, service, alice, id).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
      assertThat(outcome.callback().getString("state")).isEqualTo("delivered");
      assertThat(outcome.callback().getInteger("attempts")).isEqualTo(4);
      assertThat(receiver.received()).hasSize(4)
        .allSatisfy(request -> assertThat(request.headers().get("webhook-id"))
          .isEqualTo(receiver.received().get(0).headers().get("webhook-id")).startsWith(id + "_"))
        .allSatisfy(request -> assertThat(WebhookReceiver.verify(request, SECRET)).isTrue());
      assertThat(outcome.metrics().value("offload_webhooks_attempts_total", "outcome", "retried")).isEqualTo(3.0);
      recorded.flag();
    })));
  }

  @Test
  void aJobRetriedByItsOwnerDeliversItsNextOutcomeAsANewMessage(Vertx vertx, VertxTestContext ctx,
    @TempDir Path dir) {
    Handler<Received> deliveredInOrder = Ordered.exactly(ctx, request -> request.json().getString("type"),
      "job.cancelled", "job.succeeded");
    Checkpoint recorded = ctx.checkpoint();
    Receiver receiver = receive(vertx, 0, request -> {
      ctx.verify(() -> assertThat(WebhookReceiver.verify(request, SECRET)).as("signature").isTrue());
      deliveredInOrder.handle(request);
    });
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

    outcome(vertx, service, alice, id).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
      assertThat(outcome.callback().getString("state")).isEqualTo("delivered");
      assertThat(receiver.received()).extracting(request -> request.json().getString("type"))
        .containsExactly("job.cancelled", "job.succeeded");
      assertThat(receiver.received()).extracting(request -> request.headers().get("webhook-id"))
        .as("two outcomes, two messages").doesNotHaveDuplicates()
        .allSatisfy(msg -> assertThat(msg).startsWith(id + "_"));
      assertThat(receiver.received())
        .allSatisfy(request -> assertThat(WebhookReceiver.verify(request, SECRET)).isTrue());
      recorded.flag();
    })));
  }

  @Test
  void aDeliveryThatNeverSucceedsFailsAfterItsAttempts(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    Checkpoint attempted = ctx.checkpoint(2);
    Checkpoint recorded = ctx.checkpoint();
    Receiver receiver = receive(vertx, 1000, request -> attempted.flag());
    TestService service = start(vertx, dir, true, 2, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = submit(service, alice, 0, receiver.url());

    outcome(vertx, service, alice, id).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
      assertThat(outcome.callback())
        .isEqualTo(new JsonObject().put("url", receiver.url()).put("state", "failed").put("attempts", 2)
          .put("lastError", "HTTP 500"));
      assertThat(receiver.received()).hasSize(2);
      recorded.flag();
    })));
  }

  @Test
  void aLoopbackTargetIsRefusedUnlessItsHostIsAllowed(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    Checkpoint recorded = ctx.checkpoint();
    Receiver receiver = receive(vertx, 0,
      request -> ctx.failNow(new AssertionError("a refused target was called: " + request.body())));
    TestService service = start(vertx, dir, false, 10, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = submit(service, alice, 0, receiver.url());

    outcome(vertx, service, alice, id).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
      assertThat(outcome.callback().getString("state")).isEqualTo("failed");
      assertThat(outcome.callback().getInteger("attempts")).isEqualTo(1);
      assertThat(outcome.callback().getString("lastError")).startsWith("refused").contains("loopback");
      assertThat(receiver.received()).isEmpty();
      recorded.flag();
    })));
  }

  @Test
  void aRotatedSecretSignsBesideTheOldOne(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    Checkpoint delivered = ctx.checkpoint();
    Checkpoint recorded = ctx.checkpoint();
    Receiver receiver = receive(vertx, 0, request -> ctx.verify(() -> {
      assertThat(request.headers().get("webhook-signature").split(" ")).hasSize(2);
      assertThat(WebhookReceiver.verify(request, SECRET)).isTrue();
      assertThat(WebhookReceiver.verify(request, NEXT_SECRET)).isTrue();
      delivered.flag();
    }));
    TestService service = start(vertx, dir, true, 10, NEXT_SECRET, SECRET);
    String alice = service.token("alice", TestService.READ_WRITE);

    String id = submit(service, alice, 0, receiver.url());

    outcome(vertx, service, alice, id).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
      assertThat(outcome.callback().getString("state")).isEqualTo("delivered");
      recorded.flag();
    })));
  }

  @Test
  void callbacksAreRefusedAtSubmissionWhenOffOrUnsafe(@TempDir Path dir, Vertx vertx) {
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
