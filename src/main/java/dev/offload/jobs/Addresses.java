package dev.offload.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;

/** Every event-bus address Offload uses (a failed work reply: {@link AttemptFailure}). Payloads are JsonObject. */
public final class Addresses {
  /** Work requests for one job type: {@code offload.jobs.<type>}; the reply is the result. */
  public static final String JOBS_PREFIX = "offload.jobs.";
  /** Published: {"id"} of a job whose cancellation was requested; every worker checks its running jobs. */
  public static final String CANCEL = "offload.control.cancel";
  /** Sent by workers: {"id", "attempt", "progress"}. */
  public static final String PROGRESS = "offload.control.progress";
  /** Cluster-wide presence of a job type's workers: {@code offload.workers.<type>} answers while one runs. */
  public static final String WORKERS_PREFIX = "offload.workers.";
  /** Published after a job type was paused or resumed: every node reads the paused types again. */
  public static final String PAUSED = "offload.control.paused";
  /** Published after jobs were queued: {"types": [...]}; dispatchers look for work at once. */
  public static final String WAKE = "offload.control.wake";

  private Addresses() {
  }

  public static String jobs(String type) {
    return JOBS_PREFIX + type;
  }

  public static String workers(String type) {
    return WORKERS_PREFIX + type;
  }

  /** The {@link #WAKE} message for jobs of {@code types} queued. */
  public static JsonObject wake(Collection<String> types) {
    return new JsonObject().put("types", new JsonArray(new ArrayList<>(types)));
  }
}
