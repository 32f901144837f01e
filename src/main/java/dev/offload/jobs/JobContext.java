package dev.offload.jobs;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/** What a handler sees of the attempt it runs. Thread-safe. */
public interface JobContext {

  UUID id();

  /** Who submitted the job (the token's {@code sub}): a handler acting on someone's behalf may need it. */
  String owner();

  int attempt();

  JsonObject input();

  Vertx vertx();

  /** Reports progress between 0 and 1; cheap to call often (reports are throttled). */
  void progress(double fraction);

  /** True once cancellation (or a timeout) asked this attempt to stop. Long loops should check it. */
  boolean cancelled();

  /** Runs {@code action} once when cancellation is requested (at once if it already was). */
  void onCancel(Runnable action);

  /** Thrown (or used to fail the future) by a handler that stopped because it was cancelled. */
  final class CancelledException extends RuntimeException {
    public CancelledException() {
      super("cancelled", null, false, false);
    }
  }
}
