package dev.offload.schedules;

import dev.offload.jobs.Job;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobService;
import dev.offload.jobs.NewJob;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Fires the due ticks of every schedule, on each worker node. There is no leader: every node
 * polls, and the store makes each tick one job (a job's schedule and tick are unique per owner),
 * so a tick two nodes fire at once, or that one node fires again after a crash, queues one job.
 * A schedule then moves to its next tick after now: when ticks were missed (every node was down),
 * the first missed one runs once, not once per missed tick.
 */
public final class Scheduler extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  /** The most ticks one poll fires; a full batch is followed by another poll at once. */
  static final int BATCH = 100;

  private final ScheduleStore schedules;
  private final JobService jobs;
  private final JobMetrics metrics;
  private final Clock clock;
  private final long pollMillis;
  private boolean polling;

  /** Fires every {@code pollMillis}, with ticks and "now" read from {@code clock}. */
  public Scheduler(ScheduleStore schedules, JobService jobs, JobMetrics metrics, Clock clock, long pollMillis) {
    this.schedules = schedules;
    this.jobs = jobs;
    this.metrics = metrics;
    this.clock = clock;
    this.pollMillis = pollMillis;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(pollMillis, id -> poll());
    return Future.succeededFuture();
  }

  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    fireDue()
      // The store logs its own outages; a tick not fired now is fired at a later poll.
      .onFailure(err -> LOG.debug("Schedule poll failed: {}", err.toString()))
      .onComplete(done -> {
        polling = false;
        if (done.succeeded() && done.result() == BATCH) {
          context.runOnContext(v -> poll());
        }
      });
  }

  /** Fires the ticks due now; answers how many schedules were due. */
  public Future<Integer> fireDue() {
    Instant now = clock.instant();
    return schedules.due(now, BATCH).compose(due -> {
      List<Future<Boolean>> fired = due.stream().map(schedule -> fire(schedule, now)).toList();
      return Future.join(fired).map(due.size());
    });
  }

  /**
   * Queues the job of the schedule's due tick, then moves the schedule to its next tick. A tick
   * that already has its job (another node, or this one before a crash) or whose job is refused
   * (a quota, the backlog, a job type no longer served) moves on too; one the store could not
   * take (it is down) stays due and is fired at a later poll.
   */
  private Future<Boolean> fire(Schedule schedule, Instant now) {
    return jobs.submitScheduled(schedule.owner(), schedule.job(), new NewJob.Tick(schedule.name(), schedule.nextRunAt()))
      .map(Job::id)
      .onSuccess(id -> metrics.scheduleTick("queued"))
      .recover(err -> {
        if (!(err instanceof JobException refusal) || refusal.kind() == JobException.Kind.UNAVAILABLE) {
          return Future.failedFuture(err);
        }
        if (refusal.kind() == JobException.Kind.CONFLICT) {
          metrics.scheduleTick("duplicate");
        } else {
          metrics.scheduleTick("refused");
          LOG.warn("Schedule '{}' of {}: the job of its tick at {} was refused, and that tick is skipped: {}",
            schedule.name(), schedule.owner(), Job.time(schedule.nextRunAt()), refusal.getMessage());
        }
        return Future.<UUID>succeededFuture(null);
      })
      .compose(jobId -> schedules.advance(schedule, schedule.spec().nextAfter(now), jobId));
  }
}
