package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * The envelope of a submission ({@code {"type", "input", "maxAttempts"?, "timeoutSeconds"?,
 * "priority"?, "runAt"? | "delaySeconds"?, "callback"?: {"url"}}}),
 * read field by field: a typed parse, with the same refusals a JSON Schema of it would give
 * (unknown properties, types, ranges) and none of its cost on the hot path. Null fields are
 * absent ones.
 */
record Submission(String type, JsonObject input, Integer maxAttempts, Integer timeoutSeconds, Integer priority,
                  Instant runAt, Integer delaySeconds, String callbackUrl) {
  static final int MAX_TYPE_LENGTH = 64;
  static final int MAX_ATTEMPTS = 100;
  static final int MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
  static final int MAX_URL_LENGTH = 2048;
  private static final Set<String> FIELDS = Set.of("type", "input", "maxAttempts", "timeoutSeconds", "priority",
    "runAt", "delaySeconds", "callback");

  /**
   * Reads {@code body}, with delays of at most {@code maxDelaySeconds}; throws a
   * {@link JobException.Kind#INVALID} refusal naming the first problem.
   */
  static Submission parse(JsonObject body, int maxDelaySeconds) {
    for (String name : body.fieldNames()) {
      if (!FIELDS.contains(name)) {
        throw invalid("property '" + name + "' is not allowed");
      }
    }
    if (!(body.getValue("type") instanceof String type) || type.isEmpty() || type.length() > MAX_TYPE_LENGTH) {
      throw invalid(body.containsKey("type") ? "/type: must be a string of 1 to " + MAX_TYPE_LENGTH + " characters"
        : "required property 'type' not found");
    }
    if (!(body.getValue("input") instanceof JsonObject input)) {
      throw invalid(body.containsKey("input") ? "/input: must be an object" : "required property 'input' not found");
    }
    if (body.containsKey("runAt") && body.containsKey("delaySeconds")) {
      throw invalid("/delaySeconds: runAt and delaySeconds cannot be used together");
    }
    return new Submission(type, input, integer(body, "maxAttempts", 1, MAX_ATTEMPTS),
      integer(body, "timeoutSeconds", 1, MAX_TIMEOUT_SECONDS), integer(body, "priority", 0, NewJob.MAX_PRIORITY),
      instant(body, "runAt"), integer(body, "delaySeconds", 0, maxDelaySeconds), callbackUrl(body));
  }

  /** An optional RFC 3339 date-time with its offset ({@code 2026-12-02T10:00:00Z}). */
  private static Instant instant(JsonObject body, String name) {
    if (!body.containsKey(name)) {
      return null;
    }
    try {
      if (body.getValue(name) instanceof String text && text.length() <= 64) {
        return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      }
    } catch (DateTimeParseException ignored) {
      // refused below
    }
    throw invalid("/" + name + ": must be an RFC 3339 date-time with an offset, e.g. 2026-12-02T10:00:00Z");
  }

  /** The optional {@code "callback": {"url": "..."}}. */
  private static String callbackUrl(JsonObject body) {
    if (!body.containsKey("callback")) {
      return null;
    }
    if (!(body.getValue("callback") instanceof JsonObject callback)) {
      throw invalid("/callback: must be an object");
    }
    for (String name : callback.fieldNames()) {
      if (!name.equals("url")) {
        throw invalid("/callback: property '" + name + "' is not allowed");
      }
    }
    if (!(callback.getValue("url") instanceof String url) || url.isEmpty() || url.length() > MAX_URL_LENGTH) {
      throw invalid(callback.containsKey("url") ? "/callback/url: must be a string of 1 to " + MAX_URL_LENGTH
        + " characters" : "/callback: required property 'url' not found");
    }
    return url;
  }

  /** An optional whole number from {@code min} to {@code max}. */
  private static Integer integer(JsonObject body, String name, int min, int max) {
    Object value = body.getValue(name);
    if (value == null && !body.containsKey(name)) {
      return null;
    }
    boolean whole = value instanceof Integer || value instanceof Long
      || value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue());
    if (!whole || ((Number) value).doubleValue() < min || ((Number) value).doubleValue() > max) {
      throw invalid("/" + name + ": must be an integer from " + min + " to " + max);
    }
    return ((Number) value).intValue();
  }

  private static JobException invalid(String problem) {
    return new JobException(JobException.Kind.INVALID, "invalid submission: " + problem);
  }
}
