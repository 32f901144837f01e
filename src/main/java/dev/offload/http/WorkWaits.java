package dev.offload.http;

import dev.offload.jobs.Addresses;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobType;
import dev.offload.remote.RemoteWork;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Remote workers' long polls: a claim that finds nothing waits up to {@code waitSeconds} for jobs
 * of its types. A held claim holds no thread and no store connection: it waits for the wake-ups
 * submissions publish on any node ({@link Addresses#WAKE}), and for a poll every
 * {@code pollMillis} (a delayed job or a retry becomes due without one). One claim runs at a time
 * per HTTP verticle, for the longest-waiting held claim that wants a woken type; a claim that
 * comes back short means nothing more of its types is due, so the others do not try. Held claims
 * count against the node's and the token's share ({@link Holds}), refused beyond with
 * {@code 429}/{@code 503} and {@code Retry-After}. Used on one HTTP verticle's event loop.
 */
final class WorkWaits {
  private final Vertx vertx;
  private final RemoteWork work;
  private final Holds holds;
  private final long pollMillis;
  /** Held claims, longest waiting first. */
  private final Set<Held> held = new LinkedHashSet<>();
  /** Types woken since their last claim came back short. */
  private final Set<String> woken = new HashSet<>();
  /** Wake-ups heard so far: a claim that began before one rechecks when it starts to wait. */
  private long wakes;
  private boolean claiming;
  private long poller = -1;
  private MessageConsumer<JsonObject> consumer;

  WorkWaits(Vertx vertx, RemoteWork work, Holds holds, long pollMillis) {
    this.vertx = vertx;
    this.work = work;
    this.holds = holds;
    this.pollMillis = pollMillis;
  }

  /** Listens for wake-ups (cluster-wide: a submission on any node wakes the claims held here). */
  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.WAKE, message -> {
      JsonArray types = message.body().getJsonArray("types", new JsonArray());
      types.forEach(type -> woken.add((String) type));
      wakes++;
      pump();
    });
    return consumer.completion();
  }

  Future<Void> stop() {
    new ArrayList<>(held).forEach(claim -> claim.end(List.of()));
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Claims at once; when nothing came and the request may wait, waits for jobs of its types. */
  Future<List<Attempt>> claim(RoutingContext ctx, String holder, List<JobType> types, int max, String worker,
                              int waitSeconds) {
    long wakesBefore = wakes;
    return work.claim(types, max, worker).compose(got -> {
      if (!got.isEmpty() || waitSeconds == 0) {
        return Future.succeededFuture(got);
      }
      JobException refused = holds.take(holder);
      if (refused != null) {
        return Future.failedFuture(refused);
      }
      RequestTimeout.lift(ctx);
      Held claim = new Held(ctx, holder, types, max, worker, waitSeconds);
      if (wakes != wakesBefore) {
        // A wake-up came while the first claim ran: it may have missed those jobs.
        types.forEach(type -> woken.add(type.name()));
        pump();
      }
      return claim.answer.future();
    });
  }

  /** Runs the next claim a wake-up calls for, if none runs. */
  private void pump() {
    if (claiming || woken.isEmpty()) {
      return;
    }
    Held next = held.stream().filter(claim -> claim.wants(woken)).findFirst().orElse(null);
    if (next == null) {
      woken.clear();
      return;
    }
    claiming = true;
    work.claim(next.types, next.max, next.worker).onComplete(ar -> {
      claiming = false;
      if (ar.succeeded() && ar.result().size() < next.max) {
        // Nothing more of these types is due: the other claims need not try them.
        next.types.forEach(type -> woken.remove(type.name()));
      }
      if (ar.succeeded() && !ar.result().isEmpty()) {
        next.end(ar.result());
      } else if (ar.failed()) {
        next.types.forEach(type -> woken.remove(type.name()));
      }
      pump();
    });
  }

  /** While claims are held: every {@code pollMillis}, their types may have jobs due. */
  private void poll() {
    if (held.isEmpty()) {
      vertx.cancelTimer(poller);
      poller = -1;
      return;
    }
    held.forEach(claim -> claim.types.forEach(type -> woken.add(type.name())));
    pump();
  }

  /** One held claim. */
  private final class Held {
    private final Promise<List<Attempt>> answer = Promise.promise();
    private final String holder;
    private final List<JobType> types;
    private final int max;
    private final String worker;
    private final long timer;

    Held(RoutingContext ctx, String holder, List<JobType> types, int max, String worker, int waitSeconds) {
      this.holder = holder;
      this.types = types;
      this.max = max;
      this.worker = worker;
      held.add(this);
      if (poller < 0) {
        poller = vertx.setPeriodic(pollMillis, id -> poll());
      }
      timer = vertx.setTimer(waitSeconds * 1000L, id -> end(List.of()));
      ctx.response().closeHandler(v -> end(List.of()));
    }

    boolean wants(Collection<String> woken) {
      return types.stream().anyMatch(type -> woken.contains(type.name()));
    }

    /** Answers with {@code attempts}; attempts claimed for a claim already answered go back to the queue. */
    void end(List<Attempt> attempts) {
      if (answer.future().isComplete()) {
        work.release(attempts, "the claim of worker '" + worker + "' had already ended");
        return;
      }
      held.remove(this);
      vertx.cancelTimer(timer);
      holds.give(holder);
      answer.complete(attempts);
    }
  }
}
