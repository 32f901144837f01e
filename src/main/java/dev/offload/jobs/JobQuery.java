package dev.offload.jobs;

import java.time.Instant;

/**
 * One page of a job listing, newest first. {@code owner} null lists every owner (admin);
 * {@code state} and {@code type} null mean any; jobs created from {@code createdAfter}
 * (inclusive) and before {@code createdBefore} (exclusive), either null for no bound;
 * {@code after} is the decoded cursor or null.
 */
public record JobQuery(String owner, JobState state, String type, Instant createdAfter, Instant createdBefore,
                       int limit, Cursor after) {

  /** Without time bounds. */
  public JobQuery(String owner, JobState state, String type, int limit, Cursor after) {
    this(owner, state, type, null, null, limit, after);
  }

  /** A position in the newest-first order: jobs strictly older than (createdAt, id) come next. */
  public record Cursor(long createdAtMillis, String id) {
  }
}
