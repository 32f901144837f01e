package dev.offload.jobs;

/**
 * One page of a job listing, newest first. {@code owner} null lists every owner (admin);
 * {@code state} and {@code type} null mean any; {@code after} is the decoded cursor or null.
 */
public record JobQuery(String owner, JobState state, String type, int limit, Cursor after) {

  /** A position in the newest-first order: jobs strictly older than (createdAt, id) come next. */
  public record Cursor(long createdAtMillis, String id) {
  }
}
