package dev.offload.config;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

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
  Api api,
  Webhooks webhooks,
  Workers workers,
  Map<String, JobTypeSettings> jobTypes,
  ClusterTls clusterTls,
  Management management,
  Retention retention,
  Dashboard dashboard,
  int shutdownGraceSeconds) {

  public enum Mode { DEV, PRODUCTION }

  public enum Role { API, WORKER }

  /**
   * HTTP listener. {@code instances} 0 means one HTTP verticle per core. {@code tls} is null for
   * plaintext. {@code plaintextBehindProxy} acknowledges that a non-loopback listener without TLS
   * sits behind a TLS-terminating proxy. {@code corsOrigins}: the browser origins allowed to call
   * the API (none: CORS off). Slow clients: a connection must deliver a request's headers within
   * {@code headerTimeoutSeconds} and its whole request within {@code requestTimeoutSeconds}; one
   * that sends nothing for {@code idleTimeoutSeconds} is closed. At most {@code maxConnections}
   * connections are open at once per node.
   */
  public record Http(String host, int port, int instances, Tls tls, int idleTimeoutSeconds, int headerTimeoutSeconds,
                     int requestTimeoutSeconds, int maxConnections, boolean plaintextBehindProxy,
                     List<String> corsOrigins) {
    public boolean loopback() {
      return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
  }

  /** A PEM private key and certificate chain: HTTPS (TLS 1.2 and 1.3, HTTP/2 through ALPN). */
  public record Tls(Path keyFile, Path certFile) {
  }

  /**
   * {@code kind} is {@code sqlite} (embedded, one process; the file lives in the data directory)
   * or {@code postgres} (shared by every node). {@code timeoutSeconds}: the longest a request
   * waits for the store; past it (and whenever the store fails) the answer is {@code 503}.
   */
  public record Store(String kind, Path sqliteFile, String sqliteSynchronous, int readConnections, Postgres postgres,
                      int timeoutSeconds) {
    public boolean isPostgres() {
      return "postgres".equals(kind);
    }
  }

  /**
   * PostgreSQL connection: a {@code postgresql://} URL, the schema Offload owns (created if
   * missing), the reader pool size per node, the write lanes per node (each a connection with its
   * own group commit), and the password (from {@code OFFLOAD_STORE_POSTGRES_PASSWORD} or a file;
   * never logged).
   */
  public record Postgres(String url, String schema, int poolSize, int writers, String password) {
    @Override
    public String toString() {
      return "Postgres[url=" + url + ", schema=" + schema + ", poolSize=" + poolSize + ", writers=" + writers
        + ", password=" + (password == null ? "none" : "***") + "]";
    }
  }

  /**
   * JWT verification. Keys: an HS256 secret file ({@code hs256SecretFile}, generated on first start
   * in dev mode when no other key is configured; null when unused), PEM public keys, and a JWKS
   * document. {@code issuer} and {@code audience} are checked when set (production requires them);
   * {@code leewaySeconds} forgives clock skew on {@code exp} and {@code nbf}.
   */
  public record Auth(Path hs256SecretFile, List<PublicKey> publicKeys, Jwks jwks, String issuer, String audience,
                     int leewaySeconds) {
  }

  /**
   * A PEM public key ("-----BEGIN PUBLIC KEY-----" or a certificate) pinned to one algorithm;
   * {@code kid} (optional) must then match the token header's {@code kid}.
   */
  public record PublicKey(String algorithm, Path file, String kid) {
  }

  /**
   * A JSON Web Key Set, from a file or an {@code https} URL. The URL is fetched at start, again
   * every {@code maxAgeSeconds}, and when a token names a key id it does not hold, but never more
   * often than every {@code minRefreshSeconds}. {@code caFile} (optional) is a PEM CA to trust for
   * the URL besides the JDK's.
   */
  public record Jwks(Path file, String url, Path caFile, int minRefreshSeconds, int maxAgeSeconds) {
  }

  /** The algorithms a public key may be pinned to. */
  public static final Set<String> PUBLIC_KEY_ALGORITHMS = Set.of(
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");

  /**
   * Request limits: body bytes, the request headers' total bytes and count, JSON nesting depth;
   * admission: active jobs per owner, the node's backlog, and the per-owner request rate; batch
   * submissions: at most {@code batchJobs} jobs in a body of at most {@code batchBodyBytes}; a job
   * runs at most {@code maxDelaySeconds} after its submission; an owner has at most
   * {@code schedulesPerOwner} recurring schedules.
   */
  public record Limits(int bodyBytes, int headerBytes, int headerCount, int activeJobsPerOwner, int backlog, Rate rate,
                       int jsonDepth, int batchJobs, int batchBodyBytes, int maxDelaySeconds, int schedulesPerOwner) {
  }

  /**
   * Results without polling. {@code Prefer: wait=N} holds a request for at most
   * {@code maxWaitSeconds}; at most {@code maxWaiters} requests are held per node, and
   * {@code maxWaitersPerOwner} per owner (beyond, the answer comes at once). Event streams: at
   * most {@code maxStreams} per node and {@code maxStreamsPerOwner} per owner, each open for at
   * most {@code maxStreamSeconds}, with a comment every {@code heartbeatSeconds}. An
   * {@code Idempotency-Key} is kept with its job for {@code idempotencyKeySeconds}.
   */
  public record Api(int maxWaitSeconds, int maxWaiters, int maxWaitersPerOwner, int maxStreams, int maxStreamsPerOwner,
                    int maxStreamSeconds, int heartbeatSeconds, int idempotencyKeySeconds) {
  }

  /**
   * Completion webhooks, signed with the Standard Webhooks scheme by each of {@code secrets}
   * ({@code whsec_...}; none: submissions with a callback are refused). Each delivery is tried up
   * to {@code maxAttempts} times, {@code timeoutSeconds} each, with an exponential backoff from
   * {@code retryBaseMillis} capped at {@code retryMaxMillis}. Targets must be {@code https}
   * (unless {@code allowHttp}) and public addresses (unless their host is in {@code allowHosts}).
   */
  public record Webhooks(List<String> secrets, int maxAttempts, int timeoutSeconds, long retryBaseMillis,
                         long retryMaxMillis, boolean allowHttp, List<String> allowHosts) {
    public boolean enabled() {
      return !secrets.isEmpty();
    }

    @Override
    public String toString() {
      return "Webhooks[secrets=" + secrets.size() + ", maxAttempts=" + maxAttempts + ", allowHttp=" + allowHttp
        + ", allowHosts=" + allowHosts + "]";
    }
  }

  /** Requests per owner per node: a token bucket of {@code burst} tokens refilled at {@code perSecond}. */
  public record Rate(boolean enabled, int perSecond, int burst) {
  }

  /**
   * Worker capacity: threads per blocking job type, concurrent attempts per asynchronous type,
   * the retry backoff (exponential from {@code retryBaseMillis}, capped at {@code retryMaxMillis}),
   * and the lease a node holds on a running attempt (renewed every third of it; when a node dies,
   * another re-queues its attempts once the lease has run out). {@code fairOwners}: a claim gives
   * each owner with due jobs a turn before it takes more of any one owner's jobs.
   */
  public record Workers(int blockingThreads, int asyncConcurrency, long retryBaseMillis, long retryMaxMillis,
                        long pollMillis, long progressIntervalMillis, int leaseSeconds, boolean fairOwners) {
  }

  /**
   * Event-bus TLS with mutual authentication between cluster nodes: this node's PEM key and
   * certificate, and the CA that signs every node's certificate. Null when not configured.
   */
  public record ClusterTls(Path keyFile, Path certFile, Path caFile) {
  }

  /**
   * The management listener: Prometheus metrics and detailed health, without authentication, so
   * on loopback by default (a scraper on the same host, or a port only the monitoring network
   * reaches). {@code vertxMetrics}: Vert.x's own metrics (HTTP server, event bus, pools, JVM)
   * besides Offload's.
   */
  public record Management(boolean enabled, String host, int port, boolean vertxMetrics) {
  }

  /** Finished jobs are deleted {@code keepFinishedSeconds} after they finished, {@code batchSize} at a time. */
  public record Retention(int keepFinishedSeconds, int intervalSeconds, int batchSize) {
  }

  /**
   * The browser dashboard at {@code /ui/} ({@code enabled}), and its OpenID Connect sign-in:
   * null when the dashboard only takes pasted tokens.
   */
  public record Dashboard(boolean enabled, Oidc oidc) {
  }

  /**
   * An OpenID Connect provider the dashboard signs in with (authorization code + PKCE, in the
   * browser): its {@code issuer} URL (discovery at {@code issuer/.well-known/openid-configuration}),
   * the dashboard's public {@code clientId} there, and the {@code scope} it asks for.
   */
  public record Oidc(String issuer, String clientId, String scope) {

    /** The issuer's origin (scheme, host, port): the one place besides 'self' the dashboard may connect to. */
    public String origin() {
      URI uri = URI.create(issuer);
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }
  }

  /** Per-type overrides; a null field keeps the handler's own default. */
  public record JobTypeSettings(Integer concurrency, Integer timeoutSeconds, Integer maxAttempts, boolean remote,
                                String endpoint, String description, JsonObject inputSchema, Integer leaseSeconds) {
    /** Settings that only tune a Java type's defaults. */
    public static final JobTypeSettings NONE = new JobTypeSettings(null, null, null, false, null, null, null, null);

    /** True when the section defines a type of its own (run by remote workers or by an endpoint). */
    public boolean defines() {
      return remote || endpoint != null;
    }
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
    return from(new ConfigReader(json, env));
  }

  /**
   * Every key a config built from {@code json} reads, with its default (null when it has none),
   * in the order they are read: what docs/configuration.md must list (a test compares them).
   */
  static Map<String, Object> keysAndDefaults(JsonObject json) {
    ConfigReader reader = new ConfigReader(json, Map.of());
    from(reader);
    return reader.defaults();
  }

  private static OffloadConfig from(ConfigReader r) {
    int cores = Runtime.getRuntime().availableProcessors();

    Mode mode = Mode.valueOf(r.oneOf("mode", "dev", Set.of("dev", "production")).toUpperCase(Locale.ROOT));
    Set<Role> roles = parseRoles(r.strings("roles", List.of("api", "worker")));
    String tlsKey = r.string("http.tls.keyFile", null);
    String tlsCert = r.string("http.tls.certFile", null);
    if ((tlsKey == null) != (tlsCert == null)) {
      throw new ConfigException("config keys 'http.tls.keyFile' and 'http.tls.certFile' go together: set both or none");
    }
    Http http = new Http(
      r.string("http.host", "127.0.0.1"),
      r.integer("http.port", 8080, 0, 65535),
      r.integer("http.instances", 0, 0, 256),
      tlsKey == null ? null : new Tls(readable("http.tls.keyFile", tlsKey), readable("http.tls.certFile", tlsCert)),
      // Longer than the longest Prefer: wait (api.maxWaitSeconds): a held request sends nothing.
      r.integer("http.idleTimeoutSeconds", 90, 1, 3600),
      r.integer("http.headerTimeoutSeconds", 10, 1, 600),
      r.integer("http.requestTimeoutSeconds", 30, 1, 3600),
      r.integer("http.maxConnections", 10_000, 1, 1_000_000),
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
        r.integer("store.postgres.writers", 4, 1, 64),
        password(r)),
      r.integer("store.timeoutSeconds", 5, 1, 300));
    Auth auth = auth(r, mode, dataDir);
    Limits limits = new Limits(
      r.integer("limits.bodyBytes", 65536, 256, 16 * 1024 * 1024),
      // Room for an 8 KiB token besides the usual headers, so that an oversized token gets a clear 401.
      r.integer("limits.headerBytes", 16 * 1024, 1024, 1024 * 1024),
      r.integer("limits.headerCount", 64, 8, 1000),
      r.integer("limits.activeJobsPerOwner", 1000, 1, 10_000_000),
      r.integer("limits.backlog", 100_000, 1, 100_000_000),
      new Rate(
        r.bool("limits.rate.enabled", true),
        r.integer("limits.rate.perSecond", 100, 1, 1_000_000),
        r.integer("limits.rate.burst", 200, 1, 10_000_000)),
      r.integer("limits.jsonDepth", 32, 2, 1000),
      r.integer("limits.batchJobs", 1000, 1, 100_000),
      r.integer("limits.batchBodyBytes", 4 * 1024 * 1024, 1024, 64 * 1024 * 1024),
      r.integer("limits.maxDelaySeconds", 30 * 24 * 3600, 0, 3650 * 24 * 3600),
      r.integer("limits.schedulesPerOwner", 100, 0, 100_000));
    Api api = new Api(
      r.integer("api.maxWaitSeconds", 60, 1, 3600),
      r.integer("api.maxWaiters", 10_000, 0, 1_000_000),
      r.integer("api.maxWaitersPerOwner", 100, 0, 1_000_000),
      r.integer("api.maxStreams", 10_000, 0, 1_000_000),
      r.integer("api.maxStreamsPerOwner", 100, 0, 1_000_000),
      r.integer("api.maxStreamSeconds", 3600, 1, 86_400),
      r.integer("api.heartbeatSeconds", 15, 1, 3600),
      r.integer("api.idempotencyKeySeconds", 24 * 3600, 1, 30 * 24 * 3600));
    Webhooks webhooks = new Webhooks(
      webhookSecrets(r),
      r.integer("webhooks.maxAttempts", 10, 1, 100),
      r.integer("webhooks.timeoutSeconds", 10, 1, 300),
      r.integer("webhooks.retryBaseMillis", 5000, 1, 3_600_000),
      r.integer("webhooks.retryMaxMillis", 3_600_000, 1, 86_400_000),
      r.bool("webhooks.allowHttp", false),
      r.strings("webhooks.allowHosts", List.of()));
    Workers workers = new Workers(
      r.integer("workers.blockingThreads", Math.max(1, cores - 1), 1, 1024),
      r.integer("workers.asyncConcurrency", 256, 1, CONSUMER_BUFFER),
      r.integer("workers.retryBaseMillis", 1000, 1, 3_600_000),
      r.integer("workers.retryMaxMillis", 300_000, 1, 86_400_000),
      r.integer("workers.pollMillis", 500, 10, 60_000),
      r.integer("workers.progressIntervalMillis", 1000, 0, 60_000),
      r.integer("workers.leaseSeconds", 30, 3, 3600),
      "owner".equals(r.oneOf("workers.fairness", "owner", Set.of("owner", "none"))));
    Map<String, JobTypeSettings> jobTypes = new LinkedHashMap<>();
    for (String type : r.names("jobTypes")) {
      String p = "jobTypes." + type + ".";
      jobTypes.put(type, new JobTypeSettings(
        optional(r, p + "concurrency", CONSUMER_BUFFER),
        optional(r, p + "timeoutSeconds", 7 * 24 * 3600),
        optional(r, p + "maxAttempts", 100),
        r.bool(p + "remote", false),
        r.matching(p + "endpoint", null, "https?://\\S+"),
        r.string(p + "description", null),
        r.object(p + "inputSchema"),
        optional(r, p + "leaseSeconds", 3600)));
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
      clusterTls = new ClusterTls(readable("cluster.tls.keyFile", key), readable("cluster.tls.certFile", cert),
        readable("cluster.tls.caFile", ca));
    }
    Management management = new Management(
      r.bool("management.enabled", true),
      r.string("management.host", "127.0.0.1"),
      r.integer("management.port", 8081, 0, 65535),
      r.bool("management.vertxMetrics", true));
    Retention retention = new Retention(
      r.integer("retention.keepFinishedSeconds", 7 * 24 * 3600, 1, 3650 * 24 * 3600),
      r.integer("retention.intervalSeconds", 60, 1, 86_400),
      r.integer("retention.batchSize", 500, 1, 100_000));
    Dashboard dashboard = dashboard(r);
    int shutdownGrace = r.integer("shutdown.graceSeconds", 30, 0, 86_400);
    r.rejectUnknownKeys();
    if (api.maxWaitSeconds() >= http.idleTimeoutSeconds()) {
      throw new ConfigException("config key 'api.maxWaitSeconds' (" + api.maxWaitSeconds() + ") must be shorter than "
        + "'http.idleTimeoutSeconds' (" + http.idleTimeoutSeconds() + "): a request held by Prefer: wait sends "
        + "nothing while it waits, and an idle connection is closed");
    }
    if (mode == Mode.PRODUCTION) {
      requireProductionSettings(http, auth);
    }
    return new OffloadConfig(mode, roles, http, dataDir, store, auth, limits, api, webhooks, workers, Map.copyOf(jobTypes),
      clusterTls, management, retention, dashboard, shutdownGrace);
  }

  private static Dashboard dashboard(ConfigReader r) {
    boolean enabled = r.bool("dashboard.enabled", true);
    String issuer = r.matching("dashboard.oidc.issuer", null, "https?://[A-Za-z0-9.-]+(:\\d{1,5})?(/[^\\s?#]*)?");
    String clientId = r.matching("dashboard.oidc.clientId", null, "[\\x21-\\x7e]{1,255}");
    String scope = r.matching("dashboard.oidc.scope", "openid", "[\\x21\\x23-\\x5b\\x5d-\\x7e]+( [\\x21\\x23-\\x5b\\x5d-\\x7e]+)*");
    if ((issuer == null) != (clientId == null)) {
      throw new ConfigException("config keys 'dashboard.oidc.issuer' and 'dashboard.oidc.clientId' go together: "
        + "set both or none");
    }
    if (issuer != null && issuer.startsWith("http:") && !URI.create(issuer).getHost().matches("localhost|127\\..*")) {
      throw new ConfigException("config key 'dashboard.oidc.issuer' must be an https URL (plain http only on "
        + "loopback): the sign-in's code and tokens would cross the network in the clear");
    }
    if (issuer != null && !scope.matches("(.* )?openid( .*)?")) {
      throw new ConfigException("config key 'dashboard.oidc.scope' must include 'openid' (OpenID Connect), got \""
        + scope + "\"");
    }
    return new Dashboard(enabled, issuer == null ? null : new Oidc(issuer, clientId, scope));
  }

  private static Auth auth(ConfigReader r, Mode mode, Path dataDir) {
    List<PublicKey> keys = new ArrayList<>();
    for (int i = 0, n = r.size("auth.publicKeys"); i < n; i++) {
      String p = "auth.publicKeys." + i + ".";
      keys.add(new PublicKey(r.oneOf(p + "algorithm", null, PUBLIC_KEY_ALGORITHMS),
        readable(p + "file", r.string(p + "file", null)), r.string(p + "kid", null)));
    }
    String jwksFile = r.string("auth.jwks.file", null);
    String jwksUrl = r.matching("auth.jwks.url", null, "https?://[^\\s]+");
    String jwksCa = r.string("auth.jwks.caFile", null);
    int minRefresh = r.integer("auth.jwks.minRefreshSeconds", 30, 1, 86_400);
    int maxAge = r.integer("auth.jwks.maxAgeSeconds", 3600, 10, 7 * 86_400);
    if (jwksFile != null && jwksUrl != null) {
      throw new ConfigException("config keys 'auth.jwks.file' and 'auth.jwks.url' exclude each other: set one");
    }
    if (jwksUrl != null && jwksUrl.startsWith("http:") && !URI.create(jwksUrl).getHost().matches("localhost|127\\..*")) {
      throw new ConfigException("config key 'auth.jwks.url' must be an https URL (plain http only on loopback): "
        + "keys fetched in the clear can be swapped by anyone on the path");
    }
    Jwks jwks = jwksFile == null && jwksUrl == null ? null : new Jwks(
      jwksFile == null ? null : readable("auth.jwks.file", jwksFile), jwksUrl,
      jwksCa == null ? null : readable("auth.jwks.caFile", jwksCa), minRefresh, maxAge);
    String secret = r.string("auth.hs256SecretFile", null);
    boolean devSecret = secret == null && keys.isEmpty() && jwks == null;
    if (devSecret && mode == Mode.PRODUCTION) {
      throw new ConfigException("production mode needs a verification key: set 'auth.publicKeys' or 'auth.jwks' "
        + "(your identity provider's public keys), or 'auth.hs256SecretFile' (a shared secret you manage); "
        + "it never generates the dev secret");
    }
    return new Auth(
      secret != null ? dataDir.resolve(secret) : devSecret ? dataDir.resolve("jwt-hs256.secret") : null,
      List.copyOf(keys), jwks,
      r.string("auth.issuer", null),
      r.string("auth.audience", null),
      r.integer("auth.leewaySeconds", 5, 0, 60));
  }

  /** A path that must name a readable file; the error names the key. */
  private static Path readable(String key, String file) {
    Path path = Path.of(file);
    if (!Files.isReadable(path)) {
      throw new ConfigException("config key '" + key + "' (env " + ConfigReader.envName(key) + "): cannot read "
        + file);
    }
    return path;
  }

  /**
   * Production mode refuses what is only acceptable on a developer's machine: tokens whose
   * issuer and audience nobody checks, and a plaintext listener reachable from the network
   * (unless it is declared to sit behind a TLS-terminating proxy).
   */
  private static void requireProductionSettings(Http http, Auth auth) {
    if (auth.issuer() == null || auth.audience() == null) {
      throw new ConfigException("production mode requires config keys 'auth.issuer' and 'auth.audience': "
        + "without them any token your key signed for another service is accepted");
    }
    if (http.tls() == null && !http.loopback() && !http.plaintextBehindProxy()) {
      throw new ConfigException("production mode refuses a plaintext listener on '" + http.host()
        + "' (config key 'http.host'): set 'http.tls.keyFile' and 'http.tls.certFile', bind to loopback behind "
        + "a TLS-terminating proxy, or set 'http.plaintextBehindProxy' to true if the network path to the proxy "
        + "is trusted");
    }
  }

  /**
   * The webhook signing secrets: {@code webhooks.secret} (a list; from the environment,
   * comma-separated) or the file named by {@code webhooks.secretFile} (one per line). Several
   * secrets sign every delivery once each, so a receiver can move to a new one.
   */
  private static List<String> webhookSecrets(ConfigReader r) {
    List<String> secrets = r.strings("webhooks.secret", List.of());
    String file = r.string("webhooks.secretFile", null);
    if (!secrets.isEmpty() && file != null) {
      throw new ConfigException("config keys 'webhooks.secret' and 'webhooks.secretFile' exclude each other: set one");
    }
    if (file != null) {
      try {
        secrets = Files.readAllLines(Path.of(file)).stream().map(String::trim).filter(line -> !line.isEmpty()).toList();
      } catch (IOException e) {
        throw new ConfigException("config key 'webhooks.secretFile' (env OFFLOAD_WEBHOOKS_SECRETFILE): cannot read "
          + file);
      }
    }
    for (String secret : secrets) {
      if (!secret.matches("whsec_[A-Za-z0-9+/=]{32,}")) {
        throw new ConfigException("config key '" + (file != null ? "webhooks.secretFile" : "webhooks.secret")
          + "' must hold secrets written whsec_<base64 of 24 bytes or more> (one is printed by: echo whsec_$(openssl rand -base64 32))");
      }
    }
    return List.copyOf(secrets);
  }

  /** The password from {@code store.postgres.password} (env) or the file named by {@code store.postgres.passwordFile}. */
  private static String password(ConfigReader r) {
    String password = r.string("store.postgres.password", null);
    String file = r.string("store.postgres.passwordFile", null);
    if (password != null || file == null) {
      return password;
    }
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      throw new ConfigException("config key 'store.postgres.passwordFile' (env OFFLOAD_STORE_POSTGRES_PASSWORDFILE): "
        + "cannot read " + file);
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
    }).collect(Collectors.toUnmodifiableSet());
  }
}
