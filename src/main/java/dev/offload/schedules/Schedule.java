package dev.offload.schedules;

import dev.offload.jobs.Job;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * A recurring schedule: at every tick of {@code cron} (in {@code timezone}), one job of the
 * submission {@code job} for {@code owner}, unless {@code paused}. {@code nextRunAt} is the tick
 * due next; {@code lastRunAt} the last tick that fired, and {@code lastJobId} the job it queued
 * (null until then; a tick whose job was refused leaves the job id of an earlier one).
 */
public record Schedule(String owner, String name, String cron, String timezone, JsonObject job, boolean paused,
                       Instant nextRunAt, Instant lastRunAt, UUID lastJobId, Instant createdAt) {

  public Schedule {
    job = job.copy();
  }

  @Override
  public JsonObject job() {
    return job.copy();
  }

  public CronSpec spec() {
    return CronSpec.parse(cron, timezone);
  }

  /** The schedule as the API shows it. */
  public JsonObject toJson() {
    return new JsonObject()
      .put("name", name)
      .put("owner", owner)
      .put("cron", cron)
      .put("timezone", timezone)
      .put("job", job.copy())
      .put("paused", paused)
      .put("nextRunAt", paused ? null : Job.time(nextRunAt))
      .put("lastRunAt", Job.time(lastRunAt))
      .put("lastJobId", lastJobId == null ? null : lastJobId.toString())
      .put("createdAt", Job.time(createdAt));
  }
}
