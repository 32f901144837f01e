package dev.offload.auth;

import dev.offload.jobs.Caller;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Bearer-token authentication and scope checks as RFC 6750 describes them. vertx-auth-jwt
 * verifies the signature and the {@code exp}, {@code iss}, {@code aud} claims; this handler adds
 * what it leaves out: {@code sub} and {@code exp} are required, any malformed token (including a
 * validly signed one whose claims have the wrong types, which the library reports by throwing)
 * is a 401 with {@code WWW-Authenticate}, and a missing scope is a 403.
 */
public final class BearerAuth implements Handler<RoutingContext> {
  private static final String REALM = "Bearer realm=\"offload\"";
  private static final String CALLER = "offload.caller";
  private static final String SCOPES = "offload.scopes";
  /** The largest token accepted (RFC 8725 leaves it to the application; 8 KiB is generous). */
  static final int MAX_TOKEN_BYTES = 8192;

  private final TokenVerifier verifier;

  private BearerAuth(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  public static BearerAuth create(TokenVerifier verifier) {
    return new BearerAuth(verifier);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ctx.response().putHeader("WWW-Authenticate", REALM);
      ctx.fail(new HttpException(401, "a bearer token is required"));
      return;
    }
    authenticate(header.substring(7).trim())
      .onSuccess(claims -> {
        List<String> scopes = scopes(claims);
        ctx.put(CALLER, new Caller(claims.getString("sub"), scopes.contains(Scopes.ADMIN)));
        ctx.put(SCOPES, scopes);
        ctx.next();
      })
      .onFailure(err -> {
        ctx.response().putHeader("WWW-Authenticate",
          REALM + ", error=\"invalid_token\", error_description=\"" + err.getMessage() + "\"");
        ctx.fail(new HttpException(401, err.getMessage()));
      });
  }

  /** The verified claims, or a failure whose message says what is wrong with the token. */
  private Future<JsonObject> authenticate(String token) {
    if (token.length() > MAX_TOKEN_BYTES) {
      return Future.failedFuture(new IllegalArgumentException("the token is larger than "
        + MAX_TOKEN_BYTES + " bytes"));
    }
    return verifier.authenticate(token)
      .recover(err -> Future.failedFuture(new IllegalArgumentException(reason(err))))
      .map(BearerAuth::requiredClaims);
  }

  private static JsonObject requiredClaims(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
    if (!(claims.getValue("exp") instanceof Number)) {
      throw new IllegalArgumentException("the token has no numeric exp claim");
    }
    if (!(claims.getValue("sub") instanceof String sub) || sub.isBlank()) {
      throw new IllegalArgumentException("the token has no sub claim");
    }
    return claims;
  }

  private static String reason(Throwable err) {
    String message = String.valueOf(err.getMessage()).toLowerCase();
    if (message.contains("expired")) {
      return "the token has expired or is not valid yet (exp, nbf, iat)";
    }
    if (message.contains("issuer")) {
      return "the token has the wrong issuer";
    }
    if (message.contains("audience")) {
      return "the token has the wrong audience";
    }
    if (err instanceof NoSuchKeyIdException) {
      return "no key here verifies this token (alg or kid unknown)";
    }
    if (message.contains("signature")) {
      return "the token signature is invalid";
    }
    return "the token is invalid";
  }

  /** The space-separated {@code scope} claim (RFC 8693), split without a regular expression. */
  private static List<String> scopes(JsonObject claims) {
    if (!(claims.getValue("scope") instanceof String scope)) {
      return List.of();
    }
    List<String> scopes = new ArrayList<>(4);
    int start = -1;
    for (int i = 0; i <= scope.length(); i++) {
      boolean space = i == scope.length() || Character.isWhitespace(scope.charAt(i));
      if (space && start >= 0) {
        scopes.add(scope.substring(start, i));
        start = -1;
      } else if (!space && start < 0) {
        start = i;
      }
    }
    return scopes;
  }

  /** The caller, after this handler ran. */
  public static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  /** The scopes the token holds, after this handler ran. */
  public static List<String> scopes(RoutingContext ctx) {
    return ctx.get(SCOPES, List.of());
  }

  /** A handler that lets the request through only if the token holds {@code scope}. */
  public static Handler<RoutingContext> require(String scope) {
    return require(scope, held -> held.contains(scope));
  }

  /** A handler that lets a remote worker's request through: {@code jobs:work}, or {@code jobs:work:<type>} for some type. */
  public static Handler<RoutingContext> requireWork() {
    return require(Scopes.WORK, Scopes::anyWork);
  }

  private static Handler<RoutingContext> require(String scope, Predicate<List<String>> allows) {
    return ctx -> {
      if (allows.test(scopes(ctx))) {
        ctx.next();
        return;
      }
      ctx.response().putHeader("WWW-Authenticate",
        REALM + ", error=\"insufficient_scope\", scope=\"" + scope + "\"");
      ctx.fail(new HttpException(403, "this requires the '" + scope + "' scope"));
    };
  }
}
