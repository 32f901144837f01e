package dev.offload.jobs;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

/**
 * Why an attempt sent to a worker over the event bus failed: the one place that knows how a
 * worker's failed reply is written ({@link #reply}, in the worker) and read back ({@link #of}, in
 * the dispatcher). A reply failure carries an int and a string only, so a permanent failure's
 * code and message travel as {@code "code\nmessage"}.
 */
public record AttemptFailure(Kind kind, String code, String message) {

  public enum Kind {
    /** The handler failed (threw, or failed its future): retried while attempts are left. */
    HANDLER,
    /** The handler failed for good ({@link PermanentFailure}): {@code code} and {@code message} are its own. */
    PERMANENT,
    /** The attempt stopped because its cancellation was requested. */
    CANCELLED,
    /** No reply within the attempt's timeout. */
    TIMEOUT,
    /** No worker for the type on this node. */
    NO_WORKER,
    /** The request never reached a worker, or its reply was lost. */
    UNDELIVERED
  }

  private static final int HANDLER_FAILED = 1;
  private static final int CANCELLED_FAILED = 2;
  private static final int PERMANENTLY_FAILED = 3;

  /** Fails the worker's {@code message} for an attempt that ended with {@code cause}; {@code cancelled}: it was asked to stop. */
  public static void reply(Message<?> message, Throwable cause, boolean cancelled) {
    if (cause instanceof JobContext.CancelledException || cancelled) {
      message.fail(CANCELLED_FAILED, "cancelled");
    } else if (cause instanceof PermanentFailure failure) {
      message.fail(PERMANENTLY_FAILED, failure.code() + "\n"
        + (failure.getMessage() == null ? failure.code() : failure.getMessage()));
    } else {
      message.fail(HANDLER_FAILED, cause.getMessage() == null ? "the handler failed" : cause.getMessage());
    }
  }

  /** What a failed request to a worker means. */
  public static AttemptFailure of(Throwable failure) {
    String text = String.valueOf(failure.getMessage());
    if (!(failure instanceof ReplyException reply)) {
      return new AttemptFailure(Kind.UNDELIVERED, null, text);
    }
    return switch (reply.failureType()) {
      case TIMEOUT -> new AttemptFailure(Kind.TIMEOUT, null, text);
      case NO_HANDLERS -> new AttemptFailure(Kind.NO_WORKER, null, text);
      case RECIPIENT_FAILURE -> switch (reply.failureCode()) {
        case CANCELLED_FAILED -> new AttemptFailure(Kind.CANCELLED, null, text);
        case PERMANENTLY_FAILED -> {
          String[] codeAndMessage = text.split("\n", 2);
          yield new AttemptFailure(Kind.PERMANENT, codeAndMessage[0],
            codeAndMessage.length > 1 ? codeAndMessage[1] : codeAndMessage[0]);
        }
        default -> new AttemptFailure(Kind.HANDLER, null, text);
      };
      default -> new AttemptFailure(Kind.UNDELIVERED, null, text);
    };
  }
}
