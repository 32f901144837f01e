package dev.offload.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

/** Netty bounds the headers' bytes; this bounds their number (a flood of tiny headers): {@code 431}. */
final class HeaderCountLimit implements Handler<RoutingContext> {
  private final int max;

  private HeaderCountLimit(int max) {
    this.max = max;
  }

  static HeaderCountLimit create(int max) {
    return new HeaderCountLimit(max);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.request().headers().size() > max) {
      ctx.fail(new HttpException(431, "the request has more than " + max + " headers"));
    } else {
      ctx.next();
    }
  }
}
