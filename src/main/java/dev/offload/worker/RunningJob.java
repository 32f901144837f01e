package dev.offload.worker;

import dev.offload.jobs.Addresses;
import dev.offload.jobs.JobContext;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** One attempt in progress on this node: what its handler sees, and how it is told to stop. */
final class RunningJob implements JobContext {
  private final Vertx vertx;
  private final UUID id;
  private final String owner;
  private final int attempt;
  private final JsonObject input;
  private final long progressIntervalMillis;
  private final AtomicLong lastProgressAt = new AtomicLong();
  private final List<Runnable> cancelActions = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;

  RunningJob(Vertx vertx, JsonObject work, long progressIntervalMillis) {
    this.vertx = vertx;
    this.id = UUID.fromString(work.getString("id"));
    this.owner = work.getString("owner");
    this.attempt = work.getInteger("attempt");
    this.input = work.getJsonObject("input");
    this.progressIntervalMillis = progressIntervalMillis;
  }

  @Override
  public UUID id() {
    return id;
  }

  @Override
  public String owner() {
    return owner;
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public JsonObject input() {
    return input;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void progress(double fraction) {
    long now = System.nanoTime();
    long last = lastProgressAt.get();
    // At most one report per interval reaches the bus (and so the store), however often a handler calls.
    if (last != 0 && now - last < progressIntervalMillis * 1_000_000L) {
      return;
    }
    if (lastProgressAt.compareAndSet(last, now == 0 ? 1 : now)) {
      double clamped = Math.max(0, Math.min(1, fraction));
      // To this node's dispatcher, which holds the attempt.
      vertx.eventBus().send(Addresses.PROGRESS, new JsonObject()
        .put("id", id.toString()).put("attempt", attempt).put("progress", clamped),
        new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
    }
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }

  @Override
  public void onCancel(Runnable action) {
    cancelActions.add(action);
    if (cancelled && cancelActions.remove(action)) {
      action.run();
    }
  }

  void cancel() {
    cancelled = true;
    for (Runnable action : cancelActions) {
      if (cancelActions.remove(action)) {
        action.run();
      }
    }
  }
}
