package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.auth.Scopes;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobType;
import dev.offload.jobs.PermanentFailure;
import dev.offload.remote.RemoteWork;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The remote workers' routes ({@code /api/v1/work}): claim attempts of remote types, heartbeat
 * while one runs, and report how it ended. Each turns HTTP into one {@link RemoteWork} call and
 * back; bodies are checked key by key, and a key this API does not know is refused.
 */
final class WorkRoutes {
  static final String WORK = "/api/v1/work/*";
  static final String CLAIM = "/api/v1/work/claim";
  static final String HEARTBEAT = "/api/v1/work/:id/:attempt/heartbeat";
  static final String SUCCEED = "/api/v1/work/:id/:attempt/succeed";
  static final String FAIL = "/api/v1/work/:id/:attempt/fail";
  /** The most attempts one claim takes. */
  static final int MAX_CLAIM = 100;
  /** The longest a claim waits for jobs. */
  static final int MAX_WAIT_SECONDS = 60;
  private static final Pattern WORKER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}");
  private static final Pattern ATTEMPT = Pattern.compile("[1-9]\\d{0,8}");
  private static final String JSON = "application/json";

  private final RemoteWork work;
  private final StrictJson json;
  private final WorkWaits waits;

  WorkRoutes(RemoteWork work, StrictJson json, WorkWaits waits) {
    this.work = work;
    this.json = json;
    this.waits = waits;
  }

  void claimWork(RoutingContext ctx) {
    ctx.put(Audit.ACTION, "claim");
    JsonObject body = json.object(ctx);
    only(body, Set.of("types", "max", "waitSeconds", "worker"));
    List<JobType> types = types(ctx, body.getValue("types"));
    int max = integer(body, "max", 1, 1, MAX_CLAIM);
    int waitSeconds = integer(body, "waitSeconds", 0, 0, MAX_WAIT_SECONDS);
    String worker = worker(ctx, body.getValue("worker"));
    waits.claim(ctx, BearerAuth.caller(ctx).subject(), types, max, worker, waitSeconds)
      .onSuccess(attempts -> {
        ctx.put(Audit.COUNT, attempts.size());
        JsonArray items = new JsonArray();
        attempts.forEach(attempt -> items.add(item(attempt)));
        ctx.response().putHeader("Content-Type", JSON).end(new JsonObject().put("items", items).encode())
          // A claim whose answer never left: its attempts go back to the queue now, not after their lease.
          .onFailure(err -> work.release(attempts, "the claim's answer to worker '" + worker + "' was not sent"));
      })
      .onFailure(ctx::fail);
  }

  void heartbeat(RoutingContext ctx) {
    ctx.put(Audit.ACTION, "heartbeat");
    JsonObject body = ctx.body().length() == 0 ? new JsonObject() : json.object(ctx);
    only(body, Set.of("progress"));
    Object progress = body.getValue("progress");
    if (progress != null && !(progress instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
      throw invalid("progress must be a number from 0 to 1");
    }
    ctx.put(Audit.QUIET, true);
    work.heartbeat(JobRoutes.jobId(ctx), attempt(ctx), progress == null ? null : ((Number) progress).doubleValue(), mayWork(ctx))
      .onSuccess(beat -> ctx.response().putHeader("Content-Type", JSON).end(beat.toJson().encode()))
      .onFailure(ctx::fail);
  }

  void succeedWork(RoutingContext ctx) {
    ctx.put(Audit.ACTION, "succeed");
    JsonObject body = json.object(ctx);
    only(body, Set.of("result"));
    Object result = body.getValue("result", new JsonObject());
    if (!(result instanceof JsonObject object)) {
      throw invalid("result must be a JSON object");
    }
    answer(ctx, work.succeed(JobRoutes.jobId(ctx), attempt(ctx), object, mayWork(ctx)));
  }

  void failWork(RoutingContext ctx) {
    ctx.put(Audit.ACTION, "fail");
    JsonObject body = json.object(ctx);
    only(body, Set.of("error", "retry"));
    if (!(body.getValue("error") instanceof JsonObject error)) {
      throw invalid("error must be an object with a code and a message");
    }
    only(error, Set.of("code", "message"), "error.");
    if (!(error.getValue("code") instanceof String code) || !PermanentFailure.CODE.matcher(code).matches()) {
      throw invalid("error.code must be 1 to 64 of a-z, 0-9 and '_', starting with a letter");
    }
    if (!(error.getValue("message") instanceof String message) || message.isBlank() || message.length() > 2000) {
      throw invalid("error.message must be a non-empty string of at most 2000 characters");
    }
    Object retry = body.getValue("retry", true);
    if (!(retry instanceof Boolean again)) {
      throw invalid("retry must be true or false");
    }
    answer(ctx, work.fail(JobRoutes.jobId(ctx), attempt(ctx), JobError.of(code, message), again, mayWork(ctx)));
  }

  private static void answer(RoutingContext ctx, Future<Job> job) {
    job.onSuccess(ended -> {
        ctx.put(Audit.JOB, ended.id().toString());
        ctx.put(Audit.TYPE, ended.type());
        ctx.response().putHeader("Content-Type", JSON).end(ended.toJson().encode());
      })
      .onFailure(ctx::fail);
  }

  /** What a claim answers for one attempt. */
  private JsonObject item(Attempt attempt) {
    return new JsonObject()
      .put("id", attempt.id().toString())
      .put("type", attempt.type())
      .put("attempt", attempt.attempt())
      .put("input", attempt.input())
      .put("owner", attempt.owner())
      .put("timeoutSeconds", attempt.timeoutSeconds())
      .put("leaseSeconds", work.types().get(attempt.type()).leaseSeconds());
  }

  /** The types a claim names: known, remote, and allowed to the token; in the order given, once each. */
  private List<JobType> types(RoutingContext ctx, Object value) {
    if (!(value instanceof JsonArray names) || names.isEmpty() || names.size() > 100) {
      throw invalid("types must be a list of 1 to 100 job type names");
    }
    List<String> scopes = BearerAuth.scopes(ctx);
    List<JobType> types = new ArrayList<>();
    for (Object name : names) {
      JobType type = name instanceof String text ? work.types().get(text) : null;
      if (type == null) {
        throw invalid("types: unknown job type " + (name instanceof String ? "'" + name + "'" : String.valueOf(name))
          + "; see GET /api/v1/job-types");
      }
      if (!type.remote()) {
        throw invalid("types: job type '" + type.name() + "' is not remote (its runner is " + type.runner().wire()
          + "); remote workers claim only types configured with 'remote: true'");
      }
      if (!Scopes.mayWork(scopes, type.name())) {
        throw new JobException(JobException.Kind.FORBIDDEN, "this token may not work jobs of type '" + type.name()
          + "' (it needs '" + Scopes.WORK + "' or '" + Scopes.WORK + ":" + type.name() + "')");
      }
      if (!types.contains(type)) {
        types.add(type);
      }
    }
    return types;
  }

  /** The worker's name as given (it shows in each attempt's history), else the token's subject. */
  private static String worker(RoutingContext ctx, Object value) {
    if (value == null) {
      String subject = BearerAuth.caller(ctx).subject();
      return WORKER.matcher(subject).matches() ? subject : "worker";
    }
    if (!(value instanceof String name) || !WORKER.matcher(name).matches()) {
      throw invalid("worker must be 1 to 64 of letters, digits and . _ : @ -, starting with a letter or digit");
    }
    return name;
  }

  private static Predicate<String> mayWork(RoutingContext ctx) {
    List<String> scopes = BearerAuth.scopes(ctx);
    return type -> Scopes.mayWork(scopes, type);
  }

  private static int integer(JsonObject body, String key, int def, int min, int max) {
    Object value = body.getValue(key);
    if (value == null) {
      return def;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
      || ((Number) value).longValue() > max) {
      throw invalid(key + " must be an integer from " + min + " to " + max);
    }
    return ((Number) value).intValue();
  }

  private static void only(JsonObject body, Set<String> keys) {
    only(body, keys, "");
  }

  private static void only(JsonObject body, Set<String> keys, String prefix) {
    for (String key : body.fieldNames()) {
      if (!keys.contains(key)) {
        throw invalid("unknown property '" + prefix + key + "'; allowed: " + keys.stream().sorted().toList());
      }
    }
  }

  private static int attempt(RoutingContext ctx) {
    String attempt = ctx.pathParam("attempt");
    if (!ATTEMPT.matcher(attempt).matches()) {
      throw new JobException(JobException.Kind.NOT_FOUND, "no attempt '" + attempt + "': attempts are numbered from 1");
    }
    return Integer.parseInt(attempt);
  }

  private static JobException invalid(String message) {
    return new JobException(JobException.Kind.INVALID, message);
  }
}
