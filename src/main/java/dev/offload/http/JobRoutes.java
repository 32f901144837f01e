package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.jobs.Caller;
import dev.offload.jobs.CancelResult;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobPage;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobState;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.regex.Pattern;

/** The handlers of the {@code /api/v1} routes; each turns HTTP into one {@link JobService} call and back. */
final class JobRoutes {
  static final String JOBS = "/api/v1/jobs";
  static final String BATCH = JOBS + "/batch";
  static final String JOB = JOBS + "/:id";
  static final String JOB_EVENTS = JOB + "/events";
  static final String JOB_RETRY = JOB + "/retry";
  static final String STATS = "/api/v1/stats";
  private static final String JSON = "application/json";
  private static final String REPLAYED = "Idempotent-Replayed";
  private static final Pattern UUID_TEXT =
    Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern CURSOR_TEXT = Pattern.compile("(\\d{1,15}):(" + UUID_TEXT.pattern() + ")");

  private final JobService jobs;
  private final StrictJson json;
  private final Waits waits;

  JobRoutes(JobService jobs, StrictJson json, Waits waits) {
    this.jobs = jobs;
    this.json = json;
    this.waits = waits;
  }

  void submitJob(RoutingContext ctx) {
    JsonObject body = json.object(ctx);
    if (body.getValue("type") instanceof String type && jobs.types().get(type) != null) {
      ctx.put(Audit.TYPE, type);
    }
    Caller caller = BearerAuth.caller(ctx);
    int wait = waits.preferred(ctx);
    jobs.submit(caller, body, RequestLog.requestIdOf(ctx), idempotencyKey(ctx))
      .onSuccess(accepted -> ctx.put(Audit.JOB, accepted.job().id().toString()))
      .compose(accepted -> (wait == 0 ? Future.succeededFuture(accepted.job())
        : waits.job(ctx, caller, accepted.job().id(), wait))
        .onSuccess(job -> sendSubmitted(ctx, job, accepted.replayed())))
      .onFailure(ctx::fail);
  }

  /**
   * A replay of an earlier request with the same Idempotency-Key: {@code 200} with the job as it
   * is now; else {@code 201} when the job has already finished (a submit that waited), or
   * {@code 202}: poll its Location.
   */
  private static void sendSubmitted(RoutingContext ctx, Job job, boolean replayed) {
    HttpServerResponse response = ctx.response().putHeader("Location", JOBS + "/" + job.id());
    if (replayed) {
      response.putHeader(REPLAYED, "true");
    }
    if (!job.state().finished()) {
      response.putHeader("Retry-After", String.valueOf(JobService.RETRY_AFTER_SECONDS));
    }
    sendJob(ctx, replayed ? 200 : job.state().finished() ? 201 : 202, job);
  }

  /** The request's {@code Idempotency-Key}, or null. */
  private static String idempotencyKey(RoutingContext ctx) {
    return ctx.request().getHeader("Idempotency-Key");
  }

  void submitBatch(RoutingContext ctx) {
    jobs.submitBatch(BearerAuth.caller(ctx), json.object(ctx), RequestLog.requestIdOf(ctx), idempotencyKey(ctx))
      .onSuccess(accepted -> {
        List<Job> queued = accepted.jobs();
        ctx.put(Audit.COUNT, queued.size());
        if (accepted.replayed()) {
          ctx.response().putHeader(REPLAYED, "true");
        }
        ctx.response()
          .setStatusCode(accepted.replayed() ? 200 : 202)
          .putHeader("Retry-After", String.valueOf(JobService.RETRY_AFTER_SECONDS))
          .putHeader("Content-Type", JSON)
          .end(new JsonObject().put("items", jobsJson(queued)).encode());
      })
      .onFailure(ctx::fail);
  }

  void getJob(RoutingContext ctx) {
    waits.job(ctx, BearerAuth.caller(ctx), jobId(ctx), waits.preferred(ctx))
      .onSuccess(job -> sendJob(ctx, 200, job))
      .onFailure(ctx::fail);
  }

