package dev.offload.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** What every error response must look like: RFC 9457 problem+json, and nothing internal. */
public final class ProblemAssert {

  private ProblemAssert() {
  }

  public static void assertProblem(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = response.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    assertThat(problem.getString("type")).isNotBlank();
    assertThat(response.bodyAsString())
      .doesNotContain("Exception", "exception", "dev.offload", "io.vertx", "java.", "\tat ");
  }

  /** {@link #assertProblem(HttpResponse, int)}, and the detail names {@code named}. */
  public static void assertProblem(HttpResponse<Buffer> response, int status, String named) {
    assertProblem(response, status);
    assertThat(response.bodyAsJsonObject().getString("detail")).contains(named);
  }
}
