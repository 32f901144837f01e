package dev.offload.schedules;

import dev.offload.config.OffloadConfig;
import dev.offload.jobs.Admission;
import dev.offload.jobs.Caller;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobPage;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobTypes;
import dev.offload.jobs.Lifecycle;
import dev.offload.jobs.NewJob;
import dev.offload.store.PostgresStore;
import dev.offload.store.SqlJobStore;
import dev.offload.store.SqliteStore;
import dev.offload.support.TestPostgres;
import dev.offload.support.TestService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.CompositeFuture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schedules fire on a clock the test moves: one job per tick with two nodes on one PostgreSQL
 * schema, one job for a run of missed ticks, none while paused, none twice after a crash.
 */
@ExtendWith(VertxExtension.class)
class SchedulerTest {
  private static final Caller ALICE = new Caller("alice", false);
  private static final JsonObject EVERY_MINUTE = new JsonObject().put("name", "every-minute").put("cron", "* * * * *")
    .put("job", new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 0)));

  @TempDir
  Path dir;
  private Vertx vertx;
  private String schema;
  private final TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(10));
  /** The first tick of a schedule created at the start: the next minute on the test's clock. */
  private final Instant firstTick = clock.instant().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
  private final List<JobStore> stores = new ArrayList<>();
  /** The node a test runs, and the second node on the same store (PostgreSQL only); set by its chain's first step. */
  private Node node;
  private Node peer;

  @BeforeEach
  void vertx(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Blocking on purpose: after a failed test, VertxExtension does not wait for an {@code @AfterEach}
   * that takes a VertxTestContext, and the stores must be closed and the schema dropped all the same.
   */
  @AfterEach
  void close() {
    stores.forEach(store -> await(store.close()));
    if (schema != null) {
      TestPostgres.drop(vertx, schema);
    }
  }

  @Test
  void twoNodesOnOnePostgresSchemaQueueOneJobPerTick(VertxTestContext ctx) {
    schema = TestPostgres.freshSchema(vertx); // blocking: skips the test when there is no PostgreSQL server
    int ticks = 3;
    Checkpoint tickedOnce = ctx.checkpoint(ticks);
    Checkpoint verified = ctx.checkpoint();
    PostgresStore.open(vertx, TestPostgres.config(schema), 5)
      .compose(a -> {
        node = node(a);
        return PostgresStore.open(vertx, TestPostgres.config(schema), 5);
      })
      .compose(b -> {
        peer = node(b);
        return node.schedules().create(ALICE, EVERY_MINUTE);
      })
      .compose(created -> {
        ctx.verify(() -> assertThat(created.nextRunAt()).isEqualTo(firstTick));
        return Future.all(node.scheduler().fireDue(), peer.scheduler().fireDue());
      })
      .compose(fired -> {
        ctx.verify(() -> assertThat(fired.<Integer>list()).as("nothing is due before the first tick")
          .containsExactly(0, 0));
        return tickOnBothNodes(firstTick.plusMillis(200), tickedOnce, ctx);
      })
      .compose(v -> tickOnBothNodes(firstTick.plus(1, ChronoUnit.MINUTES).plusMillis(200), tickedOnce, ctx))
      .compose(v -> tickOnBothNodes(firstTick.plus(2, ChronoUnit.MINUTES).plusMillis(200), tickedOnce, ctx))
      .compose(v -> Future.all(jobs(node.store()), peer.schedules().get(ALICE, "every-minute")))
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        List<Job> jobs = read.resultAt(0);
        Schedule now = read.resultAt(1);
        assertThat(jobs).hasSize(ticks).allSatisfy(job -> {
          assertThat(job.scheduleName()).isEqualTo("every-minute");
          assertThat(job.owner()).isEqualTo("alice");
          assertThat(job.type()).isEqualTo("sleep");
        });
        assertThat(queuedTicks()).isEqualTo(ticks);
        assertThat(now.lastRunAt()).isEqualTo(firstTick.plus(2, ChronoUnit.MINUTES));
        assertThat(now.nextRunAt()).isEqualTo(firstTick.plus(3, ChronoUnit.MINUTES));
        assertThat(jobs.stream().map(Job::id)).contains(now.lastJobId());
        verified.flag();
      })));
  }

  /** Moves the clock to {@code at} and fires on both nodes at once: the tick queues one job between them. */
  private Future<Void> tickOnBothNodes(Instant at, Checkpoint tickedOnce, VertxTestContext ctx) {
    long queuedBefore = queuedTicks();
    clock.set(at);
    return Future.all(node.scheduler().fireDue(), peer.scheduler().fireDue()).map(fired -> {
      ctx.verify(() -> {
        assertThat(queuedTicks() - queuedBefore).as("jobs queued by the tick due before %s", at).isEqualTo(1);
        tickedOnce.flag();
      });
      return null;
    });
  }

  /**
   * One SQLite node (with {@code limits}, or the defaults when null) with the every-minute
   * schedule created on it, whose first run is the next minute.
   */
  private Future<Schedule> everyMinuteOnOneNode(VertxTestContext ctx, JsonObject limits) {
    return sqliteNode(limits)
      .compose(opened -> {
        node = opened;
        return node.schedules().create(ALICE, EVERY_MINUTE);
      })
      .map(created -> {
        ctx.verify(() -> assertThat(created.nextRunAt()).isEqualTo(firstTick));
        return created;
      });
  }

  /** Fires just after the first tick (one schedule due), then reads the node's jobs (0) and the schedule (1). */
  private Future<CompositeFuture> fireTheFirstTick(VertxTestContext ctx) {
    clock.set(firstTick.plusSeconds(1));
    return node.scheduler().fireDue().compose(fired -> {
      ctx.verify(() -> assertThat(fired).isEqualTo(1));
      return Future.all(jobs(node.store()), node.schedules().get(ALICE, "every-minute"));
    });
  }

  private long queuedTicks() {
    return node.ticks("queued") + peer.ticks("queued");
  }

  @Test
  void missedTicksRunOnceAndTheScheduleMovesPastNow(VertxTestContext ctx) {
    everyMinuteOnOneNode(ctx, null)
      .compose(created -> {
        clock.set(firstTick.plus(10, ChronoUnit.MINUTES).plusSeconds(30));
        return node.scheduler().fireDue();
      })
      .compose(fired -> {
        ctx.verify(() -> assertThat(fired).isEqualTo(1));
        return node.scheduler().fireDue();
      })
      .compose(fired -> {
        ctx.verify(() -> assertThat(fired).as("nothing more is due").isZero());
        return Future.all(jobs(node.store()), node.schedules().get(ALICE, "every-minute"));
      })
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        assertThat(read.<List<Job>>resultAt(0)).hasSize(1);
        assertThat(read.<Schedule>resultAt(1).nextRunAt()).isEqualTo(firstTick.plus(11, ChronoUnit.MINUTES));
        ctx.completeNow();
      })));
  }

  @Test
  void aPausedScheduleQueuesNothingAndResumesAtItsNextTick(VertxTestContext ctx) {
    Instant resumesAt = firstTick.plus(6, ChronoUnit.MINUTES);
    everyMinuteOnOneNode(ctx, null)
      .compose(created -> {
        return node.schedules().update(ALICE, "every-minute", new JsonObject().put("paused", true));
      })
      .compose(paused -> {
        ctx.verify(() -> {
          assertThat(paused.paused()).isTrue();
          assertThat(paused.toJson().getString("nextRunAt")).as("a paused schedule has no next run").isNull();
        });
        clock.set(firstTick.plus(5, ChronoUnit.MINUTES).plusSeconds(1));
        return node.scheduler().fireDue();
      })
      .compose(fired -> {
        ctx.verify(() -> assertThat(fired).isZero());
        return node.schedules().update(ALICE, "every-minute", new JsonObject().put("paused", false));
      })
      .compose(resumed -> {
        ctx.verify(() -> assertThat(resumed.nextRunAt()).as("the ticks missed while paused do not run")
          .isEqualTo(resumesAt));
        return node.scheduler().fireDue();
      })
      .compose(fired -> {
        ctx.verify(() -> assertThat(fired).isZero());
        return jobs(node.store());
      })
      .compose(jobs -> {
        ctx.verify(() -> assertThat(jobs).isEmpty());
        clock.set(resumesAt.plusSeconds(1));
        return node.scheduler().fireDue();
      })
      .compose(fired -> {
        ctx.verify(() -> assertThat(fired).isEqualTo(1));
        return jobs(node.store());
      })
      .onComplete(ctx.succeeding(jobs -> ctx.verify(() -> {
        assertThat(jobs).hasSize(1);
        ctx.completeNow();
      })));
  }

  @Test
  void aTickWhoseJobIsStoredAlreadyIsNotQueuedAgain(VertxTestContext ctx) {
    everyMinuteOnOneNode(ctx, null)
      .compose(created -> {
        // A node that crashed after the tick's job committed and before the schedule moved on.
        Instant at = Instant.now();
        return node.store().insert(List.of(new NewJob(UUID.randomUUID(), "alice", "sleep",
          new JsonObject().put("seconds", 0), 3, 60, NewJob.DEFAULT_PRIORITY, at, at, null, null, null,
          new NewJob.Tick("every-minute", firstTick))), new Admission(1000, 1000));
      })
      .compose(stored -> fireTheFirstTick(ctx))
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        assertThat(read.<List<Job>>resultAt(0)).hasSize(1);
        assertThat(node.ticks("duplicate")).isEqualTo(1);
        assertThat(read.<Schedule>resultAt(1).nextRunAt()).isEqualTo(firstTick.plus(1, ChronoUnit.MINUTES));
        ctx.completeNow();
      })));
  }

  @Test
  void aTickWhoseJobIsRefusedIsSkipped(VertxTestContext ctx) {
    everyMinuteOnOneNode(ctx, new JsonObject().put("activeJobsPerOwner", 1).put("rate", new JsonObject().put("enabled", false)))
      // Alice's one active job: the tick's job is over her quota.
      .compose(created -> node.jobs().submit(ALICE, new JsonObject().put("type", "sleep")
        .put("input", new JsonObject().put("seconds", 60)), null, null))
      .compose(submitted -> fireTheFirstTick(ctx))
      .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
        assertThat(read.<List<Job>>resultAt(0)).extracting(Job::scheduleName).containsOnlyNulls();
        assertThat(node.ticks("refused")).isEqualTo(1);
        assertThat(read.<Schedule>resultAt(1).nextRunAt()).isEqualTo(firstTick.plus(1, ChronoUnit.MINUTES));
        ctx.completeNow();
      })));
  }

  @Test
  void ticksFollowTheScheduleTimeZoneAcrossDaylightSaving() {
    CronSpec paris = CronSpec.parse("0 3 * * *", "Europe/Paris");
    // 2026-10-25: Paris leaves summer time (UTC+2 -> UTC+1) at 03:00.
    assertThat(paris.nextAfter(Instant.parse("2026-10-24T12:00:00Z"))).isEqualTo(Instant.parse("2026-10-25T02:00:00Z"));
    assertThat(paris.nextAfter(Instant.parse("2026-10-25T12:00:00Z"))).isEqualTo(Instant.parse("2026-10-26T02:00:00Z"));
    assertThat(CronSpec.parse("*/15 9-17 * * 1-5", "UTC").nextAfter(Instant.parse("2026-12-05T10:00:00Z")))
      .as("Saturday: the next weekday").isEqualTo(Instant.parse("2026-12-07T09:00:00Z"));
  }

  private Future<List<Job>> jobs(JobStore store) {
    return store.list(new JobQuery("alice", null, null, 100, null)).map(JobPage::items);
  }

  /** A node on a SQLite store in the test's directory; {@code limits} replace the base config's when not null. */
  private Future<Node> sqliteNode(JsonObject limits) {
    JsonObject config = TestService.baseConfig(dir);
    if (limits != null) {
      config.put("limits", limits);
    }
    OffloadConfig settings = OffloadConfig.from(config, Map.of());
    return vertx.fileSystem().mkdirs(dir.toString())
      .compose(v -> SqliteStore.open(vertx, settings.store()))
      .map(store -> node(store, settings));
  }

  private Node node(SqlJobStore store) {
    return node(store, OffloadConfig.from(TestService.baseConfig(dir), Map.of()));
  }

  private Node node(SqlJobStore store, OffloadConfig settings) {
    stores.add(store);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    JobMetrics metrics = new JobMetrics(registry);
    JobService jobs = new JobService(vertx, store, JobTypes.load(settings), settings, metrics, new Lifecycle(),
      new JobEvents(vertx), null, null);
    return new Node(store, jobs, new ScheduleService(store.schedules(), jobs, 100, clock),
      new Scheduler(store.schedules(), jobs, metrics, clock, 1000), registry);
  }

  private record Node(JobStore store, JobService jobs, ScheduleService schedules, Scheduler scheduler,
                      SimpleMeterRegistry registry) {
    long ticks(String outcome) {
      var counter = registry.find("offload.schedules.ticks").tag("outcome", outcome).counter();
      return counter == null ? 0 : (long) counter.count();
    }
  }

  /** A clock the test sets. */
  private static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
