package dev.offload.jobs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The durable record of every job: the source of truth. The event bus only carries work;
 * anything lost on the way is recovered from here. Implementations live in the store package.
 */
public interface JobStore {

  /**
   * Admits and inserts one submission (a job, or a batch of them), all or none: stored, refused
   * as a whole (quota, backlog, a reused idempotency key), or, when its jobs hold an idempotency
   * key the owner used before for the same request, the jobs stored then. Concurrent submissions
   * share one transaction (one disk sync), each admitted on its own.
   */
  default Future<Insertion> insert(List<NewJob> jobs, Admission admission) {
    return insert(jobs, admission, null);
  }

  /**
   * {@link #insert(List, Admission)}, and with a {@code handOff} (not null), the same transaction
   * claims the stored jobs as their first attempts on the hand-off's node: the insertion's
   * {@link Insertion#started} attempts, for that node's dispatcher to run.
   */
  Future<Insertion> insert(List<NewJob> jobs, Admission admission, HandOff handOff);

  /** The job, or null. */
  Future<Job> find(UUID id);

  Future<JobPage> list(JobQuery query);

  /**
   * How many of {@code owner}'s jobs (null: everyone's) are in each state, and how many finished
   * at or after {@code since}. A read, bounded by the store timeout like the others.
   */
  Future<JobStats> stats(String owner, Instant since);

  /** Cancels a queued job, or flags a running one; null when no such job is visible to {@code owner} (null = any). */
  Future<CancelResult> cancel(UUID id, String owner);

  /**
   * Queues a failed or cancelled job again, as new (no attempts used, due now), admitted like a
   * submission of one job; its error and history stay until the next outcome. Null when no such
   * job is visible to {@code owner} (null = any); fails with a {@link JobException} (conflict,
   * quota, backlog) when it cannot be retried.
   */
  Future<Job> retry(UUID id, String owner, Instant now, Admission admission);

  /**
   * Moves up to {@code max} due queued jobs of a type to running on {@code node}, counting an
   * attempt, with a lease until {@code leaseUntil}: highest priority first, then oldest (by
   * {@code run_at}). A {@code fair} claim first gives one slot to each owner in turn (round-robin,
   * that owner's best due job), then fills the rest in that order.
   */
  Future<List<Attempt>> claim(String type, int max, boolean fair, Instant now, String node, Instant leaseUntil);

  /** Extends the leases of attempts still running (a lease of a newer attempt is not touched). */
  Future<Void> renew(List<Lease> leases, Instant until);

  /**
   * Records attempt outcomes in one transaction; each applies only if that attempt is still the
   * running one. Answers, for each outcome in order, whether it applied (false: the attempt no
   * longer held the job: it was recovered, cancelled, or its outcome is already written).
   */
  Future<List<Boolean>> finish(List<Outcome> outcomes);

  /** Stores progress (0..1) of a running attempt. */
  Future<Void> progress(List<Progress> updates);

  /**
   * Recovery: running jobs whose lease has expired (their node died or stopped renewing) go back
   * to the queue (their attempt was counted), fail as {@code lost} when no attempts are left, or
   * end cancelled when that was requested. Returns how many were touched.
   */
  Future<Integer> recover(Instant now);

  /**
   * Shutdown: hands the attempts {@code node} still runs back to the queue (or ends them cancelled
   * when that was requested), without using up one of the job's attempts. Returns how many.
   */
  Future<Integer> requeue(String node, Instant now);

  /** Retention: deletes up to {@code limit} jobs that finished before {@code before}, oldest first; returns how many. */
  Future<Integer> purgeFinished(Instant before, int limit);

  /** The number of queued jobs per type (types with none are absent). */
  Future<Map<String, Long>> queuedByType();

  /** The number of running attempts of a type, on every node. */
  Future<Integer> running(String type);

  /** The number of running attempts per type, on every node (types with none are absent). */
  Future<Map<String, Long>> runningByType();

  /** The paused job types. */
  Future<Set<String>> pausedTypes();

  /** Pauses a type (recording who and when; pausing a paused type changes nothing) or resumes it. */
  Future<Void> pauseType(String type, boolean paused, String by, Instant at);

  /** Sets {@code error} on the queued jobs of a type that have none; returns how many. */
  Future<Integer> flagQueued(String type, JsonObject error);

  /** Succeeds when the store answers a trivial query (readiness). */
  Future<Void> ping();

  Future<Void> close();

  /** One attempt holding a lease. */
  record Lease(UUID id, int attempt) {
  }

  /** A progress report of one attempt. */
  record Progress(UUID id, int attempt, double value) {
  }
}
