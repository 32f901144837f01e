package dev.offload.config;

import dev.offload.jobs.JobType;
import dev.offload.jobs.JobTypes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The configuration of docs/design.md (section 2) and docs/configuration.md: defaults, environment overrides, and a fast failure
 * naming the key for every bad or unknown value.
 */
class ConfigTest {

  private static OffloadConfig from(JsonObject json) {
    return OffloadConfig.from(json, Map.of());
  }

  private static JsonObject json(String text) {
    return new JsonObject(text);
  }

  private static void assertRefused(JsonObject json, Map<String, String> env, String... named) {
    assertThatThrownBy(() -> OffloadConfig.from(json, env))
      .as("config %s, env %s", json.encode(), env)
      .isInstanceOf(ConfigException.class)
      .hasMessageContainingAll(named);
  }

  private static void assertRefused(JsonObject json, String... named) {
    assertRefused(json, Map.of(), named);
  }

  @Test
  void anEmptyConfigGetsTheDefaultsOfTheDesign() {
    OffloadConfig config = from(new JsonObject());

    assertThat(config.mode()).isEqualTo(OffloadConfig.Mode.DEV);
    assertThat(config.roles()).containsExactlyInAnyOrder(OffloadConfig.Role.API, OffloadConfig.Role.WORKER);
    assertThat(config.http().host()).isEqualTo("127.0.0.1");
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.dataDir()).isEqualTo(Path.of("data"));
    assertThat(config.store().kind()).isEqualTo("sqlite");
    assertThat(config.store().sqliteFile()).isEqualTo(Path.of("data", "offload.db"));
    assertThat(config.limits().bodyBytes()).isEqualTo(65536);
    assertThat(config.limits().activeJobsPerOwner()).isEqualTo(1000);
    assertThat(config.limits().backlog()).isEqualTo(100_000);
    // The secret lives with the data; iss and aud are only checked when configured.
    assertThat(config.auth().hs256SecretFile()).isEqualTo(Path.of("data", "jwt-hs256.secret"));
    assertThat(config.auth().issuer()).isNull();
    assertThat(config.auth().audience()).isNull();
    // Blocking jobs leave a core to the event loops; async concurrency fits the consumer buffer.
    assertThat(config.workers().blockingThreads())
      .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
    assertThat(config.workers().asyncConcurrency()).isBetween(1, OffloadConfig.CONSUMER_BUFFER);
    assertThat(config.jobTypes()).isEmpty();
  }

  @Test
  void theDesignsExampleConfigReadsBackAsWritten() {
    OffloadConfig config = from(json("""
      {"mode": "production", "http": {"host": "0.0.0.0", "port": 8443, "plaintextBehindProxy": true},
       "auth": {"issuer": "https://id.example", "audience": "offload", "hs256SecretFile": "/etc/offload/jwt.secret"},
       "dataDir": "/var/lib/offload",
       "store": {"kind": "sqlite"},
       "limits": {"bodyBytes": 1024, "activeJobsPerOwner": 5, "backlog": 50,
                  "rate": {"enabled": true, "perSecond": 10, "burst": 20}}}"""));
    assertThat(config.mode()).isEqualTo(OffloadConfig.Mode.PRODUCTION);
    assertThat(config.http().host()).isEqualTo("0.0.0.0");
    assertThat(config.http().port()).isEqualTo(8443);
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/offload"));
    assertThat(config.limits()).isEqualTo(new OffloadConfig.Limits(1024, 16384, 64, 5, 50, new OffloadConfig.Rate(true, 10, 20), 32,
      1000, 4 * 1024 * 1024, 30 * 24 * 3600, 100));
  }

  @Test
  void theShippedConfigParsesAndKnowsEveryJobTypeItConfigures() throws Exception {
    // Surefire runs in the project root.
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf", "config.json")));
    OffloadConfig config = from(shipped);

    assertThat(config.mode()).isEqualTo(OffloadConfig.Mode.DEV);
    assertThat(config.http().host()).isEqualTo("127.0.0.1");
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.store().kind()).isEqualTo("sqlite");
    // docs/design.md, section 2: the shipped dev config sets both.
    assertThat(config.auth().issuer()).isNotBlank();
    assertThat(config.auth().audience()).isNotBlank();
    assertThat(JobTypes.load(config).all()).extracting(JobType::name).contains("primes", "sleep");
  }

  // --- environment --------------------------------------------------------------------------

  @Test
  void environmentVariablesWinOverTheFile() {
    JsonObject file = json("""
      {"http": {"port": 8080}, "limits": {"bodyBytes": 65536}}""");
    OffloadConfig config = OffloadConfig.from(file, Map.of(
      "OFFLOAD_HTTP_PORT", "9090",
      "OFFLOAD_LIMITS_BODYBYTES", "1024",
      "OFFLOAD_MODE", "production",
      "OFFLOAD_ROLES", "api",
      "OFFLOAD_AUTH_ISSUER", "https://id.example",
      "OFFLOAD_AUTH_AUDIENCE", "offload",
      "OFFLOAD_AUTH_HS256SECRETFILE", "/etc/offload/jwt.secret"));

    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.limits().bodyBytes()).isEqualTo(1024);
    assertThat(config.mode()).isEqualTo(OffloadConfig.Mode.PRODUCTION);
    assertThat(config.roles()).containsExactly(OffloadConfig.Role.API);
    assertThat(config.auth().issuer()).isEqualTo("https://id.example");
    // Untouched keys keep the file's or the default value.
    assertThat(config.limits().backlog()).isEqualTo(100_000);
    assertThat(config.http().host()).isEqualTo("127.0.0.1");
  }

  @Test
  void aBadEnvironmentValueNamesTheKeyAndTheVariable() {
    assertRefused(new JsonObject(), Map.of("OFFLOAD_HTTP_PORT", "abc"), "'http.port'", "OFFLOAD_HTTP_PORT");
    assertRefused(new JsonObject(), Map.of("OFFLOAD_LIMITS_BODYBYTES", "64k"), "'limits.bodyBytes'",
      "OFFLOAD_LIMITS_BODYBYTES");
    assertRefused(new JsonObject(), Map.of("OFFLOAD_ROLES", "api,database"), "roles");
  }

  @Test
  void anOffloadVariableThatNamesNoKeyIsRefusedOthersAreNotOurs() {
    assertRefused(new JsonObject(), Map.of("OFFLOAD_HTTP_PROT", "9999"),
      "unknown environment variable(s): OFFLOAD_HTTP_PROT");
    // A list item's key exists only when the file has the item.
    assertRefused(new JsonObject(), Map.of("OFFLOAD_AUTH_PUBLICKEYS_0_FILE", "/k.pem"), "OFFLOAD_AUTH_PUBLICKEYS_0_FILE");

    OffloadConfig config = OffloadConfig.from(new JsonObject(), Map.of("OFFLOAD_LOG_FORMAT", "json",
      "OFFLOAD_LOG_LEVEL", "DEBUG", "OFFLOAD_ACCESS_LOG", "OFF", "OFFLOADER", "x", "HOME", "/root"));
    assertThat(config.http().port()).isEqualTo(8080);
  }

  // --- bad values ---------------------------------------------------------------------------

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertRefused(json("{\"http\": {\"port\": \"abc\"}}"), "'http.port'");
    assertRefused(json("{\"http\": {\"port\": 70000}}"), "'http.port'");
    assertRefused(json("{\"http\": {\"port\": -1}}"), "'http.port'");
    assertRefused(json("{\"http\": {\"port\": 8080.5}}"), "'http.port'");
    assertRefused(json("{\"http\": {\"port\": true}}"), "'http.port'");
    assertRefused(json("{\"http\": {\"port\": 99999999999999999999}}"), "'http.port'");
    assertRefused(json("{\"http\": {\"host\": \"\"}}"), "'http.host'");
    assertRefused(json("{\"mode\": \"prod\"}"), "'mode'");
    assertRefused(json("{\"mode\": \"DEV\"}"), "'mode'");
    assertRefused(json("{\"store\": {\"kind\": \"mysql\"}}"), "'store.kind'");
    assertRefused(json("{\"limits\": {\"bodyBytes\": 0}}"), "'limits.bodyBytes'");
    assertRefused(json("{\"limits\": {\"activeJobsPerOwner\": 0}}"), "'limits.activeJobsPerOwner'");
    assertRefused(json("{\"limits\": {\"backlog\": -5}}"), "'limits.backlog'");
    assertRefused(json("{\"dataDir\": 42}"), "'dataDir'");
    assertRefused(json("{\"roles\": []}"), "roles");
    assertRefused(json("{\"roles\": [\"api\", \"database\"]}"), "roles");
    assertRefused(json("{\"auth\": {\"leewaySeconds\": 3600}}"), "'auth.leewaySeconds'");
  }

  @Test
  void unknownKeysAreRefusedNamingTheKey() {
    assertRefused(json("{\"limits\": {\"bodyByte\": 1024}}"), "limits.bodyByte");
    assertRefused(json("{\"dataDirectory\": \"/tmp\"}"), "dataDirectory");
    assertRefused(json("{\"http\": {\"prot\": 9090}}"), "http.prot");
    assertRefused(json("{\"auth\": {\"issuer\": \"x\", \"audiences\": [\"y\"]}}"), "auth.audiences");
    // A section given as a scalar is not silently ignored either.
    assertRefused(json("{\"limits\": 5}"), "limits");
  }

  @Test
  void unknownKeysInsideAJobTypeSectionAreRefusedToo() {
    assertRefused(json("{\"jobTypes\": {\"sleep\": {\"concurency\": 2}}}"), "jobTypes.sleep.concurency");
    assertRefused(json("{\"jobTypes\": {\"sleep\": 4}}"), "jobTypes.sleep");
    // An empty section and an empty type are fine.
    assertThat(from(json("{\"jobTypes\": {}}")).jobTypes()).isEmpty();
    assertThat(from(json("{\"jobTypes\": {\"sleep\": {}}}")).jobTypes()).containsKey("sleep");
  }

  // --- worker capacity and job types --------------------------------------------------------

  @Test
  void asyncConcurrencyCannotExceedTheEventBusConsumerBuffer() {
    // A consumer buffers at most 1,000 messages and drops the rest (docs/traps.md).
    assertThat(OffloadConfig.CONSUMER_BUFFER).isEqualTo(1000);
    assertThat(from(json("{\"workers\": {\"asyncConcurrency\": 1000}}")).workers().asyncConcurrency()).isEqualTo(1000);
    assertRefused(json("{\"workers\": {\"asyncConcurrency\": 1001}}"), "'workers.asyncConcurrency'");
    assertRefused(json("{\"workers\": {\"asyncConcurrency\": 0}}"), "'workers.asyncConcurrency'");
    assertRefused(new JsonObject(), Map.of("OFFLOAD_WORKERS_ASYNCCONCURRENCY", "5000"), "'workers.asyncConcurrency'");
    assertRefused(json("{\"jobTypes\": {\"sleep\": {\"concurrency\": 1001}}}"), "'jobTypes.sleep.concurrency'");
  }

  @Test
  void perTypeSettingsApplyToKnownTypes() {
    OffloadConfig config = from(json("""
      {"workers": {"asyncConcurrency": 7},
       "jobTypes": {"primes": {"concurrency": 2, "timeoutSeconds": 30, "maxAttempts": 5}}}"""));
    JobTypes types = JobTypes.load(config);

    JobType primes = types.get("primes");
    assertThat(primes.concurrency()).isEqualTo(2);
    assertThat(primes.timeoutFor(new JsonObject().put("limit", 10))).isEqualTo(30);
    assertThat(primes.maxAttempts()).isEqualTo(5);
    // sleep is asynchronous: it takes the async default.
    assertThat(types.get("sleep").concurrency()).isEqualTo(7);
  }

  @Test
  void aSectionForAnUnknownJobTypeIsRefusedNamingIt() {
    OffloadConfig config = from(json("{\"jobTypes\": {\"sleeep\": {\"concurrency\": 2}}}"));
    assertThatThrownBy(() -> JobTypes.load(config))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'jobTypes.sleeep'")
      .hasMessageContaining("sleep");
  }

  @Test
  void errorMessagesShowTheOffendingValue() {
    assertThatThrownBy(() -> from(json("{\"http\": {\"port\": 70000}}")))
      .hasMessageContaining("70000")
      .hasMessageContaining("65535");
    assertThatThrownBy(() -> from(json("{\"mode\": \"prod\"}")))
      .hasMessageContaining("\"prod\"")
      .hasMessageContaining("production");
  }

  @Test
  void theDashboardIsOnWithoutOidcByDefaultAndOidcTakesAnIssuerAndAClientTogether() {
    assertThat(from(new JsonObject()).dashboard()).isEqualTo(new OffloadConfig.Dashboard(true, null));
    OffloadConfig.Oidc oidc = from(json("""
      {"dashboard": {"oidc": {"issuer": "https://login.example.com:8443/realms/offload", "clientId": "offload-ui",
        "scope": "openid jobs:read jobs:write"}}}""")).dashboard().oidc();
    assertThat(oidc).isEqualTo(new OffloadConfig.Oidc("https://login.example.com:8443/realms/offload", "offload-ui",
      "openid jobs:read jobs:write"));
    assertThat(oidc.origin()).isEqualTo("https://login.example.com:8443");
    assertThat(from(json("""
      {"dashboard": {"oidc": {"issuer": "http://127.0.0.1:9999", "clientId": "ui"}}}""")).dashboard().oidc())
      .isEqualTo(new OffloadConfig.Oidc("http://127.0.0.1:9999", "ui", "openid"));
    assertThat(from(json("{\"dashboard\": {\"enabled\": false}}")).dashboard().enabled()).isFalse();

    assertRefused(json("{\"dashboard\": {\"oidc\": {\"issuer\": \"https://login.example.com\"}}}"),
      "dashboard.oidc.issuer", "dashboard.oidc.clientId", "go together");
    assertRefused(json("{\"dashboard\": {\"oidc\": {\"issuer\": \"http://login.example.com\", \"clientId\": \"ui\"}}}"),
      "dashboard.oidc.issuer", "https");
    assertRefused(json("{\"dashboard\": {\"oidc\": {\"issuer\": \"https://a.example/?x=<b>\", \"clientId\": \"ui\"}}}"),
      "dashboard.oidc.issuer");
    assertRefused(json("{\"dashboard\": {\"oidc\": {\"issuer\": \"https://a.example\", \"clientId\": \"ui\", "
      + "\"scope\": \"jobs:read\"}}}"), "dashboard.oidc.scope", "openid");
  }

  @Test
  void rolesComeFromAListInTheFile() {
    assertThat(from(json("{\"roles\": [\"worker\"]}")).roles()).containsExactly(OffloadConfig.Role.WORKER);
    assertThat(from(new JsonObject().put("roles", new JsonArray().add("api").add("worker"))).runsApi()).isTrue();
  }

  @Test
  void clusterTlsTakesAllThreeReadableFilesOrNone(@TempDir Path dir) throws Exception {
    assertThat(from(new JsonObject()).clusterTls()).isNull();
    for (String file : new String[] {"n.key", "n.crt", "ca.crt"}) {
      Files.writeString(dir.resolve(file), "pem");
    }
    OffloadConfig.ClusterTls tls = from(new JsonObject().put("cluster", new JsonObject().put("tls", new JsonObject()
      .put("keyFile", dir.resolve("n.key").toString()).put("certFile", dir.resolve("n.crt").toString())
      .put("caFile", dir.resolve("ca.crt").toString())))).clusterTls();
    assertThat(tls).isEqualTo(new OffloadConfig.ClusterTls(dir.resolve("n.key"), dir.resolve("n.crt"),
      dir.resolve("ca.crt")));
    assertRefused(json("""
      {"cluster": {"tls": {"keyFile": "n.key", "certFile": "n.crt"}}}"""), "cluster.tls.caFile");
    assertRefused(new JsonObject().put("cluster", new JsonObject().put("tls", new JsonObject()
      .put("keyFile", dir.resolve("n.key").toString()).put("certFile", dir.resolve("n.crt").toString())
      .put("caFile", dir.resolve("missing.crt").toString()))), "cluster.tls.caFile", "OFFLOAD_CLUSTER_TLS_CAFILE",
      "cannot read");
  }

  @Test
  void postgresSettingsAreCheckedAndThePasswordNeverPrinted() {
    OffloadConfig config = OffloadConfig.from(json("""
      {"store": {"kind": "postgres", "postgres": {"url": "postgresql://offload@db:5432/jobs", "schema": "jobs_1"}}}"""),
      Map.of("OFFLOAD_STORE_POSTGRES_PASSWORD", "s3cret"));
    assertThat(config.store().isPostgres()).isTrue();
    assertThat(config.store().postgres().password()).isEqualTo("s3cret");
    assertThat(config.toString()).doesNotContain("s3cret");
    assertRefused(json("""
      {"store": {"postgres": {"schema": "drop table; --"}}}"""), "store.postgres.schema");
    assertRefused(json("""
      {"store": {"postgres": {"url": "mysql://x"}}}"""), "store.postgres.url");
  }

  @Test
  void productionModeRefusesUncheckedTokensAndAPlaintextNetworkListener() {
    assertThatThrownBy(() -> from(json("""
      {"mode": "production", "auth": {"issuer": "https://id.example", "hs256SecretFile": "s"}}""")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("auth.audience");
    assertThatThrownBy(() -> from(json("""
      {"mode": "production", "http": {"host": "0.0.0.0"},
       "auth": {"issuer": "i", "audience": "a", "hs256SecretFile": "s"}}""")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("http.host").hasMessageContaining("http.tls.keyFile")
      .hasMessageContaining("plaintextBehindProxy");
    assertThat(from(json("""
      {"mode": "production", "http": {"host": "127.0.0.1"},
       "auth": {"issuer": "i", "audience": "a", "hs256SecretFile": "s"}}""")).mode())
      .isEqualTo(OffloadConfig.Mode.PRODUCTION);
    assertThat(from(json("""
      {"mode": "dev", "http": {"host": "0.0.0.0"}}""")).mode()).isEqualTo(OffloadConfig.Mode.DEV);
  }

  @Test
  void productionModeRefusesTheGeneratedDevSecret() {
    assertThatThrownBy(() -> from(json("""
      {"mode": "production", "auth": {"issuer": "i", "audience": "a"}}""")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("needs a verification key")
      .hasMessageContaining("never generates the dev secret");
  }

  @Test
  void productionModeOnTheNetworkStartsWithTlsAndPublicKeys(@TempDir Path dir) throws Exception {
    Path key = Files.writeString(dir.resolve("tls.key"), "k");
    Path cert = Files.writeString(dir.resolve("tls.crt"), "c");
    Path idp = Files.writeString(dir.resolve("idp.pem"), "p");
    OffloadConfig config = from(json("""
      {"mode": "production", "http": {"host": "0.0.0.0", "tls": {"keyFile": "%s", "certFile": "%s"}},
       "auth": {"issuer": "i", "audience": "a", "publicKeys": [{"algorithm": "ES256", "file": "%s", "kid": "k1"}]}}"""
      .formatted(key, cert, idp)));
    assertThat(config.http().tls()).isEqualTo(new OffloadConfig.Tls(key, cert));
    assertThat(config.auth().publicKeys()).containsExactly(new OffloadConfig.PublicKey("ES256", idp, "k1"));
    assertThat(config.auth().hs256SecretFile()).as("no dev secret beside real keys").isNull();
  }

  @Test
  void keysAndTlsFilesAreCheckedAndNamed(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("idp.pem"), "p");
    assertRefused(json("""
      {"auth": {"publicKeys": [{"algorithm": "HS256", "file": "%s"}]}}""".formatted(pem)),
      "auth.publicKeys.0.algorithm");
    assertRefused(json("""
      {"auth": {"publicKeys": [{"algorithm": "RS256", "file": "%s/missing.pem"}]}}""".formatted(dir)),
      "auth.publicKeys.0.file", "cannot read");
    assertRefused(json("""
      {"auth": {"publicKeys": [{"algorithm": "RS256", "file": "%s", "kidd": "x"}]}}""".formatted(pem)),
      "auth.publicKeys.0.kidd");
    assertRefused(json("""
      {"auth": {"jwks": {"url": "http://id.example/keys"}}}"""), "auth.jwks.url", "https");
    assertRefused(json("""
      {"auth": {"jwks": {"url": "https://id.example/keys", "file": "%s"}}}""".formatted(pem)), "auth.jwks.file");
    assertRefused(json("""
      {"http": {"tls": {"keyFile": "%s"}}}""".formatted(pem)), "http.tls.certFile");
    OffloadConfig loopbackJwks = from(json("""
      {"auth": {"jwks": {"url": "http://127.0.0.1:9999/keys"}}}"""));
    assertThat(loopbackJwks.auth().jwks().url()).isEqualTo("http://127.0.0.1:9999/keys");
    assertThat(loopbackJwks.auth().jwks().minRefreshSeconds()).isEqualTo(30);
  }
}
