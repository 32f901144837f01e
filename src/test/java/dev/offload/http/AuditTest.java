package dev.offload.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The audit trail records who submitted, cancelled or was refused what; never a token or an input. */
@ExtendWith(VertxExtension.class)
class AuditTest {
  private final ListAppender<ILoggingEvent> trail = new ListAppender<>();
  private final Logger audit = (Logger) LoggerFactory.getLogger("offload.audit");
  private TestService service;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    trail.start();
    audit.addAppender(trail);
    audit.setLevel(Level.INFO);
    service = TestService.start(vertx, dir);
  }

  @AfterEach
  void stop() {
    service.stop();
    audit.detachAppender(trail);
    audit.setLevel(null);
  }

  /** The entries so far; they are written when the response ends, just after the client sees it. */
  private List<JsonObject> entries(int atLeast) {
    TestService.poll(trail.list::size, size -> size >= atLeast, Duration.ofSeconds(5));
    return trail.list.stream().map(event -> new JsonObject(event.getFormattedMessage())).toList();
  }

  private static List<Object> pick(JsonObject entry, String... keys) {
    return java.util.Arrays.stream(keys).map(entry::getValue).collect(java.util.stream.Collectors.toList());
  }

  @Test
  void submissionsCancellationsAndRefusalsAreRecordedWithoutTokensOrInputs() {
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);
    String marker = "secret-input-" + System.nanoTime();

    HttpResponse<Buffer> accepted = await(service.request(HttpMethod.POST, "/api/v1/jobs", alice)
      .putHeader("X-Request-Id", "client-req-1")
      .sendJsonObject(new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 3600))));
    assertThat(accepted.getHeader("X-Request-Id")).isEqualTo("client-req-1");
    String id = accepted.bodyAsJsonObject().getString("id");
    assertThat(service.delete("/api/v1/jobs/" + id, bob).statusCode()).isEqualTo(404);
    assertThat(service.delete("/api/v1/jobs/" + id, alice).statusCode()).isIn(200, 202);
    assertThat(service.post("/api/v1/jobs", alice, new JsonObject().put("type", "sleep")
      .put("input", new JsonObject().put("seconds", marker))).statusCode()).isEqualTo(400);
    HttpResponse<Buffer> anonymous = service.get("/api/v1/jobs", null);
    assertThat(anonymous.getHeader("X-Request-Id")).as("generated when the client sends none").hasSize(36);
    assertThat(service.get("/api/v1/jobs", alice).statusCode()).as("reads that succeed are not recorded").isEqualTo(200);

    List<JsonObject> entries = entries(5);
    assertThat(entries).hasSize(5);
    assertThat(entries.get(0)).isEqualTo(new JsonObject().put("action", "submit").put("outcome", "accepted")
      .put("status", 202).put("subject", "alice").put("job", id).put("type", "sleep").put("method", "POST")
      .put("path", "/api/v1/jobs").put("requestId", "client-req-1").put("client", "127.0.0.1"));
    assertThat(pick(entries.get(1), "action", "outcome", "subject", "job")).containsExactly("cancel", "refused", "bob", id);
    assertThat(pick(entries.get(2), "action", "outcome", "subject", "type")).containsExactly("cancel", "done", "alice", "sleep");
    assertThat(pick(entries.get(3), "action", "status", "type")).containsExactly("submit", 400, "sleep");
    assertThat(pick(entries.get(4), "action", "status", "subject", "requestId"))
      .containsExactly("read", 401, null, anonymous.getHeader("X-Request-Id"));

    String all = String.join("\n", trail.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
    assertThat(all).doesNotContain(alice, bob, marker, "Bearer");
  }

  @Test
  void aForgedRequestIdOrSubjectCannotForgeALine() {
    String evil = service.token("eve\n{\"action\":\"submit\",\"outcome\":\"accepted\"}", "jobs:read");
    await(service.request(HttpMethod.DELETE, "/api/v1/jobs/x", evil).putHeader("X-Request-Id", "{\"forged\": true} with spaces").send());
    List<JsonObject> entries = entries(1);
    assertThat(trail.list).hasSize(1);
    assertThat(trail.list.get(0).getFormattedMessage()).doesNotContain("\n");
    assertThat(entries.get(0).getString("subject")).startsWith("eve\n");
    assertThat(entries.get(0).getString("requestId")).doesNotContain("forged").hasSize(36);
  }
}
