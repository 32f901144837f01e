package dev.offload.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code 415} unless the request says its body is {@code application/json}, in any case and with
 * any parameters ({@code Application/JSON; charset=utf-8}): media types are case-insensitive
 * (RFC 9110 §8.3.1), and vertx-web's {@code Route.consumes} compares them case-sensitively.
 */
final class JsonContentType implements Handler<RoutingContext> {
  static final JsonContentType REQUIRED = new JsonContentType();

  private JsonContentType() {
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (isJson(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
      ctx.next();
    } else {
      ctx.fail(415);
    }
  }

  /** Whether a {@code Content-Type} value names {@code application/json} (type and subtype, before any parameter). */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int parameters = contentType.indexOf(';');
    String type = parameters < 0 ? contentType : contentType.substring(0, parameters);
    return type.trim().equalsIgnoreCase("application/json");
  }
}
