package dev.offload.jobs;

/**
 * A refusal the client can act on. The HTTP layer maps each {@link Kind} to a status; the job
 * domain stays free of HTTP.
 */
public final class JobException extends RuntimeException {

  public enum Kind {
    /** The request is malformed or violates the schema. */
    INVALID,
    /** The caller's token does not allow this (a scope it lacks). */
    FORBIDDEN,
    /** No such job, or not visible to the caller. */
    NOT_FOUND,
    /** The job is in a state that does not allow the operation. */
    CONFLICT,
    /** An idempotency key the owner already used for another request. */
    KEY_REUSED,
    /** The owner has too many active jobs. */
    QUOTA,
    /** The owner sends requests faster than the rate limit. */
    RATE_LIMITED,
    /** The node's backlog is full. */
    BACKLOG,
    /** The service cannot take work right now (for example, no API role). */
    UNAVAILABLE
  }

  private final Kind kind;
  private final int retryAfterSeconds;

  public JobException(Kind kind, String message) {
    this(kind, message, 0);
  }

  public JobException(Kind kind, String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public Kind kind() {
    return kind;
  }

  /** Seconds the client should wait before trying again; 0 when not applicable. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
