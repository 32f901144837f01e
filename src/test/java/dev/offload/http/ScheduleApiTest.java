package dev.offload.http;

import dev.offload.auth.Scopes;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The schedule routes: create, read, list, pause, resume, delete; per owner; every refusal naming its field. */
@ExtendWith(VertxExtension.class)
class ScheduleApiTest {
  private static final String SCHEDULES = "/api/v1/schedules";
  private TestService service;
  private String alice;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    service = TestService.start(vertx, dir, "limits", new JsonObject().put("schedulesPerOwner", 3)
      .put("rate", new JsonObject().put("enabled", false)));
    alice = service.token("alice", TestService.READ_WRITE);
  }

  private static JsonObject nightly() {
    return new JsonObject().put("name", "nightly-report").put("cron", "0 3 * * *").put("timezone", "Europe/Paris")
      .put("job", new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 1))
        .put("priority", 7));
  }

  private HttpResponse<Buffer> patch(String name, String token, JsonObject body) {
    return await(service.request(HttpMethod.PATCH, SCHEDULES + "/" + name, token).sendJsonObject(body));
  }

  @Test
  void aScheduleIsCreatedReadListedPausedResumedAndDeleted() {
    HttpResponse<Buffer> created = service.post(SCHEDULES, alice, nightly());
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.getHeader("Location")).isEqualTo(SCHEDULES + "/nightly-report");
    JsonObject schedule = created.bodyAsJsonObject();
    assertThat(schedule.getString("owner")).isEqualTo("alice");
    assertThat(schedule.getString("cron")).isEqualTo("0 3 * * *");
    assertThat(schedule.getJsonObject("job")).isEqualTo(nightly().getJsonObject("job"));
    assertThat(schedule.getBoolean("paused")).isFalse();
    Instant next = Instant.parse(schedule.getString("nextRunAt"));
    assertThat(next).isAfter(Instant.now()).isBefore(Instant.now().plus(25, ChronoUnit.HOURS));
    assertThat(next.atZone(java.time.ZoneId.of("Europe/Paris")).getHour()).as("03:00 in Paris").isEqualTo(3);
    assertThat(schedule.getValue("lastRunAt")).isNull();

    assertThat(service.get(SCHEDULES + "/nightly-report", alice).bodyAsJsonObject()).isEqualTo(schedule);
    assertThat(service.get(SCHEDULES, alice).bodyAsJsonObject().getJsonArray("items"))
      .isEqualTo(new JsonArray().add(schedule));

    HttpResponse<Buffer> paused = patch("nightly-report", alice, new JsonObject().put("paused", true));
    assertThat(paused.statusCode()).as(paused.bodyAsString()).isEqualTo(200);
    assertThat(paused.bodyAsJsonObject().getBoolean("paused")).isTrue();
    assertThat(paused.bodyAsJsonObject().getValue("nextRunAt")).isNull();
    JsonObject resumed = patch("nightly-report", alice, new JsonObject().put("paused", false)).bodyAsJsonObject();
    assertThat(resumed.getBoolean("paused")).isFalse();
    assertThat(resumed.getString("nextRunAt")).isEqualTo(schedule.getString("nextRunAt"));

    HttpResponse<Buffer> deleted = service.delete(SCHEDULES + "/nightly-report", alice);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertProblem(service.get(SCHEDULES + "/nightly-report", alice), 404);
    assertProblem(service.delete(SCHEDULES + "/nightly-report", alice), 404);
  }

  @Test
  void schedulesBelongToTheirOwner() {
    assertThat(service.post(SCHEDULES, alice, nightly()).statusCode()).isEqualTo(201);
    String bob = service.token("bob", TestService.READ_WRITE);

    assertThat(service.get(SCHEDULES, bob).bodyAsJsonObject().getJsonArray("items")).isEmpty();
    assertProblem(service.get(SCHEDULES + "/nightly-report", bob), 404);
    assertProblem(patch("nightly-report", bob, new JsonObject().put("paused", true)), 404);
    assertProblem(service.delete(SCHEDULES + "/nightly-report", bob), 404);
    assertThat(service.post(SCHEDULES, bob, nightly()).statusCode()).as("names are per owner").isEqualTo(201);

    String reader = service.token("alice", Scopes.READ);
    assertProblem(service.post(SCHEDULES, reader, nightly().put("name", "other")), 403);
    assertProblem(patch("nightly-report", reader, new JsonObject().put("paused", true)), 403);
    assertProblem(service.delete(SCHEDULES + "/nightly-report", reader), 403);
    assertThat(service.get(SCHEDULES + "/nightly-report", reader).statusCode()).isEqualTo(200);
    assertProblem(service.get(SCHEDULES, null), 401);
    assertThat(service.get(SCHEDULES + "/nightly-report", alice).bodyAsJsonObject().getBoolean("paused")).isFalse();
  }

  @Test
  void badSchedulesAreRefusedNamingTheFieldAndStoreNothing() {
    JsonObject[] bodies = {
      nightly().put("cron", "0 0 3 * * *"),
      nightly().put("cron", "61 * * * *"),
      nightly().put("cron", "0 0 30 2 *"),
      nightly().put("timezone", "Mars/Olympus_Mons"),
      nightly().put("timezone", "+02:00"),
      nightly().put("name", "a/b"),
      nightly().put("name", ""),
      nightly().put("every", "day"),
      nightly().put("paused", "yes"),
      nightly().put("job", "sleep"),
      nightly().put("job", nightly().getJsonObject("job").put("priority", 10)),
      nightly().put("job", nightly().getJsonObject("job").put("type", "nope")),
      nightly().put("job", nightly().getJsonObject("job").put("runAt", "2030-01-01T00:00:00Z")),
      nightly().put("job", nightly().getJsonObject("job").put("input", new JsonObject().put("seconds", -1)))};
    String[] details = {"/cron", "/cron", "/cron", "/timezone", "/timezone", "/name", "/name", "'every'", "/paused",
      "/job", "/job/priority", "/job", "/job/runAt", "/job"};
    for (int i = 0; i < bodies.length; i++) {
      HttpResponse<Buffer> refused = service.post(SCHEDULES, alice, bodies[i]);
      assertProblem(refused, 400);
      assertThat(refused.bodyAsJsonObject().getString("detail")).as(bodies[i].encode()).contains(details[i]);
    }
    assertThat(service.get(SCHEDULES, alice).bodyAsJsonObject().getJsonArray("items")).as("nothing stored").isEmpty();

    assertThat(service.post(SCHEDULES, alice, nightly()).statusCode()).isEqualTo(201);
    assertProblem(patch("nightly-report", alice, new JsonObject().put("cron", "* * * * *")), 400);
    assertProblem(patch("nightly-report", alice, new JsonObject()), 400);
    assertProblem(patch("nightly-report", alice, new JsonObject().put("paused", 1)), 400);
  }

  @Test
  void aNameIsUsedOnceAndAnOwnerHasAtMostTheLimit() {
    assertThat(service.post(SCHEDULES, alice, nightly()).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> again = service.post(SCHEDULES, alice, nightly().put("cron", "0 4 * * *"));
    assertProblem(again, 409);
    assertThat(again.bodyAsJsonObject().getString("detail")).contains("nightly-report");
    assertThat(service.get(SCHEDULES + "/nightly-report", alice).bodyAsJsonObject().getString("cron"))
      .as("unchanged").isEqualTo("0 3 * * *");

    assertThat(service.post(SCHEDULES, alice, nightly().put("name", "two")).statusCode()).isEqualTo(201);
    assertThat(service.post(SCHEDULES, alice, nightly().put("name", "three")).statusCode()).isEqualTo(201);
    assertProblem(service.post(SCHEDULES, alice, nightly().put("name", "four")), 429);
    assertThat(service.get(SCHEDULES, alice).bodyAsJsonObject().getJsonArray("items")).hasSize(3);
  }
}
