package dev.offload.dispatch;

import dev.offload.jobs.Attempt;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The leases this node holds on the attempts it runs, and the outcomes it has yet to write.
 * Every third of a lease ({@link #tick()}) it renews them, writes again the outcomes the store
 * did not take, and takes back the attempts of nodes that stopped renewing theirs. A lease is let
 * go once its attempt's outcome is written: an attempt that finished during a store outage keeps
 * its lease and is not run again. Used on the dispatcher's event loop only.
 */
final class Leases {
  private static final Logger LOG = LoggerFactory.getLogger(Leases.class);

  private final JobStore store;
  private final JobMetrics metrics;
  private final JobEvents events;
  private final int leaseSeconds;
  private final Runnable released;
  private final Runnable recovered;
  /** Attempt number by job, for the attempts this node runs or has yet to record. */
  private final Map<UUID, Integer> held = new HashMap<>();
  private final Map<UUID, Outcome> unwritten = new HashMap<>();

  /** {@code released} runs when a lease is let go; {@code recovered} when jobs were taken back. */
  Leases(JobStore store, JobMetrics metrics, JobEvents events, int leaseSeconds, Runnable released,
         Runnable recovered) {
    this.store = store;
    this.metrics = metrics;
    this.events = events;
    this.leaseSeconds = leaseSeconds;
    this.released = released;
    this.recovered = recovered;
  }

  /** When a lease taken or renewed now ends. */
  Instant end() {
    return Instant.now().plusSeconds(leaseSeconds);
  }

  void hold(Attempt attempt) {
    held.put(attempt.id(), attempt.attempt());
  }

  int size() {
    return held.size();
  }

  boolean isEmpty() {
    return held.isEmpty();
  }

  /**
   * Writes an attempt's outcome; lets its lease go once written, else keeps both for the next
   * tick. The job's listeners are told it changed even when the store says the outcome did not
   * apply: a write tried again after a commit whose answer was lost finds its own outcome already
   * there, and those listeners read the job's state from the store anyway.
   */
  void record(Outcome outcome) {
    store.finish(List.of(outcome)).onComplete(ar -> {
      if (ar.succeeded()) {
        unwritten.remove(outcome.id(), outcome);
        held.remove(outcome.id(), outcome.attempt());
        if (!ar.result().get(0)) {
          LOG.info("The outcome of job {} attempt {} changed nothing: the attempt no longer held the job, or its "
            + "outcome was already written", outcome.id(), outcome.attempt());
        }
        events.changed(outcome.id(), outcome.state());
        released.run();
      } else if (unwritten.put(outcome.id(), outcome) == null) {
        LOG.warn("Could not record the outcome of job {} attempt {}; writing it again every {} s: {}",
          outcome.id(), outcome.attempt(), leaseSeconds / 3, ar.cause().getMessage());
      }
    });
  }

  /** Writes the outcomes still owed, renews every lease held, then takes back expired ones. */
  Future<Void> tick() {
    new ArrayList<>(unwritten.values()).forEach(this::record);
    List<JobStore.Lease> renewing = new ArrayList<>();
    held.forEach((id, attempt) -> renewing.add(new JobStore.Lease(id, attempt)));
    return store.renew(renewing, end())
      .onFailure(err -> LOG.warn("Renewing {} lease(s) failed; will retry: {}", renewing.size(), err.getMessage()))
      .transform(ar -> recover());
  }

  /** Takes back the attempts of nodes whose leases ran out (at start: a dead process's). Never fails. */
  Future<Void> recover() {
    return store.recover(Instant.now())
      .onSuccess(n -> {
        if (n > 0) {
          metrics.recovered(n);
          LOG.warn("Recovered {} job(s) whose node stopped holding their lease (crash or stop)", n);
          recovered.run();
        }
      })
      .onFailure(err -> LOG.warn("Recovering expired leases failed; will retry: {}", err.getMessage()))
      .<Void>mapEmpty()
      .recover(err -> Future.succeededFuture());
  }
}
