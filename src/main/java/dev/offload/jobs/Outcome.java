package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * How one attempt ended, to be written only if the job is still running that same attempt
 * (a late reply from an attempt already given up changes nothing). {@code state} QUEUED means
 * "retry at {@code runAt}"; a job whose cancellation was requested is cancelled instead.
 * {@code counted} false gives the attempt back (it never reached a worker). {@code row} is the
 * attempt's handle on the row in the store ({@link Attempt#row()}).
 */
public record Outcome(UUID id, int attempt, JobState state, JsonObject result, JsonObject error, Instant runAt,
                      Instant at, boolean counted, long row) {

  public static Outcome succeeded(Attempt job, JsonObject result, Instant at) {
    return new Outcome(job.id(), job.attempt(), JobState.SUCCEEDED, result, null, null, at, true, job.row());
  }

  public static Outcome failed(Attempt job, JobState state, JsonObject error, Instant runAt, Instant at) {
    return new Outcome(job.id(), job.attempt(), state, null, error, runAt, at, true, job.row());
  }

  /** Back to the queue without using an attempt: no worker could take it. */
  public static Outcome released(Attempt job, JsonObject error, Instant runAt, Instant at) {
    return new Outcome(job.id(), job.attempt(), JobState.QUEUED, null, error, runAt, at, false, job.row());
  }
}
