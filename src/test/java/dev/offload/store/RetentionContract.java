package dev.offload.store;

import dev.offload.jobs.Attempt;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobState;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, retention: a purge deletes only finished jobs older than the limit, in
 * batches, and leaves the queue's counts ({@code queuedByType}, {@code running}) right.
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface RetentionContract extends StoreFixture {
  @Test
  default void retentionDeletesOnlyFinishedJobsOlderThanTheLimitInBatches(VertxTestContext ctx) {
    JobSet jobs = jobs().add("alice", 5); // the fifth is left running
    NewJob old1 = jobs.get(0);
    NewJob old2 = jobs.get(1);
    NewJob recent = jobs.get(2);
    NewJob queued = jobs.get(3);
    Instant longAgo = now().minusSeconds(3600);
    Instant cutoff = now().minusSeconds(60);
    jobs.insertAndClaim(5)
      .compose(claimed -> {
        Map<UUID, Attempt> byId = new java.util.HashMap<>();
        claimed.forEach(job -> byId.put(job.id(), job));
        return finish(
          Outcome.succeeded(byId.get(old1.id()), new JsonObject(), longAgo),
          Outcome.failed(byId.get(old2.id()), JobState.FAILED, JobError.of("timeout", "t"), null, longAgo),
          Outcome.succeeded(byId.get(recent.id()), new JsonObject(), now()),
          Outcome.failed(byId.get(queued.id()), JobState.QUEUED, JobError.of("timeout", "t"), now(), longAgo));
      })
      .compose(finished -> store().purgeFinished(cutoff, 1))
      .compose(firstBatch -> {
        ctx.verify(() -> assertThat(firstBatch).isEqualTo(1));
        return store().purgeFinished(cutoff, 10);
      })
      .compose(secondBatch -> {
        ctx.verify(() -> assertThat(secondBatch).isEqualTo(1));
        return store().purgeFinished(cutoff, 10);
      })
      .compose(nothingLeft -> {
        ctx.verify(() -> assertThat(nothingLeft).isZero());
        return findAll(jobs.ids());
      })
      .compose(found -> {
        ctx.verify(() -> {
          assertThat(found.get(0)).isNull();
          assertThat(found.get(1)).isNull();
          assertThat(found.get(2).state()).isEqualTo(JobState.SUCCEEDED);
          assertThat(found.get(3).state()).isEqualTo(JobState.QUEUED);
          assertThat(found.get(4).state()).isEqualTo(JobState.RUNNING);
        });
        return store().queuedByType();
      })
      .compose(queuedByType -> {
        ctx.verify(() -> assertThat(queuedByType).isEqualTo(Map.of("sleep", 1L)));
        return Future.all(store().running("sleep"), store().running("primes"));
      })
      .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
        // What a bounded remote type's claims count: its running attempts, on every node.
        assertThat(counts.<Integer>resultAt(0)).isEqualTo(1);
        assertThat(counts.<Integer>resultAt(1)).isZero();
        ctx.completeNow();
      })));
  }
}
