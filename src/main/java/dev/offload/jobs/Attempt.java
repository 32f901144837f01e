package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * An attempt a node claimed: what the dispatcher sends to the worker (id, owner, attempt number,
 * input), what it needs to judge the outcome (timeout, attempts allowed), and what its metrics
 * and logs name (type, submission time, request id). A claim reads these columns and no others.
 * {@code row} is the store's own handle on the job's row (SQLite's rowid; 0 where a store has
 * none), so that the outcome finds the row without a look-up of its id.
 */
public record Attempt(UUID id, String type, String owner, int attempt, int maxAttempts, int timeoutSeconds, JsonObject input,
                      Instant createdAt, String requestId, long row) {
}
