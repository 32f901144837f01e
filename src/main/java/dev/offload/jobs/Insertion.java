package dev.offload.jobs;

import java.util.List;

/**
 * What the store made of one submission: stored ({@link #STORED}), refused (a quota, the
 * backlog, an {@code Idempotency-Key} reused for another request), or replayed: the same
 * request under the same key was stored before, and {@code replayed} are its jobs as they are now.
 */
public record Insertion(JobException refusal, List<Job> replayed) {
  public static final Insertion STORED = new Insertion(null, null);

  public static Insertion refused(JobException refusal) {
    return new Insertion(refusal, null);
  }

  public static Insertion replay(List<Job> jobs) {
    return new Insertion(null, List.copyOf(jobs));
  }
}
