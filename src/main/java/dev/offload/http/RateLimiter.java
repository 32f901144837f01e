package dev.offload.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per owner: {@code perSecond} requests a second on average, bursts of up to
 * {@code burst}. Thread-safe (shared by every HTTP verticle of the node) and never waits: a
 * request either takes a token now or is told how long until one is free. Limits are per node.
 */
public final class RateLimiter {
  private final double perSecond;
  private final int burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** What a request learns: allowed or not, tokens left, seconds until the next token. */
  record Decision(boolean allowed, int remaining, int retryAfterSeconds) {
  }

  private static final class Bucket {
    private double tokens;
    private long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }
  }

  public RateLimiter(double perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  Decision take(String owner, long nowNanos) {
    Bucket bucket = buckets.computeIfAbsent(owner, o -> new Bucket(burst, nowNanos));
    synchronized (bucket) {
      bucket.tokens = Math.min(burst, bucket.tokens + (nowNanos - bucket.updatedNanos) / 1e9 * perSecond);
      bucket.updatedNanos = nowNanos;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return new Decision(true, (int) bucket.tokens, 0);
      }
      return new Decision(false, 0, (int) Math.ceil((1 - bucket.tokens) / perSecond));
    }
  }

  /** Forgets owners whose bucket has refilled: they behave exactly as new ones. */
  public void forgetIdle(long nowNanos) {
    buckets.entrySet().removeIf(entry -> {
      Bucket bucket = entry.getValue();
      synchronized (bucket) {
        return bucket.tokens + (nowNanos - bucket.updatedNanos) / 1e9 * perSecond >= burst;
      }
    });
  }

  int burst() {
    return burst;
  }
}
