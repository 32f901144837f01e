package dev.offload.store;

import dev.offload.jobs.Attempt;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, leases: a claimed attempt holds its job until its lease ends. A renewal
 * keeps it (a stale attempt's renewal extends nothing); recovery takes back what a dead process
 * left running once its lease has expired (requeued, failed on its last attempt, or cancelled if
 * that was requested); a shutdown hands its node's running attempts back at once without using
 * them up. (A reopened SQLite file recovers at once: {@link SqliteJobStoreTest}.)
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface LeaseContract extends StoreFixture {
  @Test
  default void aRenewedLeaseIsNotRecoveredAndAStaleRenewalExtendsNothing(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    AtomicReference<Attempt> first = new AtomicReference<>();
    insertAndClaim(job)
      .compose(attempt -> {
        first.set(attempt);
        return store().renew(List.of(new JobStore.Lease(job.id(), attempt.attempt())), now().plusSeconds(60));
      })
      .compose(renewed -> store().recover(now().plusSeconds(59)))
      .compose(early -> {
        ctx.verify(() -> assertThat(early).isZero());
        return store().recover(now().plusSeconds(61));
      })
      .compose(expired -> {
        ctx.verify(() -> assertThat(expired).isEqualTo(1));
        // Attempt 2 runs elsewhere; the dead attempt 1's renewal must not keep attempt 2's lease alive.
        return store().claim("sleep", 1, true, now().plusSeconds(62), "node-b", now().plusSeconds(92));
      })
      .compose(second -> {
        ctx.verify(() -> assertThat(second.get(0).attempt()).isEqualTo(2));
        return store().renew(List.of(new JobStore.Lease(job.id(), first.get().attempt())), now().plusSeconds(600));
      })
      .compose(stale -> store().recover(now().plusSeconds(93)))
      .compose(recovered -> {
        ctx.verify(() -> assertThat(recovered).isEqualTo(1));
        return store().find(job.id());
      })
      .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
        assertThat(after.state()).isEqualTo(JobState.QUEUED);
        ctx.completeNow();
      })));
  }

  @Test
  default void recoveryRequeuesFailsOrCancelsWhatADeadProcessLeftRunning(VertxTestContext ctx) {
    NewJob retry = job("alice", 3, 0);
    NewJob lastAttempt = job("alice", 1, 1);
    NewJob cancelRequested = job("alice", 3, 2);
    NewJob untouched = job("alice", 3, 3);
    insertAll(List.of(retry, lastAttempt, cancelRequested, untouched))
      .compose(inserted -> claim("sleep", 3, now().plusSeconds(1)))
      .compose(claimed -> store().cancel(cancelRequested.id(), null))
      .compose(requested -> store().recover(now().plusSeconds(30)))
      .compose(held -> {
        ctx.verify(() -> assertThat(held).as("leases still held").isZero());
        return store().recover(now().plusSeconds(31));
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
  default void aShutdownHandsRunningAttemptsBackWithoutUsingThemUp(VertxTestContext ctx) {
    NewJob last = job("alice", 1, 0);
    NewJob flagged = job("alice", 3, 1);
    NewJob elsewhere = job("bob", 3, 2);
    AtomicReference<List<Attempt>> running = new AtomicReference<>();
    insertAll(List.of(last, flagged))
      .compose(inserted -> claim("sleep", 2, now().plusSeconds(1)))
      .compose(claimed -> {
        running.set(claimed);
        ctx.verify(() -> assertThat(claimed).hasSize(2));
        return store().cancel(flagged.id(), "alice");
      })
      .compose(requested -> insert(elsewhere))
      .compose(inserted -> store().claim("sleep", 1, true, now().plusSeconds(1), "node-b", now().plusSeconds(30)))
      .compose(claimedByB -> store().requeue("node-a", now()))
      .compose(requeuedCount -> {
        ctx.verify(() -> assertThat(requeuedCount).isEqualTo(2));
        return store().find(elsewhere.id());
      })
      .compose(othersAttempt -> {
        ctx.verify(() -> assertThat(othersAttempt.state()).as("another node's attempt").isEqualTo(JobState.RUNNING));
        return store().find(last.id());
      })
      .compose(requeued -> {
        ctx.verify(() -> {
          assertThat(requeued.state()).as("its only attempt was interrupted, not failed").isEqualTo(JobState.QUEUED);
          assertThat(requeued.attempts()).isEqualTo(1);
          assertThat(requeued.maxAttempts()).as("the interrupted attempt does not count").isEqualTo(2);
          assertThat(requeued.error().getString("code")).isEqualTo(JobError.INTERRUPTED);
          assertThat(requeued.requestId()).isEqualTo("req-alice");
        });
        return store().find(flagged.id());
      })
      .compose(cancelled -> {
        ctx.verify(() -> assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED));
        // The interrupted attempt's late reply is refused; the next attempt runs and can succeed.
        return finish(Outcome.succeeded(running.get().get(0), new JsonObject(), now()));
      })
      .compose(late -> store().find(last.id()))
      .compose(stillQueued -> {
        ctx.verify(() -> assertThat(stillQueued.state()).isEqualTo(JobState.QUEUED));
        return claimOne(now().plusSeconds(2));
      })
      .compose(again -> {
        ctx.verify(() -> assertThat(again.attempt()).isEqualTo(2));
        return finish(Outcome.succeeded(again, new JsonObject().put("ok", true), now()));
      })
      .compose(succeeded -> store().find(last.id()))
      .onComplete(ctx.succeeding(done -> ctx.verify(() -> {
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        ctx.completeNow();
      })));
  }
}
