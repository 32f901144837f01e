package dev.offload.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;

/**
 * Requests that never reach the router because Netty could not parse them: a request line or
 * headers over the limits, bytes that are not HTTP (control characters before the request line),
 * or framing that could smuggle a second request (both {@code Transfer-Encoding} and
 * {@code Content-Length} on HTTP/1.0). They get a problem+json answer like every other error,
 * then the connection is closed: after a framing error nothing else on it can be trusted.
 */
final class InvalidRequests {

  private InvalidRequests() {
  }

  static void answer(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status = cause instanceof TooLongHttpLineException ? 414
      : cause instanceof TooLongHttpHeaderException ? 431
      : 400;
    String detail = status == 400 ? "the request is not valid HTTP" : Problems.defaultDetail(status);
    SecurityHeaders.apply(request.response().headers());
    request.response().setStatusCode(status)
      .putHeader("Content-Type", Problems.CONTENT_TYPE)
      .putHeader("Connection", "close")
      .end(Problems.json(status, "about:blank", detail))
      .onComplete(done -> request.connection().close());
  }
}
