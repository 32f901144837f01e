package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobState;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, claim: which queued jobs a claim takes, in which order. The oldest due
 * first, up to the claim's max, each claim an attempt; higher priorities first; a delayed job or
 * a retry in its backoff not before its time, and delayed jobs of a higher priority not hiding due
 * ones; fair claims taking turns between owners, with 100,000 jobs queued for one of them (the
 * backlog written by the store's own SQL: {@link StoreFixture#queueBacklog}).
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface ClaimContract extends StoreFixture {
  @Test
  default void claimTakesTheOldestDueJobsUpToTheMaxAndCountsAnAttempt(VertxTestContext ctx) {
    NewJob older = job("alice", 3, 0);
    NewJob newer = job("alice", 3, 5);
    insertAll(List.of(older, newer, job("alice", 3, 10)))
      .compose(inserted -> claim("sleep", 2, now().plusSeconds(1)))
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
        return claim("primes", 10, now().plusSeconds(1));
      })
      .onComplete(ctx.succeeding(primes -> ctx.verify(() -> {
        assertThat(primes).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  default void aRetryIsNotClaimedBeforeItsBackoffIsOver(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    insertAndClaim(job)
      .compose(running -> finish(Outcome.failed(running, JobState.QUEUED, JobError.of("handler_error", "x"),
        now().plusSeconds(10), now())))
      .compose(failed -> claim("sleep", 1, now().plusSeconds(9)))
      .compose(early -> {
        ctx.verify(() -> assertThat(early).isEmpty());
        return claim("sleep", 1, now().plusSeconds(10));
      })
      .onComplete(ctx.succeeding(due -> ctx.verify(() -> {
        assertThat(due).extracting(Attempt::id).containsExactly(job.id());
        ctx.completeNow();
      })));
  }

  @Test
  default void aDelayedJobIsClaimedAtItsTimeAndNotBefore(VertxTestContext ctx) {
    NewJob later = scheduled("alice", 5, now().plusSeconds(60));
    insert(later)
      .compose(inserted -> store().find(later.id()))
      .compose(read -> {
        ctx.verify(() -> assertThat(read.runAt()).isEqualTo(now().plusSeconds(60)));
        return claimIds(10, true, now().plusSeconds(59));
      })
      .compose(fairEarly -> {
        ctx.verify(() -> assertThat(fairEarly).isEmpty());
        return claimIds(10, false, now().plusMillis(59_999));
      })
      .compose(unfairEarly -> {
        ctx.verify(() -> assertThat(unfairEarly).isEmpty());
        return claimIds(10, true, now().plusSeconds(60));
      })
      .onComplete(ctx.succeeding(due -> ctx.verify(() -> {
        assertThat(due).containsExactly(later.id());
        ctx.completeNow();
      })));
  }

  @Test
  default void higherPrioritiesAreClaimedFirstThenTheOldest(VertxTestContext ctx) {
    NewJob low = scheduled("alice", 1, now());
    NewJob high = scheduled("alice", 9, now().plusMillis(2));
    NewJob middle = scheduled("alice", 5, now().plusMillis(1));
    NewJob highLater = scheduled("alice", 9, now().plusMillis(3));
    Instant at = now().plusSeconds(1);
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
        return store().requeue("node-a", now());
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
  default void delayedJobsOfAHigherPriorityDoNotHideDueOnes(VertxTestContext ctx) {
    JobSet delayed = jobs().priority(9).runAt(now().plusSeconds(3600)).add("alice", 50);
    NewJob due = scheduled("alice", 0, now());
    delayed.insert()
      .compose(inserted -> insert(due))
      .compose(inserted -> claimIds(5, false, now().plusSeconds(1)))
      .onComplete(ctx.succeeding(claimed -> ctx.verify(() -> {
        assertThat(claimed).containsExactly(due.id());
        ctx.completeNow();
      })));
  }

  @Test
  @Timeout(value = 2, timeUnit = TimeUnit.MINUTES)
  default void aFairClaimServesAnotherOwnersJobWhileOneOwnerHasAHundredThousandQueued(VertxTestContext ctx) {
    Admission huge = new Admission(200_000, 200_000);
    // The backlog is written by one SQL statement: the claims are under test here, not the insert path.
    Future<Void> chain = queueBacklog("alice", 100_000, now().minusSeconds(60));
    NewJob bobs = scheduled("bob", 5, now());
    NewJob bobsNext = scheduled("bob", 5, now());
    Instant at = now().plusSeconds(1);
    List<UUID> twoTurns = new ArrayList<>();
    chain
      .compose(v -> store().insert(List.of(bobs), huge))
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
        return store().insert(List.of(bobsNext), huge);
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

  /** A job due at {@code runAt}, of {@code priority}, created now. */
  private NewJob scheduled(String owner, int priority, Instant runAt) {
    return new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), 3, 60, priority, runAt,
      now(), "req-" + owner, null, null, null);
  }

  private Future<List<UUID>> claimIds(int max, boolean fair, Instant at) {
    return store().claim("sleep", max, fair, at, "node-a", at.plusSeconds(30))
      .map(claimed -> claimed.stream().map(Attempt::id).toList());
  }
}
