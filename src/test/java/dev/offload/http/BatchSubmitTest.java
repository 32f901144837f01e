package dev.offload.http;

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

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /api/v1/jobs/batch}: many submissions in one request, validated, admitted and stored all or none. */
@ExtendWith(VertxExtension.class)
class BatchSubmitTest {
  private static final String BATCH = "/api/v1/jobs/batch";
  private TestService service;
  private String alice;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("limits").put("activeJobsPerOwner", 5).put("batchJobs", 5).put("bodyBytes", 1024)
      .put("batchBodyBytes", 8192);
    service = TestService.start(vertx, config);
    alice = service.token("alice", TestService.READ_WRITE);
  }

  private static JsonObject sleep(int seconds) {
    return new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", seconds));
  }

  private static JsonObject batch(JsonObject... jobs) {
    return new JsonObject().put("jobs", new JsonArray(java.util.List.of((Object[]) jobs)));
  }

  private int jobsOf(String token) {
    return service.get("/api/v1/jobs?limit=100", token).bodyAsJsonObject().getJsonArray("items").size();
  }

  @Test
  void theJobsAreQueuedInTheOrderGivenAndBelongToTheCaller() {
    HttpResponse<Buffer> accepted = service.post(BATCH, alice, batch(sleep(600), sleep(601), sleep(602)));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    JsonArray items = accepted.bodyAsJsonObject().getJsonArray("items");
    assertThat(items).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject job = items.getJsonObject(i);
      assertThat(job.getJsonObject("input").getInteger("seconds")).isEqualTo(600 + i);
      assertThat(job.getString("state")).isEqualTo("queued");
      JsonObject stored = service.get("/api/v1/jobs/" + job.getString("id"), alice).bodyAsJsonObject();
      assertThat(stored.getString("owner")).isEqualTo("alice");
    }
    String bob = service.token("bob", TestService.READ_WRITE);
    assertThat(service.get("/api/v1/jobs/" + items.getJsonObject(0).getString("id"), bob).statusCode())
      .as("another owner sees none of them").isEqualTo(404);
    assertThat(jobsOf(bob)).isZero();
  }

  @Test
  void oneInvalidSubmissionRefusesTheWholeBatchAndNamesItsIndex() {
    HttpResponse<Buffer> refused = service.post(BATCH, alice, batch(sleep(1), sleep(1), sleep(1), sleep(-1)));
    assertProblem(refused, 400);
    assertThat(refused.bodyAsJsonObject().getString("detail"))
      .isEqualTo("jobs[3]: invalid input for type 'sleep': /seconds: must have a minimum value of 0");
    JsonObject withOwner = sleep(1).put("owner", "bob");
    assertThat(service.post(BATCH, alice, batch(sleep(1), withOwner)).bodyAsJsonObject().getString("detail"))
      .isEqualTo("jobs[1]: invalid submission: property 'owner' is not allowed");
    assertProblem(service.post(BATCH, alice, new JsonObject().put("jobs", new JsonArray().add(sleep(1)).add(7))), 400);
    assertProblem(service.post(BATCH, alice, batch()), 400);
    assertProblem(service.post(BATCH, alice, batch(sleep(1), sleep(1), sleep(1), sleep(1), sleep(1), sleep(1))), 400);
    assertProblem(service.post(BATCH, alice, batch(sleep(1)).put("extra", true)), 400);
    assertThat(jobsOf(alice)).as("nothing was stored").isZero();
  }

  @Test
  void admissionCountsTheWholeBatch() {
    assertThat(service.post(BATCH, alice, batch(sleep(600), sleep(600))).statusCode()).isEqualTo(202);
    HttpResponse<Buffer> overQuota = service.post(BATCH, alice, batch(sleep(600), sleep(600), sleep(600), sleep(600)));
    assertProblem(overQuota, 429);
    assertThat(overQuota.getHeader("Retry-After")).isNotBlank();
    assertThat(overQuota.bodyAsJsonObject().getString("detail")).contains("you have 2 active jobs and submit 4");
    assertThat(jobsOf(alice)).as("none of the refused batch").isEqualTo(2);
    assertThat(service.post(BATCH, alice, batch(sleep(600), sleep(600), sleep(600))).statusCode()).isEqualTo(202);
    assertThat(jobsOf(alice)).isEqualTo(5);
  }

  @Test
  void theBatchRouteHasItsOwnBodyLimitAndTheWriteScope() {
    JsonObject padded = sleep(600);
    JsonObject big = batch(padded, padded, padded, padded, padded);
    String large = big.encode() + " ".repeat(2000);
    HttpResponse<Buffer> accepted = await(service.request(HttpMethod.POST, BATCH, alice)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(large)));
    assertThat(accepted.statusCode()).as("larger than limits.bodyBytes, within limits.batchBodyBytes").isEqualTo(202);
    HttpResponse<Buffer> tooLarge = await(service.request(HttpMethod.POST, BATCH, alice)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(big.encode() + " ".repeat(9000))));
    assertProblem(tooLarge, 413);
    HttpResponse<Buffer> single = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(sleep(1).encode() + " ".repeat(2000))));
    assertProblem(single, 413);
    String reader = service.token("carol", "jobs:read");
    assertProblem(service.post(BATCH, reader, batch(sleep(1))), 403);
  }
}
