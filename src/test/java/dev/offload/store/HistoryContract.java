package dev.offload.store;

import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobState;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, history: the runs a job keeps, one per attempt that ran, whatever ended it
 * (an outcome, a lost lease, a shutdown's hand-back): its node, times and error, the last twenty
 * kept, a success shown as the last of them.
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface HistoryContract extends StoreFixture {
  @Test
  default void theHistoryKeepsEachAttemptsNodeTimesAndError(VertxTestContext ctx) {
    NewJob job = job("alice", 25, 0);
    JsonObject error = JobError.of("handler_error", "boom");
    insertAndClaim(job)
      .compose(first -> finish(Outcome.failed(first, JobState.QUEUED, error, now(), now().plusSeconds(1))))
      .compose(failed -> claimOne(now().plusSeconds(2)))
      .compose(second -> finish(Outcome.released(second, JobError.of(JobError.NO_WORKERS, "none"), now(), now())))
      .compose(released -> claimOne(now().plusSeconds(3)))
      .compose(third -> finish(Outcome.succeeded(third, new JsonObject(), now().plusSeconds(4))))
      .compose(succeeded -> store().find(job.id()))
      .compose(done -> {
        ctx.verify(() -> assertThat(done.history()).as("an attempt given back (it never ran) is not one").containsExactly(
          new Job.Run(1, "node-a", now(), now().plusSeconds(1), error),
          new Job.Run(2, "node-a", now().plusSeconds(3), now().plusSeconds(4), null)));
        return store().find(job.id());
      })
      .onComplete(ctx.succeeding(done -> ctx.verify(() -> {
        assertThat(done.toJson().getJsonArray("history").getJsonObject(0).encode())
          .isEqualTo("{\"attempt\":1,\"node\":\"node-a\",\"startedAt\":\"" + Job.time(now()) + "\",\"finishedAt\":\""
            + Job.time(now().plusSeconds(1)) + "\",\"error\":{\"code\":\"handler_error\",\"message\":\"boom\"}}");
        ctx.completeNow();
      })));
  }

  @Test
  @Timeout(value = 2, timeUnit = TimeUnit.MINUTES)
  default void theHistoryKeepsTheLastTwentyAttemptsAndRecordsLostAndInterruptedOnes(VertxTestContext ctx) {
    NewJob job = job("alice", 30, 0);
    insert(job)
      .compose(inserted -> failRounds(22))
      .compose(failed -> claim("sleep", 1, now().plusSeconds(30)))
      .compose(lostLater -> store().recover(now().plusSeconds(61)))
      .compose(recovered -> claim("sleep", 1, now().plusSeconds(62)))
      .compose(interruptedLater -> store().requeue("node-a", now().plusSeconds(63)))
      .compose(requeued -> store().find(job.id()))
      .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
        List<Job.Run> history = found.history();
        assertThat(history).hasSize(Job.HISTORY);
        assertThat(history.get(0).attempt()).isEqualTo(5);
        assertThat(history.get(18).error().getString("code")).isEqualTo(JobError.LOST);
        assertThat(history.get(19).error().getString("code")).isEqualTo(JobError.INTERRUPTED);
        assertThat(history.get(19).finishedAt()).isEqualTo(now().plusSeconds(63));
        ctx.completeNow();
      })));
  }

  @Test
  @Timeout(value = 2, timeUnit = TimeUnit.MINUTES)
  default void aSuccessAfterTwentyFailuresIsTheLastOfTheTwentyShown(VertxTestContext ctx) {
    NewJob job = job("alice", 30, 0);
    insert(job)
      .compose(inserted -> failRounds(20))
      .compose(failed -> claimOne(now().plusSeconds(21)))
      .compose(last -> finish(Outcome.succeeded(last, new JsonObject(), now().plusSeconds(22))))
      .compose(succeeded -> store().find(job.id()))
      .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
        List<Job.Run> history = found.history();
        assertThat(history).hasSize(Job.HISTORY);
        assertThat(history.get(0).attempt()).isEqualTo(2);
        assertThat(history.get(19)).isEqualTo(new Job.Run(21, "node-a", now().plusSeconds(21), now().plusSeconds(22), null));
        ctx.completeNow();
      })));
  }

  /** {@code rounds} attempts one after the other, claimed at now + 1 s, + 2 s, ..., each failing to be retried. */
  private Future<Void> failRounds(int rounds) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 1; i <= rounds; i++) {
      int round = i;
      chain = chain
        .compose(v -> claimOne(now().plusSeconds(round)))
        .compose(running -> finish(Outcome.failed(running, JobState.QUEUED, JobError.of("e" + round, "x"), now(), now())).mapEmpty());
    }
    return chain;
  }
}
