package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * A validated submission, ready to be admitted and stored as a queued job. {@code callbackUrl}
 * (a completion webhook) and {@code idempotency} may be null.
 */
public record NewJob(UUID id, String owner, String type, JsonObject input, int maxAttempts, int timeoutSeconds,
                     Instant createdAt, String requestId, String callbackUrl, Idempotency idempotency) {

  /** Without a callback or an idempotency key. */
  public NewJob(UUID id, String owner, String type, JsonObject input, int maxAttempts, int timeoutSeconds,
                Instant createdAt, String requestId) {
    this(id, owner, type, input, maxAttempts, timeoutSeconds, createdAt, requestId, null, null);
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
      callbackUrl == null ? null : new Job.Callback(callbackUrl, "pending", 0, null));
  }
}
