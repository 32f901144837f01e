package dev.offload.auth;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Builds vertx-auth-jwt verifiers that check what the config asks ({@code iss}, {@code aud},
 * leeway), refusing any that would accept unsigned tokens. {@link TokenVerifier} assembles every
 * configured key into one.
 */
public final class Verifiers {
  /** RFC 7518 3.2: an HS256 key must be at least as long as the hash output. */
  public static final int MIN_SECRET_BYTES = 32;

  private Verifiers() {
  }

  /** A verifier for HS256 tokens signed with {@code secret}; throws when the key is unusable. */
  public static JWTAuth create(Vertx vertx, String secret, OffloadConfig.Auth auth) {
    return create(vertx, new JWTAuthOptions().addPubSecKey(hs256(secret)), auth);
  }

  /** The HS256 key; throws when the secret is too short to be safe. */
  static PubSecKeyOptions hs256(String secret) {
    if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new ConfigException("config key 'auth.hs256SecretFile': the HS256 secret must be at least "
        + MIN_SECRET_BYTES + " bytes");
    }
    return new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret);
  }

  /**
   * A verifier holding the keys in {@code keys}, checking the claims {@code auth} configures
   * ({@code iss}, {@code aud}, leeway on {@code exp}/{@code nbf}); refused if it would accept
   * unsigned tokens.
   */
  public static JWTAuth create(Vertx vertx, JWTAuthOptions keys, OffloadConfig.Auth auth) {
    JWTOptions jwtOptions = new JWTOptions().setLeeway(auth.leewaySeconds());
    if (auth.issuer() != null) {
      jwtOptions.setIssuer(auth.issuer());
    }
    if (auth.audience() != null) {
      jwtOptions.setAudience(List.of(auth.audience()));
    }
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions(keys).setJWTOptions(jwtOptions));
    refuseUnsecureMode(jwt, auth);
    return jwt;
  }

  /**
   * vertx-auth-jwt with no usable key runs in "unsecure" mode and accepts {@code alg: none}
   * tokens. Probe it with one and refuse to start if it is accepted. The probe carries the
   * configured issuer and audience: without them the verifier would refuse it for that reason
   * alone and hide that it checks no signature.
   */
  static void refuseUnsecureMode(JWTAuth jwt, OffloadConfig.Auth auth) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    JsonObject claims = new JsonObject().put("sub", "probe").put("exp", Long.MAX_VALUE / 1000);
    if (auth.issuer() != null) {
      claims.put("iss", auth.issuer());
    }
    if (auth.audience() != null) {
      claims.put("aud", auth.audience());
    }
    String payload = b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Future<?> accepted;
    try {
      accepted = jwt.authenticate(new TokenCredentials(header + "." + payload + "."));
    } catch (RuntimeException e) {
      return;
    }
    if (accepted.succeeded()) {
      throw new ConfigException("the JWT verifier has no usable key and would accept unsigned tokens; refusing to start");
    }
  }
}
