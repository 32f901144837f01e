package dev.offload.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

/**
 * A job as stored and as shown to its owner. {@code result}, {@code error} and the times may be
 * null. {@code requestId} names the request that submitted it, for the logs; it is not shown.
 * {@code callback} is null for a job submitted without one, {@code scheduleName} for a job no
 * schedule made. {@code history} holds the last attempts, oldest first.
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
  Callback callback,
  int priority,
  Instant runAt,
  String scheduleName,
  List<Run> history) {
  /** How many attempts a job's history keeps: the most recent ones. */
  public static final int HISTORY = 20;

  /**
   * One attempt that ended: its number, the node that ran it, when it started and ended, and its
   * error (null when it succeeded).
   */
  public record Run(int attempt, String node, Instant startedAt, Instant finishedAt, JsonObject error) {
    public JsonObject toJson() {
      return new JsonObject().put("attempt", attempt).put("node", node).put("startedAt", time(startedAt))
        .put("finishedAt", time(finishedAt)).put("error", error);
    }
  }

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
      .put("priority", priority)
      .put("timeoutSeconds", timeoutSeconds)
      .put("cancelRequested", cancelRequested)
      .put("owner", owner)
      .put("scheduleName", scheduleName)
      .put("createdAt", time(createdAt))
      .put("runAt", time(runAt))
      .put("startedAt", time(startedAt))
      .put("finishedAt", time(finishedAt))
      .put("callback", callback == null ? null : callback.toJson())
      .put("history", new JsonArray(history.stream().map(Run::toJson).toList()));
  }

  /** RFC 3339 UTC with milliseconds, always in the same shape (Instant.toString drops zero fractions). */
  private static final DateTimeFormatter TIME =
    DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** An instant as the API shows it (null stays null). */
  public static String time(Instant instant) {
    return instant == null ? null : TIME.format(instant);
  }
}
