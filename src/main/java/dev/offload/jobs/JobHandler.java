package dev.offload.jobs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A job type. Implementations are found with {@link java.util.ServiceLoader}: add a class and list
 * it in {@code META-INF/services/dev.offload.jobs.JobHandler} to add a type.
 *
 * <p>A {@linkplain #blocking() blocking} handler's {@link #run} is called on a worker thread and
 * may compute for as long as it needs (returning a completed future). A non-blocking handler's
 * {@code run} is called on an event loop: it must return at once and complete the future later.
 */
public interface JobHandler {

  /** The type name clients submit, e.g. {@code primes}: lowercase letters, digits, '-' and '_'. */
  String type();

  String description();

  /** JSON Schema (draft 2020-12) of the {@code input}. */
  JsonObject inputSchema();

  /** True when {@link #run} blocks (CPU-bound or blocking I/O). */
  default boolean blocking() {
    return false;
  }

  /** Default time an attempt may take (shown in {@code GET /api/v1/job-types}). */
  int timeoutSeconds();

  /** Time an attempt of this input (already valid) may take; by default {@link #timeoutSeconds()}. */
  default int timeoutSeconds(JsonObject input) {
    return timeoutSeconds();
  }

  /** Default number of attempts. */
  default int maxAttempts() {
    return 3;
  }

  /** Runs one attempt; fail the future (or throw) to fail the attempt. */
  Future<JsonObject> run(JobContext context) throws Exception;
}
