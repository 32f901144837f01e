package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * What becomes of an attempt that failed: back to the queue after an exponential backoff
 * ({@code baseMillis}, twice that, four times ..., capped at {@code maxMillis}) while it has
 * attempts left, else failed for good. Pure: no clock, no I/O.
 */
public record RetryPolicy(long baseMillis, long maxMillis) {

  /** The wait before attempt {@code attempt + 1}. */
  public long backoffMillis(int attempt) {
    long factor = 1L << Math.min(attempt - 1, 30);
    return Math.min(maxMillis, baseMillis * factor);
  }

  /** The outcome of {@code job}'s attempt that failed with {@code error} at {@code now}. */
  public Outcome afterFailure(Attempt job, JsonObject error, Instant now) {
    if (job.attempt() < job.maxAttempts()) {
      return Outcome.failed(job, JobState.QUEUED, error, now.plusMillis(backoffMillis(job.attempt())), now);
    }
    return Outcome.failed(job, JobState.FAILED, error, null, now);
  }
}
