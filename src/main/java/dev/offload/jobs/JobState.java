package dev.offload.jobs;

import java.util.Locale;

/** The life of a job: queued -> running -> succeeded | failed | cancelled (running may go back to queued to retry). */
public enum JobState {
  QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

  /** Succeeded, failed or cancelled: a state the job never leaves. */
  public boolean finished() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the wire name; returns null for an unknown name. */
  public static JobState parse(String wire) {
    for (JobState state : values()) {
      if (state.wire().equals(wire)) {
        return state;
      }
    }
    return null;
  }
}
