package dev.offload.remote;

import dev.offload.jobs.Addresses;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobType;
import dev.offload.jobs.JobTypes;
import dev.offload.jobs.Lifecycle;
import dev.offload.jobs.Outcome;
import dev.offload.jobs.PausedTypes;
import dev.offload.jobs.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * What remote workers do, over HTTP, with the jobs of remote types: claim attempts, renew their
 * leases while they run, and report how they ended. A claimed attempt is held exactly like one a
 * node's dispatcher runs: a row in the store, running, with a lease (the type's
 * {@code leaseSeconds}) under the node name {@code remote:<worker>} ({@link JobType#REMOTE_NODE}). It is fenced by its number:
 * every call names the job and the attempt, and once that attempt no longer holds the job (its
 * lease ran out and the job went back to the queue, another attempt claimed it, the job ended)
 * the call is refused as a conflict and changes nothing. An attempt whose lease runs out is
 * recovered by the dispatchers' lease recovery, as an in-process attempt of a dead node is.
 */
public final class RemoteWork {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteWork.class);

  private final Vertx vertx;
  private final JobStore store;
  private final JobTypes types;
  private final JobEvents events;
  private final JobMetrics metrics;
  private final RetryPolicy retries;
  private final Lifecycle lifecycle;
  private final PausedTypes paused;
  private final boolean fair;

  public RemoteWork(Vertx vertx, JobStore store, JobTypes types, JobEvents events, JobMetrics metrics,
                    RetryPolicy retries, Lifecycle lifecycle, PausedTypes paused, boolean fair) {
    this.paused = paused;
    this.vertx = vertx;
    this.store = store;
    this.types = types;
    this.events = events;
    this.metrics = metrics;
    this.retries = retries;
    this.lifecycle = lifecycle;
    this.fair = fair;
  }

  public JobTypes types() {
    return types;
  }

  /**
   * Claims up to {@code max} due jobs of {@code wanted}, in that order, for {@code worker}. A
   * claim that fails after some types gave jobs answers with those (they are held now).
   */
  public Future<List<Attempt>> claim(List<JobType> wanted, int max, String worker) {
    if (lifecycle.draining()) {
      return Future.failedFuture(new JobException(JobException.Kind.UNAVAILABLE,
        "this node is shutting down; claim from another node", 1));
    }
    // A paused type's jobs wait in the queue: its claims find nothing until it is resumed.
    List<JobType> claimable = wanted.stream().filter(type -> !paused.paused(type.name())).toList();
    return claimFrom(claimable, 0, max, JobType.REMOTE_NODE + worker, new ArrayList<>());
  }

  private Future<List<Attempt>> claimFrom(List<JobType> wanted, int index, int max, String node, List<Attempt> got) {
    if (index == wanted.size() || got.size() >= max) {
      return Future.succeededFuture(got);
    }
    JobType type = wanted.get(index);
    // A bounded type takes no more than the room its running attempts leave (a count, then the
    // claim: two claims at the same moment on two nodes can pass the bound by what they take).
    Future<Integer> room = type.concurrency() == 0 ? Future.succeededFuture(max - got.size())
      : store.running(type.name()).map(running -> Math.min(max - got.size(), type.concurrency() - running));
    return room.compose(n -> n <= 0 ? Future.succeededFuture(List.<Attempt>of()) : claimOf(type, n, node))
      .compose(claimed -> {
        got.addAll(claimed);
        return claimFrom(wanted, index + 1, max, node, got);
      }, err -> got.isEmpty() ? Future.failedFuture(err) : Future.succeededFuture(got));
  }

  private Future<List<Attempt>> claimOf(JobType type, int n, String node) {
    Instant now = Instant.now();
    return store.claim(type.name(), n, fair, now, node, now.plusSeconds(type.leaseSeconds()))
      .onSuccess(claimed -> claimed.forEach(attempt -> {
        metrics.started(attempt, now);
        events.changed(attempt.id(), JobState.RUNNING);
      }));
  }

  /**
   * Gives claimed attempts back to the queue without counting them (their claim never reached
   * the worker: it went away, or the answer could not be written), and wakes the claims that wait.
   */
  public void release(List<Attempt> attempts, String why) {
    if (attempts.isEmpty()) {
      return;
    }
    Instant now = Instant.now();
    List<Outcome> outcomes = attempts.stream()
      .map(attempt -> Outcome.released(attempt, JobError.of(JobError.INTERRUPTED, why + "; the job waits in the queue"),
        now, now))
      .toList();
    store.finish(outcomes)
      .onSuccess(applied -> {
        outcomes.forEach(outcome -> events.changed(outcome.id(), JobState.QUEUED));
        vertx.eventBus().publish(Addresses.WAKE, Addresses.wake(attempts.stream().map(Attempt::type).distinct().toList()));
      })
      .onFailure(err -> LOG.warn("Could not give back {} claimed attempt(s) ({}); they come back when their lease "
        + "runs out: {}", attempts.size(), why, err.toString()));
  }

  /**
   * Renews the lease of a running attempt and records its progress (null: none). Answers whether
   * its cancellation was requested, and how long the lease now runs. An attempt past its timeout
   * is ended as timed out (retried by the policy) and refused.
   */
  public Future<Heartbeat> heartbeat(UUID id, int attempt, Double progress, Predicate<String> mayWork) {
    return held(id, attempt, mayWork).compose(job -> {
      Instant now = Instant.now();
      if (now.isAfter(deadline(job))) {
        return timedOut(job, now);
      }
      int lease = types.get(job.type()).leaseSeconds();
      Future<Void> renewed = store.renew(List.of(new JobStore.Lease(id, attempt)), now.plusSeconds(lease));
      Future<Void> stored = progress == null ? Future.succeededFuture()
        : store.progress(List.of(new JobStore.Progress(id, attempt, progress)))
          .onSuccess(v -> events.progressed(id, progress));
      return Future.all(renewed, stored).map(v -> new Heartbeat(job.cancelRequested(), lease));
    });
  }

  /** Records the attempt's success with {@code result}; answers the job as it is then. */
  public Future<Job> succeed(UUID id, int attempt, JsonObject result, Predicate<String> mayWork) {
    return held(id, attempt, mayWork)
      .compose(job -> record(job, Outcome.succeeded(attemptOf(job), result, Instant.now())));
  }

  /**
   * Records the attempt's failure with {@code error}: retried by the policy while attempts are
   * left, unless {@code retry} is false (the job fails at once); a job whose cancellation was
   * requested ends cancelled.
   */
  public Future<Job> fail(UUID id, int attempt, JsonObject error, boolean retry, Predicate<String> mayWork) {
    return held(id, attempt, mayWork).compose(job -> {
      Instant now = Instant.now();
      Attempt running = attemptOf(job);
      Outcome outcome = job.cancelRequested()
        ? Outcome.failed(running, JobState.CANCELLED, JobError.of(JobError.CANCELLED, "cancelled on request"), null, now)
        : retry ? retries.afterFailure(running, error, now)
        : Outcome.failed(running, JobState.FAILED, error, null, now);
      return record(job, outcome);
    });
  }

  /** The job, if {@code attempt} still holds it and the worker may work its type; else why not. */
  private Future<Job> held(UUID id, int attempt, Predicate<String> mayWork) {
    return store.find(id).compose(job -> {
      if (job == null) {
        return Future.failedFuture(new JobException(JobException.Kind.NOT_FOUND, "no job " + id));
      }
      JobType type = types.get(job.type());
      if (type == null || !type.remote()) {
        return Future.failedFuture(new JobException(JobException.Kind.CONFLICT, "job " + id + " is of type '"
          + job.type() + "', which remote workers do not run"));
      }
      if (!mayWork.test(job.type())) {
        return Future.failedFuture(new JobException(JobException.Kind.FORBIDDEN,
          "this token may not work jobs of type '" + job.type() + "'"));
      }
      if (job.state() != JobState.RUNNING || job.attempts() != attempt) {
        return Future.failedFuture(lost(job, attempt));
      }
      return Future.succeededFuture(job);
    });
  }

  /** Writes the outcome if the attempt still holds the job; answers the job as it is then. */
  private Future<Job> record(Job job, Outcome outcome) {
    return store.finish(List.of(outcome)).compose(applied -> {
      if (!applied.get(0)) {
        return store.find(job.id()).compose(now -> Future.failedFuture(lost(now == null ? job : now, outcome.attempt())));
      }
      metrics.finished(job.type(), outcome, Duration.between(job.startedAt(), outcome.at()).toNanos());
      events.changed(job.id(), outcome.state());
      return store.find(job.id());
    });
  }

  /** Ends an attempt found past its timeout, as a dispatcher ends one of its own; then refuses the call. */
  private Future<Heartbeat> timedOut(Job job, Instant now) {
    Outcome outcome = retries.afterFailure(attemptOf(job), JobError.of(JobError.TIMEOUT, "attempt " + job.attempts()
      + " timed out after " + job.timeoutSeconds() + " s"), now);
    return record(job, outcome).compose(ended -> Future.failedFuture(new JobException(JobException.Kind.CONFLICT,
      "attempt " + job.attempts() + " of job " + job.id() + " ran out of time (" + job.timeoutSeconds()
        + " s): it no longer holds the job")));
  }

  private static Instant deadline(Job job) {
    return job.startedAt().plusSeconds(job.timeoutSeconds());
  }

  /** The running attempt of {@code job}, as its outcome needs it (the store finds the row by the id). */
  private static Attempt attemptOf(Job job) {
    return new Attempt(job.id(), job.type(), job.owner(), job.attempts(), job.maxAttempts(), job.timeoutSeconds(),
      job.input(), job.createdAt(), job.requestId(), 0);
  }

  private static JobException lost(Job job, int attempt) {
    String now = job.state() == JobState.RUNNING ? "attempt " + job.attempts() + " holds it now"
      : job.state() == JobState.QUEUED ? "it is queued again (the lease ran out)" : "it has ended " + job.state().wire();
    return new JobException(JobException.Kind.CONFLICT, "attempt " + attempt + " no longer holds job " + job.id()
      + ": " + now);
  }

  /** A heartbeat's answer. */
  public record Heartbeat(boolean cancelRequested, int leaseSeconds) {
    public JsonObject toJson() {
      return new JsonObject().put("cancelRequested", cancelRequested).put("leaseSeconds", leaseSeconds);
    }
  }
}
