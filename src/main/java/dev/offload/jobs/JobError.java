package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

/** The {@code error} of a job: a stable code clients can switch on, and a human message. */
public final class JobError {
  public static final String TIMEOUT = "timeout";
  public static final String HANDLER_ERROR = "handler_error";
  public static final String CANCELLED = "cancelled";
  public static final String LOST = "lost";
  public static final String NO_WORKERS = "no_workers";
  /** The node running the attempt shut down before it finished; the job was put back in the queue. */
  public static final String INTERRUPTED = "interrupted";

  private JobError() {
  }

  public static JsonObject of(String code, String message) {
    return new JsonObject().put("code", code).put("message", message);
  }
}
