package dev.offload.schedules;

import dev.offload.jobs.Caller;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The use cases behind the schedule routes: create, read, list, pause or resume, and delete a
 * caller's own schedules (a {@code jobs:admin} token sees its own too: schedules are addressed
 * by name, unique per owner). A schedule's job is checked as a submission when it is created.
 */
public final class ScheduleService {
  private final ScheduleStore store;
  private final JobService jobs;
  private final int maxPerOwner;
  private final Clock clock;

  /** {@code clock}: "now", from which ticks are counted (the scheduler's clock). */
  public ScheduleService(ScheduleStore store, JobService jobs, int maxPerOwner, Clock clock) {
    this.store = store;
    this.jobs = jobs;
    this.maxPerOwner = maxPerOwner;
    this.clock = clock;
  }

  /** Stores a new schedule, first due at its next tick. */
  public Future<Schedule> create(Caller caller, JsonObject body) {
    Schedule schedule;
    try {
      ScheduleRequest request = ScheduleRequest.parse(body);
      checkJob(caller, request.job());
      Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      schedule = new Schedule(caller.subject(), request.name(), request.cron(), request.timezone(), request.job(),
        request.paused(), request.spec().nextAfter(now), null, null, now);
    } catch (JobException e) {
      return Future.failedFuture(e);
    }
    return store.create(schedule, maxPerOwner);
  }

  /** The job service's refusal of a schedule's job, with the field it names under {@code /job}. */
  private void checkJob(Caller caller, JsonObject job) {
    try {
      jobs.check(caller, job);
    } catch (JobException e) {
      String detail = e.getMessage();
      String submission = "invalid submission: ";
      if (detail.startsWith(submission + "/")) {
        detail = "/job" + detail.substring(submission.length());
      } else {
        detail = "/job: " + (detail.startsWith(submission) ? detail.substring(submission.length()) : detail);
      }
      throw new JobException(JobException.Kind.INVALID, "invalid schedule: " + detail);
    }
  }

  public Future<Schedule> get(Caller caller, String name) {
    return store.find(caller.subject(), name).compose(found -> found != null ? Future.succeededFuture(found)
      : Future.failedFuture(notFound(name)));
  }

  public Future<List<Schedule>> list(Caller caller) {
    return store.list(caller.subject());
  }

  /** Deletes a schedule; the jobs it queued stay. */
  public Future<Void> delete(Caller caller, String name) {
    return store.delete(caller.subject(), name).compose(deleted -> deleted ? Future.succeededFuture()
      : Future.failedFuture(notFound(name)));
  }

  /**
   * Applies {@code {"paused": true|false}}. A resumed schedule is next due at its first tick from
   * now: the ticks it missed while paused do not run.
   */
  public Future<Schedule> update(Caller caller, String name, JsonObject body) {
    boolean paused;
    try {
      paused = ScheduleRequest.parsePatch(body);
    } catch (JobException e) {
      return Future.failedFuture(e);
    }
    return get(caller, name).compose(schedule -> store.setPaused(caller.subject(), name, paused,
        paused || !schedule.paused() ? null : schedule.spec().nextAfter(clock.instant().truncatedTo(ChronoUnit.MILLIS))))
      .compose(updated -> updated != null ? Future.succeededFuture(updated) : Future.failedFuture(notFound(name)));
  }

  private static JobException notFound(String name) {
    return new JobException(JobException.Kind.NOT_FOUND, "no schedule named '" + name + "'");
  }
}
