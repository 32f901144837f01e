package dev.offload.http;

import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code Idempotency-Key} on submissions: a retried request never makes a second job. */
@ExtendWith(VertxExtension.class)
class IdempotencyTest {
  private static final JsonObject SLEEP = new JsonObject().put("type", "sleep")
    .put("input", new JsonObject().put("seconds", 30));

  private static Future<HttpResponse<Buffer>> submit(TestService service, String token, String key, JsonObject body) {
    return service.request(HttpMethod.POST, "/api/v1/jobs", token).putHeader("Idempotency-Key", key)
      .sendJsonObject(body);
  }

  private static int jobsOf(TestService service, String token) {
    return service.get("/api/v1/jobs?limit=100", token).bodyAsJsonObject().getJsonArray("items").size();
  }

  @Test
  void theSameRequestSentTwiceMakesOneJob(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);

    HttpResponse<Buffer> first = await(submit(service, alice, "order-7", SLEEP));
    HttpResponse<Buffer> again = await(submit(service, alice, "order-7", SLEEP.copy()));

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(first.getHeader("Idempotent-Replayed")).isNull();
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    String id = first.bodyAsJsonObject().getString("id");
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(id);
    assertThat(again.getHeader("Location")).isEqualTo("/api/v1/jobs/" + id);
    assertThat(jobsOf(service, alice)).isEqualTo(1);
  }

  /** A client in another language, or one that rebuilds its body on retry, writes the same JSON value otherwise. */
  @Test
  void theSameJsonValueWrittenOtherwiseIsTheSameRequest(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);

    HttpResponse<Buffer> first = await(submitText(service, alice, "rebuilt",
      "{\"type\":\"sleep\",\"input\":{\"seconds\":30},\"priority\":7}"));
    HttpResponse<Buffer> reordered = await(submitText(service, alice, "rebuilt",
      "{\n  \"priority\" : 7,\n  \"input\" : { \"seconds\" : 30 },\n  \"type\" : \"sleep\"\n}"));
    HttpResponse<Buffer> decimal = await(submitText(service, alice, "rebuilt",
      "{\"input\":{\"seconds\":30.0},\"type\":\"sleep\",\"priority\":7E0}"));

    assertThat(first.statusCode()).isEqualTo(202);
    String id = first.bodyAsJsonObject().getString("id");
    for (HttpResponse<Buffer> again : List.of(reordered, decimal)) {
      assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
      assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
      assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(id);
    }
    assertThat(jobsOf(service, alice)).isEqualTo(1);
  }

  /** The key compares what the client sent: a default written out is another request (docs/design.md says why). */
  @Test
  void aDefaultWrittenOutIsAnotherRequest(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    await(submit(service, alice, "explicit", SLEEP));

    HttpResponse<Buffer> withDefault = await(submit(service, alice, "explicit", SLEEP.copy().put("priority", 5)));

    assertProblem(withDefault, 422);
    assertThat(jobsOf(service, alice)).isEqualTo(1);
  }

  private static Future<HttpResponse<Buffer>> submitText(TestService service, String token, String key, String body) {
    return service.request(HttpMethod.POST, "/api/v1/jobs", token).putHeader("Idempotency-Key", key)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
  }

  @Test
  void sixtyFourConcurrentDuplicatesMakeOneJob(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);

    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      sent.add(submit(service, alice, "burst", SLEEP));
    }
    List<HttpResponse<Buffer>> answers = await(Future.all(sent)).list();

    Set<String> ids = answers.stream().map(r -> r.bodyAsJsonObject().getString("id")).collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    assertThat(answers).filteredOn(r -> r.statusCode() == 202).hasSize(1);
    assertThat(answers).filteredOn(r -> r.statusCode() == 200)
      .hasSize(63).allSatisfy(r -> assertThat(r.getHeader("Idempotent-Replayed")).isEqualTo("true"));
    assertThat(jobsOf(service, alice)).isEqualTo(1);
  }

  @Test
  void theSameKeyWithAnotherBodyIs422AndChangesNothing(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    await(submit(service, alice, "k1", SLEEP));

    HttpResponse<Buffer> other = await(submit(service, alice, "k1", new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", 31))));

    assertProblem(other, 422);
    assertThat(other.bodyAsJsonObject().getString("detail")).contains("Idempotency-Key");
    assertThat(jobsOf(service, alice)).isEqualTo(1);
  }

  @Test
  void anotherOwnersKeyIsIndependent(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);

    HttpResponse<Buffer> mine = await(submit(service, alice, "shared-name", SLEEP));
    HttpResponse<Buffer> his = await(submit(service, bob, "shared-name", SLEEP));

    assertThat(his.statusCode()).isEqualTo(202);
    assertThat(his.bodyAsJsonObject().getString("id")).isNotEqualTo(mine.bodyAsJsonObject().getString("id"));
    assertThat(his.bodyAsJsonObject().getString("owner")).isEqualTo("bob");
  }

  @Test
  void aMalformedKeyIs400AndChangesNothing(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);

    for (String key : new String[] {"", "has space", "x".repeat(256), "caf\u00e9"}) {
      assertProblem(await(submit(service, alice, key, SLEEP)), 400);
    }
    assertThat(jobsOf(service, alice)).isZero();
  }

  @Test
  void aKeyIsForgottenAfterItsKeepingTime(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir, "api", new JsonObject().put("idempotencyKeySeconds", 1));
    String alice = service.token("alice", TestService.READ_WRITE);
    String first = await(submit(service, alice, "daily", SLEEP)).bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> later = TestService.poll(() -> await(submit(service, alice, "daily", SLEEP)),
      r -> r.statusCode() == 202, Duration.ofSeconds(10));

    assertThat(later.statusCode()).isEqualTo(202);
    assertThat(later.bodyAsJsonObject().getString("id")).isNotEqualTo(first);
    assertThat(jobsOf(service, alice)).isEqualTo(2);
  }

  @Test
  void aBatchIsReplayedWhole(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    JsonObject batch = new JsonObject().put("jobs", new JsonArray().add(SLEEP).add(SLEEP).add(SLEEP));

    HttpResponse<Buffer> first = await(service.request(HttpMethod.POST, "/api/v1/jobs/batch", alice)
      .putHeader("Idempotency-Key", "nightly").sendJsonObject(batch));
    HttpResponse<Buffer> again = await(service.request(HttpMethod.POST, "/api/v1/jobs/batch", alice)
      .putHeader("Idempotency-Key", "nightly").sendJsonObject(batch));
    HttpResponse<Buffer> other = await(service.request(HttpMethod.POST, "/api/v1/jobs/batch", alice)
      .putHeader("Idempotency-Key", "nightly").sendJsonObject(new JsonObject().put("jobs", new JsonArray().add(SLEEP))));

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(ids(again)).isEqualTo(ids(first)).hasSize(3);
    assertProblem(other, 422);
    assertThat(jobsOf(service, alice)).isEqualTo(3);
    // A single submission under the batch's key is a request of its own.
    assertThat(await(submit(service, alice, "nightly", SLEEP)).statusCode()).isEqualTo(202);
  }

  private static List<String> ids(HttpResponse<Buffer> batch) {
    return batch.bodyAsJsonObject().getJsonArray("items").stream()
      .map(item -> ((JsonObject) item).getString("id")).toList();
  }
}