  void listJobs(RoutingContext ctx) {
    String stateName = ctx.queryParams().get("state");
    JobState state = stateName == null ? null : JobState.parse(stateName);
    if (stateName != null && state == null) {
      throw invalid("state must be one of queued, running, succeeded, failed, cancelled");
    }
    String type = ctx.queryParams().get("type");
    if (type != null && jobs.types().get(type) == null) {
      throw invalid("unknown job type '" + type + "'; see GET /api/v1/job-types");
    }
    String owner = owner(ctx);
    int limit = limit(ctx.queryParams().get("limit"));
    JobQuery.Cursor cursor = decodeCursor(ctx.queryParams().get("cursor"));
    JobQuery query = new JobQuery(owner, state, type, instant(ctx, "createdAfter"), instant(ctx, "createdBefore"),
      limit, cursor);
    jobs.list(BearerAuth.caller(ctx), query)
      .onSuccess(page -> ctx.response()
        .putHeader("Content-Type", JSON)
        .end(pageJson(page).encode()))
      .onFailure(ctx::fail);
  }

  void getStats(RoutingContext ctx) {
    jobs.stats(BearerAuth.caller(ctx), owner(ctx))
      .onSuccess(stats -> ctx.response().putHeader("Content-Type", JSON).end(stats.toJson().encode()))
      .onFailure(ctx::fail);
  }

  /** The optional {@code owner} query parameter (who a jobs:admin caller reads about); never empty. */
  private static String owner(RoutingContext ctx) {
    String owner = ctx.queryParams().get("owner");
    if (owner != null && owner.isEmpty()) {
      throw invalid("owner must not be empty");
    }
    return owner;
  }

  /** An optional RFC 3339 date-time query parameter. */
  private static Instant instant(RoutingContext ctx, String name) {
    String text = ctx.queryParams().get(name);
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw invalid(name + " must be an RFC 3339 date-time with an offset, e.g. 2026-12-02T10:00:00Z");
    }
  }

  void retryJob(RoutingContext ctx) {
    jobs.retry(BearerAuth.caller(ctx), jobId(ctx))
      .onSuccess(job -> {
        ctx.response().putHeader("Location", "/api/v1/jobs/" + job.id())
          .putHeader("Retry-After", String.valueOf(JobService.RETRY_AFTER_SECONDS));
        sendJob(ctx, 202, job);
      })
      .onFailure(ctx::fail);
  }

  void cancelJob(RoutingContext ctx) {
    jobs.cancel(BearerAuth.caller(ctx), jobId(ctx))
      .onSuccess(result -> sendJob(ctx, result.effect() == CancelResult.Effect.CANCELLED ? 200 : 202, result.job()))
      .onFailure(ctx::fail);
  }

  private static void sendJob(RoutingContext ctx, int status, Job job) {
    ctx.put(Audit.TYPE, job.type());
    ctx.response().setStatusCode(status).putHeader("Content-Type", JSON).end(job.toJson().encode());
  }

  /** A malformed id cannot name a job: 404, exactly as for a job that does not exist. */
  static UUID jobId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !UUID_TEXT.matcher(id).matches()) {
      throw new JobException(JobException.Kind.NOT_FOUND, "no job " + id);
    }
    ctx.put(Audit.JOB, id);
    return UUID.fromString(id);
  }

  private static int limit(String text) {
    if (text == null) {
      return 20;
    }
    if (!text.matches("\\d{1,3}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 100) {
      throw invalid("limit must be an integer from 1 to 100");
    }
    return Integer.parseInt(text);
  }

  private static JsonArray jobsJson(List<Job> jobs) {
    JsonArray items = new JsonArray(new ArrayList<>(jobs.size()));
    jobs.forEach(job -> items.add(job.toJson()));
    return items;
  }

  private static JsonObject pageJson(JobPage page) {
    JsonArray items = jobsJson(page.items());
    String next = page.next() == null ? null : Base64.getUrlEncoder().withoutPadding()
      .encodeToString((page.next().createdAtMillis() + ":" + page.next().id()).getBytes(StandardCharsets.UTF_8));
    return new JsonObject().put("items", items).put("nextCursor", next);
  }

  private static JobQuery.Cursor decodeCursor(String text) {
    if (text == null) {
      return null;
    }
    try {
      var matcher = CURSOR_TEXT.matcher(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
      if (matcher.matches()) {
        return new JobQuery.Cursor(Long.parseLong(matcher.group(1)), matcher.group(2));
      }
    } catch (IllegalArgumentException e) {
      // falls through to the refusal below
    }
    throw invalid("cursor is not one this service returned");
  }

  private static JobException invalid(String detail) {
    return new JobException(JobException.Kind.INVALID, detail);
  }
}
