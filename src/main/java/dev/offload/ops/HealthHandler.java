package dev.offload.ops;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.RoutingContext;

/**
 * Liveness and readiness as HTTP answers: {@code 200} or {@code 503} with
 * {@code {"status": "UP"|"DOWN"}}. The API's port shows only that; the management port
 * ({@code detailed}) shows each check of {@link Readiness} as well.
 */
public final class HealthHandler {
  public static final String LIVE = "/health/live";
  public static final String READY = "/health/ready";

  private HealthHandler() {
  }

  /** The process answers: always UP. */
  public static Handler<RoutingContext> live() {
    return ctx -> send(ctx, true, null);
  }

  /** UP when every readiness check is; {@code detailed} adds each check's outcome. */
  public static Handler<RoutingContext> ready(HealthChecks checks, boolean detailed) {
    return ctx -> checks.checkStatus().onComplete(ar -> {
      boolean up = ar.succeeded() && Boolean.TRUE.equals(ar.result().getUp());
      send(ctx, up, detailed && ar.succeeded() ? ar.result().toJson() : null);
    });
  }

  private static void send(RoutingContext ctx, boolean up, JsonObject details) {
    JsonObject body = details != null ? details : new JsonObject().put("status", up ? "UP" : "DOWN");
    ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
