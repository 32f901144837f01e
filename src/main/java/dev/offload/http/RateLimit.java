package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobMetrics;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The per-owner rate limit on the API ({@link RateLimiter}'s token bucket, shared by the node's
 * HTTP verticles): the {@code RateLimit-*} headers on every answer, {@code 429} with
 * {@code Retry-After} once the owner's burst is spent. After the token check: it needs the owner.
 */
final class RateLimit implements Handler<RoutingContext> {
  private final RateLimiter limiter;
  private final JobMetrics metrics;

  private RateLimit(RateLimiter limiter, JobMetrics metrics) {
    this.limiter = limiter;
    this.metrics = metrics;
  }

  static RateLimit create(RateLimiter limiter, JobMetrics metrics) {
    return new RateLimit(limiter, metrics);
  }

  @Override
  public void handle(RoutingContext ctx) {
    RateLimiter.Decision decision = limiter.take(BearerAuth.caller(ctx).subject(), System.nanoTime());
    ctx.response().putHeader("RateLimit-Limit", String.valueOf(limiter.burst()))
      .putHeader("RateLimit-Remaining", String.valueOf(decision.remaining()))
      .putHeader("RateLimit-Reset", String.valueOf(decision.retryAfterSeconds()));
    if (decision.allowed()) {
      ctx.next();
    } else {
      metrics.refused("rate_limited");
      ctx.fail(new JobException(JobException.Kind.RATE_LIMITED, "too many requests; slow down",
        Math.max(1, decision.retryAfterSeconds())));
    }
  }
}
