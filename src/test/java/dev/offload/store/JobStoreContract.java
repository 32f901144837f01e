package dev.offload.store;

import dev.offload.jobs.Insertion;
import dev.offload.jobs.Admission;
import dev.offload.schedules.Schedule;
import dev.offload.schedules.ScheduleStore;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.CancelResult;
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
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, run against every store (SQLite, PostgreSQL): admission, claims,
 * attempt-conditional outcomes, cancellation, recovery, listing, schema persistence.
 */
@ExtendWith(VertxExtension.class)
abstract class JobStoreContract {
  private static final Admission ROOMY = new Admission(1000, 1000);
  protected Vertx vertx;
  protected JobStore store;
  private Instant now;

  /** Opens the store under test; called again after {@code close()} to reopen the same data. */
  protected abstract Future<SqlJobStore> open();

  @BeforeEach
  void openStore(Vertx vertx) {
    this.vertx = vertx;
    store = await(open());
    now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  private NewJob job(String owner, int maxAttempts, long createdOffsetMillis) {
    return new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), maxAttempts, 60,
      now.plusMillis(createdOffsetMillis), "req-" + owner);
  }

  /** Claims as node-a with a 30 s lease from {@code at}. */
  private Future<List<Attempt>> claim(String type, int max, Instant at) {
    return store.claim(type, max, true, at, "node-a", at.plusSeconds(30));
  }

  private NewJob insert(NewJob job) {
    assertThat(await(store.insert(List.of(job), ROOMY).map(Insertion::refusal))).isNull();
    return job;
  }

  @Test
  void insertedJobsAreQueuedAndReadBack() {
    NewJob job = insert(job("alice", 3, 0));
    Job read = await(store.find(job.id()));
    assertThat(read).isEqualTo(job.toQueuedJob());
    assertThat(await(store.find(UUID.randomUUID()))).isNull();
  }

  @Test
  void aBatchIsAdmittedWholeOrNotAtAll() {
    insert(job("alice", 3, 0));
    List<NewJob> overQuota = List.of(job("alice", 3, 1), job("alice", 3, 2));
    JobException quota = await(store.insert(overQuota, new Admission(10, 2)).map(Insertion::refusal));
    assertThat(quota.kind()).isEqualTo(JobException.Kind.QUOTA);
    assertThat(quota.getMessage()).contains("you have 1 active jobs and submit 2, the most allowed is 2");
    List<NewJob> overBacklog = List.of(job("bob", 3, 3), job("bob", 3, 4), job("bob", 3, 5));
    assertThat(await(store.insert(overBacklog, new Admission(3, 10)).map(Insertion::refusal)).kind()).isEqualTo(JobException.Kind.BACKLOG);
    for (NewJob refused : concat(overQuota, overBacklog)) {
      assertThat(await(store.find(refused.id()))).as("nothing of a refused batch is stored").isNull();
    }

    List<NewJob> fits = List.of(job("bob", 3, 6), job("bob", 3, 7));
    assertThat(await(store.insert(fits, new Admission(3, 10)).map(Insertion::refusal))).isNull();
    assertThat(await(store.list(new JobQuery("bob", null, null, 10, null))).items()).extracting(Job::id)
      .containsExactly(fits.get(1).id(), fits.get(0).id());
  }

  @Test
  void concurrentSubmissionsInOneTransactionAreAdmittedOneByOne() {
    List<Future<JobException>> submitted = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      submitted.add(store.insert(List.of(job("carol", 3, i)), new Admission(1000, 2)).map(Insertion::refusal));
    }
    List<JobException> refusals = new ArrayList<>();
    submitted.forEach(submission -> refusals.add(await(submission)));
    assertThat(refusals.stream().filter(java.util.Objects::isNull)).as("two fit carol's quota of 2").hasSize(2);
    assertThat(refusals.stream().filter(java.util.Objects::nonNull)).allSatisfy(refusal ->
      assertThat(refusal.kind()).isEqualTo(JobException.Kind.QUOTA));
  }

  private static List<NewJob> concat(List<NewJob> a, List<NewJob> b) {
    List<NewJob> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void claimTakesTheOldestDueJobsUpToTheMaxAndCountsAnAttempt() {
    NewJob older = insert(job("alice", 3, 0));
    NewJob newer = insert(job("alice", 3, 5));
    insert(job("alice", 3, 10));

    List<Attempt> claimed = await(claim("sleep", 2, now.plusSeconds(1)));
    assertThat(claimed).extracting(Attempt::id).containsExactly(older.id(), newer.id());
    assertThat(claimed.get(0)).isEqualTo(new Attempt(older.id(), "sleep", 1, 3, 60, older.input(), older.createdAt(),
      "req-alice", claimed.get(0).row()));
    assertThat(claimed).allSatisfy(attempt -> {
      Job job = await(store.find(attempt.id()));
      assertThat(job.state()).isEqualTo(JobState.RUNNING);
      assertThat(job.attempts()).isEqualTo(1);
      assertThat(job.startedAt()).isNotNull();
    });
    assertThat(await(claim("primes", 10, now.plusSeconds(1)))).isEmpty();
  }

  @Test
  void aRetryIsNotClaimedBeforeItsBackoffIsOver() {
    NewJob job = insert(job("alice", 3, 0));
    Attempt running = await(claim("sleep", 1, now)).get(0);
    await(store.finish(List.of(Outcome.failed(running, JobState.QUEUED, JobError.of("handler_error", "x"),
      now.plusSeconds(10), now))));

    assertThat(await(claim("sleep", 1, now.plusSeconds(9)))).isEmpty();
    assertThat(await(claim("sleep", 1, now.plusSeconds(10)))).extracting(Attempt::id).containsExactly(job.id());
  }

  @Test
  void aStaleAttemptsOutcomeChangesNothing() {
    NewJob job = insert(job("alice", 3, 0));
    Attempt first = await(claim("sleep", 1, now)).get(0);
    await(store.finish(List.of(Outcome.failed(first, JobState.QUEUED, JobError.of("timeout", "late"), now, now))));
    Attempt second = await(claim("sleep", 1, now)).get(0);
    assertThat(second.attempt()).isEqualTo(2);

    // Attempt 1 answers late: refused by the attempt number.
    await(store.finish(List.of(Outcome.succeeded(first, new JsonObject().put("from", 1), now))));
    Job stillRunning = await(store.find(job.id()));
    assertThat(stillRunning.state()).isEqualTo(JobState.RUNNING);
    assertThat(stillRunning.result()).isNull();

    await(store.finish(List.of(Outcome.succeeded(second, new JsonObject().put("from", 2), now))));
    Job done = await(store.find(job.id()));
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.result()).isEqualTo(new JsonObject().put("from", 2));
    assertThat(done.progress()).isEqualTo(1.0);
    assertThat(done.finishedAt()).isEqualTo(now);

    // A duplicate of the winning outcome does not apply twice either.
    await(store.finish(List.of(Outcome.failed(second, JobState.FAILED, JobError.of("timeout", "dup"), null, now))));
    assertThat(await(store.find(job.id())).state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void cancelStopsQueuedJobsFlagsRunningOnesAndLeavesFinishedOnes() {
    NewJob queued = insert(job("alice", 3, 0));
    NewJob running = insert(job("alice", 3, -10));
    assertThat(await(claim("sleep", 1, now))).extracting(Attempt::id).containsExactly(running.id());

    CancelResult cancelled = await(store.cancel(queued.id(), "alice"));
    assertThat(cancelled.effect()).isEqualTo(CancelResult.Effect.CANCELLED);
    assertThat(cancelled.job().state()).isEqualTo(JobState.CANCELLED);

    CancelResult requested = await(store.cancel(running.id(), "alice"));
    assertThat(requested.effect()).isEqualTo(CancelResult.Effect.REQUESTED);
    assertThat(requested.job().cancelRequested()).isTrue();

    assertThat(await(store.cancel(queued.id(), "alice")).effect()).isEqualTo(CancelResult.Effect.ALREADY_FINISHED);
    assertThat(await(store.cancel(running.id(), "bob"))).isNull();
    assertThat(await(store.cancel(UUID.randomUUID(), null))).isNull();
    assertThat(await(store.cancel(running.id(), null)).effect()).isEqualTo(CancelResult.Effect.REQUESTED);
  }

  @Test
  void aRetryOfAJobWhoseCancellationWasRequestedEndsCancelled() {
    NewJob job = insert(job("alice", 3, 0));
    Attempt running = await(claim("sleep", 1, now)).get(0);
    await(store.cancel(job.id(), "alice"));
    await(store.finish(List.of(Outcome.failed(running, JobState.QUEUED, JobError.of("timeout", "t"), now, now))));

    Job after = await(store.find(job.id()));
    assertThat(after.state()).isEqualTo(JobState.CANCELLED);
    assertThat(after.error().getString("code")).isEqualTo("cancelled");
    assertThat(after.finishedAt()).isNotNull();
  }

  @Test
  void recoveryRequeuesFailsOrCancelsWhatADeadProcessLeftRunning() {
    NewJob retry = insert(job("alice", 3, 0));
    NewJob lastAttempt = insert(job("alice", 1, 1));
    NewJob cancelRequested = insert(job("alice", 3, 2));
    NewJob untouched = insert(job("alice", 3, 3));
    await(claim("sleep", 3, now.plusSeconds(1)));
    await(store.cancel(cancelRequested.id(), null));

    assertThat(await(store.recover(now.plusSeconds(30)))).as("leases still held").isZero();
    assertThat(await(store.recover(now.plusSeconds(31)))).isEqualTo(3);

    Job requeued = await(store.find(retry.id()));
    assertThat(requeued.state()).isEqualTo(JobState.QUEUED);
    assertThat(requeued.attempts()).isEqualTo(1);
    assertThat(requeued.error().getString("code")).isEqualTo("lost");
    Job lost = await(store.find(lastAttempt.id()));
    assertThat(lost.state()).isEqualTo(JobState.FAILED);
    assertThat(lost.error().getString("code")).isEqualTo("lost");
    assertThat(await(store.find(cancelRequested.id())).state()).isEqualTo(JobState.CANCELLED);
    assertThat(await(store.find(untouched.id())).state()).isEqualTo(JobState.QUEUED);
  }

  @Test
  void aRenewedLeaseIsNotRecoveredAndAStaleRenewalExtendsNothing() {
    NewJob job = insert(job("alice", 3, 0));
    Attempt first = await(claim("sleep", 1, now)).get(0);
    await(store.renew(List.of(new JobStore.Lease(job.id(), first.attempt())), now.plusSeconds(60)));
    assertThat(await(store.recover(now.plusSeconds(59)))).isZero();
    assertThat(await(store.recover(now.plusSeconds(61)))).isEqualTo(1);

    // Attempt 2 runs elsewhere; the dead attempt 1's renewal must not keep attempt 2's lease alive.
    Attempt second = await(store.claim("sleep", 1, true, now.plusSeconds(62), "node-b", now.plusSeconds(92))).get(0);
    assertThat(second.attempt()).isEqualTo(2);
    await(store.renew(List.of(new JobStore.Lease(job.id(), first.attempt())), now.plusSeconds(600)));
    assertThat(await(store.recover(now.plusSeconds(93)))).isEqualTo(1);
    assertThat(await(store.find(job.id())).state()).isEqualTo(JobState.QUEUED);
  }

  @Test
  void aReleasedAttemptGoesBackToTheQueueWithoutCounting() {
    NewJob job = insert(job("alice", 1, 0));
    Attempt running = await(claim("sleep", 1, now)).get(0);
    await(store.finish(List.of(Outcome.released(running, JobError.of("no_workers", "none"), now, now))));
    Job queued = await(store.find(job.id()));
    assertThat(queued.state()).isEqualTo(JobState.QUEUED);
    assertThat(queued.attempts()).isZero();
    assertThat(queued.error().getString("code")).isEqualTo("no_workers");
    assertThat(await(claim("sleep", 1, now)).get(0).attempt()).isEqualTo(1);
  }

  @Test
  void flaggingQueuedJobsTouchesOnlyQueuedJobsOfThatTypeWithoutAnError() {
    NewJob queued = insert(job("alice", 3, 0));
    NewJob running = insert(job("alice", 3, -10));
    await(claim("sleep", 1, now));
    JsonObject note = JobError.of("no_workers", "none");
    assertThat(await(store.flagQueued("sleep", note))).isEqualTo(1);
    assertThat(await(store.flagQueued("sleep", JobError.of("other", "x")))).isZero();
    assertThat(await(store.find(queued.id())).error()).isEqualTo(note);
    assertThat(await(store.find(running.id())).error()).isNull();
  }

  @Test
  void progressIsStoredForTheRunningAttemptOnly() {
    NewJob job = insert(job("alice", 3, 0));
    Attempt running = await(claim("sleep", 1, now)).get(0);
    await(store.progress(List.of(new JobStore.Progress(job.id(), running.attempt(), 0.5))));
    assertThat(await(store.find(job.id())).progress()).isEqualTo(0.5);
    await(store.progress(List.of(new JobStore.Progress(job.id(), running.attempt() + 7, 0.9))));
    assertThat(await(store.find(job.id())).progress()).isEqualTo(0.5);
  }

  @Test
  void listPagesNewestFirstPerOwner() {
    List<NewJob> jobs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      jobs.add(insert(job("alice", 3, i)));
    }
    insert(job("bob", 3, 100));
    var first = await(store.list(new JobQuery("alice", null, null, 3, null)));
    assertThat(first.items()).extracting(Job::id)
      .containsExactly(jobs.get(4).id(), jobs.get(3).id(), jobs.get(2).id());
    var second = await(store.list(new JobQuery("alice", null, null, 3, first.next())));
    assertThat(second.items()).extracting(Job::id).containsExactly(jobs.get(1).id(), jobs.get(0).id());
    assertThat(second.next()).isNull();
    assertThat(await(store.list(new JobQuery(null, JobState.QUEUED, "sleep", 100, null))).items()).hasSize(6);
  }

  @Test
  void reopeningKeepsTheJobsAndTheSchema() {
    NewJob job = insert(job("alice", 3, 0));
    await(store.close());
    store = await(open());
    assertThat(await(store.find(job.id()))).isEqualTo(job.toQueuedJob());
  }

  @Test
  void theBacklogCounterFollowsEveryMoveInAndOutOfTheQueue() {
    Admission backlogOfThree = new Admission(3, 1000);
    NewJob a = insert(job("alice", 2, 0));
    NewJob b = insert(job("alice", 2, 1));
    insert(job("alice", 2, 2));
    assertThat(await(store.insert(List.of(job("bob", 3, 3)), backlogOfThree).map(Insertion::refusal)).kind())
      .isEqualTo(JobException.Kind.BACKLOG);

    // Claimed (out), retried (in), cancelled while queued (out): room for exactly one more each time.
    Attempt running = await(claim("sleep", 1, now.plusSeconds(1))).get(0);
    assertThat(running.id()).isEqualTo(a.id());
    assertThat(await(store.insert(List.of(job("bob", 3, 4)), backlogOfThree).map(Insertion::refusal))).isNull();
    assertThat(await(store.insert(List.of(job("bob", 3, 5)), backlogOfThree).map(Insertion::refusal))).isNotNull();
    await(store.cancel(b.id(), null));
    assertThat(await(store.insert(List.of(job("bob", 3, 6)), backlogOfThree).map(Insertion::refusal))).isNull();
    await(store.finish(List.of(Outcome.failed(running, JobState.QUEUED, JobError.of("timeout", "t"), now, now))));
    assertThat(await(store.insert(List.of(job("bob", 3, 7)), backlogOfThree).map(Insertion::refusal))).isNotNull();
    await(claim("sleep", 10, now.plusSeconds(10)));
    assertThat(await(store.insert(List.of(job("bob", 3, 8), job("bob", 3, 9), job("bob", 3, 10), job("bob", 3, 11)),
      backlogOfThree).map(Insertion::refusal)).kind()).as("four do not fit an empty backlog of three").isEqualTo(JobException.Kind.BACKLOG);
    assertThat(await(store.insert(List.of(job("bob", 3, 8), job("bob", 3, 9), job("bob", 3, 10)), backlogOfThree).map(Insertion::refusal)))
      .isNull();
  }

  @Test
  void aShutdownHandsRunningAttemptsBackWithoutUsingThemUp() {
    NewJob last = insert(job("alice", 1, 0));
    NewJob flagged = insert(job("alice", 3, 1));
    List<Attempt> running = await(claim("sleep", 2, now.plusSeconds(1)));
    assertThat(running).hasSize(2);
    await(store.cancel(flagged.id(), "alice"));
    NewJob elsewhere = insert(job("bob", 3, 2));
    await(store.claim("sleep", 1, true, now.plusSeconds(1), "node-b", now.plusSeconds(30)));

    assertThat(await(store.requeue("node-a", now))).isEqualTo(2);
    assertThat(await(store.find(elsewhere.id())).state()).as("another node's attempt").isEqualTo(JobState.RUNNING);

    Job requeued = await(store.find(last.id()));
    assertThat(requeued.state()).as("its only attempt was interrupted, not failed").isEqualTo(JobState.QUEUED);
    assertThat(requeued.attempts()).isEqualTo(1);
    assertThat(requeued.maxAttempts()).as("the interrupted attempt does not count").isEqualTo(2);
    assertThat(requeued.error().getString("code")).isEqualTo(JobError.INTERRUPTED);
    assertThat(requeued.requestId()).isEqualTo("req-alice");
    assertThat(await(store.find(flagged.id())).state()).isEqualTo(JobState.CANCELLED);

    // The interrupted attempt's late reply is refused; the next attempt runs and can succeed.
    await(store.finish(List.of(Outcome.succeeded(running.get(0), new JsonObject(), now))));
    assertThat(await(store.find(last.id())).state()).isEqualTo(JobState.QUEUED);
    Attempt again = await(claim("sleep", 1, now.plusSeconds(2))).get(0);
    assertThat(again.attempt()).isEqualTo(2);
    await(store.finish(List.of(Outcome.succeeded(again, new JsonObject().put("ok", true), now))));
    assertThat(await(store.find(last.id())).state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void retentionDeletesOnlyFinishedJobsOlderThanTheLimitInBatches() {
    NewJob old1 = insert(job("alice", 3, 0));
    NewJob old2 = insert(job("alice", 3, 1));
    NewJob recent = insert(job("alice", 3, 2));
    NewJob queued = insert(job("alice", 3, 3));
    NewJob running = insert(job("alice", 3, 4));
    List<Attempt> claimed = await(claim("sleep", 5, now.plusSeconds(1)));
    Map<UUID, Attempt> byId = new java.util.HashMap<>();
    claimed.forEach(job -> byId.put(job.id(), job));
    Instant longAgo = now.minusSeconds(3600);
    await(store.finish(List.of(
      Outcome.succeeded(byId.get(old1.id()), new JsonObject(), longAgo),
      Outcome.failed(byId.get(old2.id()), JobState.FAILED, JobError.of("timeout", "t"), null, longAgo),
      Outcome.succeeded(byId.get(recent.id()), new JsonObject(), now),
      Outcome.failed(byId.get(queued.id()), JobState.QUEUED, JobError.of("timeout", "t"), now, longAgo))));

    Instant cutoff = now.minusSeconds(60);
    assertThat(await(store.purgeFinished(cutoff, 1))).isEqualTo(1);
    assertThat(await(store.purgeFinished(cutoff, 10))).isEqualTo(1);
    assertThat(await(store.purgeFinished(cutoff, 10))).isZero();
    assertThat(await(store.find(old1.id()))).isNull();
    assertThat(await(store.find(old2.id()))).isNull();
    assertThat(await(store.find(recent.id())).state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(await(store.find(queued.id())).state()).isEqualTo(JobState.QUEUED);
    assertThat(await(store.find(running.id())).state()).isEqualTo(JobState.RUNNING);
    assertThat(await(store.queuedByType())).isEqualTo(Map.of("sleep", 1L));
  }

  // Scheduling: delays, priorities, fair claims, history, retries, schedule ticks.

  /** A job due at {@code runAt}, of {@code priority}, created now. */
  private NewJob scheduled(String owner, int priority, Instant runAt) {
    return new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), 3, 60, priority, runAt,
      now, "req-" + owner, null, null, null);
  }

  private List<UUID> claimIds(int max, boolean fair, Instant at) {
    return await(store.claim("sleep", max, fair, at, "node-a", at.plusSeconds(30))).stream().map(Attempt::id).toList();
  }

  @Test
  void aDelayedJobIsClaimedAtItsTimeAndNotBefore() {
    NewJob later = insert(scheduled("alice", 5, now.plusSeconds(60)));
    assertThat(await(store.find(later.id())).runAt()).isEqualTo(now.plusSeconds(60));
    assertThat(claimIds(10, true, now.plusSeconds(59))).isEmpty();
    assertThat(claimIds(10, false, now.plusMillis(59_999))).isEmpty();
    assertThat(claimIds(10, true, now.plusSeconds(60))).containsExactly(later.id());
  }

  @Test
  void higherPrioritiesAreClaimedFirstThenTheOldest() {
    NewJob low = insert(scheduled("alice", 1, now));
    NewJob high = insert(scheduled("alice", 9, now.plusMillis(2)));
    NewJob middle = insert(scheduled("alice", 5, now.plusMillis(1)));
    NewJob highLater = insert(scheduled("alice", 9, now.plusMillis(3)));
    Instant at = now.plusSeconds(1);
    for (boolean fair : new boolean[] {true, false}) {
      List<UUID> order = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        order.addAll(claimIds(1, fair, at));
      }
      assertThat(order).as("fair: " + fair).containsExactly(high.id(), highLater.id(), middle.id(), low.id());
      await(store.requeue("node-a", now));
    }
    assertThat(claimIds(2, false, at)).containsExactlyInAnyOrder(high.id(), highLater.id());
  }

  @Test
  void delayedJobsOfAHigherPriorityDoNotHideDueOnes() {
    for (int i = 0; i < 50; i++) {
      insert(scheduled("alice", 9, now.plusSeconds(3600)));
    }
    NewJob due = insert(scheduled("alice", 0, now));
    assertThat(claimIds(5, false, now.plusSeconds(1))).containsExactly(due.id());
  }

  @Test
  void aFairClaimServesAnotherOwnersJobWhileOneOwnerHasAHundredThousandQueued() {
    Admission huge = new Admission(200_000, 200_000);
    // Ten batches sent together share one transaction (group commit); ten such waves.
    for (int wave = 0; wave < 10; wave++) {
      List<Future<Insertion>> batches = new ArrayList<>();
      for (int b = 0; b < 10; b++) {
        List<NewJob> batch = new ArrayList<>(1000);
        for (int i = 0; i < 1000; i++) {
          batch.add(scheduled("alice", 5, now.minusSeconds(60)));
        }
        batches.add(store.insert(batch, huge));
      }
      assertThat(await(Future.all(batches)).<Insertion>list()).allSatisfy(done -> assertThat(done.refusal()).isNull());
    }
    NewJob bobs = scheduled("bob", 5, now);
    assertThat(await(store.insert(List.of(bobs), huge)).refusal()).isNull();
    Instant at = now.plusSeconds(1);

    assertThat(claimIds(8, false, at)).as("without fairness, the oldest first").doesNotContain(bobs.id());
    assertThat(claimIds(8, true, at)).as("one claim round").hasSize(8).contains(bobs.id());
    NewJob bobsNext = scheduled("bob", 5, now);
    assertThat(await(store.insert(List.of(bobsNext), huge)).refusal()).isNull();
    List<UUID> twoTurns = new ArrayList<>(claimIds(1, true, at));
    twoTurns.addAll(claimIds(1, true, at));
    assertThat(twoTurns).as("claims of one slot take turns between the owners").contains(bobsNext.id());
  }

  @Test
  void theHistoryKeepsEachAttemptsNodeTimesAndError() {
    NewJob job = insert(job("alice", 25, 0));
    JsonObject error = JobError.of("handler_error", "boom");
    Attempt first = await(claim("sleep", 1, now)).get(0);
    await(store.finish(List.of(Outcome.failed(first, JobState.QUEUED, error, now, now.plusSeconds(1)))));
    Attempt second = await(claim("sleep", 1, now.plusSeconds(2))).get(0);
    await(store.finish(List.of(Outcome.released(second, JobError.of(JobError.NO_WORKERS, "none"), now, now))));
    Attempt third = await(claim("sleep", 1, now.plusSeconds(3))).get(0);
    await(store.finish(List.of(Outcome.succeeded(third, new JsonObject(), now.plusSeconds(4)))));

    List<Job.Run> history = await(store.find(job.id())).history();
    assertThat(history).as("an attempt given back (it never ran) is not one").containsExactly(
      new Job.Run(1, "node-a", now, now.plusSeconds(1), error),
      new Job.Run(2, "node-a", now.plusSeconds(3), now.plusSeconds(4), null));
    assertThat(await(store.find(job.id())).toJson().getJsonArray("history").getJsonObject(0).encode())
      .isEqualTo("{\"attempt\":1,\"node\":\"node-a\",\"startedAt\":\"" + Job.time(now) + "\",\"finishedAt\":\""
        + Job.time(now.plusSeconds(1)) + "\",\"error\":{\"code\":\"handler_error\",\"message\":\"boom\"}}");
  }

  @Test
  void theHistoryKeepsTheLastTwentyAttemptsAndRecordsLostAndInterruptedOnes() {
    NewJob job = insert(job("alice", 30, 0));
    for (int i = 1; i <= 22; i++) {
      Attempt running = await(claim("sleep", 1, now.plusSeconds(i))).get(0);
      await(store.finish(List.of(Outcome.failed(running, JobState.QUEUED, JobError.of("e" + i, "x"), now, now))));
    }
    await(claim("sleep", 1, now.plusSeconds(30)));
    await(store.recover(now.plusSeconds(61)));
    await(claim("sleep", 1, now.plusSeconds(62)));
    await(store.requeue("node-a", now.plusSeconds(63)));

    List<Job.Run> history = await(store.find(job.id())).history();
    assertThat(history).hasSize(Job.HISTORY);
    assertThat(history.get(0).attempt()).isEqualTo(5);
    assertThat(history.get(18).error().getString("code")).isEqualTo(JobError.LOST);
    assertThat(history.get(19).error().getString("code")).isEqualTo(JobError.INTERRUPTED);
    assertThat(history.get(19).finishedAt()).isEqualTo(now.plusSeconds(63));
  }

  @Test
  void aSuccessAfterTwentyFailuresIsTheLastOfTheTwentyShown() {
    NewJob job = insert(job("alice", 30, 0));
    for (int i = 1; i <= 20; i++) {
      Attempt running = await(claim("sleep", 1, now.plusSeconds(i))).get(0);
      await(store.finish(List.of(Outcome.failed(running, JobState.QUEUED, JobError.of("e" + i, "x"), now, now))));
    }
    Attempt last = await(claim("sleep", 1, now.plusSeconds(21))).get(0);
    await(store.finish(List.of(Outcome.succeeded(last, new JsonObject(), now.plusSeconds(22)))));

    List<Job.Run> history = await(store.find(job.id())).history();
    assertThat(history).hasSize(Job.HISTORY);
    assertThat(history.get(0).attempt()).isEqualTo(2);
    assertThat(history.get(19)).isEqualTo(new Job.Run(21, "node-a", now.plusSeconds(21), now.plusSeconds(22), null));
  }

  @Test
  void aFailedOrCancelledJobIsRetriedAsNewAndOthersAreNot() {
    NewJob job = insert(job("alice", 1, 0));
    Attempt running = await(claim("sleep", 1, now)).get(0);
    assertThat(await(store.retry(job.id(), "alice", now, ROOMY).recover(err ->
      Future.succeededFuture(err instanceof JobException refusal && refusal.kind() == JobException.Kind.CONFLICT
        ? null : job.toQueuedJob())))).as("a running job cannot be retried").isNull();
    JsonObject error = JobError.of("handler_error", "boom");
    await(store.finish(List.of(Outcome.failed(running, JobState.FAILED, error, null, now))));

    assertThat(await(store.retry(job.id(), "bob", now, ROOMY))).as("another owner's job").isNull();
    JobException quota = await(store.retry(job.id(), "alice", now, new Admission(1000, 0)).map(j -> (JobException) null)
      .recover(err -> Future.succeededFuture((JobException) err)));
    assertThat(quota.kind()).isEqualTo(JobException.Kind.QUOTA);
    Job retried = await(store.retry(job.id(), "alice", now.plusSeconds(5), ROOMY));
    assertThat(retried.state()).isEqualTo(JobState.QUEUED);
    assertThat(retried.attempts()).isZero();
    assertThat(retried.error()).as("the last error stays visible until the next outcome").isEqualTo(error);
    assertThat(retried.history()).hasSize(1);
    assertThat(retried.finishedAt()).isNull();
    assertThat(await(claim("sleep", 1, now.plusSeconds(5)))).extracting(Attempt::attempt).containsExactly(1);

    NewJob cancelled = insert(job("alice", 3, 1));
    await(store.cancel(cancelled.id(), "alice"));
    assertThat(await(store.retry(cancelled.id(), null, now, ROOMY)).state()).isEqualTo(JobState.QUEUED);
  }

  @Test
  void aScheduleTickHasOneJobPerOwner() {
    Instant tick = now.truncatedTo(ChronoUnit.MINUTES);
    NewJob first = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now, now, "r", null,
      null, new NewJob.Tick("nightly", tick));
    insert(first);
    NewJob again = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now, now, "r", null,
      null, new NewJob.Tick("nightly", tick));
    assertThat(await(store.insert(List.of(again), ROOMY)).refusal().kind()).isEqualTo(JobException.Kind.CONFLICT);
    assertThat(await(store.find(again.id()))).isNull();
    assertThat(await(store.find(first.id())).scheduleName()).isEqualTo("nightly");
    insert(new NewJob(UUID.randomUUID(), "bob", "sleep", new JsonObject(), 3, 60, 5, now, now, "r", null, null,
      new NewJob.Tick("nightly", tick)));
    insert(new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now, now, "r", null, null,
      new NewJob.Tick("nightly", tick.plusSeconds(60))));
  }

  @Test
  void listingFiltersByCreationTime() {
    NewJob early = insert(job("alice", 3, -60_000));
    NewJob middle = insert(job("alice", 3, 0));
    insert(job("alice", 3, 60_000));
    assertThat(await(store.list(new JobQuery("alice", null, null, now.minusSeconds(60), now.plusSeconds(60), 10,
      null))).items()).extracting(Job::id).containsExactly(middle.id(), early.id());
    assertThat(await(store.list(new JobQuery("alice", null, null, now.plusMillis(1), null, 10, null))).items())
      .hasSize(1);
  }

  @Test
  void statsCountActiveJobsAndThoseThatEndedSinceAMomentPerState() {
    List<NewJob> alice = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      alice.add(insert(job("alice", 1, i)));
    }
    insert(job("bob", 1, 100));
    // Not fair: alice's four oldest, in order (bob's is newer).
    List<Attempt> running = await(store.claim("sleep", 4, false, now.plusSeconds(1), "node-a", now.plusSeconds(60)));
    assertThat(running).extracting(Attempt::id).containsExactly(alice.get(0).id(), alice.get(1).id(),
      alice.get(2).id(), alice.get(3).id());
    await(store.finish(List.of(
      Outcome.succeeded(running.get(0), new JsonObject(), now.minus(2, ChronoUnit.HOURS)),
      Outcome.succeeded(running.get(1), new JsonObject(), now),
      Outcome.failed(running.get(2), JobState.FAILED, JobError.of("handler_error", "x"), null, now))));
    assertThat(await(store.cancel(alice.get(4).id(), "alice")).effect()).isEqualTo(CancelResult.Effect.CANCELLED);

    var stats = await(store.stats("alice", now.minus(1, ChronoUnit.HOURS)));
    assertThat(stats.owner()).isEqualTo("alice");
    assertThat(stats.counts()).as("the one that succeeded two hours ago is not recent")
      .containsExactlyInAnyOrderEntriesOf(Map.of(JobState.QUEUED, 1L, JobState.RUNNING, 1L,
      JobState.SUCCEEDED, 1L, JobState.FAILED, 1L, JobState.CANCELLED, 1L));
    assertThat(stats.finishedSince()).isEqualTo(3);

    var everyone = await(store.stats(null, now.minus(1, ChronoUnit.HOURS)));
    assertThat(everyone.owner()).isNull();
    assertThat(everyone.counts()).containsEntry(JobState.QUEUED, 2L).containsEntry(JobState.SUCCEEDED, 1L);
    assertThat(everyone.finishedSince()).isEqualTo(3);
    assertThat(await(store.stats(null, now.minus(3, ChronoUnit.HOURS))).finishedSince()).isEqualTo(4);

    var nobody = await(store.stats("carol", now.minus(1, ChronoUnit.HOURS)));
    assertThat(nobody.counts()).hasSize(5).allSatisfy((state, count) -> assertThat(count).isZero());
    assertThat(nobody.finishedSince()).isZero();
  }

  private Schedule schedule(String owner, String name, Instant next) {
    return new Schedule(owner, name, "* * * * *", "UTC", new JsonObject().put("type", "sleep"), false, next, null, null,
      now);
  }

  private static JobException.Kind refusal(Future<?> refused) {
    return ((JobException) await(refused.transform(ar -> Future.succeededFuture(ar.cause())))).kind();
  }

  @Test
  void schedulesAreKeptPerOwnerAndName() {
    ScheduleStore schedules = store.schedules();
    Schedule nightly = await(schedules.create(schedule("alice", "nightly", now), 2));
    assertThat(nightly).isEqualTo(schedule("alice", "nightly", now));
    await(schedules.create(schedule("bob", "nightly", now), 2));

    assertThat(refusal(schedules.create(schedule("alice", "nightly", now), 2))).isEqualTo(JobException.Kind.CONFLICT);
    await(schedules.create(schedule("alice", "hourly", now), 2));
    assertThat(refusal(schedules.create(schedule("alice", "weekly", now), 2))).as("two per owner at most")
      .isEqualTo(JobException.Kind.QUOTA);

    assertThat(await(schedules.list("alice"))).extracting(Schedule::name).containsExactly("hourly", "nightly");
    assertThat(await(schedules.find("alice", "nightly")).job()).isEqualTo(new JsonObject().put("type", "sleep"));
    assertThat(await(schedules.delete("alice", "nightly"))).isTrue();
    assertThat(await(schedules.delete("alice", "nightly"))).isFalse();
    assertThat(await(schedules.find("alice", "nightly"))).isNull();
    assertThat(await(schedules.find("bob", "nightly"))).isNotNull();
  }

  @Test
  void aScheduleMovesPastItsTickOnce() {
    ScheduleStore schedules = store.schedules();
    await(schedules.create(schedule("alice", "late", now.minusSeconds(120)), 10));
    await(schedules.create(schedule("alice", "due", now), 10));
    await(schedules.create(schedule("alice", "later", now.plusSeconds(60)), 10));
    List<Schedule> due = await(schedules.due(now, 10));
    assertThat(due).extracting(Schedule::name).containsExactly("late", "due");

    UUID jobId = UUID.randomUUID();
    assertThat(await(schedules.advance(due.get(0), now.plusSeconds(60), jobId))).isTrue();
    assertThat(await(schedules.advance(due.get(0), now.plusSeconds(60), null))).as("a second node, too late").isFalse();
    Schedule moved = await(schedules.find("alice", "late"));
    assertThat(moved.nextRunAt()).isEqualTo(now.plusSeconds(60));
    assertThat(moved.lastRunAt()).isEqualTo(now.minusSeconds(120));
    assertThat(moved.lastJobId()).isEqualTo(jobId);

    assertThat(await(schedules.setPaused("alice", "due", true, null)).paused()).isTrue();
    assertThat(await(schedules.due(now, 10))).isEmpty();
    Schedule resumed = await(schedules.setPaused("alice", "due", false, now.plusSeconds(120)));
    assertThat(resumed.paused()).isFalse();
    assertThat(resumed.nextRunAt()).isEqualTo(now.plusSeconds(120));
    assertThat(await(schedules.setPaused("alice", "none", true, null))).isNull();
  }
}
