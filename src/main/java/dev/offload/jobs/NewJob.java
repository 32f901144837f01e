package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/** A validated submission, ready to be admitted and stored as a queued job. */
public record NewJob(UUID id, String owner, String type, JsonObject input, int maxAttempts, int timeoutSeconds,
                     Instant createdAt, String requestId) {

  public Job toQueuedJob() {
    return new Job(id, owner, type, JobState.QUEUED, input, null, null, null, 0, maxAttempts, timeoutSeconds,
      false, createdAt, null, null, requestId);
  }
}
