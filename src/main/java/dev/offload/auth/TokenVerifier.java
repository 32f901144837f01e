package dev.offload.auth;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

/**
 * Verifies bearer tokens against every configured key: the HS256 secret, PEM public keys, and a
 * JWKS. Each key is pinned to its algorithm (vertx-auth-jwt looks keys up by the token's
 * {@code alg}, so an RS256 public key can never be used as an HS256 secret), and a token's
 * {@code kid}, when the key has one, must match.
 *
 * <p>A JWKS from a URL is refreshed every {@code maxAgeSeconds}, and at once when a token names a
 * key id the set does not hold (the issuer rotated its keys), but never more often than every
 * {@code minRefreshSeconds}, so tokens with made-up key ids cannot make this node hammer the
 * issuer. A failed refresh keeps the keys it had. Fetches are asynchronous: the event loop never
 * waits for them. Signature checks run on the event loop: an RS256/ES256/EdDSA verification
 * takes tens of microseconds; a token verified in the last minute is not checked again
 * ({@link VerifiedTokens}).
 */
public final class TokenVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);

  private final Vertx vertx;
  private final OffloadConfig.Auth auth;
  private final JWTAuthOptions fixedKeys;
  private final JwksSource jwks;
  private final VerifiedTokens verified;
  private volatile JWTAuth jwt;
  private volatile long lastLoadNanos;
  private Future<Void> refreshing;

  private TokenVerifier(Vertx vertx, OffloadConfig.Auth auth, JWTAuthOptions fixedKeys, JwksSource jwks) {
    this.vertx = vertx;
    this.auth = auth;
    this.fixedKeys = fixedKeys;
    this.jwks = jwks;
    this.verified = new VerifiedTokens(auth.leewaySeconds());
  }

  /** Loads every configured key; fails, so that start-up stops, when one cannot be used. */
  public static Future<TokenVerifier> create(Vertx vertx, OffloadConfig config) {
    OffloadConfig.Auth auth = config.auth();
    JWTAuthOptions keys = new JWTAuthOptions();
    try {
      for (OffloadConfig.PublicKey key : auth.publicKeys()) {
        keys.addPubSecKey(publicKey(key));
      }
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    Future<JWTAuthOptions> withSecret = auth.hs256SecretFile() == null
      ? Future.succeededFuture(keys)
      : DevSecret.read(vertx, config).map(secret -> keys.addPubSecKey(Verifiers.hs256(secret)));
    JwksSource source = auth.jwks() == null ? null : new JwksSource(vertx, auth.jwks());
    return withSecret.compose(fixed -> {
      TokenVerifier verifier = new TokenVerifier(vertx, auth, fixed, source);
      return verifier.reload().map(verifier);
    }).onSuccess(verifier -> verifier.refreshPeriodically());
  }

  /** The token's verified claims as a vertx-auth user, or a failure saying why it is refused. */
  public Future<User> authenticate(String token) {
    User known = verified.get(token);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return verify(token).onSuccess(user -> verified.put(token, user)).recover(err -> {
      if (err instanceof NoSuchKeyIdException && jwks != null && jwks.remote() && mayRefresh()) {
        return refresh().compose(v -> verify(token));
      }
      return Future.failedFuture(err);
    });
  }

  private Future<User> verify(String token) {
    try {
      return jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // vertx-auth-jwt throws (rather than fails) on some malformed tokens.
      return Future.failedFuture(e);
    }
  }

  private boolean mayRefresh() {
    return System.nanoTime() - lastLoadNanos >= auth.jwks().minRefreshSeconds() * 1_000_000_000L;
  }

  /** One refresh at a time: concurrent callers share it. */
  private synchronized Future<Void> refresh() {
    if (refreshing != null) {
      return refreshing;
    }
    Promise<Void> done = Promise.promise();
    refreshing = done.future();
    reload()
      .onFailure(err -> LOG.warn("JWKS {} could not be refreshed, keeping the keys it had: {}", jwks.where(),
        err.getMessage()))
      .onComplete(ar -> {
        refreshed();
        done.complete();
      });
    return done.future();
  }

  private synchronized void refreshed() {
    refreshing = null;
  }

  /** Builds a verifier from the fixed keys plus the key set as it is now. */
  private Future<Void> reload() {
    lastLoadNanos = System.nanoTime();
    Future<List<JsonObject>> fromSet = jwks == null ? Future.succeededFuture(List.of()) : jwks.load();
    return fromSet.map(keySet -> {
      JWTAuthOptions options = new JWTAuthOptions(fixedKeys);
      keySet.forEach(options::addJwk);
      jwt = Verifiers.create(vertx, options, auth);
      verified.clear();
      return null;
    });
  }

  private void refreshPeriodically() {
    if (jwks != null && jwks.remote()) {
      vertx.setPeriodic(auth.jwks().maxAgeSeconds() * 1000L, id -> refresh());
    }
  }

  /** A PEM public key pinned to its algorithm; refuses private keys and unreadable files. */
  private static PubSecKeyOptions publicKey(OffloadConfig.PublicKey key) {
    String pem;
    try {
      pem = Files.readString(key.file(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException("config key 'auth.publicKeys': cannot read " + key.file());
    }
    if (pem.contains("PRIVATE KEY")) {
      throw new ConfigException("config key 'auth.publicKeys': " + key.file()
        + " holds a private key; give this service the public key only");
    }
    PubSecKeyOptions options = new PubSecKeyOptions().setAlgorithm(key.algorithm()).setBuffer(pem).setId(key.kid());
    try {
      // Parse now: vertx-auth-jwt would otherwise fail on the first token, or skip the key.
      new io.vertx.ext.auth.impl.jose.JWK(options);
    } catch (RuntimeException e) {
      throw new ConfigException("config key 'auth.publicKeys': " + key.file() + " is not a PEM public key for "
        + key.algorithm());
    }
    return options;
  }
}
