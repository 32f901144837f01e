package dev.offload.store;

import dev.offload.jobs.Insertion;
import dev.offload.jobs.Admission;
import dev.offload.schedules.Schedule;
import dev.offload.schedules.ScheduleStore;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.CancelResult;
import dev.offload.jobs.HandOff;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The store contract, run against every store (SQLite, PostgreSQL): admission, claims,
 * attempt-conditional outcomes, cancellation, recovery, listing, schema persistence.
 *
 * <p>Each test is one chain of the store's futures: a step's assertions run in
 * {@code ctx.verify} (the first that fails fails the test), and the last step completes the
 * context. Expected refusals are turned into values with {@code transform}. Values a later step
 * needs are kept in {@code AtomicReference}s.
 */
@ExtendWith(VertxExtension.class)
abstract class JobStoreContract {
  private static final Admission ROOMY = new Admission(1000, 1000);
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

  /** Closes the store and opens it again on the same data. */
  protected Future<Void> reopen() {
    JobStore closing = store;
    store = null;
    return closing.close().compose(closed -> open()).map(opened -> {
      store = opened;
      return null;
    });
  }

  private NewJob job(String owner, int maxAttempts, long createdOffsetMillis) {
    return new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), maxAttempts, 60,
      now.plusMillis(createdOffsetMillis), "req-" + owner);
  }

  /** Claims as node-a with a 30 s lease from {@code at}. */
  private Future<List<Attempt>> claim(String type, int max, Instant at) {
    return store.claim(type, max, true, at, "node-a", at.plusSeconds(30));
  }

  /** Claims one "sleep" job as node-a; fails if there is none. */
  private Future<Attempt> claimOne(Instant at) {
    return claim("sleep", 1, at).map(claimed -> claimed.get(0));
  }

  /** Inserts one job and claims it at {@code now}: the running attempt most tests start from. */
  private Future<Attempt> insertAndClaim(NewJob job) {
    return insert(job).compose(inserted -> claimOne(now));
  }

  /** Inserts one job, which must be admitted. */
  private Future<NewJob> insert(NewJob job) {
    return store.insert(List.of(job), ROOMY).compose(done -> done.refusal() == null ? Future.succeededFuture(job)
      : Future.failedFuture(new AssertionError("refused: " + done.refusal().getMessage(), done.refusal())));
  }

  /** Inserts the jobs one after the other, in order, each of which must be admitted. */
  private Future<Void> insertAll(List<NewJob> jobs) {
    Future<Void> chain = Future.succeededFuture();
    for (NewJob job : jobs) {
      chain = chain.compose(v -> insert(job)).mapEmpty();
    }
    return chain;
  }

  /** Submits a batch: the refusal, or null if it was admitted. */
  private Future<JobException> admit(List<NewJob> jobs, Admission admission) {
    return store.insert(jobs, admission).map(Insertion::refusal);
  }

  private Future<List<Boolean>> finish(Outcome... outcomes) {
    return store.finish(List.of(outcomes));
  }

  /** Reads each of the jobs (null where there is none), in order. */
  private Future<List<Job>> findAll(List<UUID> ids) {
    return Future.all(ids.stream().map(store::find).toList()).map(all -> all.<Job>list());
  }

  private static List<UUID> ids(List<NewJob> jobs) {
    return jobs.stream().map(NewJob::id).toList();
  }

  /** The refusal a future is expected to fail with; a success or another failure fails the chain. */
  private static Future<JobException> refused(Future<?> refused) {
    return refused.transform(ar -> {
      if (ar.succeeded()) {
        return Future.failedFuture(new AssertionError("expected a refusal, got " + ar.result()));
      }
      return ar.cause() instanceof JobException refusal ? Future.succeededFuture(refusal)
        : Future.failedFuture(ar.cause());
    });
  }

  @Test
  void insertedJobsAreQueuedAndReadBack(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    insert(job)
      .compose(inserted -> store.find(job.id()))
      .compose(read -> {
        ctx.verify(() -> assertThat(read).isEqualTo(job.toQueuedJob()));
        return store.find(UUID.randomUUID());
      })
      .onComplete(ctx.succeeding(missing -> ctx.verify(() -> {
        assertThat(missing).isNull();
        ctx.completeNow();
      })));
  }

  /** A submission with a hand-off is stored already running as its first attempt; its outcome is written as a claimed one's. */
  @Test
  void anInsertWithAHandOffStartsTheJobItStores(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    HandOff handOff = new HandOff("node-a", now.plusMillis(5), now.plusSeconds(30));
    store.insert(List.of(job), ROOMY, handOff)
      .compose(insertion -> {
        ctx.verify(() -> {
          assertThat(insertion.refusal()).isNull();
          assertThat(insertion.started()).extracting(Attempt::id, Attempt::attempt).containsExactly(tuple(job.id(), 1));
        });
        return store.find(job.id()).map(read -> {
          ctx.verify(() -> {
            assertThat(read.state()).isEqualTo(JobState.RUNNING);
            assertThat(read.attempts()).isEqualTo(1);
            assertThat(read.startedAt()).isEqualTo(handOff.startedAt());
          });
          return insertion.started().get(0);
        });
      })
      // Nothing is left to claim; the attempt's outcome is fenced as any claimed attempt's.
      .compose(attempt -> claim("sleep", 10, now).compose(none -> {
        ctx.verify(() -> assertThat(none).isEmpty());
        return finish(Outcome.succeeded(attempt, new JsonObject().put("ok", true), now.plusSeconds(1)));
      }))
      .compose(v -> store.find(job.id()))
      .onComplete(ctx.succeeding(done -> ctx.verify(() -> {
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.result()).isEqualTo(new JsonObject().put("ok", true));
        ctx.completeNow();
      })));
  }

  /** A refused submission with a hand-off stores nothing and starts nothing. */
  @Test
  void aRefusedInsertWithAHandOffStartsNothing(VertxTestContext ctx) {
    NewJob first = job("alice", 3, 0);
    NewJob overQuota = job("alice", 3, 1);
    HandOff handOff = new HandOff("node-a", now, now.plusSeconds(30));
    insert(first)
      .compose(v -> store.insert(List.of(overQuota), new Admission(1000, 1), handOff))
      .compose(insertion -> {
        ctx.verify(() -> {
          assertThat(insertion.refusal().kind()).isEqualTo(JobException.Kind.QUOTA);
          assertThat(insertion.started()).isEmpty();
        });
        return store.find(overQuota.id());
      })
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        assertThat(read).isNull();
        ctx.completeNow();
      })));
  }

  @Test
  void aBatchIsAdmittedWholeOrNotAtAll(VertxTestContext ctx) {
    List<NewJob> overQuota = List.of(job("alice", 3, 1), job("alice", 3, 2));
    List<NewJob> overBacklog = List.of(job("bob", 3, 3), job("bob", 3, 4), job("bob", 3, 5));
    List<NewJob> fits = List.of(job("bob", 3, 6), job("bob", 3, 7));
    insert(job("alice", 3, 0))
      .compose(inserted -> admit(overQuota, new Admission(10, 2)))
      .compose(quota -> {
        ctx.verify(() -> {
          assertThat(quota.kind()).isEqualTo(JobException.Kind.QUOTA);
          assertThat(quota.getMessage()).contains("you have 1 active jobs and submit 2, the most allowed is 2");
        });
        return admit(overBacklog, new Admission(3, 10));
      })
      .compose(backlog -> {
        ctx.verify(() -> assertThat(backlog.kind()).isEqualTo(JobException.Kind.BACKLOG));
        return findAll(ids(concat(overQuota, overBacklog)));
      })
      .compose(refused -> {
        ctx.verify(() -> refused.forEach(stored -> assertThat(stored).as("nothing of a refused batch is stored").isNull()));
        return admit(fits, new Admission(3, 10));
      })
      .compose(admitted -> {
        ctx.verify(() -> assertThat(admitted).isNull());
        return store.list(new JobQuery("bob", null, null, 10, null));
      })
      .onComplete(ctx.succeeding(page -> ctx.verify(() -> {
        assertThat(page.items()).extracting(Job::id).containsExactly(fits.get(1).id(), fits.get(0).id());
        ctx.completeNow();
      })));
  }

  @Test
  void concurrentSubmissionsInOneTransactionAreAdmittedOneByOne(VertxTestContext ctx) {
    List<Future<JobException>> submitted = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      submitted.add(admit(List.of(job("carol", 3, i)), new Admission(1000, 2)));
    }
    Future.all(submitted).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      List<JobException> refusals = all.list();
      assertThat(refusals.stream().filter(java.util.Objects::isNull)).as("two fit carol's quota of 2").hasSize(2);
      assertThat(refusals.stream().filter(java.util.Objects::nonNull)).allSatisfy(refusal ->
        assertThat(refusal.kind()).isEqualTo(JobException.Kind.QUOTA));
      ctx.completeNow();
    })));
  }

  private static List<NewJob> concat(List<NewJob> a, List<NewJob> b) {
    List<NewJob> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void claimTakesTheOldestDueJobsUpToTheMaxAndCountsAnAttempt(VertxTestContext ctx) {
    NewJob older = job("alice", 3, 0);
    NewJob newer = job("alice", 3, 5);
    insertAll(List.of(older, newer, job("alice", 3, 10)))
      .compose(inserted -> claim("sleep", 2, now.plusSeconds(1)))
      .compose(claimed -> {
        ctx.verify(() -> {
          assertThat(claimed).extracting(Attempt::id).containsExactly(older.id(), newer.id());
          assertThat(claimed.get(0)).isEqualTo(new Attempt(older.id(), "sleep", "alice", 1, 3, 60, older.input(),
            older.createdAt(), "req-alice", claimed.get(0).row()));
        });
        return findAll(claimed.stream().map(Attempt::id).toList());
      })
      .compose(jobs -> {
        ctx.verify(() -> assertThat(jobs).allSatisfy(job -> {
          assertThat(job.state()).isEqualTo(JobState.RUNNING);
          assertThat(job.attempts()).isEqualTo(1);
          assertThat(job.startedAt()).isNotNull();
        }));
        return claim("primes", 10, now.plusSeconds(1));
      })
      .onComplete(ctx.succeeding(primes -> ctx.verify(() -> {
        assertThat(primes).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void aRetryIsNotClaimedBeforeItsBackoffIsOver(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    insertAndClaim(job)
      .compose(running -> finish(Outcome.failed(running, JobState.QUEUED, JobError.of("handler_error", "x"),
        now.plusSeconds(10), now)))
      .compose(failed -> claim("sleep", 1, now.plusSeconds(9)))
      .compose(early -> {
        ctx.verify(() -> assertThat(early).isEmpty());
        return claim("sleep", 1, now.plusSeconds(10));
      })
      .onComplete(ctx.succeeding(due -> ctx.verify(() -> {
        assertThat(due).extracting(Attempt::id).containsExactly(job.id());
        ctx.completeNow();
      })));
  }

  @Test
  void aStaleAttemptsOutcomeChangesNothing(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> first = new AtomicReference<>();
    AtomicReference<Attempt> second = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        first.set(attempt);
        return finish(Outcome.failed(attempt, JobState.QUEUED, JobError.of("timeout", "late"), now, now));
      })
      .compose(failed -> {
        ctx.verify(() -> assertThat(failed).as("the running attempt's outcome applies").containsExactly(true));
        return claimOne(now);
      })
      .compose(attempt -> {
        second.set(attempt);
        ctx.verify(() -> assertThat(attempt.attempt()).isEqualTo(2));
        // Attempt 1 answers late: refused by the attempt number.
        return finish(Outcome.succeeded(first.get(), new JsonObject().put("from", 1), now));
      })
      .compose(late -> {
        ctx.verify(() -> assertThat(late).as("the store says the late outcome did not apply").containsExactly(false));
        return store.find(job.id());
      })
      .compose(stillRunning -> {
        ctx.verify(() -> {
          assertThat(stillRunning.state()).isEqualTo(JobState.RUNNING);
          assertThat(stillRunning.result()).isNull();
        });
        return finish(Outcome.succeeded(second.get(), new JsonObject().put("from", 2), now));
      })
      .compose(succeeded -> store.find(job.id()))
      .compose(done -> {
        ctx.verify(() -> {
          assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
          assertThat(done.result()).isEqualTo(new JsonObject().put("from", 2));
          assertThat(done.progress()).isEqualTo(1.0);
          assertThat(done.finishedAt()).isEqualTo(now);
        });
        // A duplicate of the winning outcome does not apply twice either.
        return finish(Outcome.failed(second.get(), JobState.FAILED, JobError.of("timeout", "dup"), null, now));
      })
      .compose(duplicate -> {
        ctx.verify(() -> assertThat(duplicate).containsExactly(false));
        return store.find(job.id());
      })
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
        ctx.completeNow();
      })));
  }

  @Test
  void cancelStopsQueuedJobsFlagsRunningOnesAndLeavesFinishedOnes(VertxTestContext ctx) {
    NewJob queued = job("alice", 3, 0);
    NewJob running = job("alice", 3, -10);
    insertAll(List.of(queued, running))
      .compose(inserted -> claim("sleep", 1, now))
      .compose(claimed -> {
        ctx.verify(() -> assertThat(claimed).extracting(Attempt::id).containsExactly(running.id()));
        return store.cancel(queued.id(), "alice");
      })
      .compose(cancelled -> {
        ctx.verify(() -> {
          assertThat(cancelled.effect()).isEqualTo(CancelResult.Effect.CANCELLED);
          assertThat(cancelled.job().state()).isEqualTo(JobState.CANCELLED);
        });
        return store.cancel(running.id(), "alice");
      })
      .compose(requested -> {
        ctx.verify(() -> {
          assertThat(requested.effect()).isEqualTo(CancelResult.Effect.REQUESTED);
          assertThat(requested.job().cancelRequested()).isTrue();
        });
        return store.cancel(queued.id(), "alice");
      })
      .compose(again -> {
        ctx.verify(() -> assertThat(again.effect()).isEqualTo(CancelResult.Effect.ALREADY_FINISHED));
        return store.cancel(running.id(), "bob");
      })
      .compose(anotherOwners -> {
        ctx.verify(() -> assertThat(anotherOwners).isNull());
        return store.cancel(UUID.randomUUID(), null);
      })
      .compose(unknown -> {
        ctx.verify(() -> assertThat(unknown).isNull());
        return store.cancel(running.id(), null);
      })
      .onComplete(ctx.succeeding(byAnyOwner -> ctx.verify(() -> {
        assertThat(byAnyOwner.effect()).isEqualTo(CancelResult.Effect.REQUESTED);
        ctx.completeNow();
      })));
  }

  @Test
  void aRetryOfAJobWhoseCancellationWasRequestedEndsCancelled(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        running.set(attempt);
        return store.cancel(job.id(), "alice");
      })
      .compose(requested -> finish(Outcome.failed(running.get(), JobState.QUEUED, JobError.of("timeout", "t"), now,
        now)))
      .compose(failed -> store.find(job.id()))
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.state()).isEqualTo(JobState.CANCELLED);
        assertThat(after.error().getString("code")).isEqualTo("cancelled");
        assertThat(after.finishedAt()).isNotNull();
        ctx.completeNow();
      })));
  }

  @Test
  void recoveryRequeuesFailsOrCancelsWhatADeadProcessLeftRunning(VertxTestContext ctx) {
    NewJob retry = job("alice", 3, 0);
    NewJob lastAttempt = job("alice", 1, 1);
    NewJob cancelRequested = job("alice", 3, 2);
    NewJob untouched = job("alice", 3, 3);
    insertAll(List.of(retry, lastAttempt, cancelRequested, untouched))
      .compose(inserted -> claim("sleep", 3, now.plusSeconds(1)))
      .compose(claimed -> store.cancel(cancelRequested.id(), null))
      .compose(requested -> store.recover(now.plusSeconds(30)))
      .compose(held -> {
        ctx.verify(() -> assertThat(held).as("leases still held").isZero());
        return store.recover(now.plusSeconds(31));
      })
      .compose(recovered -> {
        ctx.verify(() -> assertThat(recovered).isEqualTo(3));
        return findAll(ids(List.of(retry, lastAttempt, cancelRequested, untouched)));
      })
      .onComplete(ctx.succeeding(jobs -> ctx.verify(() -> {
        Job requeued = jobs.get(0);
        assertThat(requeued.state()).isEqualTo(JobState.QUEUED);
        assertThat(requeued.attempts()).isEqualTo(1);
        assertThat(requeued.error().getString("code")).isEqualTo("lost");
        Job lost = jobs.get(1);
        assertThat(lost.state()).isEqualTo(JobState.FAILED);
        assertThat(lost.error().getString("code")).isEqualTo("lost");
        assertThat(jobs.get(2).state()).isEqualTo(JobState.CANCELLED);
        assertThat(jobs.get(3).state()).isEqualTo(JobState.QUEUED);
        ctx.completeNow();
      })));
  }

  @Test
  void aRenewedLeaseIsNotRecoveredAndAStaleRenewalExtendsNothing(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> first = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        first.set(attempt);
        return store.renew(List.of(new JobStore.Lease(job.id(), attempt.attempt())), now.plusSeconds(60));
      })
      .compose(renewed -> store.recover(now.plusSeconds(59)))
      .compose(early -> {
        ctx.verify(() -> assertThat(early).isZero());
        return store.recover(now.plusSeconds(61));
      })
      .compose(expired -> {
        ctx.verify(() -> assertThat(expired).isEqualTo(1));
        // Attempt 2 runs elsewhere; the dead attempt 1's renewal must not keep attempt 2's lease alive.
        return store.claim("sleep", 1, true, now.plusSeconds(62), "node-b", now.plusSeconds(92));
      })
      .compose(second -> {
        ctx.verify(() -> assertThat(second.get(0).attempt()).isEqualTo(2));
        return store.renew(List.of(new JobStore.Lease(job.id(), first.get().attempt())), now.plusSeconds(600));
      })
      .compose(stale -> store.recover(now.plusSeconds(93)))
      .compose(recovered -> {
        ctx.verify(() -> assertThat(recovered).isEqualTo(1));
        return store.find(job.id());
      })
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.state()).isEqualTo(JobState.QUEUED);
        ctx.completeNow();
      })));
  }

  @Test
  void aReleasedAttemptGoesBackToTheQueueWithoutCounting(VertxTestContext ctx) {
    NewJob job = job("alice", 1, 0);
    insertAndClaim(job)
      .compose(running -> finish(Outcome.released(running, JobError.of("no_workers", "none"), now, now)))
      .compose(released -> store.find(job.id()))
      .compose(queued -> {
        ctx.verify(() -> {
          assertThat(queued.state()).isEqualTo(JobState.QUEUED);
          assertThat(queued.attempts()).isZero();
          assertThat(queued.error().getString("code")).isEqualTo("no_workers");
        });
        return claimOne(now);
      })
      .onComplete(ctx.succeeding(again -> ctx.verify(() -> {
        assertThat(again.attempt()).isEqualTo(1);
        ctx.completeNow();
      })));
  }

  @Test
  void flaggingQueuedJobsTouchesOnlyQueuedJobsOfThatTypeWithoutAnError(VertxTestContext ctx) {
    NewJob queued = job("alice", 3, 0);
    NewJob running = job("alice", 3, -10);
    JsonObject note = JobError.of("no_workers", "none");
    insertAll(List.of(queued, running))
      .compose(inserted -> claim("sleep", 1, now))
      .compose(claimed -> store.flagQueued("sleep", note))
      .compose(flagged -> {
        ctx.verify(() -> assertThat(flagged).isEqualTo(1));
        return store.flagQueued("sleep", JobError.of("other", "x"));
      })
      .compose(again -> {
        ctx.verify(() -> assertThat(again).isZero());
        return store.find(queued.id());
      })
      .compose(noted -> {
        ctx.verify(() -> assertThat(noted.error()).isEqualTo(note));
        return store.find(running.id());
      })
      .onComplete(ctx.succeeding(runs -> ctx.verify(() -> {
        assertThat(runs.error()).isNull();
        ctx.completeNow();
      })));
  }

  @Test
  void progressIsStoredForTheRunningAttemptOnly(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        running.set(attempt);
        return store.progress(List.of(new JobStore.Progress(job.id(), attempt.attempt(), 0.5)));
      })
      .compose(reported -> store.find(job.id()))
      .compose(halfway -> {
        ctx.verify(() -> assertThat(halfway.progress()).isEqualTo(0.5));
        return store.progress(List.of(new JobStore.Progress(job.id(), running.get().attempt() + 7, 0.9)));
      })
      .compose(stale -> store.find(job.id()))
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.progress()).isEqualTo(0.5);
        ctx.completeNow();
      })));
  }

  @Test
  void listPagesNewestFirstPerOwner(VertxTestContext ctx) {
    List<NewJob> jobs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      jobs.add(job("alice", 3, i));
    }
    insertAll(jobs)
      .compose(inserted -> insert(job("bob", 3, 100)))
      .compose(inserted -> store.list(new JobQuery("alice", null, null, 3, null)))
      .compose(first -> {
        ctx.verify(() -> assertThat(first.items()).extracting(Job::id)
          .containsExactly(jobs.get(4).id(), jobs.get(3).id(), jobs.get(2).id()));
        return store.list(new JobQuery("alice", null, null, 3, first.next()));
      })
      .compose(second -> {
        ctx.verify(() -> {
          assertThat(second.items()).extracting(Job::id).containsExactly(jobs.get(1).id(), jobs.get(0).id());
          assertThat(second.next()).isNull();
        });
        return store.list(new JobQuery(null, JobState.QUEUED, "sleep", 100, null));
      })
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        assertThat(all.items()).hasSize(6);
        ctx.completeNow();
      })));
  }

  @Test
  void reopeningKeepsTheJobsAndTheSchema(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    insert(job)
      .compose(inserted -> reopen())
      .compose(reopened -> store.find(job.id()))
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        assertThat(read).isEqualTo(job.toQueuedJob());
        ctx.completeNow();
      })));
  }

  @Test
  void theBacklogCounterFollowsEveryMoveInAndOutOfTheQueue(VertxTestContext ctx) {
    Admission backlogOfThree = new Admission(3, 1000);
    NewJob a = job("alice", 2, 0);
    NewJob b = job("alice", 2, 1);
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAll(List.of(a, b, job("alice", 2, 2)))
      .compose(inserted -> admit(List.of(job("bob", 3, 3)), backlogOfThree))
      .compose(full -> {
        ctx.verify(() -> assertThat(full.kind()).isEqualTo(JobException.Kind.BACKLOG));
        // Claimed (out), retried (in), cancelled while queued (out): room for exactly one more each time.
        return claimOne(now.plusSeconds(1));
      })
      .compose(attempt -> {
        running.set(attempt);
        ctx.verify(() -> assertThat(attempt.id()).isEqualTo(a.id()));
        return admit(List.of(job("bob", 3, 4)), backlogOfThree);
      })
      .compose(afterClaim -> {
        ctx.verify(() -> assertThat(afterClaim).isNull());
        return admit(List.of(job("bob", 3, 5)), backlogOfThree);
      })
      .compose(fullAgain -> {
        ctx.verify(() -> assertThat(fullAgain).isNotNull());
        return store.cancel(b.id(), null);
      })
      .compose(cancelled -> admit(List.of(job("bob", 3, 6)), backlogOfThree))
      .compose(afterCancel -> {
        ctx.verify(() -> assertThat(afterCancel).isNull());
        return finish(Outcome.failed(running.get(), JobState.QUEUED, JobError.of("timeout", "t"), now, now));
      })
      .compose(retried -> admit(List.of(job("bob", 3, 7)), backlogOfThree))
      .compose(afterRetry -> {
        ctx.verify(() -> assertThat(afterRetry).isNotNull());
        return claim("sleep", 10, now.plusSeconds(10));
      })
      .compose(emptied -> admit(List.of(job("bob", 3, 8), job("bob", 3, 9), job("bob", 3, 10), job("bob", 3, 11)),
        backlogOfThree))
      .compose(four -> {
        ctx.verify(() -> assertThat(four.kind()).as("four do not fit an empty backlog of three")
          .isEqualTo(JobException.Kind.BACKLOG));
        return admit(List.of(job("bob", 3, 8), job("bob", 3, 9), job("bob", 3, 10)), backlogOfThree);
      })
      .onComplete(ctx.succeeding(three -> ctx.verify(() -> {
        assertThat(three).isNull();
        ctx.completeNow();
      })));
  }

  @Test
  void aShutdownHandsRunningAttemptsBackWithoutUsingThemUp(VertxTestContext ctx) {
    NewJob last = job("alice", 1, 0);
    NewJob flagged = job("alice", 3, 1);
    NewJob elsewhere = job("bob", 3, 2);
    AtomicReference<List<Attempt>> running = new AtomicReference<>();
    insertAll(List.of(last, flagged))
      .compose(inserted -> claim("sleep", 2, now.plusSeconds(1)))
      .compose(claimed -> {
        running.set(claimed);
        ctx.verify(() -> assertThat(claimed).hasSize(2));
        return store.cancel(flagged.id(), "alice");
      })
      .compose(requested -> insert(elsewhere))
      .compose(inserted -> store.claim("sleep", 1, true, now.plusSeconds(1), "node-b", now.plusSeconds(30)))
      .compose(claimedByB -> store.requeue("node-a", now))
      .compose(requeuedCount -> {
        ctx.verify(() -> assertThat(requeuedCount).isEqualTo(2));
        return store.find(elsewhere.id());
      })
      .compose(othersAttempt -> {
        ctx.verify(() -> assertThat(othersAttempt.state()).as("another node's attempt").isEqualTo(JobState.RUNNING));
        return store.find(last.id());
      })
      .compose(requeued -> {
        ctx.verify(() -> {
          assertThat(requeued.state()).as("its only attempt was interrupted, not failed").isEqualTo(JobState.QUEUED);
          assertThat(requeued.attempts()).isEqualTo(1);
          assertThat(requeued.maxAttempts()).as("the interrupted attempt does not count").isEqualTo(2);
          assertThat(requeued.error().getString("code")).isEqualTo(JobError.INTERRUPTED);
          assertThat(requeued.requestId()).isEqualTo("req-alice");
        });
        return store.find(flagged.id());
      })
      .compose(cancelled -> {
        ctx.verify(() -> assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED));
        // The interrupted attempt's late reply is refused; the next attempt runs and can succeed.
        return finish(Outcome.succeeded(running.get().get(0), new JsonObject(), now));
      })
      .compose(late -> store.find(last.id()))
      .compose(stillQueued -> {
        ctx.verify(() -> assertThat(stillQueued.state()).isEqualTo(JobState.QUEUED));
        return claimOne(now.plusSeconds(2));
      })
      .compose(again -> {
        ctx.verify(() -> assertThat(again.attempt()).isEqualTo(2));
        return finish(Outcome.succeeded(again, new JsonObject().put("ok", true), now));
      })
      .compose(succeeded -> store.find(last.id()))
      .onComplete(ctx.succeeding(done -> ctx.verify(() -> {
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        ctx.completeNow();
      })));
  }

  @Test
  void retentionDeletesOnlyFinishedJobsOlderThanTheLimitInBatches(VertxTestContext ctx) {
    NewJob old1 = job("alice", 3, 0);
    NewJob old2 = job("alice", 3, 1);
    NewJob recent = job("alice", 3, 2);
    NewJob queued = job("alice", 3, 3);
    NewJob running = job("alice", 3, 4);
    Instant longAgo = now.minusSeconds(3600);
    Instant cutoff = now.minusSeconds(60);
    insertAll(List.of(old1, old2, recent, queued, running))
      .compose(inserted -> claim("sleep", 5, now.plusSeconds(1)))
      .compose(claimed -> {
        Map<UUID, Attempt> byId = new java.util.HashMap<>();
        claimed.forEach(job -> byId.put(job.id(), job));
        return finish(
          Outcome.succeeded(byId.get(old1.id()), new JsonObject(), longAgo),
          Outcome.failed(byId.get(old2.id()), JobState.FAILED, JobError.of("timeout", "t"), null, longAgo),
          Outcome.succeeded(byId.get(recent.id()), new JsonObject(), now),
          Outcome.failed(byId.get(queued.id()), JobState.QUEUED, JobError.of("timeout", "t"), now, longAgo));
      })
      .compose(finished -> store.purgeFinished(cutoff, 1))
      .compose(firstBatch -> {
        ctx.verify(() -> assertThat(firstBatch).isEqualTo(1));
        return store.purgeFinished(cutoff, 10);
      })
      .compose(secondBatch -> {
        ctx.verify(() -> assertThat(secondBatch).isEqualTo(1));
        return store.purgeFinished(cutoff, 10);
      })
      .compose(nothingLeft -> {
        ctx.verify(() -> assertThat(nothingLeft).isZero());
        return findAll(ids(List.of(old1, old2, recent, queued, running)));
      })
      .compose(jobs -> {
        ctx.verify(() -> {
          assertThat(jobs.get(0)).isNull();
          assertThat(jobs.get(1)).isNull();
          assertThat(jobs.get(2).state()).isEqualTo(JobState.SUCCEEDED);
          assertThat(jobs.get(3).state()).isEqualTo(JobState.QUEUED);
          assertThat(jobs.get(4).state()).isEqualTo(JobState.RUNNING);
        });
        return store.queuedByType();
      })
      .compose(queuedByType -> {
        ctx.verify(() -> assertThat(queuedByType).isEqualTo(Map.of("sleep", 1L)));
        return Future.all(store.running("sleep"), store.running("primes"));
      })
      .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
        // What a bounded remote type's claims count: its running attempts, on every node.
        assertThat(counts.<Integer>resultAt(0)).isEqualTo(1);
        assertThat(counts.<Integer>resultAt(1)).isZero();
        ctx.completeNow();
      })));
  }

  // Scheduling: delays, priorities, fair claims, history, retries, schedule ticks.

  /** A job due at {@code runAt}, of {@code priority}, created now. */
  private NewJob scheduled(String owner, int priority, Instant runAt) {
    return new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), 3, 60, priority, runAt,
      now, "req-" + owner, null, null, null);
  }

  private Future<List<UUID>> claimIds(int max, boolean fair, Instant at) {
    return store.claim("sleep", max, fair, at, "node-a", at.plusSeconds(30))
      .map(claimed -> claimed.stream().map(Attempt::id).toList());
  }

  @Test
  void aDelayedJobIsClaimedAtItsTimeAndNotBefore(VertxTestContext ctx) {
    NewJob later = scheduled("alice", 5, now.plusSeconds(60));
    insert(later)
      .compose(inserted -> store.find(later.id()))
      .compose(read -> {
        ctx.verify(() -> assertThat(read.runAt()).isEqualTo(now.plusSeconds(60)));
        return claimIds(10, true, now.plusSeconds(59));
      })
      .compose(fairEarly -> {
        ctx.verify(() -> assertThat(fairEarly).isEmpty());
        return claimIds(10, false, now.plusMillis(59_999));
      })
      .compose(unfairEarly -> {
        ctx.verify(() -> assertThat(unfairEarly).isEmpty());
        return claimIds(10, true, now.plusSeconds(60));
      })
      .onComplete(ctx.succeeding(due -> ctx.verify(() -> {
        assertThat(due).containsExactly(later.id());
        ctx.completeNow();
      })));
  }

  @Test
  void higherPrioritiesAreClaimedFirstThenTheOldest(VertxTestContext ctx) {
    NewJob low = scheduled("alice", 1, now);
    NewJob high = scheduled("alice", 9, now.plusMillis(2));
    NewJob middle = scheduled("alice", 5, now.plusMillis(1));
    NewJob highLater = scheduled("alice", 9, now.plusMillis(3));
    Instant at = now.plusSeconds(1);
    Future<Void> chain = insertAll(List.of(low, high, middle, highLater));
    for (boolean fair : new boolean[] {true, false}) {
      List<UUID> order = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        chain = chain.compose(v -> claimIds(1, fair, at)).map(claimed -> {
          order.addAll(claimed);
          return null;
        });
      }
      chain = chain.compose(v -> {
        ctx.verify(() -> assertThat(order).as("fair: " + fair)
          .containsExactly(high.id(), highLater.id(), middle.id(), low.id()));
        return store.requeue("node-a", now);
      }).mapEmpty();
    }
    chain
      .compose(v -> claimIds(2, false, at))
      .onComplete(ctx.succeeding(claimed -> ctx.verify(() -> {
        assertThat(claimed).containsExactlyInAnyOrder(high.id(), highLater.id());
        ctx.completeNow();
      })));
  }

  @Test
  void delayedJobsOfAHigherPriorityDoNotHideDueOnes(VertxTestContext ctx) {
    List<NewJob> delayed = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      delayed.add(scheduled("alice", 9, now.plusSeconds(3600)));
    }
    NewJob due = scheduled("alice", 0, now);
    insertAll(delayed)
      .compose(inserted -> insert(due))
      .compose(inserted -> claimIds(5, false, now.plusSeconds(1)))
      .onComplete(ctx.succeeding(claimed -> ctx.verify(() -> {
        assertThat(claimed).containsExactly(due.id());
        ctx.completeNow();
      })));
  }

  /**
   * Queues {@code count} sleep jobs of {@code owner}, priority 5, due at {@code runAt}, in one
   * statement of the store's own SQL (what the write path would take a hundred transactions for).
   */
  protected abstract Future<Void> queueBacklog(String owner, int count, Instant runAt);

  @Test
  @Timeout(value = 2, timeUnit = TimeUnit.MINUTES)
  void aFairClaimServesAnotherOwnersJobWhileOneOwnerHasAHundredThousandQueued(VertxTestContext ctx) {
    Admission huge = new Admission(200_000, 200_000);
    // The backlog is written by one SQL statement: the claims are under test here, not the insert path.
    Future<Void> chain = queueBacklog("alice", 100_000, now.minusSeconds(60));
    NewJob bobs = scheduled("bob", 5, now);
    NewJob bobsNext = scheduled("bob", 5, now);
    Instant at = now.plusSeconds(1);
    List<UUID> twoTurns = new ArrayList<>();
    chain
      .compose(v -> store.insert(List.of(bobs), huge))
      .compose(done -> {
        ctx.verify(() -> assertThat(done.refusal()).isNull());
        return claimIds(8, false, at);
      })
      .compose(unfair -> {
        ctx.verify(() -> assertThat(unfair).as("without fairness, the oldest first").doesNotContain(bobs.id()));
        return claimIds(8, true, at);
      })
      .compose(fair -> {
        ctx.verify(() -> assertThat(fair).as("one claim round").hasSize(8).contains(bobs.id()));
        return store.insert(List.of(bobsNext), huge);
      })
      .compose(done -> {
        ctx.verify(() -> assertThat(done.refusal()).isNull());
        return claimIds(1, true, at);
      })
      .compose(firstTurn -> {
        twoTurns.addAll(firstTurn);
        return claimIds(1, true, at);
      })
      .onComplete(ctx.succeeding(secondTurn -> ctx.verify(() -> {
        twoTurns.addAll(secondTurn);
        assertThat(twoTurns).as("claims of one slot take turns between the owners").contains(bobsNext.id());
        ctx.completeNow();
      })));
  }

  @Test
  void theHistoryKeepsEachAttemptsNodeTimesAndError(VertxTestContext ctx) {
    NewJob job = job("alice", 25, 0);
    JsonObject error = JobError.of("handler_error", "boom");
    insertAndClaim(job)
      .compose(first -> finish(Outcome.failed(first, JobState.QUEUED, error, now, now.plusSeconds(1))))
      .compose(failed -> claimOne(now.plusSeconds(2)))
      .compose(second -> finish(Outcome.released(second, JobError.of(JobError.NO_WORKERS, "none"), now, now)))
      .compose(released -> claimOne(now.plusSeconds(3)))
      .compose(third -> finish(Outcome.succeeded(third, new JsonObject(), now.plusSeconds(4))))
      .compose(succeeded -> store.find(job.id()))
      .compose(done -> {
        ctx.verify(() -> assertThat(done.history()).as("an attempt given back (it never ran) is not one").containsExactly(
          new Job.Run(1, "node-a", now, now.plusSeconds(1), error),
          new Job.Run(2, "node-a", now.plusSeconds(3), now.plusSeconds(4), null)));
        return store.find(job.id());
      })
      .onComplete(ctx.succeeding(done -> ctx.verify(() -> {
        assertThat(done.toJson().getJsonArray("history").getJsonObject(0).encode())
          .isEqualTo("{\"attempt\":1,\"node\":\"node-a\",\"startedAt\":\"" + Job.time(now) + "\",\"finishedAt\":\""
            + Job.time(now.plusSeconds(1)) + "\",\"error\":{\"code\":\"handler_error\",\"message\":\"boom\"}}");
        ctx.completeNow();
      })));
  }

  /** {@code rounds} attempts one after the other, claimed at now + 1 s, + 2 s, ..., each failing to be retried. */
  private Future<Void> failRounds(int rounds) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 1; i <= rounds; i++) {
      int round = i;
      chain = chain
        .compose(v -> claimOne(now.plusSeconds(round)))
        .compose(running -> finish(Outcome.failed(running, JobState.QUEUED, JobError.of("e" + round, "x"), now, now)).mapEmpty());
    }
    return chain;
  }

  @Test
  @Timeout(value = 2, timeUnit = TimeUnit.MINUTES)
  void theHistoryKeepsTheLastTwentyAttemptsAndRecordsLostAndInterruptedOnes(VertxTestContext ctx) {
    NewJob job = job("alice", 30, 0);
    insert(job)
      .compose(inserted -> failRounds(22))
      .compose(failed -> claim("sleep", 1, now.plusSeconds(30)))
      .compose(lostLater -> store.recover(now.plusSeconds(61)))
      .compose(recovered -> claim("sleep", 1, now.plusSeconds(62)))
      .compose(interruptedLater -> store.requeue("node-a", now.plusSeconds(63)))
      .compose(requeued -> store.find(job.id()))
      .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
        List<Job.Run> history = found.history();
        assertThat(history).hasSize(Job.HISTORY);
        assertThat(history.get(0).attempt()).isEqualTo(5);
        assertThat(history.get(18).error().getString("code")).isEqualTo(JobError.LOST);
        assertThat(history.get(19).error().getString("code")).isEqualTo(JobError.INTERRUPTED);
        assertThat(history.get(19).finishedAt()).isEqualTo(now.plusSeconds(63));
        ctx.completeNow();
      })));
  }

  @Test
  @Timeout(value = 2, timeUnit = TimeUnit.MINUTES)
  void aSuccessAfterTwentyFailuresIsTheLastOfTheTwentyShown(VertxTestContext ctx) {
    NewJob job = job("alice", 30, 0);
    insert(job)
      .compose(inserted -> failRounds(20))
      .compose(failed -> claimOne(now.plusSeconds(21)))
      .compose(last -> finish(Outcome.succeeded(last, new JsonObject(), now.plusSeconds(22))))
      .compose(succeeded -> store.find(job.id()))
      .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
        List<Job.Run> history = found.history();
        assertThat(history).hasSize(Job.HISTORY);
        assertThat(history.get(0).attempt()).isEqualTo(2);
        assertThat(history.get(19)).isEqualTo(new Job.Run(21, "node-a", now.plusSeconds(21), now.plusSeconds(22), null));
        ctx.completeNow();
      })));
  }

  @Test
  void aFailedOrCancelledJobIsRetriedAsNewAndOthersAreNot(VertxTestContext ctx) {
    NewJob job = job("alice", 1, 0);
    NewJob cancelled = job("alice", 3, 1);
    JsonObject error = JobError.of("handler_error", "boom");
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        running.set(attempt);
        return store.retry(job.id(), "alice", now, ROOMY).recover(err -> Future.succeededFuture(
          err instanceof JobException refusal && refusal.kind() == JobException.Kind.CONFLICT ? null : job.toQueuedJob()));
      })
      .compose(whileRunning -> {
        ctx.verify(() -> assertThat(whileRunning).as("a running job cannot be retried").isNull());
        return finish(Outcome.failed(running.get(), JobState.FAILED, error, null, now));
      })
      .compose(failed -> store.retry(job.id(), "bob", now, ROOMY))
      .compose(anotherOwners -> {
        ctx.verify(() -> assertThat(anotherOwners).as("another owner's job").isNull());
        return refused(store.retry(job.id(), "alice", now, new Admission(1000, 0)));
      })
      .compose(quota -> {
        ctx.verify(() -> assertThat(quota.kind()).isEqualTo(JobException.Kind.QUOTA));
        return store.retry(job.id(), "alice", now.plusSeconds(5), ROOMY);
      })
      .compose(retried -> {
        ctx.verify(() -> {
          assertThat(retried.state()).isEqualTo(JobState.QUEUED);
          assertThat(retried.attempts()).isZero();
          assertThat(retried.error()).as("the last error stays visible until the next outcome").isEqualTo(error);
          assertThat(retried.history()).hasSize(1);
          assertThat(retried.finishedAt()).isNull();
        });
        return claim("sleep", 1, now.plusSeconds(5));
      })
      .compose(claimed -> {
        ctx.verify(() -> assertThat(claimed).extracting(Attempt::attempt).containsExactly(1));
        return insert(cancelled);
      })
      .compose(inserted -> store.cancel(cancelled.id(), "alice"))
      .compose(cancel -> store.retry(cancelled.id(), null, now, ROOMY))
      .onComplete(ctx.succeeding(retried -> ctx.verify(() -> {
        assertThat(retried.state()).isEqualTo(JobState.QUEUED);
        ctx.completeNow();
      })));
  }

  @Test
  void aScheduleTickHasOneJobPerOwner(VertxTestContext ctx) {
    Instant tick = now.truncatedTo(ChronoUnit.MINUTES);
    NewJob first = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now, now, "r", null,
      null, new NewJob.Tick("nightly", tick));
    NewJob again = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now, now, "r", null,
      null, new NewJob.Tick("nightly", tick));
    insert(first)
      .compose(inserted -> store.insert(List.of(again), ROOMY))
      .compose(duplicate -> {
        ctx.verify(() -> assertThat(duplicate.refusal().kind()).isEqualTo(JobException.Kind.CONFLICT));
        return store.find(again.id());
      })
      .compose(notStored -> {
        ctx.verify(() -> assertThat(notStored).isNull());
        return store.find(first.id());
      })
      .compose(stored -> {
        ctx.verify(() -> assertThat(stored.scheduleName()).isEqualTo("nightly"));
        return insert(new NewJob(UUID.randomUUID(), "bob", "sleep", new JsonObject(), 3, 60, 5, now, now, "r", null,
          null, new NewJob.Tick("nightly", tick)));
      })
      .compose(anotherOwners -> insert(new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now,
        now, "r", null, null, new NewJob.Tick("nightly", tick.plusSeconds(60)))))
      .onComplete(ctx.succeeding(nextTick -> ctx.completeNow()));
  }

  @Test
  void listingFiltersByCreationTime(VertxTestContext ctx) {
    NewJob early = job("alice", 3, -60_000);
    NewJob middle = job("alice", 3, 0);
    insertAll(List.of(early, middle, job("alice", 3, 60_000)))
      .compose(inserted -> store.list(new JobQuery("alice", null, null, now.minusSeconds(60), now.plusSeconds(60), 10,
        null)))
      .compose(window -> {
        ctx.verify(() -> assertThat(window.items()).extracting(Job::id).containsExactly(middle.id(), early.id()));
        return store.list(new JobQuery("alice", null, null, now.plusMillis(1), null, 10, null));
      })
      .onComplete(ctx.succeeding(since -> ctx.verify(() -> {
        assertThat(since.items()).hasSize(1);
        ctx.completeNow();
      })));
  }

  @Test
  void statsCountActiveJobsAndThoseThatEndedSinceAMomentPerState(VertxTestContext ctx) {
    List<NewJob> alice = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      alice.add(job("alice", 1, i));
    }
    insertAll(alice)
      .compose(inserted -> insert(job("bob", 1, 100)))
      // Not fair: alice's four oldest, in order (bob's is newer).
      .compose(inserted -> store.claim("sleep", 4, false, now.plusSeconds(1), "node-a", now.plusSeconds(60)))
      .compose(running -> {
        ctx.verify(() -> assertThat(running).extracting(Attempt::id).containsExactly(alice.get(0).id(),
          alice.get(1).id(), alice.get(2).id(), alice.get(3).id()));
        return finish(
          Outcome.succeeded(running.get(0), new JsonObject(), now.minus(2, ChronoUnit.HOURS)),
          Outcome.succeeded(running.get(1), new JsonObject(), now),
          Outcome.failed(running.get(2), JobState.FAILED, JobError.of("handler_error", "x"), null, now));
      })
      .compose(finished -> store.cancel(alice.get(4).id(), "alice"))
      .compose(cancelled -> {
        ctx.verify(() -> assertThat(cancelled.effect()).isEqualTo(CancelResult.Effect.CANCELLED));
        return store.stats("alice", now.minus(1, ChronoUnit.HOURS));
      })
      .compose(stats -> {
        ctx.verify(() -> {
          assertThat(stats.owner()).isEqualTo("alice");
          assertThat(stats.counts()).as("the one that succeeded two hours ago is not recent")
            .containsExactlyInAnyOrderEntriesOf(Map.of(JobState.QUEUED, 1L, JobState.RUNNING, 1L,
            JobState.SUCCEEDED, 1L, JobState.FAILED, 1L, JobState.CANCELLED, 1L));
          assertThat(stats.finishedSince()).isEqualTo(3);
        });
        return store.stats(null, now.minus(1, ChronoUnit.HOURS));
      })
      .compose(everyone -> {
        ctx.verify(() -> {
          assertThat(everyone.owner()).isNull();
          assertThat(everyone.counts()).containsEntry(JobState.QUEUED, 2L).containsEntry(JobState.SUCCEEDED, 1L);
          assertThat(everyone.finishedSince()).isEqualTo(3);
        });
        return store.stats(null, now.minus(3, ChronoUnit.HOURS));
      })
      .compose(longer -> {
        ctx.verify(() -> assertThat(longer.finishedSince()).isEqualTo(4));
        return store.stats("carol", now.minus(1, ChronoUnit.HOURS));
      })
      .onComplete(ctx.succeeding(nobody -> ctx.verify(() -> {
        assertThat(nobody.counts()).hasSize(5).allSatisfy((state, count) -> assertThat(count).isZero());
        assertThat(nobody.finishedSince()).isZero();
        ctx.completeNow();
      })));
  }

  private Schedule schedule(String owner, String name, Instant next) {
    return new Schedule(owner, name, "* * * * *", "UTC", new JsonObject().put("type", "sleep"), false, next, null, null,
      now);
  }

  @Test
  void schedulesAreKeptPerOwnerAndName(VertxTestContext ctx) {
    ScheduleStore schedules = store.schedules();
    schedules.create(schedule("alice", "nightly", now), 2)
      .compose(nightly -> {
        ctx.verify(() -> assertThat(nightly).isEqualTo(schedule("alice", "nightly", now)));
        return schedules.create(schedule("bob", "nightly", now), 2);
      })
      .compose(bobs -> refused(schedules.create(schedule("alice", "nightly", now), 2)))
      .compose(conflict -> {
        ctx.verify(() -> assertThat(conflict.kind()).isEqualTo(JobException.Kind.CONFLICT));
        return schedules.create(schedule("alice", "hourly", now), 2);
      })
      .compose(hourly -> refused(schedules.create(schedule("alice", "weekly", now), 2)))
      .compose(quota -> {
        ctx.verify(() -> assertThat(quota.kind()).as("two per owner at most").isEqualTo(JobException.Kind.QUOTA));
        return schedules.list("alice");
      })
      .compose(listed -> {
        ctx.verify(() -> assertThat(listed).extracting(Schedule::name).containsExactly("hourly", "nightly"));
        return schedules.find("alice", "nightly");
      })
      .compose(found -> {
        ctx.verify(() -> assertThat(found.job()).isEqualTo(new JsonObject().put("type", "sleep")));
        return schedules.delete("alice", "nightly");
      })
      .compose(deleted -> {
        ctx.verify(() -> assertThat(deleted).isTrue());
        return schedules.delete("alice", "nightly");
      })
      .compose(deletedAgain -> {
        ctx.verify(() -> assertThat(deletedAgain).isFalse());
        return schedules.find("alice", "nightly");
      })
      .compose(gone -> {
        ctx.verify(() -> assertThat(gone).isNull());
        return schedules.find("bob", "nightly");
      })
      .onComplete(ctx.succeeding(bobs -> ctx.verify(() -> {
        assertThat(bobs).isNotNull();
        ctx.completeNow();
      })));
  }

  @Test
  void aScheduleMovesPastItsTickOnce(VertxTestContext ctx) {
    ScheduleStore schedules = store.schedules();
    UUID jobId = UUID.randomUUID();
    AtomicReference<List<Schedule>> due = new AtomicReference<>();
    schedules.create(schedule("alice", "late", now.minusSeconds(120)), 10)
      .compose(late -> schedules.create(schedule("alice", "due", now), 10))
      .compose(onTime -> schedules.create(schedule("alice", "later", now.plusSeconds(60)), 10))
      .compose(later -> schedules.due(now, 10))
      .compose(found -> {
        due.set(found);
        ctx.verify(() -> assertThat(found).extracting(Schedule::name).containsExactly("late", "due"));
        return schedules.advance(found.get(0), now.plusSeconds(60), jobId);
      })
      .compose(advanced -> {
        ctx.verify(() -> assertThat(advanced).isTrue());
        return schedules.advance(due.get().get(0), now.plusSeconds(60), null);
      })
      .compose(tooLate -> {
        ctx.verify(() -> assertThat(tooLate).as("a second node, too late").isFalse());
        return schedules.find("alice", "late");
      })
      .compose(moved -> {
        ctx.verify(() -> {
          assertThat(moved.nextRunAt()).isEqualTo(now.plusSeconds(60));
          assertThat(moved.lastRunAt()).isEqualTo(now.minusSeconds(120));
          assertThat(moved.lastJobId()).isEqualTo(jobId);
        });
        return schedules.setPaused("alice", "due", true, null);
      })
      .compose(paused -> {
        ctx.verify(() -> assertThat(paused.paused()).isTrue());
        return schedules.due(now, 10);
      })
      .compose(nothingDue -> {
        ctx.verify(() -> assertThat(nothingDue).isEmpty());
        return schedules.setPaused("alice", "due", false, now.plusSeconds(120));
      })
      .compose(resumed -> {
        ctx.verify(() -> {
          assertThat(resumed.paused()).isFalse();
          assertThat(resumed.nextRunAt()).isEqualTo(now.plusSeconds(120));
        });
        return schedules.setPaused("alice", "none", true, null);
      })
      .onComplete(ctx.succeeding(none -> ctx.verify(() -> {
        assertThat(none).isNull();
        ctx.completeNow();
      })));
  }
}
