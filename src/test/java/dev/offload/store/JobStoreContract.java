package dev.offload.store;

import dev.offload.jobs.JobStore;
import dev.offload.schedules.ScheduleStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The store contract, run against every store ({@link SqliteJobStoreTest}, {@link PostgresJobStoreTest}):
 * this class holds the state (Vert.x, the store, the test's {@code now}) and opens and closes the
 * store around each test; the tests are the default methods of one interface per duty, which
 * this class implements:
 *
 * <ul>
 *   <li>{@link InsertContract}: admission (quota, backlog, a batch whole or not at all, the backlog
 *       counter), a job read back as inserted, a hand-off at insert;</li>
 *   <li>{@link ClaimContract}: claim order: the oldest due, priorities, delays and backoffs, fair turns
 *       between owners (100,000 queued for one);</li>
 *   <li>{@link OutcomeContract}: a running attempt's outcome (success, failure, release, progress),
 *       stale and duplicate outcomes ignored, cancel, retry, flags on queued jobs;</li>
 *   <li>{@link HistoryContract}: each attempt's node, times and error, the last twenty kept;</li>
 *   <li>{@link LeaseContract}: renewals, recovery of expired leases, a shutdown's hand-back;</li>
 *   <li>{@link ReadContract}: listing (pages, filters), stats, what survives a reopen;</li>
 *   <li>{@link RetentionContract}: purging old finished jobs;</li>
 *   <li>{@link ScheduleContract}: schedules and their ticks.</li>
 * </ul>
 *
 * <p>The duty interfaces reach this class's state through {@link StoreFixture}, which also has the
 * helpers they share; {@link JobSet} builds the jobs a test starts from ("five for alice, one for
 * bob, then claim"). A test for one store only stays in that store's class. A new duty is an
 * interface extending {@link StoreFixture}, added to this class's {@code implements} (an interface
 * left out of it runs nowhere). A new store is a subclass that implements {@link #open()} and
 * {@link #queueBacklog} (and {@link #dispose()} if it leaves something behind).
 *
 * <p>Each test is one chain of the store's futures: a step's assertions run in
 * {@code ctx.verify} (the first that fails fails the test), and the last step completes the
 * context. Expected refusals are turned into values with {@code transform}. Values a later step
 * needs are kept in {@code AtomicReference}s.
 */
@ExtendWith(VertxExtension.class)
abstract class JobStoreContract implements InsertContract, ClaimContract, OutcomeContract, HistoryContract,
  LeaseContract, ReadContract, RetentionContract, ScheduleContract {
  protected Vertx vertx;
  protected SqlJobStore store;
  private Instant now;

  /** Opens the store under test; called again after {@code close()} to reopen the same data. */
  protected abstract Future<SqlJobStore> open();

  /** Runs after each test once the store is closed, even if it was never opened (a store with a schema of its own drops it). */
  protected Future<Void> dispose() {
    return Future.succeededFuture();
  }

  @BeforeEach
  void openStore(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    open().onComplete(ctx.succeeding(opened -> {
      store = opened;
      now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      ctx.completeNow();
    }));
  }

  @AfterEach
  void closeStore(VertxTestContext ctx) {
    JobStore closing = store;
    store = null;
    (closing == null ? Future.<Void>succeededFuture() : closing.close())
      .transform(closed -> dispose().compose(disposed -> closed.succeeded()
        ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(closed.cause())))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Override
  public JobStore store() {
    return store;
  }

  @Override
  public ScheduleStore schedules() {
    return store.schedules();
  }

  @Override
  public Instant now() {
    return now;
  }

  @Override
  public Future<Void> reopen() {
    JobStore closing = store;
    store = null;
    return closing.close().compose(closed -> open()).map(opened -> {
      store = opened;
      return null;
    });
  }
}
