package dev.offload.auth;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;

import static dev.offload.support.TestService.await;
import static dev.offload.support.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/design.md, section 2, "Authentication and authorization", over real HTTP: every way a token can
 * be wrong is a 401 with a Bearer challenge, a missing scope is a 403, and someone else's job is
 * indistinguishable from one that does not exist. Tokens are crafted two ways: with the service's
 * own signer (vertx-auth-jwt {@code generateToken}) and by hand (base64url + HMAC-SHA256), so
 * that claims the library would add or refuse can be left out or given the wrong type.
 */
@ExtendWith(VertxExtension.class)
class AuthTest {
  private static final String JOBS = "/api/v1/jobs";
  private static final String MISSING_ID = "0b6f3c0e-0000-4000-8000-000000000000";
  private static final String ADMIN = "jobs:read jobs:write jobs:admin";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private TestService service;
  private String secret;

  @BeforeEach
  void start(@TempDir Path dir, Vertx vertx) {
    service = TestService.start(vertx, dir);
    secret = await(DevSecret.read(vertx, service.config));
  }

  /** Stopped before JUnit deletes the data directory: a running service may still be writing to it. */
  @AfterEach
  void stop() {
    service.stop();
  }

  private void restartWith(UnaryOperator<JsonObject> change) {
    Vertx vertx = service.vertx;
    Path dir = service.config.dataDir();
    service.stop();
    service = TestService.start(vertx, change.apply(TestService.baseConfig(dir)));
    secret = await(DevSecret.read(vertx, service.config));
  }

  // --- token crafting -------------------------------------------------------------------------

  private static long now() {
    return Instant.now().getEpochSecond();
  }

  /** The claims of a good token: the service's issuer and audience, an hour of validity. */
  private static JsonObject claims(String subject, String scope) {
    return new JsonObject()
      .put("sub", subject)
      .put("scope", scope)
      .put("iss", TestService.ISSUER)
      .put("aud", TestService.AUDIENCE)
      .put("iat", now())
      .put("exp", now() + 3600);
  }

