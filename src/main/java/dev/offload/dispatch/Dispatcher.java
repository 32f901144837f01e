package dev.offload.dispatch;

import dev.offload.config.OffloadConfig;
import dev.offload.jobs.Addresses;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.AttemptFailure;
import dev.offload.jobs.HandOff;
import dev.offload.jobs.HandOffs;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobType;
import dev.offload.jobs.JobTypes;
import dev.offload.jobs.Outcome;
import dev.offload.jobs.PausedTypes;
import dev.offload.jobs.RetryPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Moves queued jobs from the store to this node's workers, never more at once than they can
 * run: the backlog stays in the store, so the event bus never holds more than a consumer buffers.
 * It holds a lease on each attempt it runs and renews it; it records each attempt's outcome,
 * conditional on the attempt number, and retries failures with exponential backoff; and it
 * re-queues the attempts of nodes whose leases ran out. One per worker node, on an event loop.
 *
 * <p>A submission to this node can also take a free place directly ({@link HandOffs}): when
 * nothing of its type may be waiting in the store, its insert claims it and it runs here at
 * once. Places are counted on this verticle's event loop only, so a reservation and a pump never
 * count the same place twice.
 */
public final class Dispatcher extends VerticleBase implements HandOffs {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  private final JobStore store;
  private final JobTypes types;
  /** Types no node claims until resumed: their submissions queue, and no hand-off takes them. */
  private final PausedTypes paused;
  private final OffloadConfig.Workers settings;
  private final String node;
  private final JobMetrics metrics;
  private final JobEvents events;
  private final RetryPolicy retries;
  private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();
  private final Leases leases;
  /** Types that may have due jobs in the store; cleared when a claim comes back short. */
  private final Set<String> maybeQueued = new HashSet<>();
  private boolean pumping;
  private boolean pumpAgain;
  /** Reservations that wait for the claim running now to say whether jobs of their type wait. */
  private final List<Runnable> afterClaims = new ArrayList<>();
  private boolean stopped;
  /** Set while draining: completes once nothing runs here any more. */
  private Promise<Integer> drained;
  private long graceTimer = -1;

  /** {@code node} names this node in the store (who holds which lease). */
  public Dispatcher(JobStore store, JobTypes types, PausedTypes paused, OffloadConfig.Workers settings, String node,
                    JobMetrics metrics, JobEvents events) {
    this.paused = paused;
    this.store = store;
    this.types = types;
    this.settings = settings;
    this.node = node;
    this.metrics = metrics;
    this.events = events;
    this.retries = new RetryPolicy(settings.retryBaseMillis(), settings.retryMaxMillis());
    this.leases = new Leases(store, metrics, events, settings.leaseSeconds(), this::drainedIfIdle,
      this::mayAllBeQueued);
  }

