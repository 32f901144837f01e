package dev.offload.store;

import dev.offload.jobs.Attempt;
import dev.offload.jobs.CancelResult;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobState;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, reads: listing (newest first per owner, in pages, by state and type, by
 * creation time), stats (active jobs and those that ended since a moment, per state, for an owner
 * or everyone), the queued jobs per type and the running attempts of a type (what the queue gauges
 * and a bounded remote type's claims read), and what a reopen keeps. A job read back as inserted
 * is {@link InsertContract}'s.
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface ReadContract extends StoreFixture {
  @Test
  default void queuedJobsAreCountedPerTypeAndRunningAttemptsPerType(VertxTestContext ctx) {
    JsonObject limit = new JsonObject().put("limit", 10);
    List<NewJob> primes = List.of(
      new NewJob(java.util.UUID.randomUUID(), "alice", "primes", limit, 3, 60, NewJob.DEFAULT_PRIORITY, now(), now(),
        "req-alice", null, null, null),
      new NewJob(java.util.UUID.randomUUID(), "bob", "primes", limit, 3, 60, NewJob.DEFAULT_PRIORITY, now(), now(),
        "req-bob", null, null, null));
    jobs().add("alice", 3).insert()
      .compose(sleeps -> insertAll(primes))
      // A second later: every job is due (each was created a millisecond after the one before).
      .compose(v -> claim("sleep", 2, now().plusSeconds(1)))
      .compose(claimed -> Future.all(store().queuedByType(), store().running("sleep"), store().running("primes")))
      .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
        assertThat(counts.<Map<String, Long>>resultAt(0)).isEqualTo(Map.of("sleep", 1L, "primes", 2L));
        assertThat(counts.<Integer>resultAt(1)).isEqualTo(2);
        assertThat(counts.<Integer>resultAt(2)).isZero();
        ctx.completeNow();
      })));
  }

  @Test
  default void listPagesNewestFirstPerOwner(VertxTestContext ctx) {
    JobSet jobs = jobs().add("alice", 5).add("bob", 1);
    List<NewJob> alice = jobs.of("alice");
    jobs.insert()
      .compose(inserted -> store().list(new JobQuery("alice", null, null, 3, null)))
      .compose(first -> {
        ctx.verify(() -> assertThat(first.items()).extracting(Job::id)
          .containsExactly(alice.get(4).id(), alice.get(3).id(), alice.get(2).id()));
        return store().list(new JobQuery("alice", null, null, 3, first.next()));
      })
      .compose(second -> {
        ctx.verify(() -> {
          assertThat(second.items()).extracting(Job::id).containsExactly(alice.get(1).id(), alice.get(0).id());
          assertThat(second.next()).isNull();
        });
        return store().list(new JobQuery(null, JobState.QUEUED, "sleep", 100, null));
      })
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        assertThat(all.items()).hasSize(6);
        ctx.completeNow();
      })));
  }

  @Test
  default void listingFiltersByCreationTime(VertxTestContext ctx) {
    NewJob early = job("alice", 3, -60_000);
    NewJob middle = job("alice", 3, 0);
    insertAll(List.of(early, middle, job("alice", 3, 60_000)))
      .compose(inserted -> store().list(new JobQuery("alice", null, null, now().minusSeconds(60), now().plusSeconds(60), 10,
        null)))
      .compose(window -> {
        ctx.verify(() -> assertThat(window.items()).extracting(Job::id).containsExactly(middle.id(), early.id()));
        return store().list(new JobQuery("alice", null, null, now().plusMillis(1), null, 10, null));
      })
      .onComplete(ctx.succeeding(since -> ctx.verify(() -> {
        assertThat(since.items()).hasSize(1);
        ctx.completeNow();
      })));
  }

  @Test
  default void statsCountActiveJobsAndThoseThatEndedSinceAMomentPerState(VertxTestContext ctx) {
    JobSet jobs = jobs().maxAttempts(1).add("alice", 6).add("bob", 1);
    List<NewJob> alice = jobs.of("alice");
    jobs.insert()
      // Not fair: alice's four oldest, in order (bob's is newer).
      .compose(inserted -> store().claim("sleep", 4, false, now().plusSeconds(1), "node-a", now().plusSeconds(60)))
      .compose(running -> {
        ctx.verify(() -> assertThat(running).extracting(Attempt::id).containsExactly(alice.get(0).id(),
          alice.get(1).id(), alice.get(2).id(), alice.get(3).id()));
        return finish(
          Outcome.succeeded(running.get(0), new JsonObject(), now().minus(2, ChronoUnit.HOURS)),
          Outcome.succeeded(running.get(1), new JsonObject(), now()),
          Outcome.failed(running.get(2), JobState.FAILED, JobError.of("handler_error", "x"), null, now()));
      })
      .compose(finished -> store().cancel(alice.get(4).id(), "alice"))
      .compose(cancelled -> {
        ctx.verify(() -> assertThat(cancelled.effect()).isEqualTo(CancelResult.Effect.CANCELLED));
        return store().stats("alice", now().minus(1, ChronoUnit.HOURS));
      })
      .compose(stats -> {
        ctx.verify(() -> {
          assertThat(stats.owner()).isEqualTo("alice");
          assertThat(stats.counts()).as("the one that succeeded two hours ago is not recent")
            .containsExactlyInAnyOrderEntriesOf(Map.of(JobState.QUEUED, 1L, JobState.RUNNING, 1L,
            JobState.SUCCEEDED, 1L, JobState.FAILED, 1L, JobState.CANCELLED, 1L));
          assertThat(stats.finishedSince()).isEqualTo(3);
        });
        return store().stats(null, now().minus(1, ChronoUnit.HOURS));
      })
      .compose(everyone -> {
        ctx.verify(() -> {
          assertThat(everyone.owner()).isNull();
          assertThat(everyone.counts()).containsEntry(JobState.QUEUED, 2L).containsEntry(JobState.SUCCEEDED, 1L);
          assertThat(everyone.finishedSince()).isEqualTo(3);
        });
        return store().stats(null, now().minus(3, ChronoUnit.HOURS));
      })
      .compose(longer -> {
        ctx.verify(() -> assertThat(longer.finishedSince()).isEqualTo(4));
        return store().stats("carol", now().minus(1, ChronoUnit.HOURS));
      })
      .onComplete(ctx.succeeding(nobody -> ctx.verify(() -> {
        assertThat(nobody.counts()).hasSize(5).allSatisfy((state, count) -> assertThat(count).isZero());
        assertThat(nobody.finishedSince()).isZero();
        ctx.completeNow();
      })));
  }

  @Test
  default void reopeningKeepsTheJobsAndTheSchema(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    insert(job)
      .compose(inserted -> reopen())
      .compose(reopened -> store().find(job.id()))
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        assertThat(read).isEqualTo(job.toQueuedJob());
        ctx.completeNow();
      })));
  }
}
