package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.Insertion;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import dev.offload.schedules.ScheduleStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What the store contract's duty interfaces ({@link InsertContract}, {@link ClaimContract}, ...) see
 * of the test they run in: the store under test and the test's clock, kept by {@link JobStoreContract},
 * and the helpers they share. A helper only one duty uses is a private method of that duty's interface.
 *
 * <p>Every helper returns a future to chain; none blocks. Jobs are "sleep" jobs of 60 s unless a
 * test says otherwise; claims are node-a's with a 30 s lease.
 */
interface StoreFixture {
  /** Room for everything a test inserts: admission is under test only where a test passes its own. */
  Admission ROOMY = new Admission(1000, 1000);

  /** The store under test, open for the test (another instance after {@link #reopen()}). */
  JobStore store();

  /** The store's schedules. */
  ScheduleStore schedules();

  /** The test's "now": the wall clock when the store was opened, in whole milliseconds. Every time in a test is relative to it. */
  Instant now();

  /** Closes the store and opens it again on the same data. */
  Future<Void> reopen();

  /**
   * Queues {@code count} sleep jobs of {@code owner}, priority 5, due at {@code runAt}, in one
   * statement of the store's own SQL (what the write path would take a hundred transactions for).
   */
  Future<Void> queueBacklog(String owner, int count, Instant runAt);

  /** A sleep job of {@code owner}, created {@code createdOffsetMillis} after now, due when created. */
  default NewJob job(String owner, int maxAttempts, long createdOffsetMillis) {
    return new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), maxAttempts, 60,
      now().plusMillis(createdOffsetMillis), "req-" + owner);
  }

  /** A builder of several jobs of several owners, inserted (and claimed) together: see {@link JobSet}. */
  default JobSet jobs() {
    return new JobSet(this);
  }

  /** Claims as node-a with a 30 s lease from {@code at}. */
  default Future<List<Attempt>> claim(String type, int max, Instant at) {
    return store().claim(type, max, true, at, "node-a", at.plusSeconds(30));
  }

  /** Claims one "sleep" job as node-a; fails if there is none. */
  default Future<Attempt> claimOne(Instant at) {
    return claim("sleep", 1, at).map(claimed -> claimed.get(0));
  }

  /** Inserts one job and claims it at {@code now()}: the running attempt most tests start from. */
  default Future<Attempt> insertAndClaim(NewJob job) {
    return insert(job).compose(inserted -> claimOne(now()));
  }

  /** Inserts one job, which must be admitted. */
  default Future<NewJob> insert(NewJob job) {
    return store().insert(List.of(job), ROOMY).compose(done -> done.refusal() == null ? Future.succeededFuture(job)
      : Future.failedFuture(new AssertionError("refused: " + done.refusal().getMessage(), done.refusal())));
  }

  /** Inserts the jobs one after the other, in order, each of which must be admitted. */
  default Future<Void> insertAll(List<NewJob> jobs) {
    Future<Void> chain = Future.succeededFuture();
    for (NewJob job : jobs) {
      chain = chain.compose(v -> insert(job)).mapEmpty();
    }
    return chain;
  }

  /** Submits a batch: the refusal, or null if it was admitted. */
  default Future<JobException> admit(List<NewJob> jobs, Admission admission) {
    return store().insert(jobs, admission).map(Insertion::refusal);
  }

  default Future<List<Boolean>> finish(Outcome... outcomes) {
    return store().finish(List.of(outcomes));
  }

  /** Reads each of the jobs (null where there is none), in order. */
  default Future<List<Job>> findAll(List<UUID> ids) {
    return Future.all(ids.stream().map(store()::find).toList()).map(all -> all.<Job>list());
  }

  default List<UUID> ids(List<NewJob> jobs) {
    return jobs.stream().map(NewJob::id).toList();
  }

  /** The refusal a future is expected to fail with; a success or another failure fails the chain. */
  default Future<JobException> refused(Future<?> refused) {
    return refused.transform(ar -> {
      if (ar.succeeded()) {
        return Future.failedFuture(new AssertionError("expected a refusal, got " + ar.result()));
      }
      return ar.cause() instanceof JobException refusal ? Future.succeededFuture(refusal)
        : Future.failedFuture(ar.cause());
    });
  }
}