  @Override
  public Future<?> start() {
    mayAllBeQueued();
    types.local().forEach(type -> {
      metrics.gauge("offload.jobs.in.flight", "attempts running on this node",
        () -> inFlight.getOrDefault(type.name(), 0), "type", type.name());
    });
    // Cluster-wide: an API node on another machine wakes every worker node.
    vertx.eventBus().<JsonObject>consumer(Addresses.WAKE, this::onWake);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.PROGRESS, this::onProgress);
    vertx.setPeriodic(settings.pollMillis(), id -> {
      mayAllBeQueued();
      pump();
    });
    vertx.setPeriodic(settings.leaseSeconds() * 1000L / 3, id -> {
      if (!stopped) {
        leases.tick();
      }
    });
    return leases.recover().onSuccess(v -> pump());
  }

  /** Every type may have due jobs again (a poll, or jobs taken back from a dead node). */
  private void mayAllBeQueued() {
    types.local().forEach(type -> maybeQueued.add(type.name()));
  }

  @Override
  public Future<?> stop() {
    // Attempts still in flight (no drain, or after it) stay running in the store; their leases
    // lapse and any node re-queues them.
    stopped = true;
    return Future.succeededFuture();
  }

  /**
   * Graceful shutdown: claims nothing more, lets the attempts in flight finish for up to
   * {@code graceMillis}, then hands those still running back to the queue. Completes with how
   * many were handed back. Safe to call from any thread.
   */
  public Future<Integer> drain(long graceMillis) {
    Promise<Integer> done = Promise.promise();
    context.runOnContext(v -> {
      if (drained != null) {
        drained.future().onComplete(done);
        return;
      }
      drained = done;
      LOG.info("Draining: {} attempt(s) running, {} ms to finish", leases.size(), graceMillis);
      graceTimer = vertx.setTimer(Math.max(1, graceMillis), id -> requeueRemaining());
      drainedIfIdle();
    });
    return done.future();
  }

  /** Ends the grace period now (a second signal): what still runs goes back to the queue at once. */
  public void hurry() {
    context.runOnContext(v -> {
      if (drained != null && vertx.cancelTimer(graceTimer)) {
        requeueRemaining();
      }
    });
  }

  private void drainedIfIdle() {
    if (drained != null && leases.isEmpty() && vertx.cancelTimer(graceTimer)) {
      drained.tryComplete(0);
    }
  }

  private void requeueRemaining() {
    store.requeue(node, Instant.now())
      .onSuccess(n -> {
        metrics.requeuedOnShutdown(n);
        LOG.info("Grace period over: {} running attempt(s) handed back to the queue", n);
        if (n > 0) {
          // The other nodes take them at once, not at their next poll.
          vertx.eventBus().publish(Addresses.WAKE, Addresses.wake(types.local().stream().map(JobType::name).toList()));
        }
      })
      .onFailure(err -> LOG.error("Handing running attempts back failed; their leases will lapse and another "
        + "node (or the next start) re-queues them: {}", err.toString()))
      .onComplete(ar -> drained.tryComplete(ar.succeeded() ? ar.result() : 0));
  }

  private void onWake(Message<JsonObject> message) {
    JsonArray woken = message.body().getJsonArray("types", new JsonArray());
    woken.forEach(name -> maybeQueued.add((String) name));
    pump();
  }

  private void onProgress(Message<JsonObject> message) {
    JsonObject body = message.body();
    UUID id = UUID.fromString(body.getString("id"));
    double progress = body.getDouble("progress");
    store.progress(List.of(new JobStore.Progress(id, body.getInteger("attempt"), progress)))
      .onSuccess(v -> events.progressed(id, progress))
      .onFailure(err -> LOG.warn("Could not store progress: {}", err.toString()));
  }

  @Override
  public Future<HandOff> reserve(String type) {
    Context caller = Vertx.currentContext();
    if (context == null || caller == null) {
      return Future.succeededFuture();
    }
    Promise<HandOff> reserved = Promise.promise();
    context.runOnContext(v -> {
      if (pumping && maybeQueued.contains(type)) {
        // A claim of this type is running: it says whether anything waits. Decide after it,
        // rather than queue the job and wake a claim whose run would refuse the next
        // submissions in turn (every hand-off would then be refused).
        afterClaims.add(() -> answer(type, caller, reserved));
      } else {
        answer(type, caller, reserved);
      }
    });
    return reserved.future();
  }

  /** Takes a place for {@code type} if one is free and nothing of the type may wait; answers on the caller's context. */
  private void answer(String type, Context caller, Promise<HandOff> reserved) {
    JobType jobType = types.get(type);
    boolean free = jobType != null && !jobType.remote() && !paused.paused(type) && !stopped && drained == null && !maybeQueued.contains(type)
      && inFlight.getOrDefault(type, 0) < jobType.concurrency();
    HandOff handOff = null;
    if (free) {
      inFlight.merge(type, 1, Integer::sum);
      handOff = new HandOff(node, Instant.now(), leases.end());
    }
    HandOff answer = handOff;
    caller.runOnContext(x -> reserved.complete(answer));
  }

  @Override
  public void started(String type, List<Attempt> attempts) {
    context.runOnContext(v -> {
      inFlight.merge(type, -1, Integer::sum);
      JobType jobType = types.get(type);
      attempts.forEach(job -> run(jobType, job));
      if (attempts.isEmpty()) {
        pump();
      }
    });
  }

  /** Claims as many due jobs as there is free capacity; coalesces calls made while a claim runs. */
  private void pump() {
    if (stopped || drained != null) {
      return;
    }
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    pumpAgain = false;
    List<Future<?>> claims = new ArrayList<>();
    for (JobType type : types.local()) {
      int free = type.concurrency() - inFlight.getOrDefault(type.name(), 0);
      if (free > 0 && maybeQueued.contains(type.name()) && !paused.paused(type.name())) {
        claims.add(store.claim(type.name(), free, settings.fairOwners(), Instant.now(), node, leases.end()).onSuccess(jobs -> {
          if (jobs.size() < free) {
            maybeQueued.remove(type.name());
          }
          jobs.forEach(job -> run(type, job));
        }));
      }
    }
    Future.join(claims).onComplete(ar -> {
      // A store that does not answer is logged once by the store itself, not at every poll.
      boolean storeAway = ar.cause() instanceof JobException refusal && refusal.kind() == JobException.Kind.UNAVAILABLE;
      if (ar.failed() && !stopped && !storeAway) {
        LOG.error("Claiming jobs failed; will retry: {}", ar.cause().toString());
      }
      pumping = false;
      List<Runnable> waiting = new ArrayList<>(afterClaims);
      afterClaims.clear();
      waiting.forEach(Runnable::run);
      if (pumpAgain) {
        pump();
      }
    });
  }

  private void run(JobType type, Attempt job) {
    inFlight.merge(type.name(), 1, Integer::sum);
    leases.hold(job);
    events.changed(job.id(), JobState.RUNNING);
    long started = System.nanoTime();
    metrics.started(job, Instant.now());
    JsonObject work = new JsonObject()
      .put("id", job.id().toString())
      .put("owner", job.owner())
      .put("attempt", job.attempt())
      .put("input", job.input());
    // Local only: this node claimed the job for its own workers' capacity. (In a cluster, a plain
    // send would pick any node's consumer and overload it.)
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(job.timeoutSeconds() * 1000L).setLocalOnly(true);
    vertx.eventBus().<JsonObject>request(Addresses.jobs(type.name()), work, options)
      .map(reply -> Outcome.succeeded(job, reply.body(), Instant.now()))
      .otherwise(failure -> failed(job, failure))
      .onSuccess(outcome -> {
        ended(job, outcome, System.nanoTime() - started);
        inFlight.merge(type.name(), -1, Integer::sum);
        leases.record(outcome);
        // The place it frees goes to a due job if the type may have one (a claim that came back
        // full, a wake-up, a poll), else to the next submission, which takes it without a claim.
        pump();
      });
  }

  /** Metrics and the job's log line for an attempt that ended. */
  private void ended(Attempt job, Outcome outcome, long runNanos) {
    metrics.finished(job.type(), outcome, runNanos);
    boolean failed = outcome.error() != null && outcome.state() != JobState.CANCELLED;
    LOG.atLevel(failed ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.DEBUG)
      .addKeyValue("jobId", job.id())
      .addKeyValue("type", job.type())
      .addKeyValue("attempt", job.attempt())
      .addKeyValue("requestId", job.requestId())
      .addKeyValue("outcome", outcome.state().wire())
      .addKeyValue("code", outcome.error() == null ? null : outcome.error().getString("code"))
      .addKeyValue("runMillis", runNanos / 1_000_000)
      .log(failed ? "attempt failed" : "attempt ended");
  }

  private Outcome failed(Attempt job, Throwable failure) {
    Instant now = Instant.now();
    AttemptFailure why = AttemptFailure.of(failure);
    return switch (why.kind()) {
      case TIMEOUT -> {
        // The worker may still be computing: ask it to stop. Its late reply is refused by the attempt check.
        vertx.eventBus().publish(Addresses.CANCEL, new JsonObject().put("id", job.id().toString()));
        yield retries.afterFailure(job, JobError.of(JobError.TIMEOUT, "attempt " + job.attempt() + " timed out after "
          + job.timeoutSeconds() + " s"), now);
      }
      case CANCELLED -> Outcome.failed(job, JobState.CANCELLED, JobError.of(JobError.CANCELLED, "cancelled on request"),
        null, now);
      case NO_WORKER -> {
        LOG.warn("No worker for job type '{}' on node {}: job {} goes back to the queue", job.type(), node, job.id());
        yield Outcome.released(job, JobError.of(JobError.NO_WORKERS, "no worker for type '" + job.type()
          + "' was available; the job waits in the queue"), now.plusMillis(settings.retryBaseMillis()), now);
      }
      case PERMANENT -> Outcome.failed(job, JobState.FAILED, JobError.of(why.code(), why.message()), null, now);
      case HANDLER -> retries.afterFailure(job, JobError.of(JobError.HANDLER_ERROR, why.message()), now);
      case UNDELIVERED -> retries.afterFailure(job, JobError.of(JobError.LOST, "attempt " + job.attempt()
        + " could not be delivered: " + why.message()), now);
    };
  }

}
