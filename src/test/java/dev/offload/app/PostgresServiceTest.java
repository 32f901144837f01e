package dev.offload.app;

import dev.offload.support.TestPostgres;
import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole service on the PostgreSQL store ({@code store.kind: postgres}): submit, run, cancel, restart. */
@ExtendWith(VertxExtension.class)
class PostgresServiceTest {
  private Vertx vertx;
  private String schema;

  @AfterEach
  void dropSchema() {
    if (schema != null) {
      TestPostgres.drop(vertx, schema);
    }
  }

  /** A short lease: a stopped node's attempts are taken back within seconds. */
  private JsonObject config(Path dir) {
    JsonObject config = TestService.baseConfig(dir).put("store", new JsonObject().put("kind", "postgres")
      .put("postgres", new JsonObject().put("url", TestPostgres.URL).put("schema", schema)));
    config.getJsonObject("workers").put("leaseSeconds", 3);
    return config;
  }

  @Test
  void jobsRunEndToEndAndSurviveARestart(Vertx vertx, @TempDir Path dir) {
    this.vertx = vertx;
    schema = TestPostgres.freshSchema(vertx);
    TestService service = TestService.start(vertx, config(dir));
    String alice = service.token("alice", TestService.READ_WRITE);

    String primes = service.submit(alice, "primes", new JsonObject().put("limit", 1_000_000)).getString("id");
    String sleep = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    assertThat(service.awaitState(alice, primes, Duration.ofSeconds(30), "succeeded").getJsonObject("result"))
      .isEqualTo(new JsonObject().put("count", 78_498));
    service.awaitState(alice, sleep, Duration.ofSeconds(10), "running");
    assertThat(service.delete("/api/v1/jobs/" + sleep, alice).statusCode()).isEqualTo(202);
    service.awaitState(alice, sleep, Duration.ofSeconds(10), "cancelled");

    // Stopped while running: the next node takes it back once the lease has run out.
    String queued = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");
    service.awaitState(alice, queued, Duration.ofSeconds(10), "running");
    service.stop();
    TestService again = TestService.start(vertx, config(dir));
    int attempts = TestService.poll(
      () -> again.get("/api/v1/jobs/" + queued, alice).bodyAsJsonObject().getInteger("attempts"),
      read -> read >= 2, Duration.ofSeconds(20));
    assertThat(attempts).as("taken back and run again once the 3 s lease expired").isEqualTo(2);
    assertThat(again.delete("/api/v1/jobs/" + queued, alice).statusCode()).isEqualTo(202);
    again.awaitState(alice, queued, Duration.ofSeconds(10), "cancelled");
    assertThat(again.get("/api/v1/jobs?limit=10", alice).bodyAsJsonObject().getJsonArray("items")).hasSize(3);
    again.stop();
  }

  @Test
  void readinessGoesDownWhileTheDatabaseIsUnreachableAndBackUpAfter(Vertx vertx, @TempDir Path dir) {
    this.vertx = vertx;
    schema = TestPostgres.freshSchema(vertx);
    // The service reaches PostgreSQL through a TCP relay the test can cut.
    java.net.URI pg = java.net.URI.create(TestPostgres.URL.replaceFirst("^postgres(ql)?://", "http://"));
    io.vertx.core.net.NetClient upstream = vertx.createNetClient();
    java.util.Set<io.vertx.core.net.NetSocket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
    io.vertx.core.net.NetServer relay = TestService.await(vertx.createNetServer().connectHandler(client -> {
      if (cut.get()) {
        client.close();
        return;
      }
      client.pause();
      upstream.connect(pg.getPort() > 0 ? pg.getPort() : 5432, pg.getHost()).onSuccess(server -> {
        open.add(client);
        open.add(server);
        client.pipeTo(server);
        server.pipeTo(client);
        client.resume();
      }).onFailure(err -> client.close());
    }).listen(0, "127.0.0.1"));
    String viaRelay = TestPostgres.URL.replace(pg.getHost() + ":" + pg.getPort(), "127.0.0.1:" + relay.actualPort());
    JsonObject config = config(dir);
    config.getJsonObject("store").getJsonObject("postgres").put("url", viaRelay);
    TestService service = TestService.start(vertx, config);
    assertThat(service.get("/health/ready", null).statusCode()).isEqualTo(200);

    cut.set(true);
    open.forEach(io.vertx.core.net.NetSocket::close);
    awaitReadiness(service, 503);
    assertThat(service.get("/health/live", null).statusCode()).as("alive all the same").isEqualTo(200);

    cut.set(false);
    awaitReadiness(service, 200);
    service.stop();
    TestService.await(relay.close());
  }

  private static void awaitReadiness(TestService service, int status) {
    assertThat(TestService.poll(() -> service.get("/health/ready", null).statusCode(), seen -> seen == status,
      Duration.ofSeconds(20))).isEqualTo(status);
  }
}
