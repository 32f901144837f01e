package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.CancelResult;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, outcome: what becomes of a claimed job. An attempt's outcome applies only
 * while that attempt runs (a stale or duplicate one changes nothing, and the store says so); a
 * released attempt goes back to the queue without counting; progress is stored for the running
 * attempt only; cancel (a queued job stops, a running one is flagged, a finished one stays) and
 * a retry of a job whose cancellation was requested; retrying a failed or cancelled job; the note
 * a type without workers leaves on its queued jobs. Each attempt's record in the job's history is
 * {@link HistoryContract}'s.
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface OutcomeContract extends StoreFixture {
  @Test
  default void aStaleAttemptsOutcomeChangesNothing(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> first = new AtomicReference<>();
    AtomicReference<Attempt> second = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        first.set(attempt);
        return finish(Outcome.failed(attempt, JobState.QUEUED, JobError.of("timeout", "late"), now(), now()));
      })
      .compose(failed -> {
        ctx.verify(() -> assertThat(failed).as("the running attempt's outcome applies").containsExactly(true));
        return claimOne(now());
      })
      .compose(attempt -> {
        second.set(attempt);
        ctx.verify(() -> assertThat(attempt.attempt()).isEqualTo(2));
        // Attempt 1 answers late: refused by the attempt number.
        return finish(Outcome.succeeded(first.get(), new JsonObject().put("from", 1), now()));
      })
      .compose(late -> {
        ctx.verify(() -> assertThat(late).as("the store says the late outcome did not apply").containsExactly(false));
        return store().find(job.id());
      })
      .compose(stillRunning -> {
        ctx.verify(() -> {
          assertThat(stillRunning.state()).isEqualTo(JobState.RUNNING);
          assertThat(stillRunning.result()).isNull();
        });
        return finish(Outcome.succeeded(second.get(), new JsonObject().put("from", 2), now()));
      })
      .compose(succeeded -> store().find(job.id()))
      .compose(done -> {
        ctx.verify(() -> {
          assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
          assertThat(done.result()).isEqualTo(new JsonObject().put("from", 2));
          assertThat(done.progress()).isEqualTo(1.0);
          assertThat(done.finishedAt()).isEqualTo(now());
        });
        // A duplicate of the winning outcome does not apply twice either.
        return finish(Outcome.failed(second.get(), JobState.FAILED, JobError.of("timeout", "dup"), null, now()));
      })
      .compose(duplicate -> {
        ctx.verify(() -> assertThat(duplicate).containsExactly(false));
        return store().find(job.id());
      })
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
        ctx.completeNow();
      })));
  }

  @Test
  default void aReleasedAttemptGoesBackToTheQueueWithoutCounting(VertxTestContext ctx) {
    NewJob job = job("alice", 1, 0);
    insertAndClaim(job)
      .compose(running -> finish(Outcome.released(running, JobError.of("no_workers", "none"), now(), now())))
      .compose(released -> store().find(job.id()))
      .compose(queued -> {
        ctx.verify(() -> {
          assertThat(queued.state()).isEqualTo(JobState.QUEUED);
          assertThat(queued.attempts()).isZero();
          assertThat(queued.error().getString("code")).isEqualTo("no_workers");
        });
        return claimOne(now());
      })
      .onComplete(ctx.succeeding(again -> ctx.verify(() -> {
        assertThat(again.attempt()).isEqualTo(1);
        ctx.completeNow();
      })));
  }

  @Test
  default void progressIsStoredForTheRunningAttemptOnly(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        running.set(attempt);
        return store().progress(List.of(new JobStore.Progress(job.id(), attempt.attempt(), 0.5)));
      })
      .compose(reported -> store().find(job.id()))
      .compose(halfway -> {
        ctx.verify(() -> assertThat(halfway.progress()).isEqualTo(0.5));
        return store().progress(List.of(new JobStore.Progress(job.id(), running.get().attempt() + 7, 0.9)));
      })
      .compose(stale -> store().find(job.id()))
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.progress()).isEqualTo(0.5);
        ctx.completeNow();
      })));
  }

  @Test
  default void cancelStopsQueuedJobsFlagsRunningOnesAndLeavesFinishedOnes(VertxTestContext ctx) {
    NewJob queued = job("alice", 3, 0);
    NewJob running = job("alice", 3, -10);
    insertAll(List.of(queued, running))
      .compose(inserted -> claim("sleep", 1, now()))
      .compose(claimed -> {
        ctx.verify(() -> assertThat(claimed).extracting(Attempt::id).containsExactly(running.id()));
        return store().cancel(queued.id(), "alice");
      })
      .compose(cancelled -> {
        ctx.verify(() -> {
          assertThat(cancelled.effect()).isEqualTo(CancelResult.Effect.CANCELLED);
          assertThat(cancelled.job().state()).isEqualTo(JobState.CANCELLED);
        });
        return store().cancel(running.id(), "alice");
      })
      .compose(requested -> {
        ctx.verify(() -> {
          assertThat(requested.effect()).isEqualTo(CancelResult.Effect.REQUESTED);
          assertThat(requested.job().cancelRequested()).isTrue();
        });
        return store().cancel(queued.id(), "alice");
      })
      .compose(again -> {
        ctx.verify(() -> assertThat(again.effect()).isEqualTo(CancelResult.Effect.ALREADY_FINISHED));
        return store().cancel(running.id(), "bob");
      })
      .compose(anotherOwners -> {
        ctx.verify(() -> assertThat(anotherOwners).isNull());
        return store().cancel(UUID.randomUUID(), null);
      })
      .compose(unknown -> {
        ctx.verify(() -> assertThat(unknown).isNull());
        return store().cancel(running.id(), null);
      })
      .onComplete(ctx.succeeding(byAnyOwner -> ctx.verify(() -> {
        assertThat(byAnyOwner.effect()).isEqualTo(CancelResult.Effect.REQUESTED);
        ctx.completeNow();
      })));
  }

  @Test
  default void aRetryOfAJobWhoseCancellationWasRequestedEndsCancelled(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        running.set(attempt);
        return store().cancel(job.id(), "alice");
      })
      .compose(requested -> finish(Outcome.failed(running.get(), JobState.QUEUED, JobError.of("timeout", "t"), now(),
        now())))
      .compose(failed -> store().find(job.id()))
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.state()).isEqualTo(JobState.CANCELLED);
        assertThat(after.error().getString("code")).isEqualTo("cancelled");
        assertThat(after.finishedAt()).isNotNull();
        ctx.completeNow();
      })));
  }

  @Test
  default void aFailedOrCancelledJobIsRetriedAsNewAndOthersAreNot(VertxTestContext ctx) {
    NewJob job = job("alice", 1, 0);
    NewJob cancelled = job("alice", 3, 1);
    JsonObject error = JobError.of("handler_error", "boom");
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        running.set(attempt);
        return store().retry(job.id(), "alice", now(), ROOMY).recover(err -> Future.succeededFuture(
          err instanceof JobException refusal && refusal.kind() == JobException.Kind.CONFLICT ? null : job.toQueuedJob()));
      })
      .compose(whileRunning -> {
        ctx.verify(() -> assertThat(whileRunning).as("a running job cannot be retried").isNull());
        return finish(Outcome.failed(running.get(), JobState.FAILED, error, null, now()));
      })
      .compose(failed -> store().retry(job.id(), "bob", now(), ROOMY))
      .compose(anotherOwners -> {
        ctx.verify(() -> assertThat(anotherOwners).as("another owner's job").isNull());
        return refused(store().retry(job.id(), "alice", now(), new Admission(1000, 0)));
      })
      .compose(quota -> {
        ctx.verify(() -> assertThat(quota.kind()).isEqualTo(JobException.Kind.QUOTA));
        return store().retry(job.id(), "alice", now().plusSeconds(5), ROOMY);
      })
      .compose(retried -> {
        ctx.verify(() -> {
          assertThat(retried.state()).isEqualTo(JobState.QUEUED);
          assertThat(retried.attempts()).isZero();
          assertThat(retried.error()).as("the last error stays visible until the next outcome").isEqualTo(error);
          assertThat(retried.history()).hasSize(1);
          assertThat(retried.finishedAt()).isNull();
        });
        return claim("sleep", 1, now().plusSeconds(5));
      })
      .compose(claimed -> {
        ctx.verify(() -> assertThat(claimed).extracting(Attempt::attempt).containsExactly(1));
        return insert(cancelled);
      })
      .compose(inserted -> store().cancel(cancelled.id(), "alice"))
      .compose(cancel -> store().retry(cancelled.id(), null, now(), ROOMY))
      .onComplete(ctx.succeeding(retried -> ctx.verify(() -> {
        assertThat(retried.state()).isEqualTo(JobState.QUEUED);
        ctx.completeNow();
      })));
  }

  @Test
  default void flaggingQueuedJobsTouchesOnlyQueuedJobsOfThatTypeWithoutAnError(VertxTestContext ctx) {
    NewJob queued = job("alice", 3, 0);
    NewJob running = job("alice", 3, -10);
    JsonObject note = JobError.of("no_workers", "none");
    insertAll(List.of(queued, running))
      .compose(inserted -> claim("sleep", 1, now()))
      .compose(claimed -> store().flagQueued("sleep", note))
      .compose(flagged -> {
        ctx.verify(() -> assertThat(flagged).isEqualTo(1));
        return store().flagQueued("sleep", JobError.of("other", "x"));
      })
      .compose(again -> {
        ctx.verify(() -> assertThat(again).isZero());
        return store().find(queued.id());
      })
      .compose(noted -> {
        ctx.verify(() -> assertThat(noted.error()).isEqualTo(note));
        return store().find(running.id());
      })
      .onComplete(ctx.succeeding(runs -> ctx.verify(() -> {
        assertThat(runs.error()).isNull();
        ctx.completeNow();
      })));
  }
}
