package dev.offload.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OpenID Connect provider for the dashboard's sign-in test, on loopback: discovery, an
 * authorize endpoint that signs {@link #SUBJECT} in at once and redirects back with a code, a
 * token endpoint that checks the code, the client, the redirect URI and the PKCE verifier (S256)
 * and answers an access token signed with its own key, and that key as a JWKS.
 */
public final class FakeIdp {
  public static final String SUBJECT = "oidc-user";
  public static final String CLIENT = "offload-dashboard";

  private final Vertx vertx;
  private final TestKeys keys = TestKeys.generate("RS256", "idp-key");
  private final String audience;
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();
  /** Code exchanges whose PKCE verifier matched the challenge. */
  public final AtomicInteger verifiedExchanges = new AtomicInteger();
  /** Code exchanges refused (bad code, client, redirect or verifier). */
  public final AtomicInteger refusedExchanges = new AtomicInteger();
  private HttpServer server;

  private record Grant(String challenge, String redirectUri, String scope) {
  }

  public FakeIdp(Vertx vertx, String audience) {
    this.vertx = vertx;
    this.audience = audience;
  }

  public FakeIdp start() {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      // The dashboard calls discovery and the token endpoint from another origin (its own).
      ctx.response().putHeader("Access-Control-Allow-Origin", "*");
      ctx.next();
    });
    router.get("/.well-known/openid-configuration").handler(ctx -> json(ctx, 200, new JsonObject()
      .put("issuer", issuer())
      .put("authorization_endpoint", issuer() + "/authorize")
      .put("token_endpoint", issuer() + "/token")
      .put("jwks_uri", issuer() + "/jwks")
      .put("response_types_supported", new JsonArray().add("code"))
      .put("code_challenge_methods_supported", new JsonArray().add("S256"))));
    router.get("/authorize").handler(this::authorize);
    router.post("/token").handler(BodyHandler.create(false)).handler(this::token);
    router.get("/jwks").handler(ctx -> json(ctx, 200, new JsonObject().put("keys", new JsonArray().add(keys.publicJwk()))));
    server = TestService.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    return this;
  }

  public String issuer() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** A token of this provider's, as its token endpoint issues them. */
  public String accessToken(String subject, String scope) {
    return keys.sign(vertx, new JsonObject().put("sub", subject).put("scope", scope).put("iss", issuer())
      .put("aud", audience).put("exp", System.currentTimeMillis() / 1000 + 600));
  }

  private void authorize(RoutingContext ctx) {
    MultiMap q = ctx.queryParams();
    String redirect = q.get("redirect_uri");
    if (!"code".equals(q.get("response_type")) || !CLIENT.equals(q.get("client_id")) || redirect == null
      || !"S256".equals(q.get("code_challenge_method")) || q.get("code_challenge") == null || q.get("state") == null
      || q.get("scope") == null || !q.get("scope").contains("openid")) {
      json(ctx, 400, new JsonObject().put("error", "invalid_request"));
      return;
    }
    String code = UUID.randomUUID().toString();
    grants.put(code, new Grant(q.get("code_challenge"), redirect, q.get("scope")));
    ctx.response().setStatusCode(302).putHeader("Location", redirect + "?code=" + code + "&state="
      + java.net.URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8)).end();
  }

  private void token(RoutingContext ctx) {
    MultiMap form = MultiMap.caseInsensitiveMultiMap();
    for (String pair : ctx.body().asString().split("&")) {
      String[] kv = pair.split("=", 2);
      form.add(java.net.URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
        kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    Grant grant = form.get("code") == null ? null : grants.remove(form.get("code"));
    if (grant == null || !"authorization_code".equals(form.get("grant_type")) || !CLIENT.equals(form.get("client_id"))
      || !grant.redirectUri().equals(form.get("redirect_uri")) || form.get("code_verifier") == null
      || !grant.challenge().equals(s256(form.get("code_verifier")))) {
      refusedExchanges.incrementAndGet();
      json(ctx, 400, new JsonObject().put("error", "invalid_grant"));
      return;
    }
    verifiedExchanges.incrementAndGet();
    json(ctx, 200, new JsonObject().put("access_token", accessToken(SUBJECT, "jobs:read jobs:write"))
      .put("token_type", "Bearer").put("expires_in", 600).put("scope", grant.scope()));
  }

  private static String s256(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
      .putHeader("Cache-Control", "no-store").end(body.encode());
  }

  public void stop() {
    if (server != null) {
      TestService.await(server.close());
    }
  }
}
