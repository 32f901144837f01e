package dev.offload.auth;

import dev.offload.app.MainVerticle;
import dev.offload.config.ConfigException;
import dev.offload.support.TestKeys;
import dev.offload.support.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.offload.support.ProblemAssert.assertProblem;
import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Production verification: tokens signed by an identity provider's private key, checked against
 * its public keys given as PEM files or as a JWKS (file or URL), each key pinned to its algorithm.
 */
@ExtendWith(VertxExtension.class)
class PublicKeyAuthTest {
  private TestService service;

  @AfterEach
  void stop() {
    if (service != null) {
      service.stop();
    }
  }

  private static JsonObject withAuth(Path dir, JsonObject auth) {
    JsonObject config = TestService.baseConfig(dir);
    config.getJsonObject("auth").mergeIn(auth);
    return config;
  }

  private static JsonObject pemKey(TestKeys keys, Path dir, boolean withKid) {
    JsonObject key = new JsonObject().put("algorithm", keys.algorithm())
      .put("file", keys.writePublicPem(dir).toString());
    return withKid ? key.put("kid", keys.kid()) : key;
  }

  private HttpResponse<Buffer> list(String token) {
    return service.get("/api/v1/jobs", token);
  }

  private static void assertRefused(HttpResponse<Buffer> response) {
    assertProblem(response, 401);
    assertThat(response.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
  }

  @Test
  void rs256Es256AndEdDsaTokensAreVerifiedWithTheirPublicKeys(@TempDir Path dir, Vertx vertx) {
    TestKeys rsa = TestKeys.generate("RS256", "rsa-1");
    TestKeys ec = TestKeys.generate("ES256", "ec-1");
    TestKeys ed = TestKeys.generate("EdDSA", "ed-1");
    service = TestService.start(vertx, withAuth(dir, new JsonObject().put("publicKeys", new JsonArray()
      .add(pemKey(rsa, dir, false)).add(pemKey(ec, dir, true)).add(pemKey(ed, dir, false)))));

    for (TestKeys keys : List.of(rsa, ec, ed)) {
      HttpResponse<Buffer> response = list(keys.sign(vertx, TestKeys.claims("alice")));
      assertThat(response.statusCode()).as(keys.algorithm() + ": " + response.bodyAsString()).isEqualTo(200);
    }
    // The same algorithms, other keys: refused.
    for (String algorithm : List.of("RS256", "ES256", "EdDSA")) {
      assertRefused(list(TestKeys.generate(algorithm, "stranger").sign(vertx, TestKeys.claims("alice"))));
    }
    // The EC key is pinned to its kid: the right key under another kid is refused.
    TestKeys sameKeyOtherKid = new TestKeys("ES256", ec.pair(), "ec-2");
    assertRefused(list(sameKeyOtherKid.sign(vertx, TestKeys.claims("alice"))));
    // Issuer, audience and expiry are still checked.
    assertRefused(list(rsa.sign(vertx, TestKeys.claims("alice").put("iss", "someone-else"))));
    assertRefused(list(rsa.sign(vertx, TestKeys.claims("alice").put("exp", System.currentTimeMillis() / 1000 - 3600))));
    assertThat(list(rsa.sign(vertx, TestKeys.claims("alice"))).statusCode()).isEqualTo(200);
  }

  @Test
  void anHs256TokenKeyedWithTheRsaPublicKeyIsRefused(@TempDir Path dir, Vertx vertx) throws Exception {
    // The classic key confusion: the attacker signs with HMAC, using the (public) RSA key as the secret.
    TestKeys rsa = TestKeys.generate("RS256", "rsa-1");
    service = TestService.start(vertx, withAuth(dir, new JsonObject()
      .put("publicKeys", new JsonArray().add(pemKey(rsa, dir, false)))));
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
      + "." + b64.encodeToString(TestKeys.claims("mallory").encode().getBytes(StandardCharsets.UTF_8));
    for (byte[] secret : List.of(rsa.publicPem().getBytes(StandardCharsets.US_ASCII), rsa.pair().getPublic().getEncoded())) {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      String forged = signingInput + "." + b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
      assertRefused(list(forged));
    }
    // A service with public keys only does not also generate the dev secret.
    assertThat(dir.resolve("jwt-hs256.secret")).doesNotExist();
    assertThat(list(rsa.sign(vertx, TestKeys.claims("alice"))).statusCode()).isEqualTo(200);
  }

  @Test
  void aJwksFileIsReadAndItsSymmetricKeysAreNeverUsed(@TempDir Path dir, Vertx vertx) throws Exception {
    TestKeys ec = TestKeys.generate("ES256", "ec-1");
    String hmacSecret = "a-secret-anyone-reading-the-key-set-would-know";
    JsonObject oct = new JsonObject().put("kty", "oct").put("kid", "shared").put("alg", "HS256")
      .put("k", Base64.getUrlEncoder().withoutPadding().encodeToString(hmacSecret.getBytes(StandardCharsets.UTF_8)));
    Path jwks = Files.writeString(dir.resolve("jwks.json"),
      new JsonObject().put("keys", new JsonArray().add(ec.publicJwk()).add(oct)).encode());
    service = TestService.start(vertx, withAuth(dir, new JsonObject()
      .put("jwks", new JsonObject().put("file", jwks.toString()))));

    assertThat(list(ec.sign(vertx, TestKeys.claims("alice"))).statusCode()).isEqualTo(200);
    String withTheOctKey = io.vertx.ext.auth.jwt.JWTAuth.create(vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions()
        .addPubSecKey(new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256").setBuffer(hmacSecret).setId("shared")))
      .generateToken(TestKeys.claims("mallory"), new io.vertx.ext.auth.JWTOptions().setAlgorithm("HS256"));
    assertRefused(list(withTheOctKey));
  }

  @Test
  void aJwksUrlIsRefreshedForANewKeyIdButNotMoreOftenThanTheMinimum(@TempDir Path dir, Vertx vertx) {
    TestKeys first = TestKeys.generate("RS256", "2026-01");
    TestKeys rotated = TestKeys.generate("RS256", "2026-02");
    AtomicReference<JsonArray> published = new AtomicReference<>(new JsonArray().add(first.publicJwk()));
    AtomicInteger fetches = new AtomicInteger();
    HttpServer issuer = await(vertx.createHttpServer().requestHandler(request -> {
      fetches.incrementAndGet();
      request.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("keys", published.get()).encode());
    }).listen(0, "127.0.0.1"));
    String url = "http://127.0.0.1:" + issuer.actualPort() + "/.well-known/jwks.json";
    service = TestService.start(vertx, withAuth(dir, new JsonObject()
      .put("jwks", new JsonObject().put("url", url).put("minRefreshSeconds", 1))));
    assertThat(fetches.get()).as("fetched at start").isEqualTo(1);
    assertThat(list(first.sign(vertx, TestKeys.claims("alice"))).statusCode()).isEqualTo(200);
    assertThat(fetches.get()).as("a known kid needs no fetch").isEqualTo(1);

    // The issuer rotates; the first token under the new kid makes the service fetch the set again.
    // Within minRefreshSeconds of the last fetch it is refused without one; once that has passed, it is taken.
    published.set(new JsonArray().add(first.publicJwk()).add(rotated.publicJwk()));
    String underRotated = rotated.sign(vertx, TestKeys.claims("alice"));
    assertThat(TestService.poll(() -> list(underRotated).statusCode(), status -> status == 200,
      java.time.Duration.ofSeconds(5))).isEqualTo(200);
    assertThat(fetches.get()).as("one fetch for the new kid, none before the minimum interval").isEqualTo(2);

    // A flood of made-up key ids: refused, and at most one fetch in the minimum interval.
    TestKeys stranger = TestKeys.generate("RS256", "stranger");
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      tokens.add(new TestKeys("RS256", stranger.pair(), "made-up-" + i).sign(vertx, TestKeys.claims("mallory")));
    }
    long floodStart = System.nanoTime();
    List<Future<HttpResponse<Buffer>>> flood = new ArrayList<>();
    tokens.forEach(token -> flood.add(service.request(io.vertx.core.http.HttpMethod.GET, "/api/v1/jobs", token).send()));
    flood.forEach(response -> assertRefused(await(response)));
    long floodSeconds = (System.nanoTime() - floodStart) / 1_000_000_000L;
    // At most one fetch per started second of the flood (minRefreshSeconds 1), not one per token.
    assertThat(fetches.get()).isBetween(2, 3 + (int) floodSeconds);
    await(issuer.close());
  }

  @Test
  void startUpIsRefusedForKeysThatCannotBeUsed(@TempDir Path dir, Vertx vertx) throws Exception {
    TestKeys rsa = TestKeys.generate("RS256", "rsa-1");
    Path privatePem = Files.writeString(dir.resolve("private.pem"), rsa.privatePem());
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n");
    Path unparseableJwks = Files.writeString(dir.resolve("bad-jwks.json"), new JsonObject().put("keys", new JsonArray()
      .add(new JsonObject().put("kty", "RSA").put("kid", "x").put("n", "AQAB!").put("e", "?"))).encode());
    Path symmetricOnly = Files.writeString(dir.resolve("oct-jwks.json"), new JsonObject().put("keys", new JsonArray()
      .add(new JsonObject().put("kty", "oct").put("k", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"))).encode());

    Map<JsonObject, String> refusals = Map.of(
      new JsonObject().put("publicKeys", new JsonArray().add(new JsonObject().put("algorithm", "RS256")
        .put("file", privatePem.toString()))), "private key",
      new JsonObject().put("publicKeys", new JsonArray().add(new JsonObject().put("algorithm", "RS256")
        .put("file", garbage.toString()))), "is not a PEM public key for RS256",
      new JsonObject().put("jwks", new JsonObject().put("file", unparseableJwks.toString())), "no usable public signature key",
      new JsonObject().put("jwks", new JsonObject().put("file", symmetricOnly.toString())), "no usable public signature key");
    for (Map.Entry<JsonObject, String> refusal : refusals.entrySet()) {
      Future<String> deployed = vertx.deployVerticle(new MainVerticle(Map.of()),
        new DeploymentOptions().setConfig(withAuth(dir, refusal.getKey())));
      assertThatThrownBy(() -> deployed.await(30, TimeUnit.SECONDS)).as(refusal.getValue())
        .isInstanceOf(ConfigException.class).hasMessageContaining(refusal.getValue());
      assertThat(vertx.deploymentIDs()).isEmpty();
    }
  }

  @Test
  void aTokenOver8KiBIsRefusedWith401(@TempDir Path dir, Vertx vertx) {
    TestKeys rsa = TestKeys.generate("RS256", "rsa-1");
    service = TestService.start(vertx, withAuth(dir, new JsonObject()
      .put("publicKeys", new JsonArray().add(pemKey(rsa, dir, false)))));
    String big = rsa.sign(vertx, TestKeys.claims("alice").put("padding", "x".repeat(9000)));
    HttpResponse<Buffer> response = list(big);
    assertRefused(response);
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("8192 bytes");
    assertThat(list(rsa.sign(vertx, TestKeys.claims("alice"))).statusCode()).isEqualTo(200);
  }
}
