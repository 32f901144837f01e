package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobTypeService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The job types' routes: list them with their state, and pause or resume one ({@code jobs:admin}). */
final class TypeRoutes {
  static final String JOB_TYPES = "/api/v1/job-types";
  static final String JOB_TYPE = JOB_TYPES + "/:type";
  private static final String JSON = "application/json";

  private final JobTypeService types;
  private final StrictJson json;

  TypeRoutes(JobTypeService types, StrictJson json) {
    this.types = types;
    this.json = json;
  }

  void listJobTypes(RoutingContext ctx) {
    types.list()
      .onSuccess(items -> ctx.response().putHeader("Content-Type", JSON)
        .end(new JsonObject().put("items", new JsonArray(items)).encode()))
      .onFailure(ctx::fail);
  }

  void updateJobType(RoutingContext ctx) {
    JsonObject body = json.object(ctx);
    if (body.size() != 1 || !(body.getValue("paused") instanceof Boolean paused)) {
      throw new JobException(JobException.Kind.INVALID, "the body must be {\"paused\": true or false}, nothing else");
    }
    String type = ctx.pathParam("type");
    ctx.put(Audit.ACTION, paused ? "pause" : "resume");
    ctx.put(Audit.TYPE, type);
    types.pause(BearerAuth.caller(ctx), type, paused)
      .onSuccess(described -> ctx.response().putHeader("Content-Type", JSON).end(described.encode()))
      .onFailure(ctx::fail);
  }
}
