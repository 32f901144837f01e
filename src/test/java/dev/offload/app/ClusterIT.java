package dev.offload.app;

import dev.offload.config.OffloadConfig;
import dev.offload.support.TestCluster;
import dev.offload.support.TestPostgres;
import dev.offload.support.EventStreamClient;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three JVMs of the packaged jar on loopback, clustered (Hazelcast, mutual TLS on the event bus)
 * over a shared PostgreSQL schema: one api node, two worker nodes. 200 jobs are submitted; one worker is killed with
 * SIGKILL while it runs jobs; every accepted job still succeeds, and the dead worker's jobs ran
 * again on the other one.
 */
class ClusterIT {
  private static final Pattern NODE = Pattern.compile("Offload started: node (node-[0-9a-f]+)");
  private final List<Process> processes = new ArrayList<>();
  private Vertx vertx;
  private String schema;

  @AfterEach
  void tearDown() {
    processes.forEach(Process::destroyForcibly);
    if (vertx != null) {
      if (schema != null) {
        TestPostgres.drop(vertx, schema);
      }
      await(vertx.close());
    }
  }

  @Test
  void everyJobSucceedsWhenAWorkerNodeIsKilled(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    schema = TestPostgres.freshSchema(vertx);
    List<Integer> ports = TestService.freePorts(4);
    int httpPort = ports.get(3);
    List<Integer> memberPorts = ports.subList(0, 3);

    JsonObject store = new JsonObject().put("kind", "postgres")
      .put("postgres", new JsonObject().put("url", TestPostgres.URL).put("schema", schema));
    JsonObject workers = new JsonObject().put("leaseSeconds", 3).put("pollMillis", 200);
    Path certs = dir.resolve("certs");
    TestCluster.certificates(certs, "worker-1", "worker-2", "api");
    JsonObject worker = new JsonObject().put("mode", "dev").put("roles", List.of("worker"))
      .put("dataDir", dir.resolve("data").toString()).put("store", store).put("workers", workers)
      .put("limits", new JsonObject().put("rate", new JsonObject().put("enabled", false)))
      .put("management", new JsonObject().put("port", 0));
    JsonObject api = worker.copy().put("roles", List.of("api"))
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", httpPort))
      .put("auth", new JsonObject().put("issuer", TestService.ISSUER).put("audience", TestService.AUDIENCE));

    // One after the other, as an operator would: each joins the cluster the previous ones formed.
    Process worker1 = start(dir, "worker-1", worker, memberPorts, 0);
    String node1 = awaitStarted(worker1, dir.resolve("worker-1.log"));
    Process worker2 = start(dir, "worker-2", worker, memberPorts, 1);
    String node2 = awaitStarted(worker2, dir.resolve("worker-2.log"));
    awaitStarted(start(dir, "api", api, memberPorts, 2), dir.resolve("api.log"));

    Pool db = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestPostgres.URL)
      .setProperties(Map.of("search_path", schema))).using(vertx).build();
    // Every move to 'succeeded' is recorded: a job completed twice would show up twice.
    await(db.query("CREATE TABLE completions (id uuid NOT NULL, attempts integer NOT NULL)").execute());
    await(db.query("""
      CREATE FUNCTION record_completion() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO completions VALUES (NEW.id, NEW.attempts); RETURN NULL; END $$""").execute());
    await(db.query("""
      CREATE TRIGGER record_completion AFTER UPDATE OF state ON jobs
      FOR EACH ROW WHEN (NEW.state = 'succeeded') EXECUTE FUNCTION record_completion()""").execute());

    OffloadConfig settings = OffloadConfig.from(api, Map.of());
    String token = TestService.devToken(vertx, settings, "alice");
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(httpPort));

    // The api node runs no workers: a submit that waits is woken by the worker node that finishes
    // the job, over the clustered event bus, and so is an event stream.
    long started = System.nanoTime();
    HttpResponse<Buffer> waited = await(client.post("/api/v1/jobs").bearerTokenAuthentication(token)
      .putHeader("Prefer", "wait=30")
      .sendJsonObject(new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 1))));
    assertThat(waited.statusCode()).as(waited.bodyAsString()).isEqualTo(201);
    assertThat(waited.bodyAsJsonObject().getString("state")).isEqualTo("succeeded");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("woken, not timed out").isLessThan(Duration.ofSeconds(25));
    String followed = await(client.post("/api/v1/jobs").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 4))))
      .bodyAsJsonObject().getString("id");
    EventStreamClient.Stream stream = await(EventStreamClient.open(vertx.createHttpClient(), httpPort,
      "/api/v1/jobs/" + followed + "/events", token, null));
    await(stream.ended().timeout(30, java.util.concurrent.TimeUnit.SECONDS));
    assertThat(stream.events()).extracting(EventStreamClient.Event::event).contains("progress").endsWith("state", "done");

    List<Future<HttpResponse<Buffer>>> submissions = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      submissions.add(client.post("/api/v1/jobs").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 3))));
    }
    List<String> ids = new ArrayList<>();
    for (Future<HttpResponse<Buffer>> submission : submissions) {
      HttpResponse<Buffer> response = await(submission);
      assertThat(response.statusCode()).isEqualTo(202);
      ids.add(response.bodyAsJsonObject().getString("id"));
    }

    // Kill worker 1 while it holds running jobs.
    waitFor(() -> count(db, "SELECT count(*) FROM jobs WHERE state = 'running' AND node = '" + node1 + "'") > 0,
      Duration.ofSeconds(30));
    worker1.destroyForcibly().waitFor();

    waitFor(() -> count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 202, Duration.ofSeconds(90));
    Map<String, Integer> byAttempts = new HashMap<>();
    for (Row row : await(db.query("SELECT attempts, node, result FROM jobs WHERE input ->> 'seconds' = '3'").execute())) {
      byAttempts.merge(String.valueOf(row.getInteger("attempts")), 1, Integer::sum);
      assertThat(row.getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 3));
      if (row.getInteger("attempts") == 2) {
        assertThat(row.getString("node")).as("re-run on the surviving worker").isEqualTo(node2);
      }
    }
    assertThat(byAttempts.get("2")).as("the killed worker's jobs ran again").isPositive();
    assertThat(byAttempts.keySet()).containsOnly("1", "2");
    assertThat(count(db, "SELECT count(*) FROM completions")).as("one completion per job").isEqualTo(202);
    assertThat(count(db, "SELECT count(DISTINCT id) FROM completions")).isEqualTo(202);
    assertThat(worker2.isAlive()).isTrue();
    // Readiness of a clustered node includes vertx-hazelcast's cluster check.
    Matcher management = Pattern.compile("management on http://127.0.0.1:(\\d+)")
      .matcher(Files.readString(dir.resolve("api.log")));
    assertThat(management.find()).isTrue();
    JsonObject ready = await(client.get(Integer.parseInt(management.group(1)), "127.0.0.1", "/health/ready").send())
      .bodyAsJsonObject();
    assertThat(ready.getJsonArray("checks")).contains(new JsonObject().put("id", "cluster").put("status", "UP"));
    for (String node : List.of("api", "worker-1", "worker-2")) {
      assertThat(Files.readString(dir.resolve(node + ".log"))).as("event bus on TLS").doesNotContain("plaintext");
    }
    db.close();
  }

  /** Starts a node of the jar, with its own certificate for mutual TLS on the event bus. */
  private Process start(Path dir, String name, JsonObject config, List<Integer> memberPorts, int index)
    throws IOException {
    Path certs = dir.resolve("certs");
    JsonObject withTls = config.copy().put("cluster", new JsonObject().put("tls", new JsonObject()
      .put("keyFile", certs.resolve(name + ".key").toString())
      .put("certFile", certs.resolve(name + ".crt").toString())
      .put("caFile", certs.resolve("ca.crt").toString())));
    Path conf = dir.resolve(name + ".json");
    Files.writeString(conf, withTls.encodePrettily());
    Path nodeXml = dir.resolve(name + "-cluster.xml");
    Files.writeString(nodeXml, TestCluster.hazelcastXml("offload-" + schema, memberPorts, index));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = System.getProperty("offload.jar", "target/offload.jar");
    Process process = new ProcessBuilder(java, "-Dvertx.hazelcast.config=" + nodeXml, "-jar", jar,
      "-conf", conf.toString(), "-cluster", "-cluster-host", "127.0.0.1")
      .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    processes.add(process);
    return process;
  }

  /** The node id from the start-up line; on failure, the node's log is in the message. */
  private String awaitStarted(Process process, Path log) throws IOException {
    Matcher started = TestService.poll(() -> NODE.matcher(read(log)), matcher -> matcher.find() || !process.isAlive(),
      Duration.ofSeconds(90));
    if (started.find(0)) {
      return started.group(1);
    }
    throw new AssertionError("no start-up line in " + log + (process.isAlive() ? " after 90 s" : ", the node exited")
      + "; its log:\n" + (Files.exists(log) ? Files.readString(log) : "(none)"));
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int count(Pool db, String sql) {
    return await(db.query(sql).execute()).iterator().next().getInteger(0);
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout) {
    assertThat(TestService.poll(condition::getAsBoolean, done -> done, timeout)).as("waited %s", timeout).isTrue();
  }

}
