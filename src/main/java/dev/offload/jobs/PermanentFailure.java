package dev.offload.jobs;

import java.util.regex.Pattern;

/**
 * Thrown by a handler (or used to fail its future) when trying again cannot help: invalid data
 * found mid-way, a resource that is gone, a refusal by the system it calls. The job ends
 * {@code failed} at once, whatever attempts it has left, with {@code error.code} set to
 * {@link #code()} and {@code error.message} to the message. Any other exception fails the
 * attempt, and the job is retried while it has attempts left.
 *
 * <pre>{@code
 * if (!customers.exists(id)) {
 *   throw new PermanentFailure("unknown_customer", "no customer " + id);
 * }
 * }</pre>
 */
public final class PermanentFailure extends RuntimeException {
  /** What {@link #code()} may hold: what clients switch on, so short and plain. */
  public static final Pattern CODE = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  /** The code of a permanent failure whose handler gave no valid code of its own. */
  public static final String DEFAULT_CODE = "permanent_failure";

  private final String code;

  /** {@code code}: lowercase letters, digits and '_', starting with a letter, at most 64 ({@link #CODE}). */
  public PermanentFailure(String code, String message) {
    super(message, null, false, false);
    if (code == null || !CODE.matcher(code).matches()) {
      throw new IllegalArgumentException("a failure code is 1 to 64 of a-z, 0-9 and '_', starting with a letter: "
        + code);
    }
    this.code = code;
  }

  /** With the code {@value #DEFAULT_CODE}. */
  public PermanentFailure(String message) {
    this(DEFAULT_CODE, message);
  }

  public String code() {
    return code;
  }
}
