package dev.offload.config;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole configuration, read once at start-up from {@code conf/config.json} and the
 * environment, validated, and passed down. Nothing else reads raw config.
 */
public record OffloadConfig(
  Mode mode,
  Set<Role> roles,
  Http http,
  Path dataDir,
  Store store,
  Auth auth,
  Limits limits,
  Workers workers,
  Map<String, JobTypeSettings> jobTypes,
  ClusterTls clusterTls) {

  public enum Mode { DEV, PRODUCTION }

  public enum Role { API, WORKER }

  /** HTTP listener. {@code instances} 0 means one HTTP verticle per core. */
  /**
   * HTTP listener. {@code instances} 0 means one HTTP verticle per core. {@code plaintextBehindProxy}
   * acknowledges that a non-loopback listener without TLS sits behind a TLS-terminating proxy.
   * {@code corsOrigins}: the browser origins allowed to call the API (none: CORS off).
   */
  public record Http(String host, int port, int instances, int idleTimeoutSeconds, boolean plaintextBehindProxy,
                     List<String> corsOrigins) {
    public boolean loopback() {
      return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
  }

  /**
   * {@code kind} is {@code sqlite} (embedded, one process; the file lives in the data directory)
   * or {@code postgres} (shared by every node).
   */
  public record Store(String kind, Path sqliteFile, String sqliteSynchronous, int readConnections, Postgres postgres) {
    public boolean isPostgres() {
      return "postgres".equals(kind);
    }
  }

  /**
   * PostgreSQL connection: a {@code postgresql://} URL, the schema Offload owns (created if
   * missing), the pool size per node, and the password (from {@code OFFLOAD_STORE_POSTGRES_PASSWORD}
   * or a file; never logged).
   */
  public record Postgres(String url, String schema, int poolSize, String password) {
    @Override
    public String toString() {
      return "Postgres[url=" + url + ", schema=" + schema + ", poolSize=" + poolSize
        + ", password=" + (password == null ? "none" : "***") + "]";
    }
  }

  /**
   * JWT verification. {@code hs256SecretFile} holds the HMAC secret; in dev mode it is generated on
   * first start. {@code issuer} and {@code audience} are checked when set.
   */
  public record Auth(Path hs256SecretFile, String issuer, String audience, int leewaySeconds) {
  }

  public record Limits(int bodyBytes, int activeJobsPerOwner, int backlog, Rate rate, int jsonDepth) {
  }

  /** Requests per owner per node: a token bucket of {@code burst} tokens refilled at {@code perSecond}. */
  public record Rate(boolean enabled, int perSecond, int burst) {
  }

  /**
   * Worker capacity: threads per blocking job type, concurrent attempts per asynchronous type,
   * the retry backoff (exponential from {@code retryBaseMillis}, capped at {@code retryMaxMillis}),
   * and the lease a node holds on a running attempt (renewed every third of it; when a node dies,
   * another re-queues its attempts once the lease has run out).
   */
  public record Workers(int blockingThreads, int asyncConcurrency, long retryBaseMillis, long retryMaxMillis,
                        long pollMillis, long progressIntervalMillis, int leaseSeconds) {
  }

  /**
   * Event-bus TLS with mutual authentication between cluster nodes: this node's PEM key and
   * certificate, and the CA that signs every node's certificate. Null when not configured.
   */
  public record ClusterTls(Path keyFile, Path certFile, Path caFile) {
  }

  /** Per-type overrides; a null field keeps the handler's own default. */
  public record JobTypeSettings(Integer concurrency, Integer timeoutSeconds, Integer maxAttempts) {
  }

  /** The most messages a consumer buffers before the event bus drops them (MessageConsumerOptions default). */
  public static final int CONSUMER_BUFFER = 1000;

  public boolean runsApi() {
    return roles.contains(Role.API);
  }

  public boolean runsWorkers() {
    return roles.contains(Role.WORKER);
  }

  /** Builds the config from the JSON file contents and environment; throws {@link ConfigException}. */
  public static OffloadConfig from(JsonObject json, Map<String, String> env) {
    ConfigReader r = new ConfigReader(json, env);
    int cores = Runtime.getRuntime().availableProcessors();

    Mode mode = Mode.valueOf(r.oneOf("mode", "dev", Set.of("dev", "production")).toUpperCase(java.util.Locale.ROOT));
    Set<Role> roles = parseRoles(r.strings("roles", List.of("api", "worker")));
    Http http = new Http(
      r.string("http.host", "127.0.0.1"),
      r.integer("http.port", 8080, 0, 65535),
      r.integer("http.instances", 0, 0, 256),
      r.integer("http.idleTimeoutSeconds", 60, 1, 3600),
      r.bool("http.plaintextBehindProxy", false),
      r.strings("http.corsOrigins", List.of()));
    for (String origin : http.corsOrigins()) {
      if (!origin.matches("https?://[A-Za-z0-9.-]+(:\\d{1,5})?")) {
        throw new ConfigException("config key 'http.corsOrigins' must list origins such as https://app.example.com, got \""
          + origin + "\"");
      }
    }
    Path dataDir = Path.of(r.string("dataDir", "data"));
    Store store = new Store(
      r.oneOf("store.kind", "sqlite", Set.of("sqlite", "postgres")),
      dataDir.resolve(r.string("store.sqlite.file", "offload.db")),
      r.oneOf("store.sqlite.synchronous", "FULL", Set.of("FULL", "NORMAL")),
      r.integer("store.sqlite.readConnections", 4, 1, 64),
      new Postgres(
        r.matching("store.postgres.url", "postgresql://postgres@127.0.0.1:5432/postgres", "postgres(ql)?://.+"),
        r.matching("store.postgres.schema", "offload", "[a-z_][a-z0-9_]{0,62}"),
        r.integer("store.postgres.poolSize", 8, 1, 256),
        password(r)));
    String issuer = r.string("auth.issuer", null);
    String audience = r.string("auth.audience", null);
    Auth auth = new Auth(
      dataDir.resolve(r.string("auth.hs256SecretFile", "jwt-hs256.secret")),
      issuer, audience,
      r.integer("auth.leewaySeconds", 5, 0, 60));
    Limits limits = new Limits(
      r.integer("limits.bodyBytes", 65536, 256, 16 * 1024 * 1024),
      r.integer("limits.activeJobsPerOwner", 1000, 1, 10_000_000),
      r.integer("limits.backlog", 100_000, 1, 100_000_000),
      new Rate(
        r.bool("limits.rate.enabled", true),
        r.integer("limits.rate.perSecond", 100, 1, 1_000_000),
        r.integer("limits.rate.burst", 200, 1, 10_000_000)),
      r.integer("limits.jsonDepth", 32, 2, 1000));
    Workers workers = new Workers(
      r.integer("workers.blockingThreads", Math.max(1, cores - 1), 1, 1024),
      r.integer("workers.asyncConcurrency", 256, 1, CONSUMER_BUFFER),
      r.integer("workers.retryBaseMillis", 1000, 1, 3_600_000),
      r.integer("workers.retryMaxMillis", 300_000, 1, 86_400_000),
      r.integer("workers.pollMillis", 500, 10, 60_000),
      r.integer("workers.progressIntervalMillis", 1000, 0, 60_000),
      r.integer("workers.leaseSeconds", 30, 3, 3600));
    Map<String, JobTypeSettings> jobTypes = new LinkedHashMap<>();
    for (String type : r.names("jobTypes")) {
      String p = "jobTypes." + type + ".";
      jobTypes.put(type, new JobTypeSettings(
        optional(r, p + "concurrency", CONSUMER_BUFFER),
        optional(r, p + "timeoutSeconds", 7 * 24 * 3600),
        optional(r, p + "maxAttempts", 100)));
    }
    String key = r.string("cluster.tls.keyFile", null);
    String cert = r.string("cluster.tls.certFile", null);
    String ca = r.string("cluster.tls.caFile", null);
    ClusterTls clusterTls = null;
    if (key != null || cert != null || ca != null) {
      if (key == null || cert == null || ca == null) {
        throw new ConfigException("config keys 'cluster.tls.keyFile', 'cluster.tls.certFile' and "
          + "'cluster.tls.caFile' go together: set all three or none");
      }
      clusterTls = new ClusterTls(Path.of(key), Path.of(cert), Path.of(ca));
    }
    r.rejectUnknownKeys();
    if (mode == Mode.PRODUCTION) {
      requireProductionSettings(http, issuer, audience);
    }
    return new OffloadConfig(mode, roles, http, dataDir, store, auth, limits, workers, Map.copyOf(jobTypes),
      clusterTls);
  }

  /**
   * Production mode refuses what is only acceptable on a developer's machine: tokens whose
   * issuer and audience nobody checks, and a plaintext listener reachable from the network
   * (this service has no HTTPS yet: it must sit behind a TLS-terminating proxy, and say so).
   */
  private static void requireProductionSettings(Http http, String issuer, String audience) {
    if (issuer == null || audience == null) {
      throw new ConfigException("production mode requires config keys 'auth.issuer' and 'auth.audience': "
        + "without them any token your key signed for another service is accepted");
    }
    if (!http.loopback() && !http.plaintextBehindProxy()) {
      throw new ConfigException("production mode refuses a plaintext listener on '" + http.host()
        + "' (config key 'http.host'): bind to loopback behind a TLS-terminating proxy, or set "
        + "'http.plaintextBehindProxy' to true if the network path to the proxy is trusted");
    }
  }

  /** The password from {@code store.postgres.password} (env) or the file named by {@code store.postgres.passwordFile}. */
  private static String password(ConfigReader r) {
    String password = r.string("store.postgres.password", null);
    String file = r.string("store.postgres.passwordFile", null);
    if (password != null || file == null) {
      return password;
    }
    try {
      return java.nio.file.Files.readString(Path.of(file)).trim();
    } catch (java.io.IOException e) {
      throw new ConfigException("config key 'store.postgres.passwordFile': cannot read " + file);
    }
  }

  private static Integer optional(ConfigReader r, String path, int max) {
    int value = r.integer(path, 0, 0, max);
    return value == 0 ? null : value;
  }

  private static Set<Role> parseRoles(List<String> names) {
    if (names.isEmpty()) {
      throw new ConfigException("config key 'roles' must name at least one of [api, worker]");
    }
    return names.stream().map(name -> switch (name) {
      case "api" -> Role.API;
      case "worker" -> Role.WORKER;
      default -> throw new ConfigException("config key 'roles' must hold only 'api' and 'worker', got \"" + name + "\"");
    }).collect(java.util.stream.Collectors.toUnmodifiableSet());
  }
}
