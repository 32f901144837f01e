package dev.offload.jobs;

import java.util.UUID;

/** A change of one job, as {@link JobEvents} carries it: a new {@code state}, or a {@code progress} report (the other is null). */
public record JobEvent(UUID id, JobState state, Double progress) {

  /** Whether this event says the job has finished (a state it never leaves). */
  public boolean finished() {
    return state != null && state.finished();
  }
}
