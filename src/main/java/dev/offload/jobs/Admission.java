package dev.offload.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The limits a submission is admitted against, atomically with its insert. */
public record Admission(int backlog, int activeJobsPerOwner) {
  /** Seconds a refused client should wait before trying again. */
  public static final int RETRY_AFTER_SECONDS = 5;

  /**
   * Whether one more job fits, given the jobs already queued on the node and the owner's active
   * (queued or running) jobs: null when it does, else the refusal to send.
   */
  public JobException refusal(int queued, int ownerActive) {
    if (queued >= backlog) {
      return new JobException(JobException.Kind.BACKLOG,
        "the backlog is full (" + backlog + " queued jobs); try again later", RETRY_AFTER_SECONDS);
    }
    if (ownerActive >= activeJobsPerOwner) {
      return new JobException(JobException.Kind.QUOTA, "you have " + ownerActive
        + " active jobs, the most allowed is " + activeJobsPerOwner + "; wait for some to finish", RETRY_AFTER_SECONDS);
    }
    return null;
  }

  /**
   * Decides, in order, which jobs of a batch fit: {@code limits.get(i)} applies to
   * {@code jobs.get(i)}; {@code queued} and {@code active} (per owner) are the counts before the
   * batch, and each admitted job counts against the ones after it.
   */
  public static List<JobException> decide(List<NewJob> jobs, List<Admission> limits, int queued,
                                          Map<String, Integer> active) {
    Map<String, Integer> counts = new HashMap<>(active);
    List<JobException> refusals = new ArrayList<>(jobs.size());
    for (int i = 0; i < jobs.size(); i++) {
      String owner = jobs.get(i).owner();
      int ownerActive = counts.getOrDefault(owner, 0);
      JobException refusal = limits.get(i).refusal(queued, ownerActive);
      refusals.add(refusal);
      if (refusal == null) {
        queued++;
        counts.put(owner, ownerActive + 1);
      }
    }
    return refusals;
  }
}
