package dev.offload.http;

import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code Prefer: wait=N} (RFC 7240) on reading and on submitting a job, over real HTTP and SQLite. */
@ExtendWith(VertxExtension.class)
class WaitTest {

  private static TestService start(Vertx vertx, Path dir, JsonObject api) {
    return TestService.start(vertx, dir, "api", api);
  }

  private static Future<HttpResponse<Buffer>> getWaiting(TestService service, String id, String token, String prefer) {
    return service.request(HttpMethod.GET, "/api/v1/jobs/" + id, token).putHeader("Prefer", prefer).send();
  }

  private static JsonObject sleep(int seconds) {
    return new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", seconds));
  }

  @Test
  void aHeldReadAnswersWhenTheJobFinishes(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 2)).getString("id");

    long started = System.nanoTime();
    HttpResponse<Buffer> response = await(getWaiting(service, id, alice, "wait=10"));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Preference-Applied")).isEqualTo("wait=10");
    assertThat(response.bodyAsJsonObject().getString("state")).isEqualTo("succeeded");
    assertThat(response.bodyAsJsonObject().getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 2));
    // Answered when the job finished (about 2 s after its submission), not when the wait ran out.
    assertThat(took).isLessThan(Duration.ofSeconds(8));
  }

  @Test
  void aHeldReadOfAJobStillRunningAnswersWhenTheWaitIsOver(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(10), "running");

    long started = System.nanoTime();
    HttpResponse<Buffer> response = await(getWaiting(service, id, alice, "respond-async, wait=1"));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Preference-Applied")).isEqualTo("wait=1");
    assertThat(response.bodyAsJsonObject().getString("state")).isEqualTo("running");
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950));
  }

  @Test
  void aSubmitThatWaitsAnswers201WithTheFinishedJob(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);

    HttpResponse<Buffer> response = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Prefer", "wait=10").sendJsonObject(sleep(1)));

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject job = response.bodyAsJsonObject();
    assertThat(job.getString("state")).isEqualTo("succeeded");
    assertThat(response.getHeader("Location")).isEqualTo("/api/v1/jobs/" + job.getString("id"));
    assertThat(response.getHeader("Preference-Applied")).isEqualTo("wait=10");
    assertThat(response.getHeader("Retry-After")).isNull();
  }

  @Test
  void aSubmitWhoseJobOutlastsTheWaitAnswers202(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);

    HttpResponse<Buffer> response = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Prefer", "wait=1").sendJsonObject(sleep(30)));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(response.getHeader("Preference-Applied")).isEqualTo("wait=1");
    assertThat(response.getHeader("Retry-After")).isEqualTo("1");
    assertThat(response.bodyAsJsonObject().getString("state")).isIn("queued", "running");
  }

  @Test
  void aLongerWaitIsCappedNotRefused(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, new JsonObject().put("maxWaitSeconds", 1));
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");

    HttpResponse<Buffer> response = await(getWaiting(service, id, alice, "wait=3600"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Preference-Applied")).isEqualTo("wait=1");
  }

  @Test
  void aMalformedPreferenceIsIgnored(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");

    for (String prefer : new String[] {"wait=soon", "wait=-1", "wait", "handling=lenient"}) {
      HttpResponse<Buffer> response = await(getWaiting(service, id, alice, prefer));
      assertThat(response.statusCode()).as(prefer).isEqualTo(200);
      assertThat(response.getHeader("Preference-Applied")).as(prefer).isNull();
    }
  }

  @Test
  void anotherOwnersJobIs404AtOnceEvenWhenWaiting(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");

    long started = System.nanoTime();
    assertProblem(await(getWaiting(service, id, bob, "wait=20")), 404);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertProblem(await(getWaiting(service, "0b6f3c0e-0000-4000-8000-000000000000", alice, "wait=20")), 404);
  }

  @Test
  void aClientThatGoesAwayFreesItsPlace(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");
    WebClient leaving = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(service.port()));

    leaving.get("/api/v1/jobs/" + id).bearerTokenAuthentication(alice).putHeader("Prefer", "wait=50").send();
    assertThat(TestService.poll(() -> service.scrape().value("offload_http_waiters"), held -> held == 1,
      Duration.ofSeconds(10))).isEqualTo(1.0);

    leaving.close();

    assertThat(TestService.poll(() -> service.scrape().value("offload_http_waiters"), held -> held == 0,
      Duration.ofSeconds(10))).isEqualTo(0.0);
  }

  @Test
  void beyondAnOwnersShareTheAnswerComesAtOnce(@TempDir Path dir, Vertx vertx) {
    TestService service = start(vertx, dir, new JsonObject().put("maxWaitersPerOwner", 1));
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");
    String bobs = service.submit(bob, "sleep", new JsonObject().put("seconds", 60)).getString("id");

    Future<HttpResponse<Buffer>> held = getWaiting(service, id, alice, "wait=30");
    assertThat(TestService.poll(() -> service.scrape().value("offload_http_waiters"), n -> n == 1,
      Duration.ofSeconds(10))).isEqualTo(1.0);

    HttpResponse<Buffer> second = await(getWaiting(service, id, alice, "wait=30"));
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.getHeader("Preference-Applied")).isNull();
    assertThat(held.isComplete()).isFalse();

    // Another owner has a share of its own.
    HttpResponse<Buffer> bobWaited = await(getWaiting(service, bobs, bob, "wait=1"));
    assertThat(bobWaited.getHeader("Preference-Applied")).isEqualTo("wait=1");
  }

  @Test
  void aWaitLongerThanTheRequestTimeoutIsNotCutShort(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("http").put("requestTimeoutSeconds", 1);
    TestService service = TestService.start(vertx, config);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 3)).getString("id");

    HttpResponse<Buffer> response = await(getWaiting(service, id, alice, "wait=20"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("state")).isEqualTo("succeeded");
  }
}
