package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.schedules.Schedule;
import dev.offload.schedules.ScheduleService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The handlers of the {@code /api/v1/schedules} routes; each turns HTTP into one {@link ScheduleService} call and back. */
final class ScheduleRoutes {
  static final String SCHEDULES = "/api/v1/schedules";
  static final String SCHEDULE = SCHEDULES + "/:name";

  private final ScheduleService schedules;
  private final StrictJson json;

  ScheduleRoutes(ScheduleService schedules, StrictJson json) {
    this.schedules = schedules;
    this.json = json;
  }

  /** {@code 201} with the schedule and its Location. */
  void create(RoutingContext ctx) {
    schedules.create(BearerAuth.caller(ctx), json.object(ctx))
      .onSuccess(schedule -> {
        ctx.response().putHeader("Location", SCHEDULES + "/" + schedule.name());
        send(ctx, 201, schedule.toJson());
      })
      .onFailure(ctx::fail);
  }

  void list(RoutingContext ctx) {
    schedules.list(BearerAuth.caller(ctx))
      .onSuccess(all -> {
        JsonArray items = new JsonArray();
        all.stream().map(Schedule::toJson).forEach(items::add);
        send(ctx, 200, new JsonObject().put("items", items));
      })
      .onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    schedules.get(BearerAuth.caller(ctx), ctx.pathParam("name"))
      .onSuccess(schedule -> send(ctx, 200, schedule.toJson()))
      .onFailure(ctx::fail);
  }

  /** {@code {"paused": true|false}}: pauses or resumes. */
  void update(RoutingContext ctx) {
    schedules.update(BearerAuth.caller(ctx), ctx.pathParam("name"), json.object(ctx))
      .onSuccess(schedule -> send(ctx, 200, schedule.toJson()))
      .onFailure(ctx::fail);
  }

  /** {@code 204}; the jobs the schedule queued stay. */
  void delete(RoutingContext ctx) {
    schedules.delete(BearerAuth.caller(ctx), ctx.pathParam("name"))
      .onSuccess(v -> ctx.response().setStatusCode(204).end())
      .onFailure(ctx::fail);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
