package dev.offload.http;

import dev.offload.support.RawHttp;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on the wire, below what an HTTP client library lets one send: each gets the exact
 * status with a problem+json body (or, before a request exists, a closed connection), the
 * service stays up, a normal request succeeds afterwards, and no job changes.
 */
@ExtendWith(VertxExtension.class)
class WireAttackTest {
  private TestService service;
  private String alice;
  private JsonArray jobsBefore;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("http").put("headerTimeoutSeconds", 1).put("requestTimeoutSeconds", 2);
    service = TestService.start(vertx, config);
    alice = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 3600)).getString("id");
    service.awaitState(alice, id, java.time.Duration.ofSeconds(10), "running");
    jobsBefore = jobs();
  }

  @AfterEach
  void stop() {
    // The service is still up and unchanged.
    assertThat(service.get("/health/live", null).statusCode()).isEqualTo(200);
    assertThat(jobs()).isEqualTo(jobsBefore);
    service.stop();
  }

  private JsonArray jobs() {
    HttpResponse<Buffer> list = service.get("/api/v1/jobs", alice);
    assertThat(list.statusCode()).isEqualTo(200);
    JsonArray items = list.bodyAsJsonObject().getJsonArray("items");
    // Progress and timestamps of the running job aside, nothing may differ.
    items.forEach(item -> ((JsonObject) item).remove("progress"));
    return items;
  }

  private RawHttp connect() {
    return new RawHttp(service.port());
  }

  private static void assertProblem(RawHttp.Response response, int status) {
    assertThat(response.status()).as(response.head() + "\n" + response.body()).isEqualTo(status);
    assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(response.json().getInteger("status")).isEqualTo(status);
    assertThat(response.json().getString("detail")).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception", "io.netty", "io.vertx", "dev.offload", "\tat ");
  }

  private String authorization() {
    return "Authorization: Bearer " + alice + "\r\n";
  }

  @Test
  void controlBytesBeforeTheRequestLineAre400() {
    try (RawHttp raw = connect()) {
      assertProblem(raw.send("\u0001\u0002\u001b\r\nGET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").readUntilClosed(), 400);
    }
  }

  @Test
  void http10WithBothTransferEncodingAndContentLengthIs400() {
    // The smuggling shape Netty 4.2.9 let through (fixed in 4.2.13, see SECURITY.md).
    String body = "{\"type\":\"sleep\",\"input\":{\"seconds\":0}}";
    try (RawHttp raw = connect()) {
      RawHttp.Response response = raw.send("POST /api/v1/jobs HTTP/1.0\r\nHost: x\r\n" + authorization()
        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: " + body.length()
        + "\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n").readUntilClosed();
      assertProblem(response, 400);
      assertThat(response.header("Connection")).isEqualTo("close");
    }
  }

  @Test
  void headersOverTheByteLimitAre431() {
    try (RawHttp raw = connect()) {
      assertProblem(raw.send("GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + authorization()
        + "X-Padding: " + "a".repeat(20_000) + "\r\n\r\n").readUntilClosed(), 431);
    }
  }

  @Test
  void aFloodOfSmallHeadersIs431() {
    StringBuilder flood = new StringBuilder("GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n")
      .append(authorization());
    for (int i = 0; i < 200; i++) {
      flood.append("X-H").append(i).append(": v\r\n");
    }
    try (RawHttp raw = connect()) {
      RawHttp.Response response = raw.send(flood.append("\r\n").toString()).readUntilClosed();
      assertProblem(response, 431);
      assertThat(response.json().getString("detail")).contains("more than 64 headers");
    }
  }

  /**
   * Opens a connection, sends {@code start}, then one more byte every {@code everyMillis} (a
   * Vert.x timer, not a sleeping thread) until the service closes the connection; completes with
   * everything the service answered and how long the connection lived after {@code start}.
   */
  private Future<Trickled> trickle(Vertx vertx, String start, char next, long everyMillis) {
    Promise<Trickled> closed = Promise.promise();
    vertx.createNetClient().connect(service.port(), "127.0.0.1").onSuccess(socket -> {
      long began = System.nanoTime();
      Buffer answer = Buffer.buffer();
      long timer = vertx.setPeriodic(everyMillis, id -> socket.write(String.valueOf(next)));
      socket.handler(answer::appendBuffer);
      socket.closeHandler(v -> {
        vertx.cancelTimer(timer);
        closed.complete(new Trickled(answer.toString(), (System.nanoTime() - began) / 1_000_000));
      });
      socket.write(start);
    }).onFailure(closed::fail);
    return closed.future();
  }

  private record Trickled(String answer, long millis) {
  }

  @Test
  void aClientTricklingItsHeadersIsCutOff(Vertx vertx, VertxTestContext test) {
    // Slowloris: one byte at a time keeps an idle timeout from ever firing; the header timeout (1 s here) does.
    trickle(vertx, "GET /api/v1/jobs HTTP/1.1\r\n", 'X', 250).onComplete(test.succeeding(cut -> test.verify(() -> {
      assertThat(cut.answer()).as("closed without an answer").isEmpty();
      assertThat(cut.millis()).as("cut off after about the header timeout").isLessThan(5_000);
      test.completeNow();
    })));
  }

  @Test
  void aClientTricklingItsBodyGets408AndLosesTheConnection(Vertx vertx, VertxTestContext test) {
    trickle(vertx, "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + authorization()
      + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{", ' ', 500)
      .onComplete(test.succeeding(cut -> test.verify(() -> {
        assertProblem(RawHttp.Response.parse(cut.answer()), 408);
        assertThat(cut.millis()).isLessThan(6_000);
        test.completeNow();
      })));
  }

  @Test
  void aTenMebibyteBodyIs413WithoutBeingRead() {
    try (RawHttp raw = connect()) {
      raw.send("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + authorization()
        + "Content-Type: application/json\r\nContent-Length: " + 10 * 1024 * 1024 + "\r\n\r\n{\"type\":\"sleep\",");
      RawHttp.Response response = raw.readUntilClosed();
      assertProblem(response, 413);
    }
  }

  @Test
  void guessedIdsAreAll404() {
    for (String id : new String[] {UUID.randomUUID().toString(), "00000000-0000-0000-0000-000000000001",
      "1", "..", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "' OR '1'='1"}) {
      String path = "/api/v1/jobs/" + id.replace(" ", "%20").replace("'", "%27");
      try (RawHttp raw = connect()) {
        assertProblem(raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + authorization()
          + "\r\n").readUntilClosed(), 404);
      }
      try (RawHttp raw = connect()) {
        assertProblem(raw.send("DELETE " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + authorization()
          + "\r\n").readUntilClosed(), 404);
      }
    }
  }

  @Test
  void hugeFractionalAndNegativeNumbersAre400() {
    for (String input : new String[] {"{\"seconds\": 1e400}", "{\"seconds\": 18446744073709551616}",
      "{\"seconds\": -1}", "{\"seconds\": 2.5}", "{\"seconds\": NaN}", "{\"seconds\": null}"}) {
      String body = "{\"type\":\"sleep\",\"input\":" + input + "}";
      try (RawHttp raw = connect()) {
        assertProblem(raw.send("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + authorization()
          + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
          .readUntilClosed(), 400);
      }
    }
  }
}
