package dev.offload.jobs;

import java.util.List;

/**
 * What the store made of one submission: stored ({@link #STORED}, or {@link #started} when the
 * insert also claimed it for a {@link HandOff}), refused (a quota, the backlog, an
 * {@code Idempotency-Key} reused for another request), or replayed: the same request under the
 * same key was stored before, and {@code replayed} are its jobs as they are now.
 */
public record Insertion(JobException refusal, List<Job> replayed, List<Attempt> started) {
  public static final Insertion STORED = new Insertion(null, null, List.of());

  public static Insertion refused(JobException refusal) {
    return new Insertion(refusal, null, List.of());
  }

  public static Insertion replay(List<Job> jobs) {
    return new Insertion(null, List.copyOf(jobs), List.of());
  }

  /** Stored, and already running as {@code started} (the insert's hand-off). */
  public static Insertion started(List<Attempt> started) {
    return new Insertion(null, null, List.copyOf(started));
  }
}
