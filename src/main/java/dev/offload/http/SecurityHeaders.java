package dev.offload.http;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

/**
 * Headers every response carries (error responses too): no content sniffing, no referrer, no
 * framing, and nothing cached: API answers hold private job data. The Content-Security-Policy
 * and X-Frame-Options come from vertx-web's own handlers, placed beside this one in the route table.
 * The dashboard's files ({@code /ui/}) replace the policy and the caching with their own ({@link DashboardRoutes}).
 */
final class SecurityHeaders implements Handler<RoutingContext> {

  private SecurityHeaders() {
  }

  static SecurityHeaders create() {
    return new SecurityHeaders();
  }

  @Override
  public void handle(RoutingContext ctx) {
    apply(ctx.response().headers());
    ctx.next();
  }

  static void apply(MultiMap headers) {
    headers
      .set("X-Content-Type-Options", "nosniff")
      .set("Referrer-Policy", "no-referrer")
      .set("Cache-Control", "no-store");
  }
}