  private static String b64(String text) {
    return B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A JWS built by hand: base64url(header).base64url(payload).base64url(HMAC-SHA256). */
  private static String hs256(String key, JsonObject header, JsonObject payload) {
    String signingInput = b64(header.encode()) + "." + b64(payload.encode());
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** Signed by hand with the service's own secret: only the claims can make it fail. */
  private String signed(JsonObject payload) {
    return hs256(secret, new JsonObject().put("alg", "HS256").put("typ", "JWT"), payload);
  }

  /** Signed by vertx-auth-jwt with the service's secret; adds only {@code iat}, since no options ask for more. */
  private String generated(JsonObject payload) {
    return service.signer().generateToken(payload, new JWTOptions().setAlgorithm("HS256"));
  }

  private static JsonObject payloadOf(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  // --- requests and assertions ----------------------------------------------------------------

  /** GET /api/v1/jobs with the Authorization header exactly as given (none when null). */
  private HttpResponse<Buffer> listWithAuthorization(String authorization) {
    var request = service.client.request(HttpMethod.GET, JOBS);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return await(request.send());
  }

  private HttpResponse<Buffer> listWith(String token) {
    return listWithAuthorization("Bearer " + token);
  }

  /** 401 with a Bearer challenge; {@code error="invalid_token"} exactly when a bearer token was sent. */
  private static void assertUnauthorized(HttpResponse<Buffer> response, boolean tokenSent) {
    assertProblem(response, 401);
    String challenge = response.getHeader("WWW-Authenticate");
    assertThat(challenge).as("WWW-Authenticate").isNotNull().startsWith("Bearer ").contains("realm=\"offload\"")
      .doesNotContain("Exception", "dev.offload", "io.vertx");
    if (tokenSent) {
      assertThat(challenge).contains("error=\"invalid_token\"");
    } else {
      assertThat(challenge).doesNotContain("error=");
    }
  }

  private static void assertInvalidToken(HttpResponse<Buffer> response) {
    assertUnauthorized(response, true);
  }

  private static void assertForbidden(HttpResponse<Buffer> response, String scope) {
    assertProblem(response, 403);
    assertThat(response.getHeader("WWW-Authenticate"))
      .startsWith("Bearer ")
      .contains("error=\"insufficient_scope\"")
      .contains("scope=\"" + scope + "\"");
  }

  // --- the control: the crafted tokens are good unless a test spoils them -----------------------

  @Test
  void wellFormedTokensFromEveryCraftingPathAreAccepted() {
    assertThat(listWith(signed(claims("alice", TestService.READ_WRITE))).statusCode()).isEqualTo(200);
    assertThat(listWith(generated(claims("alice", TestService.READ_WRITE))).statusCode()).isEqualTo(200);
    assertThat(listWith(service.token("alice", TestService.READ_WRITE)).statusCode()).isEqualTo(200);
    // The scheme name is case-insensitive (RFC 7235 2.1).
    assertThat(listWithAuthorization("bearer " + signed(claims("alice", "jobs:read"))).statusCode()).isEqualTo(200);
  }

  // --- 401: no token ----------------------------------------------------------------------------

  @Test
  void noAuthorizationHeaderIs401WithABearerChallengeOnEveryApiRoute() {
    assertUnauthorized(service.get(JOBS, null), false);
    assertUnauthorized(service.get(JOBS + "/" + MISSING_ID, null), false);
    assertUnauthorized(service.delete(JOBS + "/" + MISSING_ID, null), false);
    assertUnauthorized(service.get("/api/v1/job-types", null), false);
    assertUnauthorized(service.post(JOBS, null,
      new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0))), false);
    // Routes that do not exist and wrong methods do not reveal themselves to strangers.
    assertUnauthorized(service.get("/api/v1/nothing-here", null), false);
    assertUnauthorized(await(service.request(HttpMethod.PUT, JOBS, null).send()), false);
  }

  @Test
  void otherSchemesAndBareBearerAre401WithABearerChallenge() {
    String good = signed(claims("alice", TestService.READ_WRITE));
    assertUnauthorized(listWithAuthorization("Basic YWxpY2U6c2VjcmV0"), false);
    assertUnauthorized(listWithAuthorization("Token " + good), false);
    assertUnauthorized(listWithAuthorization(good), false);
    assertUnauthorized(listWithAuthorization("Bearer"), false);
    assertUnauthorized(listWithAuthorization("Bearer:" + good), false);
  }

  // --- 401: malformed tokens --------------------------------------------------------------------

  @Test
  void malformedTokensAre401InvalidToken() {
    String good = signed(claims("alice", TestService.READ_WRITE));
    String[] parts = good.split("\\.");
    List<String> malformed = List.of(
      "garbage",
      "a.b",
      "a.b.c.d",
      "!!!.@@@.###",
      "eyJ.eyJ.%%%",
      parts[0] + "." + parts[1],                               // signature segment dropped
      good + ".extra",                                         // four segments
      parts[0] + "." + parts[1] + ".",                         // empty signature
      parts[0] + "." + parts[1] + "." + parts[2] + "*",        // invalid base64url character
      parts[0] + "." + b64("not json") + "." + parts[2],
      b64("[1,2]") + "." + parts[1] + "." + parts[2],
      b64("{\"alg\":\"HS256\"") + "." + parts[1] + "." + parts[2],
      "abc def");
    for (String token : malformed) {
      HttpResponse<Buffer> response = listWith(token);
      assertThat(response.statusCode()).as("token %s", token).isEqualTo(401);
      assertInvalidToken(response);
    }
  }

  // --- 401: well-formed tokens that must not be trusted ----------------------------------------

  @Test
  void aTokenSignedWithAnotherSecretIs401() {
    String otherSecret = "another-secret-that-is-long-enough-for-hs256-0123456789";
    JWTAuth stranger = Verifiers.create(service.vertx, otherSecret, service.config.auth());
    assertInvalidToken(listWith(DevTokens.sign(stranger, service.config.auth(), "alice", TestService.READ_WRITE, 600)));
    assertInvalidToken(listWith(hs256(otherSecret, new JsonObject().put("alg", "HS256").put("typ", "JWT"),
      claims("alice", TestService.READ_WRITE))));
  }

  @Test
  void aTamperedPayloadUnderAGoodSignatureIs401() {
    String[] parts = signed(claims("bob", "jobs:read")).split("\\.");
    String forged = parts[0] + "." + b64(claims("bob", ADMIN).encode()) + "." + parts[2];
    assertInvalidToken(listWith(forged));
  }

  @Test
  void unsignedAndWrongAlgorithmTokensAre401() {
    JsonObject none = new JsonObject().put("alg", "none").put("typ", "JWT");
    String payload = b64(claims("mallory", ADMIN).encode());
    String header = b64(none.encode());
    String validSignature = signed(claims("mallory", ADMIN)).split("\\.")[2];
    assertInvalidToken(listWith(header + "." + payload + "."));
    assertInvalidToken(listWith(header + "." + payload));
    assertInvalidToken(listWith(header + "." + payload + "." + validSignature));
    assertInvalidToken(listWith(b64("{\"alg\":\"NONE\",\"typ\":\"JWT\"}") + "." + payload + "."));

    // HMAC-SHA512 with the very same secret: only HS256 is configured, so no key verifies it.
    JWTAuth hs512 = JWTAuth.create(service.vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions()
      .addPubSecKey(new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS512").setBuffer(secret)));
    assertInvalidToken(listWith(hs512.generateToken(claims("mallory", ADMIN), new JWTOptions().setAlgorithm("HS512"))));
  }

  @Test
  void anExpiredTokenIs401AndSaysSo() {
    JsonObject expired = claims("alice", TestService.READ_WRITE).put("iat", now() - 7200).put("exp", now() - 3600);
    HttpResponse<Buffer> response = listWith(signed(expired));
    assertInvalidToken(response);
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("expired");

    // Past the default 5 s leeway by a margin that no slow machine eats up.
    assertInvalidToken(listWith(signed(claims("alice", TestService.READ_WRITE).put("exp", now() - 60))));
    assertInvalidToken(listWith(generated(claims("alice", TestService.READ_WRITE).put("exp", 1))));
  }

  @Test
  void theConfiguredLeewayForgivesSmallClockSkewOnly() {
    restartWith(config -> config.put("auth", config.getJsonObject("auth").copy().put("leewaySeconds", 60)));
    assertThat(listWith(signed(claims("alice", "jobs:read").put("exp", now() - 20))).statusCode()).isEqualTo(200);
    assertInvalidToken(listWith(signed(claims("alice", "jobs:read").put("exp", now() - 120))));
  }

  @Test
  void aTokenNotYetValidIs401() {
    assertInvalidToken(listWith(signed(claims("alice", TestService.READ_WRITE).put("nbf", now() + 3600))));
    assertInvalidToken(listWith(signed(claims("alice", TestService.READ_WRITE).put("iat", now() + 3600))));
  }

  @Test
  void aWrongOrMissingIssuerIs401() {
    assertInvalidToken(listWith(signed(claims("alice", TestService.READ_WRITE).put("iss", "someone-else"))));
    assertInvalidToken(listWith(signed(claims("alice", TestService.READ_WRITE).put("iss", TestService.ISSUER + " "))));
    JsonObject noIssuer = claims("alice", TestService.READ_WRITE);
    noIssuer.remove("iss");
    assertInvalidToken(listWith(signed(noIssuer)));
  }

  @Test
  void aWrongOrMissingAudienceIs401() {
    assertInvalidToken(listWith(signed(claims("alice", TestService.READ_WRITE).put("aud", "another-service"))));
    assertInvalidToken(listWith(signed(claims("alice", TestService.READ_WRITE)
      .put("aud", new JsonArray().add("another-service").add("yet-another")))));
    JsonObject noAudience = claims("alice", TestService.READ_WRITE);
    noAudience.remove("aud");
    assertInvalidToken(listWith(signed(noAudience)));

    // RFC 7519 4.1.3: a token for several audiences is good if this service is one of them.
    assertThat(listWith(signed(claims("alice", TestService.READ_WRITE)
      .put("aud", new JsonArray().add("another-service").add(TestService.AUDIENCE)))).statusCode()).isEqualTo(200);
  }

  @Test
  void aTokenWithoutExpIs401EvenThoughTheLibraryWouldAcceptIt() {
    JsonObject noExp = claims("alice", TestService.READ_WRITE);
    noExp.remove("exp");
    String generatedToken = generated(noExp.copy());
    assertThat(payloadOf(generatedToken).containsKey("exp")).as("premise: the token has no exp").isFalse();
    assertThat(await(service.signer().authenticate(
      new io.vertx.ext.auth.authentication.TokenCredentials(generatedToken))).subject())
      .as("premise: vertx-auth-jwt alone accepts a token without exp").isEqualTo("alice");

    HttpResponse<Buffer> response = listWith(generatedToken);
    assertInvalidToken(response);
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("exp");
    assertInvalidToken(listWith(signed(noExp)));
    assertInvalidToken(listWith(signed(noExp.copy().putNull("exp"))));
  }

  @Test
  void aTokenWithoutASubjectIs401() {
    JsonObject noSub = claims("alice", TestService.READ_WRITE);
    noSub.remove("sub");
    HttpResponse<Buffer> response = listWith(signed(noSub));
    assertInvalidToken(response);
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("sub");
    assertInvalidToken(listWith(signed(noSub.copy().put("sub", ""))));
    assertInvalidToken(listWith(signed(noSub.copy().put("sub", "   "))));
    assertInvalidToken(listWith(signed(noSub.copy().put("sub", 42))));
    assertInvalidToken(listWith(signed(noSub.copy().put("sub", new JsonObject().put("name", "alice")))));
  }

  @Test
  void aValidlySignedTokenWithNonNumericTimeClaimsIs401Not500() {
    // vertx-auth-jwt throws ClassCastException for these (docs/traps.md): it must not become a 500.
    for (String claim : List.of("exp", "iat", "nbf")) {
      for (Object value : List.of("9999999999", "tomorrow", true, new JsonArray().add(1))) {
        JsonObject payload = claims("alice", TestService.READ_WRITE).put(claim, value);
        HttpResponse<Buffer> response = listWith(signed(payload));
        assertThat(response.statusCode()).as("%s = %s", claim, value).isEqualTo(401);
        assertInvalidToken(response);
      }
    }
  }

  // --- 403: missing scope -----------------------------------------------------------------------

  @Test
  void aReadOnlyTokenCannotSubmitOrCancel() {
    String reader = signed(claims("alice", "jobs:read"));
    assertForbidden(service.post(JOBS, reader,
      new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0))), "jobs:write");

    String writer = service.token("alice", TestService.READ_WRITE);
    String id = service.submit(writer, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    assertForbidden(service.delete(JOBS + "/" + id, reader), "jobs:write");

    // Nothing was submitted by the refused request, and nothing was cancelled.
    JsonArray items = service.get(JOBS, reader).bodyAsJsonObject().getJsonArray("items");
    assertThat(items).hasSize(1);
    assertThat(items.getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(items.getJsonObject(0).getString("state")).isIn("queued", "running");
  }

  @Test
  void aWriteOnlyTokenCannotRead() {
    String writer = signed(claims("alice", "jobs:write"));
    String id = service.submit(writer, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    assertForbidden(service.get(JOBS, writer), "jobs:read");
    assertForbidden(service.get(JOBS + "/" + id, writer), "jobs:read");
    assertForbidden(service.get("/api/v1/job-types", writer), "jobs:read");
  }

  @Test
  void scopesMustBeExactSpaceSeparatedNames() {
    List<Object> useless = List.of("", "jobs:readjobs:write", "jobs:read,jobs:write", "JOBS:READ", "jobs:*",
      "jobs", "jobs:reader", new JsonArray().add("jobs:read").add("jobs:write"));
    for (Object scope : useless) {
      assertForbidden(listWith(signed(claims("alice", "x").put("scope", scope))), "jobs:read");
    }
    JsonObject noScope = claims("alice", "x");
    noScope.remove("scope");
    assertForbidden(listWith(signed(noScope)), "jobs:read");

    // Surplus whitespace and unknown scopes next to a good one do no harm.
    assertThat(listWith(signed(claims("alice", "  openid   jobs:read  profile "))).statusCode()).isEqualTo(200);
  }

  // --- ownership: 404 exactly like a missing job; jobs:admin sees all -------------------------

  @Test
  void anotherOwnersJobIsA404IndistinguishableFromAMissingJob() {
    // One sleep at a time, so that alice has a running, a queued and a finished job.
    restartWith(config -> config.put("workers", config.getJsonObject("workers").copy().put("asyncConcurrency", 1)));
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);

    String finished = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    service.awaitState(alice, finished, Duration.ofSeconds(10), "succeeded");
    String running = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    service.awaitState(alice, running, Duration.ofSeconds(10), "running");
    String queued = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    String bobs = service.submit(bob, "primes", new JsonObject().put("limit", 10)).getString("id");

    HttpResponse<Buffer> missingGet = service.get(JOBS + "/" + MISSING_ID, bob);
    HttpResponse<Buffer> missingDelete = service.delete(JOBS + "/" + MISSING_ID, bob);
    assertProblem(missingGet, 404);
    assertProblem(missingDelete, 404);
    for (String id : List.of(finished, running, queued)) {
      assertSameAsMissing(service.get(JOBS + "/" + id, bob), missingGet, id);
      assertSameAsMissing(service.delete(JOBS + "/" + id, bob), missingDelete, id);
    }

    // Bob's refused cancels changed nothing.
    assertThat(service.get(JOBS + "/" + running, alice).bodyAsJsonObject().getString("state")).isEqualTo("running");
    assertThat(service.get(JOBS + "/" + queued, alice).bodyAsJsonObject().getString("state")).isEqualTo("queued");
    assertThat(service.get(JOBS + "/" + finished, alice).bodyAsJsonObject().getString("state")).isEqualTo("succeeded");

    // Bob's list holds his job and none of alice's, whatever the filter.
    assertThat(ids(service.get(JOBS, bob))).containsExactly(bobs);
    assertThat(ids(service.get(JOBS + "?type=sleep", bob))).isEmpty();
    assertThat(ids(service.get(JOBS + "?state=running", bob))).isEmpty();
    assertThat(ids(service.get(JOBS + "?state=queued&type=sleep", bob))).isEmpty();
    assertThat(ids(service.get(JOBS, alice))).containsExactlyInAnyOrder(finished, running, queued);
  }

  private static void assertSameAsMissing(HttpResponse<Buffer> actual, HttpResponse<Buffer> missing, String id) {
    assertThat(actual.statusCode()).as(actual.bodyAsString()).isEqualTo(404);
    assertThat(actual.getHeader("Content-Type")).isEqualTo(missing.getHeader("Content-Type"));
    assertThat(new java.util.TreeSet<>(actual.headers().names()))
      .isEqualTo(new java.util.TreeSet<>(missing.headers().names()));
    assertThat(actual.bodyAsString()).isEqualTo(missing.bodyAsString().replace(MISSING_ID, id));
  }

  private static List<String> ids(HttpResponse<Buffer> listResponse) {
    assertThat(listResponse.statusCode()).as(listResponse.bodyAsString()).isEqualTo(200);
    return listResponse.bodyAsJsonObject().getJsonArray("items").stream()
      .map(item -> ((JsonObject) item).getString("id")).toList();
  }

  @Test
  void anAdminSeesAndCancelsEveryonesJobs() {
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);
    String admin = service.token("root", ADMIN);

    String alicesRunning = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    String bobsFinished = service.submit(bob, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    service.awaitState(alice, alicesRunning, Duration.ofSeconds(10), "running");
    service.awaitState(bob, bobsFinished, Duration.ofSeconds(10), "succeeded");

    HttpResponse<Buffer> seen = service.get(JOBS + "/" + alicesRunning, admin);
    assertThat(seen.statusCode()).isEqualTo(200);
    assertThat(seen.bodyAsJsonObject().getString("owner")).isEqualTo("alice");
    assertThat(ids(service.get(JOBS, admin))).containsExactlyInAnyOrder(alicesRunning, bobsFinished);

    // A finished job of someone else is a 409 for the admin, who can see it, not a 404.
    assertProblem(service.delete(JOBS + "/" + bobsFinished, admin), 409);

    HttpResponse<Buffer> cancel = service.delete(JOBS + "/" + alicesRunning, admin);
    assertThat(cancel.statusCode()).as(cancel.bodyAsString()).isEqualTo(202);
    JsonObject cancelled = service.awaitState(alice, alicesRunning, Duration.ofSeconds(10),
      "cancelled", "succeeded", "failed");
    assertThat(cancelled.getString("state")).isEqualTo("cancelled");
    assertThat(cancelled.getString("owner")).isEqualTo("alice");

    // The admin's own submissions are the admin's, not a way to act as someone else.
    JsonObject own = service.submit(admin, "sleep", new JsonObject().put("seconds", 0));
    assertThat(own.getString("owner")).isEqualTo("root");
  }

  @Test
  void anAdminCancelOfSomeoneElsesQueuedJobIs200() {
    restartWith(config -> config.put("workers", config.getJsonObject("workers").copy().put("asyncConcurrency", 1)));
    String alice = service.token("alice", TestService.READ_WRITE);
    String admin = service.token("root", ADMIN);
    String running = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");
    service.awaitState(alice, running, Duration.ofSeconds(10), "running");
    String queued = service.submit(alice, "sleep", new JsonObject().put("seconds", 600)).getString("id");

    HttpResponse<Buffer> cancel = service.delete(JOBS + "/" + queued, admin);
    assertThat(cancel.statusCode()).as(cancel.bodyAsString()).isEqualTo(200);
    assertThat(cancel.bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
    assertThat(service.get(JOBS + "/" + queued, alice).bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
  }
}
