package dev.offload.support;

import dev.offload.http.OpenApiDocument;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The response check of the HTTP tests can fail, and fails for the right reasons. */
class ContractValidatorTest {
  private static final ContractValidator CONTRACT = new ContractValidator(OpenApiDocument.contract());
  private static final String JOB_PATH = "/api/v1/jobs/6f1c2a9e-7c1b-4a55-9d0e-1f2a3b4c5d6e";

  private static JsonObject job() {
    return new JsonObject().put("id", "6f1c2a9e-7c1b-4a55-9d0e-1f2a3b4c5d6e").put("type", "sleep").put("state", "queued")
      .put("input", new JsonObject().put("seconds", 1)).putNull("result").putNull("error").putNull("progress")
      .put("attempts", 0).put("maxAttempts", 3).put("priority", 5).put("timeoutSeconds", 61)
      .put("cancelRequested", false).put("owner", "alice").putNull("scheduleName")
      .put("createdAt", "2026-12-02T10:00:00.000Z").put("runAt", "2026-12-02T10:00:00.000Z")
      .putNull("startedAt").putNull("finishedAt").putNull("callback").put("history", new JsonArray());
  }

  private static MultiMap headers(String contentType) {
    return MultiMap.caseInsensitiveMultiMap().add("Content-Type", contentType);
  }

  @Test
  void aJobAsTheServiceSendsItFits() {
    assertThat(CONTRACT.problems(HttpMethod.GET, JOB_PATH, 200, headers("application/json"), job().toBuffer()))
      .isEmpty();
  }

  @Test
  void aJobWithoutAFieldOrWithAnUnknownStateDoesNot() {
    JsonObject missing = job();
    missing.remove("history");
    assertThat(CONTRACT.problems(HttpMethod.GET, JOB_PATH, 200, headers("application/json"), missing.toBuffer()))
      .singleElement().asString().contains("history");
    assertThat(CONTRACT.problems(HttpMethod.GET, JOB_PATH, 200, headers("application/json"),
      job().put("state", "paused").toBuffer())).isNotEmpty();
  }

  @Test
  void aStatusTheContractDoesNotListDoesNot() {
    assertThat(CONTRACT.problems(HttpMethod.GET, JOB_PATH, 418, headers("application/problem+json"), Buffer.buffer("{}")))
      .singleElement().asString().contains("no such status");
  }

  @Test
  void aRequiredHeaderMustBeThere() {
    MultiMap headers = headers("application/json");
    assertThat(CONTRACT.problems(HttpMethod.POST, "/api/v1/jobs", 202, headers, job().toBuffer()))
      .singleElement().asString().contains("Location");
    headers.add("Location", JOB_PATH).add("Retry-After", "soon");
    assertThat(CONTRACT.problems(HttpMethod.POST, "/api/v1/jobs", 202, headers, job().toBuffer()))
      .singleElement().asString().contains("Retry-After");
  }

  @Test
  void anErrorMustBeAProblemDocument() {
    JsonObject problem = new JsonObject().put("type", "urn:offload:problem:not-found").put("title", "Not Found")
      .put("status", 404).put("detail", "no job");
    assertThat(CONTRACT.problems(HttpMethod.GET, JOB_PATH, 404, headers("application/problem+json"), problem.toBuffer()))
      .isEmpty();
    assertThat(CONTRACT.problems(HttpMethod.GET, JOB_PATH, 404, headers("application/json"), problem.toBuffer()))
      .singleElement().asString().contains("Content-Type");
    assertThat(CONTRACT.problems(HttpMethod.GET, JOB_PATH, 404, headers("application/problem+json"),
      problem.copy().put("stack", "at dev.offload...").toBuffer())).isNotEmpty();
  }

  @Test
  void aLiteralPathWinsOverATemplateAndUnknownOperationsAreLeftToTheDriftTest() {
    assertThat(CONTRACT.template("/api/v1/jobs/batch")).hasValue("/api/v1/jobs/batch");
    assertThat(CONTRACT.template(JOB_PATH + "/events")).hasValue("/api/v1/jobs/{id}/events");
    assertThat(CONTRACT.problems(HttpMethod.PUT, "/api/v1/jobs", 405, headers("application/problem+json"),
      Buffer.buffer("{}"))).isEmpty();
  }
}
