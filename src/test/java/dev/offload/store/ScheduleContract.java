package dev.offload.store;

import dev.offload.jobs.JobException;
import dev.offload.jobs.NewJob;
import dev.offload.schedules.Schedule;
import dev.offload.schedules.ScheduleStore;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract, schedules: kept per owner and name (a conflict, the per-owner quota, list,
 * find, delete); the due ones found, moved past their tick once (by one node of several), paused
 * and resumed; and at most one job per schedule tick and owner.
 *
 * <p>Run on every store through {@link JobStoreContract}.
 */
interface ScheduleContract extends StoreFixture {
  @Test
  default void schedulesAreKeptPerOwnerAndName(VertxTestContext ctx) {
    ScheduleStore schedules = schedules();
    schedules.create(schedule("alice", "nightly", now()), 2)
      .compose(nightly -> {
        ctx.verify(() -> assertThat(nightly).isEqualTo(schedule("alice", "nightly", now())));
        return schedules.create(schedule("bob", "nightly", now()), 2);
      })
      .compose(bobs -> refused(schedules.create(schedule("alice", "nightly", now()), 2)))
      .compose(conflict -> {
        ctx.verify(() -> assertThat(conflict.kind()).isEqualTo(JobException.Kind.CONFLICT));
        return schedules.create(schedule("alice", "hourly", now()), 2);
      })
      .compose(hourly -> refused(schedules.create(schedule("alice", "weekly", now()), 2)))
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
  default void aScheduleMovesPastItsTickOnce(VertxTestContext ctx) {
    ScheduleStore schedules = schedules();
    UUID jobId = UUID.randomUUID();
    AtomicReference<List<Schedule>> due = new AtomicReference<>();
    schedules.create(schedule("alice", "late", now().minusSeconds(120)), 10)
      .compose(late -> schedules.create(schedule("alice", "due", now()), 10))
      .compose(onTime -> schedules.create(schedule("alice", "later", now().plusSeconds(60)), 10))
      .compose(later -> schedules.due(now(), 10))
      .compose(found -> {
        due.set(found);
        ctx.verify(() -> assertThat(found).extracting(Schedule::name).containsExactly("late", "due"));
        return schedules.advance(found.get(0), now().plusSeconds(60), jobId);
      })
      .compose(advanced -> {
        ctx.verify(() -> assertThat(advanced).isTrue());
        return schedules.advance(due.get().get(0), now().plusSeconds(60), null);
      })
      .compose(tooLate -> {
        ctx.verify(() -> assertThat(tooLate).as("a second node, too late").isFalse());
        return schedules.find("alice", "late");
      })
      .compose(moved -> {
        ctx.verify(() -> {
          assertThat(moved.nextRunAt()).isEqualTo(now().plusSeconds(60));
          assertThat(moved.lastRunAt()).isEqualTo(now().minusSeconds(120));
          assertThat(moved.lastJobId()).isEqualTo(jobId);
        });
        return schedules.setPaused("alice", "due", true, null);
      })
      .compose(paused -> {
        ctx.verify(() -> assertThat(paused.paused()).isTrue());
        return schedules.due(now(), 10);
      })
      .compose(nothingDue -> {
        ctx.verify(() -> assertThat(nothingDue).isEmpty());
        return schedules.setPaused("alice", "due", false, now().plusSeconds(120));
      })
      .compose(resumed -> {
        ctx.verify(() -> {
          assertThat(resumed.paused()).isFalse();
          assertThat(resumed.nextRunAt()).isEqualTo(now().plusSeconds(120));
        });
        return schedules.setPaused("alice", "none", true, null);
      })
      .onComplete(ctx.succeeding(none -> ctx.verify(() -> {
        assertThat(none).isNull();
        ctx.completeNow();
      })));
  }

  @Test
  default void aScheduleTickHasOneJobPerOwner(VertxTestContext ctx) {
    Instant tick = now().truncatedTo(ChronoUnit.MINUTES);
    NewJob first = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now(), now(), "r", null,
      null, new NewJob.Tick("nightly", tick));
    NewJob again = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now(), now(), "r", null,
      null, new NewJob.Tick("nightly", tick));
    insert(first)
      .compose(inserted -> store().insert(List.of(again), ROOMY))
      .compose(duplicate -> {
        ctx.verify(() -> assertThat(duplicate.refusal().kind()).isEqualTo(JobException.Kind.CONFLICT));
        return store().find(again.id());
      })
      .compose(notStored -> {
        ctx.verify(() -> assertThat(notStored).isNull());
        return store().find(first.id());
      })
      .compose(stored -> {
        ctx.verify(() -> assertThat(stored.scheduleName()).isEqualTo("nightly"));
        return insert(new NewJob(UUID.randomUUID(), "bob", "sleep", new JsonObject(), 3, 60, 5, now(), now(), "r", null,
          null, new NewJob.Tick("nightly", tick)));
      })
      .compose(anotherOwners -> insert(new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject(), 3, 60, 5, now(),
        now(), "r", null, null, new NewJob.Tick("nightly", tick.plusSeconds(60)))))
      .onComplete(ctx.succeeding(nextTick -> ctx.completeNow()));
  }

  private Schedule schedule(String owner, String name, Instant next) {
    return new Schedule(owner, name, "* * * * *", "UTC", new JsonObject().put("type", "sleep"), false, next, null, null,
      now());
  }
}
