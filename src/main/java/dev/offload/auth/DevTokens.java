package dev.offload.auth;

import dev.offload.config.OffloadConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;

import java.util.List;

/** Dev tokens, signed with the HS256 secret ({@code make token}, the tests, the benchmark). In production, tokens come from your identity provider. */
public final class DevTokens {

  private DevTokens() {
  }

  /** Signs a token for {@code subject} with the given scopes (space-separated), valid for {@code ttlSeconds}. */
  public static String sign(JWTAuth jwt, OffloadConfig.Auth auth, String subject, String scope, int ttlSeconds) {
    JWTOptions options = new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(ttlSeconds);
    if (auth.issuer() != null) {
      options.setIssuer(auth.issuer());
    }
    if (auth.audience() != null) {
      options.setAudience(List.of(auth.audience()));
    }
    return jwt.generateToken(new JsonObject().put("sub", subject).put("scope", scope), options);
  }
}
