package dev.offload.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The request deadline: a request, its body included, must arrive and be answered within
 * {@code http.requestTimeoutSeconds}, else {@code 408}. vertx-web's {@code TimeoutHandler} does
 * the same but cannot be lifted; a request answered late on purpose (held by
 * {@code Prefer: wait}, or an event stream) {@link #lift lifts} it once its body is in and keeps
 * its own, shorter, deadline instead.
 */
final class RequestTimeout implements Handler<RoutingContext> {
  private static final String TIMER = "offload.requestTimeout";
  private final long millis;

  private RequestTimeout(long millis) {
    this.millis = millis;
  }

  static RequestTimeout create(long millis) {
    return new RequestTimeout(millis);
  }

  @Override
  public void handle(RoutingContext ctx) {
    long timer = ctx.vertx().setTimer(millis, id -> {
      if (!ctx.request().isEnded()) {
        ctx.request().resume();
      }
      ctx.fail(408);
    });
    ctx.put(TIMER, timer);
    ctx.addEndHandler(v -> ctx.vertx().cancelTimer(timer));
    ctx.next();
  }

  /** Ends the deadline of this request: it is answered later on purpose, under a deadline of its own. */
  static void lift(RoutingContext ctx) {
    Long timer = ctx.get(TIMER);
    if (timer != null) {
      ctx.vertx().cancelTimer(timer);
    }
  }
}
