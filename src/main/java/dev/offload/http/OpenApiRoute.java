package dev.offload.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/v1/openapi.json}: the contract ({@link OpenApiDocument}), built once when the
 * route table is, and sent as it is to everyone: it holds nothing secret, so no token is needed.
 * Unlike the API's answers it may be cached: it changes only when the service is redeployed or
 * its job types are reconfigured, so five minutes is a fair staleness for a tool that reloads it.
 */
final class OpenApiRoute implements Handler<RoutingContext> {
  static final String PATH = "/api/v1/openapi.json";
  static final String CACHE_CONTROL = "public, max-age=300";

  private final Buffer document;

  OpenApiRoute(Buffer document) {
    this.document = document;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.response()
      .putHeader("Content-Type", "application/json")
      // Replaces the API's "no-store" (SecurityHeaders): this answer holds no private data.
      .putHeader("Cache-Control", CACHE_CONTROL)
      .end(document);
  }
}
