package dev.offload.schedules;

import dev.offload.jobs.JobException;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v1/schedules}: {@code {"name", "cron", "timezone"?, "job", "paused"?}},
 * read strictly (unknown properties, wrong types and bad values are refused, naming the field).
 * The job is a submission, checked by the job service; the name goes into URLs, so it is kept to
 * letters, digits, '.', '_' and '-'.
 */
record ScheduleRequest(String name, String cron, String timezone, CronSpec spec, JsonObject job, boolean paused) {
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> FIELDS = Set.of("name", "cron", "timezone", "job", "paused");

  static ScheduleRequest parse(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw invalid("property '" + field + "' is not allowed");
      }
    }
    if (!(body.getValue("name") instanceof String name) || !NAME.matcher(name).matches()) {
      throw invalid(body.containsKey("name") ? "/name: must be 1 to 64 letters, digits, '.', '_' or '-', "
        + "starting with a letter or digit" : "required property 'name' not found");
    }
    if (!(body.getValue("cron") instanceof String cron)) {
      throw invalid(body.containsKey("cron") ? "/cron: must be a string" : "required property 'cron' not found");
    }
    Object zone = body.getValue("timezone", "UTC");
    if (!(zone instanceof String timezone)) {
      throw invalid("/timezone: must be a string");
    }
    if (!(body.getValue("job") instanceof JsonObject job)) {
      throw invalid(body.containsKey("job") ? "/job: must be an object (a job submission)"
        : "required property 'job' not found");
    }
    if (job.containsKey("runAt")) {
      throw invalid("/job/runAt: a schedule's job runs at each tick; use delaySeconds to run it later");
    }
    return new ScheduleRequest(name, cron, timezone, CronSpec.parse(cron, timezone), job, paused(body));
  }

  /** The body of {@code PATCH /api/v1/schedules/{name}}: {@code {"paused": true|false}}. */
  static boolean parsePatch(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!field.equals("paused")) {
        throw invalid("property '" + field + "' is not allowed (only 'paused' can change; to change the rest, "
          + "delete the schedule and create it again)");
      }
    }
    if (!body.containsKey("paused")) {
      throw invalid("required property 'paused' not found");
    }
    return paused(body);
  }

  private static boolean paused(JsonObject body) {
    Object paused = body.getValue("paused", false);
    if (!(paused instanceof Boolean value)) {
      throw invalid("/paused: must be true or false");
    }
    return value;
  }

  private static JobException invalid(String problem) {
    return new JobException(JobException.Kind.INVALID, "invalid schedule: " + problem);
  }
}
