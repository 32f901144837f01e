package dev.offload.support;

import dev.offload.app.MainVerticle;
import dev.offload.auth.DevSecret;
import dev.offload.auth.DevTokens;
import dev.offload.auth.Verifiers;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.WebClientInternal;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A real Offload service for tests: the main verticle deployed on a given Vert.x with a SQLite
 * file in a temporary directory, HTTP on a free port, and a client that speaks to it with tokens
 * signed by the service's own dev secret.
 */
public final class TestService {
  public static final String ISSUER = "offload-test";
  public static final String AUDIENCE = "offload-tests";
  public static final String READ_WRITE = "jobs:read jobs:write";

  public final Vertx vertx;
  public final OffloadConfig config;
  public final WebClient client;
  private final MainVerticle main;
  private final String deploymentId;
  private final JWTAuth signer;

  private TestService(Vertx vertx, OffloadConfig config, MainVerticle main, String deploymentId, JWTAuth signer) {
    this.vertx = vertx;
    this.config = config;
    this.main = main;
    this.deploymentId = deploymentId;
    this.signer = signer;
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(main.httpPort()).setKeepAlive(true));
  }

  /** The config every test starts from: dev mode, port 0, one HTTP verticle, the given data dir. */
  public static JsonObject baseConfig(Path dataDir) {
    return new JsonObject()
      .put("mode", "dev")
      .put("dataDir", dataDir.toString())
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
      .put("management", new JsonObject().put("port", 0))
      .put("auth", new JsonObject().put("issuer", ISSUER).put("audience", AUDIENCE))
      // Tests poll quickly as one owner; the rate limit has tests of its own.
      .put("limits", new JsonObject().put("rate", new JsonObject().put("enabled", false)))
      .put("workers", new JsonObject().put("pollMillis", 100).put("retryBaseMillis", 100)
        .put("progressIntervalMillis", 100));
  }

  public static TestService start(Vertx vertx, Path dataDir) {
    return start(vertx, baseConfig(dataDir));
  }

  /** The base config with one section of settings ({@code "api"}, {@code "webhooks"} ...); none when null. */
  public static TestService start(Vertx vertx, Path dataDir, String section, JsonObject settings) {
    JsonObject config = baseConfig(dataDir);
    if (settings != null) {
      config.put(section, settings);
    }
    return start(vertx, config);
  }

  public static TestService start(Vertx vertx, JsonObject config) {
    OffloadConfig settings = OffloadConfig.from(config, Map.of());
    MainVerticle main = new MainVerticle(Map.of());
    String id = await(vertx.deployVerticle(main, new DeploymentOptions().setConfig(config)));
    // A service that verifies public keys only has no secret to sign with: its tests bring their own keys.
    JWTAuth signer = settings.auth().hs256SecretFile() == null ? null
      : Verifiers.create(vertx, await(DevSecret.read(vertx, settings)), settings.auth());
    TestService service = new TestService(vertx, settings, main, id, signer);
    service.validateResponses();
    return service;
  }

  /**
   * From here on, every answer this client receives from the service is checked against the
   * contract the service serves ({@link ContractValidator}); one that does not fit fails the
   * request, and so the test.
   */
  private void validateResponses() {
    // Taken from the verticle, not fetched: a request of the harness's own would show in the
    // access log, the audit trail and the metrics that tests count. A node without HTTP has none.
    if (main.http() == null) {
      return;
    }
    ContractValidator contract = new ContractValidator(main.http().contract().toJsonObject());
    ((WebClientInternal) client).addInterceptor(ctx -> {
      if (ctx.phase() == ClientPhase.DISPATCH_RESPONSE) {
        HttpResponse<?> response = ctx.response();
        Buffer body = response.body() instanceof Buffer buffer ? buffer : null;
        List<String> problems = contract.problems(ctx.request().method(), ctx.request().uri(), response.statusCode(),
          response.headers(), body);
        if (!problems.isEmpty()) {
          ctx.fail(new AssertionError("the answer does not fit the contract: " + problems + "; body: "
            + (body == null ? null : body.toString())));
          return;
        }
      }
      ctx.next();
    });
  }

  /** Undeploys the service (HTTP, dispatcher, workers, store) but keeps the Vert.x instance. */
  public void stop() {
    client.close();
    await(vertx.undeploy(deploymentId));
  }

  /** The main verticle (drain, metrics, management port). */
  public MainVerticle main() {
    return main;
  }

  /** The HTTP port the service listens on. */
  public int port() {
    return main.httpPort();
  }

  public String token(String subject, String scope) {
    return DevTokens.sign(signer, config.auth(), subject, scope, 600);
  }

  public JWTAuth signer() {
    return signer;
  }

  public HttpRequest<Buffer> request(HttpMethod method, String path, String token) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request;
  }

  /** One scrape of the management port's {@code /metrics}. */
  public Scrape scrape() {
    HttpResponse<Buffer> response = await(client.get(main.managementPort(), "127.0.0.1", "/metrics").send());
    if (response.statusCode() != 200) {
      throw new AssertionError("GET /metrics answered " + response.statusCode());
    }
    return Scrape.parse(response.bodyAsString());
  }

  public HttpResponse<Buffer> get(String path, String token) {
    return await(request(HttpMethod.GET, path, token).send());
  }

  public HttpResponse<Buffer> delete(String path, String token) {
    return await(request(HttpMethod.DELETE, path, token).send());
  }

  public HttpResponse<Buffer> post(String path, String token, JsonObject body) {
    return await(request(HttpMethod.POST, path, token).sendJsonObject(body));
  }

  /** Submits a job and returns the 202 body; fails the test on any other status. */
  public JsonObject submit(String token, String type, JsonObject input) {
    HttpResponse<Buffer> response = post("/api/v1/jobs", token, new JsonObject().put("type", type).put("input", input));
    if (response.statusCode() != 202) {
      throw new AssertionError("submit answered " + response.statusCode() + ": " + response.bodyAsString());
    }
    return response.bodyAsJsonObject();
  }

  /** Polls the job until it is in one of {@code states}; fails after {@code timeout}. */
  public JsonObject awaitState(String token, String id, Duration timeout, String... states) {
    Set<String> wanted = Set.of(states);
    HttpResponse<Buffer> last = poll(() -> get("/api/v1/jobs/" + id, token),
      response -> response.statusCode() == 200 && wanted.contains(response.bodyAsJsonObject().getString("state")),
      timeout);
    if (last.statusCode() != 200 || !wanted.contains(last.bodyAsJsonObject().getString("state"))) {
      throw new AssertionError("job " + id + " did not reach " + wanted + " within " + timeout + "; last: "
        + last.bodyAsString());
    }
    return last.bodyAsJsonObject();
  }

  /**
   * The one way a blocking test waits: reads (at once, then every 50 ms) until {@code done} holds
   * or {@code timeout} has passed, and returns the last value read. The caller asserts on it, so a
   * timeout fails with what was actually seen, not with "condition not met". Awaitility does the
   * waiting; a read that throws fails the test with its own cause.
   */
  public static <T> T poll(Supplier<T> read, Predicate<T> done, Duration timeout) {
    AtomicReference<T> last = new AtomicReference<>();
    try {
      Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          T value = read.get();
          last.set(value);
          return done.test(value);
        });
    } catch (ConditionTimeoutException notYet) {
      // The caller's assertion on the last value says what was seen instead.
    }
    return last.get();
  }

  /**
   * Runs blocking {@code work} (a {@link #poll}, the blocking client) on a thread of its own and
   * completes on a Vert.x context: for an asynchronous test that needs a blocking step, which must
   * run neither on an event loop nor on a Vert.x worker (where the blocking client refuses to wait).
   */
  public static <T> Future<T> blocking(Vertx vertx, Callable<T> work) {
    Context context = vertx.getOrCreateContext();
    Promise<T> done = Promise.promise();
    Thread thread = new Thread(() -> {
      try {
        T value = work.call();
        context.runOnContext(v -> done.complete(value));
      } catch (Throwable failure) {
        context.runOnContext(v -> done.fail(failure));
      }
    }, "blocking test step");
    thread.setDaemon(true);
    thread.start();
    return done.future();
  }

  /** A token for {@code subject} (read and write) that a service on {@code settings} accepts: its dev secret. */
  public static String devToken(Vertx vertx, OffloadConfig settings, String subject) {
    return devToken(vertx, settings, subject, READ_WRITE);
  }

  public static String devToken(Vertx vertx, OffloadConfig settings, String subject, String scope) {
    JWTAuth signer = Verifiers.create(vertx, await(DevSecret.read(vertx, settings)), settings.auth());
    return DevTokens.sign(signer, settings.auth(), subject, scope, 600);
  }

  /** The failure {@code future} ends with; a test failure when it succeeds or does not end within 60 s. */
  public static Throwable awaitFailure(Future<?> future) {
    try {
      future.await(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out waiting for a failure", e);
    } catch (Throwable failure) {
      return failure;
    }
    throw new AssertionError("expected a failure, got " + future.result());
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out waiting for a future", e);
    }
  }

  /**
   * A TCP port that was free a moment ago, for processes that cannot be given port 0. It is
   * taken below Linux's ephemeral range (32768 and up), where the outgoing connections of the
   * processes under test (Hazelcast dialling members that are not up yet) could take it first.
   */
  public static int freePort() {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int tries = 0; tries < 200; tries++) {
      int port = random.nextInt(20_000, 30_000);
      try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1,
        java.net.InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (java.io.IOException taken) {
        // try another
      }
    }
    throw new AssertionError("no free port between 20000 and 30000");
  }

  /** {@code count} distinct free ports. */
  public static List<Integer> freePorts(int count) {
    Set<Integer> ports = new java.util.LinkedHashSet<>();
    while (ports.size() < count) {
      ports.add(freePort());
    }
    return List.copyOf(ports);
  }
}
