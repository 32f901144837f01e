package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.HandOff;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobState;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The store contract, insert: what a submission stores, and what it is refused for. Admission
 * (an owner's quota, the backlog, a batch whole or not at all, concurrent submissions one by one,
 * the backlog counter through every move in and out of the queue), a job read back as inserted,
 * and a hand-off at insert (a job stored already running on the node that took it).
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface InsertContract extends StoreFixture {
  @Test
  default void insertedJobsAreQueuedAndReadBack(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    insert(job)
      .compose(inserted -> store().find(job.id()))
      .compose(read -> {
        ctx.verify(() -> assertThat(read).isEqualTo(job.toQueuedJob()));
        return store().find(UUID.randomUUID());
      })
      .onComplete(ctx.succeeding(missing -> ctx.verify(() -> {
        assertThat(missing).isNull();
        ctx.completeNow();
      })));
  }

  /** A submission with a hand-off is stored already running as its first attempt; its outcome is written as a claimed one's. */
  @Test
  default void anInsertWithAHandOffStartsTheJobItStores(VertxTestContext ctx) {
    NewJob job = job("alice", 3, 0);
    HandOff handOff = new HandOff("node-a", now().plusMillis(5), now().plusSeconds(30));
    store().insert(List.of(job), ROOMY, handOff)
      .compose(insertion -> {
        ctx.verify(() -> {
          assertThat(insertion.refusal()).isNull();
          assertThat(insertion.started()).extracting(Attempt::id, Attempt::attempt).containsExactly(tuple(job.id(), 1));
        });
        return store().find(job.id()).map(read -> {
          ctx.verify(() -> {
            assertThat(read.state()).isEqualTo(JobState.RUNNING);
            assertThat(read.attempts()).isEqualTo(1);
            assertThat(read.startedAt()).isEqualTo(handOff.startedAt());
          });
          return insertion.started().get(0);
        });
      })
      // Nothing is left to claim; the attempt's outcome is fenced as any claimed attempt's.
      .compose(attempt -> claim("sleep", 10, now()).compose(none -> {
        ctx.verify(() -> assertThat(none).isEmpty());
        return finish(Outcome.succeeded(attempt, new JsonObject().put("ok", true), now().plusSeconds(1)));
      }))
      .compose(v -> store().find(job.id()))
      .onComplete(ctx.succeeding(done -> ctx.verify(() -> {
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.result()).isEqualTo(new JsonObject().put("ok", true));
        ctx.completeNow();
      })));
  }

  /** A refused submission with a hand-off stores nothing and starts nothing. */
  @Test
  default void aRefusedInsertWithAHandOffStartsNothing(VertxTestContext ctx) {
    NewJob first = job("alice", 3, 0);
    NewJob overQuota = job("alice", 3, 1);
    HandOff handOff = new HandOff("node-a", now(), now().plusSeconds(30));
    insert(first)
      .compose(v -> store().insert(List.of(overQuota), new Admission(1000, 1), handOff))
      .compose(insertion -> {
        ctx.verify(() -> {
          assertThat(insertion.refusal().kind()).isEqualTo(JobException.Kind.QUOTA);
          assertThat(insertion.started()).isEmpty();
        });
        return store().find(overQuota.id());
      })
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        assertThat(read).isNull();
        ctx.completeNow();
      })));
  }

  @Test
  default void aBatchIsAdmittedWholeOrNotAtAll(VertxTestContext ctx) {
    List<NewJob> overQuota = jobs().add("alice", 2).all();
    List<NewJob> overBacklog = jobs().add("bob", 3).all();
    List<NewJob> fits = jobs().add("bob", 2).all();
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
        return store().list(new JobQuery("bob", null, null, 10, null));
      })
      .onComplete(ctx.succeeding(page -> ctx.verify(() -> {
        assertThat(page.items()).extracting(Job::id).containsExactly(fits.get(1).id(), fits.get(0).id());
        ctx.completeNow();
      })));
  }

  @Test
  default void concurrentSubmissionsInOneTransactionAreAdmittedOneByOne(VertxTestContext ctx) {
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

  @Test
  default void theBacklogCounterFollowsEveryMoveInAndOutOfTheQueue(VertxTestContext ctx) {
    Admission backlogOfThree = new Admission(3, 1000);
    NewJob a = job("alice", 2, 0);
    NewJob b = job("alice", 2, 1);
    AtomicReference<Attempt> running = new AtomicReference<>();
    insertAll(List.of(a, b, job("alice", 2, 2)))
      .compose(inserted -> admit(List.of(job("bob", 3, 3)), backlogOfThree))
      .compose(full -> {
        ctx.verify(() -> assertThat(full.kind()).isEqualTo(JobException.Kind.BACKLOG));
        // Claimed (out), retried (in), cancelled while queued (out): room for exactly one more each time.
        return claimOne(now().plusSeconds(1));
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
        return store().cancel(b.id(), null);
      })
      .compose(cancelled -> admit(List.of(job("bob", 3, 6)), backlogOfThree))
      .compose(afterCancel -> {
        ctx.verify(() -> assertThat(afterCancel).isNull());
        return finish(Outcome.failed(running.get(), JobState.QUEUED, JobError.of("timeout", "t"), now(), now()));
      })
      .compose(retried -> admit(List.of(job("bob", 3, 7)), backlogOfThree))
      .compose(afterRetry -> {
        ctx.verify(() -> assertThat(afterRetry).isNotNull());
        return claim("sleep", 10, now().plusSeconds(10));
      })
      .compose(emptied -> admit(jobs().add("bob", 4).all(), backlogOfThree))
      .compose(four -> {
        ctx.verify(() -> assertThat(four.kind()).as("four do not fit an empty backlog of three")
          .isEqualTo(JobException.Kind.BACKLOG));
        return admit(jobs().add("bob", 3).all(), backlogOfThree);
      })
      .onComplete(ctx.succeeding(three -> ctx.verify(() -> {
        assertThat(three).isNull();
        ctx.completeNow();
      })));
  }

  private static List<NewJob> concat(List<NewJob> a, List<NewJob> b) {
    List<NewJob> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
