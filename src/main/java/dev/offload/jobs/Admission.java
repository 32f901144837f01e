package dev.offload.jobs;


/** The limits a submission is admitted against, atomically with its insert. */
public record Admission(int backlog, int activeJobsPerOwner) {
  /** Seconds a refused client should wait before trying again. */
  public static final int FULL_RETRY_AFTER_SECONDS = 5;

  /** Whether {@code adding} more jobs fit beside the {@code queued} ones: null when they do, else the refusal. */
  public JobException backlogRefusal(int queued, int adding) {
    if (queued + adding <= backlog) {
      return null;
    }
    return new JobException(JobException.Kind.BACKLOG, "the backlog is full (" + queued + " of " + backlog
      + " queued jobs" + (adding > 1 ? ", " + adding + " submitted" : "") + "); try again later", FULL_RETRY_AFTER_SECONDS);
  }

  /** Whether an owner with {@code active} (queued or running) jobs may add {@code adding}: null when so. */
  public JobException quotaRefusal(int active, int adding) {
    if (active + adding <= activeJobsPerOwner) {
      return null;
    }
    return new JobException(JobException.Kind.QUOTA, "you have " + active + " active jobs"
      + (adding > 1 ? " and submit " + adding : "") + ", the most allowed is " + activeJobsPerOwner
      + "; wait for some to finish", FULL_RETRY_AFTER_SECONDS);
  }
}
