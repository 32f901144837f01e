package dev.offload.schedules;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.offload.jobs.JobException;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * When a schedule ticks: a 5-field UNIX cron expression (minute, hour, day of month, month, day
 * of week) read in an IANA time zone, so that "0 3 * * *" in Europe/Paris stays at 03:00 local
 * time across daylight-saving changes. Parsing and tick arithmetic are cron-utils'.
 */
public final class CronSpec {
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  /** Longer than any cron expression or zone id a person writes. */
  private static final int MAX_LENGTH = 128;

  private final ExecutionTime ticks;
  private final ZoneId zone;

  private CronSpec(ExecutionTime ticks, ZoneId zone) {
    this.ticks = ticks;
    this.zone = zone;
  }

  /** Reads both; throws an {@link JobException.Kind#INVALID} refusal naming {@code /cron} or {@code /timezone}. */
  public static CronSpec parse(String cron, String timezone) {
    return new CronSpec(ExecutionTime.forCron(cron(cron)), zone(timezone));
  }

  private static Cron cron(String cron) {
    String example = "5 fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * *'";
    if (cron == null || cron.isBlank() || cron.length() > MAX_LENGTH) {
      throw invalid("/cron: must be a cron expression of " + example);
    }
    if (cron.trim().split("\\s+").length != 5) {
      throw invalid("/cron: must have " + example + "; '" + cron + "' has " + cron.trim().split("\\s+").length);
    }
    try {
      return PARSER.parse(cron).validate();
    } catch (IllegalArgumentException e) {
      throw invalid("/cron: '" + cron + "' is not a valid cron expression: " + e.getMessage());
    }
  }

  private static ZoneId zone(String timezone) {
    try {
      if (timezone != null && timezone.length() <= MAX_LENGTH && timezone.contains("/") || "UTC".equals(timezone)) {
        return ZoneId.of(timezone);
      }
    } catch (DateTimeException e) {
      // refused below
    }
    throw invalid("/timezone: '" + timezone + "' is not an IANA time zone, e.g. 'UTC' or 'Europe/Paris'");
  }

  /** The first tick strictly after {@code instant}. */
  public Instant nextAfter(Instant instant) {
    return ticks.nextExecution(ZonedDateTime.ofInstant(instant, zone)).map(ZonedDateTime::toInstant)
      // A valid expression that never matches (February 30th): no tick, ever.
      .orElseThrow(() -> invalid("/cron: the expression never matches a date"));
  }

  private static JobException invalid(String problem) {
    return new JobException(JobException.Kind.INVALID, "invalid schedule: " + problem);
  }
}
