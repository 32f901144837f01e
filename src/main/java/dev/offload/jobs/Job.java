package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * A job as stored and as shown to its owner. {@code result}, {@code error} and the times may be
 * null. {@code requestId} names the request that submitted it, for the logs; it is not shown.
 * {@code callback} is null for a job submitted without one.
 */
public record Job(
  UUID id,
  String owner,
  String type,
  JobState state,
  JsonObject input,
  JsonObject result,
  JsonObject error,
  Double progress,
  int attempts,
  int maxAttempts,
  int timeoutSeconds,
  boolean cancelRequested,
  Instant createdAt,
  Instant startedAt,
  Instant finishedAt,
  String requestId,
  Callback callback) {

  /**
   * A completion webhook: where it goes, and how its delivery went: {@code pending} (the job has
   * not finished, or the delivery is being tried), {@code delivered} or {@code failed} (every
   * attempt used, or a target that is not allowed); {@code lastError} says why the last attempt failed.
   */
  public record Callback(String url, String state, int attempts, String lastError) {
    public JsonObject toJson() {
      return new JsonObject().put("url", url).put("state", state).put("attempts", attempts).put("lastError", lastError);
    }
  }

  /** The public JSON representation (docs/design.md, section 2). */
  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id.toString())
      .put("type", type)
      .put("state", state.wire())
      .put("input", input)
      .put("result", result)
      .put("error", error)
      .put("progress", progress)
      .put("attempts", attempts)
      .put("maxAttempts", maxAttempts)
      .put("timeoutSeconds", timeoutSeconds)
      .put("cancelRequested", cancelRequested)
      .put("owner", owner)
      .put("createdAt", time(createdAt))
      .put("startedAt", time(startedAt))
      .put("finishedAt", time(finishedAt))
      .put("callback", callback == null ? null : callback.toJson());
  }

  /** RFC 3339 UTC with milliseconds, always in the same shape (Instant.toString drops zero fractions). */
  private static final DateTimeFormatter TIME =
    DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** An instant as the API shows it (null stays null). */
  public static String time(Instant instant) {
    return instant == null ? null : TIME.format(instant);
  }
}
