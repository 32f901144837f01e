package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A validated submission, ready to be admitted and stored as a queued job, claimed no earlier than
 * {@code runAt} and before the jobs of lower {@code priority} (0 to 9). {@code callbackUrl} (a
 * completion webhook), {@code idempotency} and {@code tick} (the schedule that made it) may be null.
 */
public record NewJob(UUID id, String owner, String type, JsonObject input, int maxAttempts, int timeoutSeconds,
                     int priority, Instant runAt, Instant createdAt, String requestId, String callbackUrl,
                     Idempotency idempotency, Tick tick) {
  public static final int DEFAULT_PRIORITY = 5;
  public static final int MAX_PRIORITY = 9;

  /** Due now, at the default priority, without a callback, an idempotency key or a schedule. */
  public NewJob(UUID id, String owner, String type, JsonObject input, int maxAttempts, int timeoutSeconds,
                Instant createdAt, String requestId) {
    this(id, owner, type, input, maxAttempts, timeoutSeconds, DEFAULT_PRIORITY, createdAt, createdAt, requestId,
      null, null, null);
  }

  /** The recurring schedule that created the job, and for which of its ticks (one job per tick, per owner). */
  public record Tick(String schedule, Instant at) {
  }

  /**
   * The job's {@code Idempotency-Key} (unique per owner; a batch's jobs hold "key index"), a hash of
   * the request that carried it, and since when a key is still kept (an older job's key no longer counts).
   */
  public record Idempotency(String key, String requestHash, Instant keptSince) {
  }

  public Job toQueuedJob() {
    return new Job(id, owner, type, JobState.QUEUED, input, null, null, null, 0, maxAttempts, timeoutSeconds,
      false, createdAt, null, null, requestId,
      callbackUrl == null ? null : new Job.Callback(callbackUrl, "pending", 0, null), priority, runAt,
      tick == null ? null : tick.schedule(), List.of());
  }
}
