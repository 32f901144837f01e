package dev.offload.schedules;

import dev.offload.config.OffloadConfig;
import dev.offload.jobs.Admission;
import dev.offload.jobs.Caller;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobTypes;
import dev.offload.jobs.Lifecycle;
import dev.offload.jobs.NewJob;
import dev.offload.store.PostgresStore;
import dev.offload.store.SqliteStore;
import dev.offload.support.TestPostgres;
import dev.offload.support.TestService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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
  private final List<JobStore> stores = new ArrayList<>();

  @BeforeEach
  void vertx(Vertx vertx) {
    this.vertx = vertx;
  }

  @AfterEach
  void close() {
    stores.forEach(store -> await(store.close()));
    if (schema != null) {
      TestPostgres.drop(vertx, schema);
    }
  }

  @Test
  void twoNodesOnOnePostgresSchemaQueueOneJobPerTick() {
    schema = TestPostgres.freshSchema(vertx);
    Node a = node(await(PostgresStore.open(vertx, TestPostgres.config(schema), 5)));
    Node b = node(await(PostgresStore.open(vertx, TestPostgres.config(schema), 5)));
    Schedule created = await(a.schedules().create(ALICE, EVERY_MINUTE));
    Instant firstTick = clock.instant().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
    assertThat(created.nextRunAt()).isEqualTo(firstTick);

    assertThat(await(Future.all(a.scheduler().fireDue(), b.scheduler().fireDue())).<Integer>list())
      .as("nothing is due before the first tick").containsExactly(0, 0);
    for (int tick = 0; tick < 3; tick++) {
      clock.set(firstTick.plus(tick, ChronoUnit.MINUTES).plusMillis(200));
      await(Future.all(a.scheduler().fireDue(), b.scheduler().fireDue()));
    }

    List<Job> jobs = jobs(a.store());
    assertThat(jobs).hasSize(3).allSatisfy(job -> {
      assertThat(job.scheduleName()).isEqualTo("every-minute");
      assertThat(job.owner()).isEqualTo("alice");
      assertThat(job.type()).isEqualTo("sleep");
    });
    assertThat(a.ticks("queued") + b.ticks("queued")).isEqualTo(3);
    Schedule now = await(b.schedules().get(ALICE, "every-minute"));
    assertThat(now.lastRunAt()).isEqualTo(firstTick.plus(2, ChronoUnit.MINUTES));
    assertThat(now.nextRunAt()).isEqualTo(firstTick.plus(3, ChronoUnit.MINUTES));
    assertThat(jobs.stream().map(Job::id)).contains(now.lastJobId());
  }

  @Test
  void missedTicksRunOnceAndTheScheduleMovesPastNow() {
    Node node = sqliteNode();
    Schedule created = await(node.schedules().create(ALICE, EVERY_MINUTE));

    clock.set(created.nextRunAt().plus(10, ChronoUnit.MINUTES).plusSeconds(30));
    assertThat(await(node.scheduler().fireDue())).isEqualTo(1);
    assertThat(await(node.scheduler().fireDue())).as("nothing more is due").isZero();

    assertThat(jobs(node.store())).hasSize(1);
    assertThat(await(node.schedules().get(ALICE, "every-minute")).nextRunAt())
      .isEqualTo(created.nextRunAt().plus(11, ChronoUnit.MINUTES));
  }

  @Test
  void aPausedScheduleQueuesNothingAndResumesAtItsNextTick() {
    Node node = sqliteNode();
    Schedule created = await(node.schedules().create(ALICE, EVERY_MINUTE));
    Schedule paused = await(node.schedules().update(ALICE, "every-minute", new JsonObject().put("paused", true)));
    assertThat(paused.paused()).isTrue();
    assertThat(paused.toJson().getString("nextRunAt")).as("a paused schedule has no next run").isNull();

    clock.set(created.nextRunAt().plus(5, ChronoUnit.MINUTES).plusSeconds(1));
    assertThat(await(node.scheduler().fireDue())).isZero();
    Schedule resumed = await(node.schedules().update(ALICE, "every-minute", new JsonObject().put("paused", false)));
    assertThat(resumed.nextRunAt()).as("the ticks missed while paused do not run")
      .isEqualTo(created.nextRunAt().plus(6, ChronoUnit.MINUTES));
    assertThat(await(node.scheduler().fireDue())).isZero();
    assertThat(jobs(node.store())).isEmpty();

    clock.set(resumed.nextRunAt().plusSeconds(1));
    assertThat(await(node.scheduler().fireDue())).isEqualTo(1);
    assertThat(jobs(node.store())).hasSize(1);
  }

  @Test
  void aTickWhoseJobIsStoredAlreadyIsNotQueuedAgain() {
    Node node = sqliteNode();
    Schedule created = await(node.schedules().create(ALICE, EVERY_MINUTE));
    // A node that crashed after the tick's job committed and before the schedule moved on.
    Instant at = Instant.now();
    await(node.store().insert(List.of(new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject().put("seconds", 0),
      3, 60, NewJob.DEFAULT_PRIORITY, at, at, null, null, null, new NewJob.Tick("every-minute", created.nextRunAt()))),
      new Admission(1000, 1000)));

    clock.set(created.nextRunAt().plusSeconds(1));
    assertThat(await(node.scheduler().fireDue())).isEqualTo(1);

    assertThat(jobs(node.store())).hasSize(1);
    assertThat(node.ticks("duplicate")).isEqualTo(1);
    assertThat(await(node.schedules().get(ALICE, "every-minute")).nextRunAt())
      .isEqualTo(created.nextRunAt().plus(1, ChronoUnit.MINUTES));
  }

  @Test
  void aTickWhoseJobIsRefusedIsSkipped() {
    Node node = sqliteNode(new JsonObject().put("activeJobsPerOwner", 1).put("rate", new JsonObject().put("enabled", false)));
    Schedule created = await(node.schedules().create(ALICE, EVERY_MINUTE));
    await(node.jobs().submit(ALICE, new JsonObject().put("type", "sleep").put("input", new JsonObject().put("seconds", 60)),
      null, null));

    clock.set(created.nextRunAt().plusSeconds(1));
    assertThat(await(node.scheduler().fireDue())).isEqualTo(1);

    assertThat(jobs(node.store())).extracting(Job::scheduleName).containsOnlyNulls();
    assertThat(node.ticks("refused")).isEqualTo(1);
    assertThat(await(node.schedules().get(ALICE, "every-minute")).nextRunAt())
      .isEqualTo(created.nextRunAt().plus(1, ChronoUnit.MINUTES));
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

  private List<Job> jobs(JobStore store) {
    return await(store.list(new JobQuery("alice", null, null, 100, null))).items();
  }

  private Node sqliteNode() {
    return sqliteNode(null);
  }

  private Node sqliteNode(JsonObject limits) {
    JsonObject config = TestService.baseConfig(dir);
    if (limits != null) {
      config.put("limits", limits);
    }
    OffloadConfig settings = OffloadConfig.from(config, Map.of());
    await(vertx.fileSystem().mkdirs(dir.toString()));
    return node(await(SqliteStore.open(vertx, settings.store())), settings);
  }

  private Node node(JobStore store) {
    return node(store, OffloadConfig.from(TestService.baseConfig(dir), Map.of()));
  }

  private Node node(JobStore store, OffloadConfig settings) {
    stores.add(store);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    JobMetrics metrics = new JobMetrics(registry);
    JobService jobs = new JobService(vertx, store, JobTypes.load(settings), settings, metrics, new Lifecycle(),
      new JobEvents(vertx), null);
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
