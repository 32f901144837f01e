package dev.offload.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens verified lately, so that a client sending the same token with every request pays for
 * its signature check and the parse of its claims once a minute, not per request (that was a
 * tenth of a submission's CPU). Only tokens that passed verification are kept, each until it
 * expires ({@code exp} plus the leeway) and at most {@link #KEEP_MILLIS} ms; a new key set
 * empties it, so a key withdrawn from the JWKS stops working at the refresh. Bounded: when full,
 * it starts again empty (a flood of valid tokens costs only their verification). Thread-safe.
 */
final class VerifiedTokens {
  static final long KEEP_MILLIS = 60_000;
  private static final int MAX_TOKENS = 10_000;

  private record Entry(User user, long untilMillis) {
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final int leewaySeconds;

  VerifiedTokens(int leewaySeconds) {
    this.leewaySeconds = leewaySeconds;
  }

  /** The user a still-valid token was verified as, or null. */
  User get(String token) {
    Entry entry = entries.get(token);
    if (entry == null) {
      return null;
    }
    if (System.currentTimeMillis() >= entry.untilMillis()) {
      entries.remove(token, entry);
      return null;
    }
    return entry.user();
  }

  /** Keeps a token that was just verified; one without a numeric {@code exp} is not kept. */
  void put(String token, User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken");
    if (claims == null || !(claims.getValue("exp") instanceof Number exp)) {
      return;
    }
    long now = System.currentTimeMillis();
    long until = Math.min((exp.longValue() + leewaySeconds) * 1000, now + KEEP_MILLIS);
    if (until <= now) {
      return;
    }
    if (entries.size() >= MAX_TOKENS) {
      entries.clear();
    }
    entries.put(token, new Entry(user, until));
  }

  void clear() {
    entries.clear();
  }
}
