package dev.offload.http;

import dev.offload.jobs.JobException;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a node holds open for its clients (requests held by {@code Prefer: wait}, or event
 * streams), counted against a limit per node and one per owner, so that no owner, and no crowd,
 * can make a node hold more than it can. Shared by the node's HTTP verticles; thread-safe.
 */
public final class Holds {
  private final String what;
  private final int max;
  private final int perOwner;
  private final AtomicInteger held = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> byOwner = new ConcurrentHashMap<>();

  /** {@code what} names them in refusals ("event streams"). */
  Holds(String what, int max, int perOwner) {
    this.what = what;
    this.max = max;
    this.perOwner = perOwner;
  }

  /**
   * Takes a place for {@code owner}: null when taken (give it back with {@link #give}), else
   * why not: {@code 429} when the owner holds its share, {@code 503} when the node is full.
   */
  JobException take(String owner) {
    boolean[] taken = {false};
    byOwner.compute(owner, (k, count) -> {
      int n = count == null ? 0 : count;
      taken[0] = n < perOwner;
      return taken[0] ? n + 1 : count;
    });
    if (!taken[0]) {
      return new JobException(JobException.Kind.QUOTA, "you already hold " + perOwner + " " + what
        + " open on this node; close one first", 1);
    }
    if (held.incrementAndGet() > max) {
      give(owner);
      return new JobException(JobException.Kind.UNAVAILABLE, "this node holds " + max + " " + what
        + " open; try again (or another node)", 1);
    }
    return null;
  }

  /** Gives back a place {@link #take} gave. */
  void give(String owner) {
    held.decrementAndGet();
    byOwner.computeIfPresent(owner, (k, count) -> count <= 1 ? null : count - 1);
  }

  /** How many are held now. */
  int held() {
    return held.get();
  }
}
