package dev.offload.http;

import dev.offload.support.NodeTools;
import dev.offload.support.Processes;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service as clients nobody on the team wrote see it (src/test/js, pinned by its lock file):
 * Redocly's linter on the served contract, a TypeScript client generated from it by
 * openapi-typescript and type-checked by tsc, the {@code eventsource} package following a
 * finished job, and the {@code standardwebhooks} package verifying a push endpoint's calls.
 * docs/api.md says what each checks.
 */
@ExtendWith(VertxExtension.class)
class ThirdPartyClientsIT {
  /**
   * The lint warnings kept on purpose (docs/api.md): the health probes answer 200 or 503, never a
   * 4xx, so Redocly's "at least one 4XX response" rule cannot hold for them.
   */
  private static final List<String> KEPT_WARNINGS = List.of(
    "operation-4xx-response #/paths/~1health~1live/get/responses",
    "operation-4xx-response #/paths/~1health~1ready/get/responses");

  private static Path servedContract(Vertx vertx, Path dir) throws IOException {
    TestService service = TestService.start(vertx, dir);
    Path file = NodeTools.home().resolve("openapi.json");
    Files.writeString(file, service.get(OpenApiRoute.PATH, null).bodyAsString());
    return file;
  }

  @Test
  void redoclyFindsNoErrorAndOnlyTheKeptWarnings(@TempDir Path dir, Vertx vertx) throws IOException {
    servedContract(vertx, dir);

    Processes.Result lint = NodeTools.tool(120, "redocly", "lint", "openapi.json", "--format=json");

    assertThat(lint.exitCode()).as("%s", lint).isZero();
    JsonObject report = new JsonObject(lint.stdout());
    assertThat(report.getJsonObject("totals").getInteger("errors")).as("%s", lint).isZero();
    List<String> problems = report.getJsonArray("problems").stream().map(JsonObject.class::cast)
      .map(p -> p.getString("ruleId") + " " + ((JsonArray) p.getValue("location")).getJsonObject(0).getString("pointer"))
      .toList();
    assertThat(problems).containsExactlyInAnyOrderElementsOf(KEPT_WARNINGS);
  }

  @Test
  void aGeneratedTypeScriptClientTypeChecksWhatAUserWrites(@TempDir Path dir, Vertx vertx) throws IOException {
    servedContract(vertx, dir);

    Processes.Result generate = NodeTools.tool(120, "openapi-typescript", "openapi.json", "-o", "api.d.ts");
    assertThat(generate.exitCode()).as("%s", generate).isZero();
    Processes.Result check = NodeTools.tool(120, "tsc", "--noEmit", "--strict", "--skipLibCheck", "--target", "es2022",
      "--module", "esnext", "--moduleResolution", "bundler", "client-check.ts");

    assertThat(check.exitCode()).as("tsc on client-check.ts: %s", check).isZero();
  }

  @Test
  void anEventSourceThatDoesNotCloseOnDoneIsStoppedAfterOneReconnect(@TempDir Path dir, Vertx vertx) {
    NodeTools.home();
    TestService service = TestService.start(vertx, dir);
    String alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded");

    Processes.Result follow = NodeTools.run(60, "node", "sse-stops.mjs",
      "http://127.0.0.1:" + service.port() + "/api/v1/jobs/" + id + "/events", alice);

    assertThat(follow.exitCode()).as("%s", follow).isZero();
    JsonObject seen = new JsonObject(follow.stdout().trim());
    // The first connection gets the outcome; the reconnect with the done event's id gets 204,
    // and the EventSource is CLOSED (2) instead of reconnecting every second.
    assertThat(seen.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("event")))
      .as("%s", seen).containsExactly("state", "done");
    assertThat(seen.getInteger("connections")).as("%s", seen).isEqualTo(2);
    assertThat(seen.getInteger("readyState")).as("%s", seen).isEqualTo(2);
  }

  @Test
  void aPushEndpointVerifiesEachCallWithTheStandardWebhooksLibrary(@TempDir Path dir, Vertx vertx) throws Exception {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    Process endpoint = new ProcessBuilder("node", "verify-push.mjs", secret).directory(NodeTools.home().toFile())
      .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      String listening = new java.io.BufferedReader(new java.io.InputStreamReader(endpoint.getInputStream())).readLine();
      assertThat(listening).startsWith("listening ");
      JsonObject config = TestService.baseConfig(dir)
        .put("webhooks", new JsonObject().put("secret", secret).put("allowHttp", true)
          .put("allowHosts", new JsonArray().add("127.0.0.1")))
        .put("jobTypes", new JsonObject().put("wordcount", new JsonObject()
          .put("endpoint", "http://127.0.0.1:" + listening.substring(10) + "/wordcount").put("maxAttempts", 1)));
      TestService service = TestService.start(vertx, config);
      String alice = service.token("alice", TestService.READ_WRITE);

      String id = service.submit(alice, "wordcount", new JsonObject().put("text", "one two three")).getString("id");
      JsonObject job = service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded", "failed");

      // A signature the library refused would be a 401, and the job would fail at once.
      assertThat(job.getString("state")).as("%s", job).isEqualTo("succeeded");
      assertThat(job.getJsonObject("result")).isEqualTo(new JsonObject().put("words", 3).put("verifiedId", id + "_1"));
    } finally {
      endpoint.destroy();
    }
  }
}
