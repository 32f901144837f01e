package dev.offload.auth;

import dev.offload.app.MainVerticle;
import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import dev.offload.support.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the JWT verifier is built: the HS256 secret (generated in dev mode, required in
 * production, at least 32 bytes) and the refusal to run vertx-auth-jwt in its "unsecure" mode
 * that accepts {@code alg: none} (docs/traps.md).
 */
@ExtendWith(VertxExtension.class)
class TokenKeysTest {
  private static final String KEY = "auth.hs256SecretFile";

  private static OffloadConfig config(Path dataDir, String mode) {
    return OffloadConfig.from(TestService.baseConfig(dataDir).put("mode", mode), Map.of());
  }

  /** Production with an operator-provisioned HS256 secret (explicitly configured). */
  private static OffloadConfig productionWithSecretFile(Path dataDir) {
    JsonObject json = TestService.baseConfig(dataDir).put("mode", "production");
    json.getJsonObject("auth").put("hs256SecretFile", "provisioned.secret");
    return OffloadConfig.from(json, Map.of());
  }

  private static String unsignedToken(JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
      + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  private static JsonObject claims(OffloadConfig.Auth auth) {
    JsonObject claims = new JsonObject().put("sub", "mallory").put("scope", "jobs:admin")
      .put("exp", Instant.now().getEpochSecond() + 600);
    if (auth.issuer() != null) {
      claims.put("iss", auth.issuer());
    }
    if (auth.audience() != null) {
      claims.put("aud", auth.audience());
    }
    return claims;
  }

  // --- secret length ----------------------------------------------------------------------------

  @Test
  void providerRefusesASecretShorterThan32Bytes(@TempDir Path dir, Vertx vertx) {
    OffloadConfig.Auth auth = config(dir, "dev").auth();
    for (String weak : new String[] {null, "", "0123456789", "x".repeat(31), "é".repeat(15)}) {
      assertThatThrownBy(() -> Verifiers.create(vertx, weak, auth))
        .as("secret %s", weak)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(KEY)
        .hasMessageContaining("32 bytes");
    }
  }

  @Test
  void providerAcceptsA32ByteSecretAndVerifiesWhatItSigns(@TempDir Path dir, Vertx vertx) {
    OffloadConfig.Auth auth = config(dir, "dev").auth();
    JWTAuth jwt = Verifiers.create(vertx, "x".repeat(32), auth);
    User user = await(jwt.authenticate(new TokenCredentials(DevTokens.sign(jwt, auth, "alice", "jobs:read", 60))));
    assertThat(user.subject()).isEqualTo("alice");
    assertThat(user.principal().getString("iss")).isEqualTo(TestService.ISSUER);
    assertThat(user.principal().getString("aud")).isEqualTo(TestService.AUDIENCE);

    // 16 two-byte characters: the limit counts bytes, not characters.
    Verifiers.create(vertx, "é".repeat(16), auth);
  }

  // --- "unsecure" mode --------------------------------------------------------------------------

  @Test
  void aVerifierWithoutKeysIsRefusedBecauseItAcceptsUnsignedTokens(@TempDir Path dir, Vertx vertx) {
    OffloadConfig.Auth noClaimChecks = new OffloadConfig.Auth(dir.resolve("unused"), List.of(), null, null, null, 5);
    JWTAuth keyless = JWTAuth.create(vertx, new JWTAuthOptions());
    // The premise: vertx-auth-jwt with no key accepts an alg:none token.
    assertThat(await(keyless.authenticate(new TokenCredentials(unsignedToken(claims(noClaimChecks))))).subject())
      .isEqualTo("mallory");

    assertThatThrownBy(() -> Verifiers.refuseUnsecureMode(keyless, noClaimChecks))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unsigned");
  }

  @Test
  void theProbeStillCatchesUnsecureModeWhenIssuerAndAudienceAreChecked(@TempDir Path dir, Vertx vertx) {
    // The shipped config sets iss and aud: a probe token without them would be refused for that
    // reason alone and hide that signatures are not checked at all.
    OffloadConfig.Auth auth = config(dir, "dev").auth();
    JWTAuth keyless = JWTAuth.create(vertx, new JWTAuthOptions().setJWTOptions(new JWTOptions()
      .setIssuer(auth.issuer()).setAudience(List.of(auth.audience()))));
    assertThat(await(keyless.authenticate(new TokenCredentials(unsignedToken(claims(auth))))).subject())
      .isEqualTo("mallory");

    assertThatThrownBy(() -> Verifiers.refuseUnsecureMode(keyless, auth)).isInstanceOf(ConfigException.class);
  }

  @Test
  void aVerifierWhoseOnlyKeyCouldNotBeParsedIsRefused(@TempDir Path dir, Vertx vertx) {
    // vertx-auth-jwt merely logs "Unsupported JWK" and falls back to unsecure mode.
    JWTAuth unusable = JWTAuth.create(vertx, new JWTAuthOptions()
      .addJwk(new JsonObject().put("kty", "oct").put("alg", "HS999").put("k", "c2VjcmV0")));
    OffloadConfig.Auth auth = new OffloadConfig.Auth(dir.resolve("unused"), List.of(), null, null, null, 5);
    assertThatThrownBy(() -> Verifiers.refuseUnsecureMode(unusable, auth)).isInstanceOf(ConfigException.class);
  }

  @Test
  void aVerifierWithAKeyPassesTheProbe(@TempDir Path dir, Vertx vertx) {
    OffloadConfig.Auth auth = config(dir, "dev").auth();
    JWTAuth keyed = Verifiers.create(vertx, "k".repeat(48), auth);
    Verifiers.refuseUnsecureMode(keyed, auth);
    assertThat(keyed.authenticate(new TokenCredentials(unsignedToken(claims(auth)))).failed()).isTrue();
  }

  // --- the secret file --------------------------------------------------------------------------

  @Test
  void devModeCreatesAnOwnerOnlySecretFileAndReusesIt(@TempDir Path dir, Vertx vertx) throws Exception {
    OffloadConfig config = config(dir.resolve("not/yet/there"), "dev");
    Path file = config.auth().hs256SecretFile();
    assertThat(file).doesNotExist();

    String secret = await(DevSecret.read(vertx, config));

    assertThat(file).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(secret.getBytes(StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(Verifiers.MIN_SECRET_BYTES);
    assertThat(Files.readString(file).trim()).isEqualTo(secret);
    assertThat(await(DevSecret.read(vertx, config))).isEqualTo(secret);
    // A usable secret: the verifier builds from it.
    Verifiers.create(vertx, secret, config.auth());

    // Another data directory gets another secret, not a fixed default.
    assertThat(await(DevSecret.read(vertx, config(dir.resolve("other"), "dev")))).isNotEqualTo(secret);
  }

  @Test
  void productionModeRefusesAMissingSecretFileAndCreatesNothing(@TempDir Path dir, Vertx vertx) {
    OffloadConfig config = productionWithSecretFile(dir);
    Future<String> secret = DevSecret.read(vertx, config);
    Throwable failure = TestService.awaitFailure(secret);
    assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining(KEY);
    assertThat(config.auth().hs256SecretFile()).doesNotExist();
  }

  @Test
  void productionModeNeverFallsBackToTheDevSecret(@TempDir Path dir) {
    assertThatThrownBy(() -> config(dir, "production")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("production mode needs a verification key").hasMessageContaining("auth.publicKeys");
  }

  @Test
  void productionModeReadsAnExistingSecretFile(@TempDir Path dir, Vertx vertx) throws Exception {
    OffloadConfig config = productionWithSecretFile(dir);
    String provisioned = "provisioned-by-the-operator-0123456789-abcdef";
    Files.writeString(config.auth().hs256SecretFile(), provisioned + "\n");
    assertThat(await(DevSecret.read(vertx, config))).isEqualTo(provisioned);
  }

  @Test
  void theServiceRefusesToStartWithAShortSecret(@TempDir Path dir, Vertx vertx) throws Exception {
    JsonObject json = TestService.baseConfig(dir);
    Path file = OffloadConfig.from(json, Map.of()).auth().hs256SecretFile();
    Files.writeString(file, "0123456789");

    Future<String> deployed = vertx.deployVerticle(new MainVerticle(Map.of()), new DeploymentOptions().setConfig(json));
    Throwable failure = TestService.awaitFailure(deployed);

    assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining(KEY);
    // Nothing of the half-started service (workers, dispatcher, HTTP) is left running.
    assertThat(vertx.deploymentIDs()).isEmpty();
    // Dev mode does not quietly replace a secret it was given.
    assertThat(Files.readString(file)).isEqualTo("0123456789");
  }


}
