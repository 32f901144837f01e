package dev.offload.jobs;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Notifications that a job changed, cluster-wide: whoever changes a job (the API node that
 * cancels it, the dispatcher that claims it or records its outcome, the worker's progress) says
 * so here, and whoever follows a job (a held {@code Prefer: wait} request, an event stream)
 * hears it, on whichever node it is. A notification only says what changed; the store stays
 * the truth, and a follower that needs the job reads it from there.
 *
 * <p>Costs nothing when unused: events published in one event-loop turn leave as one message;
 * a node that runs no API does not listen; and a single node with nobody following a job
 * publishes nothing. Delivery is best effort (a node may die between its commit and its
 * publish), so every follower also re-reads the job at its own deadline or heartbeat.
 * One per node, shared by its verticles; safe to use from any thread.
 */
public final class JobEvents {
  /** Published: {"events": [{"id", "state"?, "progress"?}, ...]}. */
  public static final String ADDRESS = "offload.events.jobs";

  private final Vertx vertx;
  private final Map<UUID, Set<Follower>> followers = new ConcurrentHashMap<>();
  private final Queue<JsonObject> unpublished = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private MessageConsumer<JsonObject> consumer;

  public JobEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts hearing every node's events (API nodes only: they hold the followers). */
  public Future<Void> listen() {
    consumer = vertx.eventBus().consumer(ADDRESS, this::deliver);
    return consumer.completion();
  }

  public Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** A job entered {@code state}. */
  public void changed(UUID id, JobState state) {
    publish(new JsonObject().put("id", id.toString()).put("state", state.wire()));
  }

  /** A running job reported progress. */
  public void progressed(UUID id, double progress) {
    publish(new JsonObject().put("id", id.toString()).put("progress", progress));
  }

  /**
   * Calls {@code listener} with every event of job {@code id}, on the caller's context, until
   * the returned subscription is cancelled.
   */
  public Subscription follow(UUID id, Consumer<JobEvent> listener) {
    Follower follower = new Follower(vertx.getOrCreateContext(), listener);
    followers.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(follower);
    return () -> followers.computeIfPresent(id, (k, set) -> {
      set.remove(follower);
      return set.isEmpty() ? null : set;
    });
  }

  /** Stops the events of one {@link #follow}. */
  @FunctionalInterface
  public interface Subscription {
    void cancel();
  }

  private record Follower(Context context, Consumer<JobEvent> listener) {
  }

  private void publish(JsonObject event) {
    if (!vertx.isClustered() && followers.isEmpty()) {
      return;
    }
    unpublished.add(event);
    if (flushing.compareAndSet(false, true)) {
      vertx.runOnContext(v -> flush());
    }
  }

  /** Everything published since the last flush, as one message. */
  private void flush() {
    flushing.set(false);
    JsonArray events = new JsonArray();
    for (JsonObject event = unpublished.poll(); event != null; event = unpublished.poll()) {
      events.add(event);
    }
    if (!events.isEmpty()) {
      vertx.eventBus().publish(ADDRESS, new JsonObject().put("events", events));
    }
  }

  private void deliver(Message<JsonObject> message) {
    if (followers.isEmpty()) {
      return;
    }
    for (Object item : message.body().getJsonArray("events")) {
      JsonObject event = (JsonObject) item;
      UUID id = UUID.fromString(event.getString("id"));
      Set<Follower> following = followers.get(id);
      if (following == null) {
        continue;
      }
      JobEvent parsed = new JobEvent(id, JobState.parse(event.getString("state")), event.getDouble("progress"));
      for (Follower follower : following) {
        follower.context().runOnContext(v -> follower.listener().accept(parsed));
      }
    }
  }
}
