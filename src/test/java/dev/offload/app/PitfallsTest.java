package dev.offload.app;

import dev.offload.support.TestService;
import io.netty.util.Version;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Traps of the stack listed in docs/traps.md that are not covered next to their feature. */
@ExtendWith(VertxExtension.class)
class PitfallsTest {

  @Test
  void nettyIsTheBomVersionWithoutTheKnownCves() {
    // Vert.x 5.0.7 alone would resolve 4.2.9.Final (request smuggling, CVEs fixed in 4.2.13 and 4.2.15).
    Version common = Version.identify().get("netty-common");
    Version http = Version.identify().get("netty-codec-http");
    assertThat(common.artifactVersion()).isEqualTo("4.2.18.Final");
    assertThat(http.artifactVersion()).isEqualTo("4.2.18.Final");
  }

  @Test
  void idleConnectionsAreClosed(@TempDir Path dir, Vertx vertx) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("http").put("idleTimeoutSeconds", 2);
    // A held request must be able to outlast its wait: the longest wait is shorter than the idle timeout.
    config.put("api", new JsonObject().put("maxWaitSeconds", 1));
    TestService service = TestService.start(vertx, config);
    int port = service.port();

    AtomicLong closedAt = new AtomicLong();
    long openedAt = System.nanoTime();
    NetSocket socket = await(vertx.createNetClient().connect(port, "127.0.0.1"));
    socket.closeHandler(v -> closedAt.set(System.nanoTime()));
    // A client that connects and then says nothing is cut off after the idle timeout.
    TestService.poll(closedAt::get, closed -> closed != 0, Duration.ofSeconds(10));
    assertThat(closedAt.get()).as("the server closed the idle connection").isNotZero();
    assertThat(Duration.ofNanos(closedAt.get() - openedAt)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
  }

  @Test
  void multipartUploadsAreRefusedAndNothingIsWritten(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    var response = await(service.request(io.vertx.core.http.HttpMethod.POST, "/api/v1/jobs",
        service.token("alice", TestService.READ_WRITE))
      .putHeader("Content-Type", "multipart/form-data; boundary=b")
      .sendBuffer(Buffer.buffer("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n"
        + "data\r\n--b--\r\n")));
    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(Path.of("file-uploads")).doesNotExist();
    assertThat(dir.resolve("file-uploads")).doesNotExist();
  }
}
