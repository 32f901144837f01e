package dev.offload.http;

import dev.offload.jobs.JobException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler: every error leaves as {@code application/problem+json} (RFC 9457)
 * with a status, a title and a detail meant for the client. Unexpected failures are logged here
 * with their stack trace and shown to the client only as a generic 500.
 */
final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  static final String CONTENT_TYPE = "application/problem+json";

  private Problems() {
  }

  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status;
    String type = "about:blank";
    String detail;
    if (failure instanceof JobException refusal) {
      status = status(refusal.kind());
      type = "urn:offload:problem:" + refusal.kind().name().toLowerCase().replace('_', '-');
      detail = refusal.getMessage();
      if (refusal.retryAfterSeconds() > 0) {
        ctx.response().putHeader("Retry-After", String.valueOf(refusal.retryAfterSeconds()));
      }
    } else if (failure instanceof HttpException http) {
      status = http.getStatusCode();
      detail = http.getPayload() != null ? http.getPayload() : defaultDetail(status);
    } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // A vertx-web handler refused the request with a status (CORS, for one): keep the status,
      // never the library's message.
      status = ctx.statusCode();
      detail = defaultDetail(status);
    } else {
      status = 500;
      detail = "the server could not handle this request; it has been logged";
      LOG.atError().addKeyValue("requestId", RequestLog.requestIdOf(ctx)).setCause(failure)
        .log("Unhandled failure on {} {}", ctx.request().method(), RequestLog.template(ctx.request().path()));
    }
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    // Too slow or too large: the rest of the body is never read, so the HTTP/1 connection cannot
    // carry another request. It is closed once the answer is out (an HTTP/2 stream just ends).
    boolean dropConnection = (status == 408 || status == 413) && ctx.request().version() != HttpVersion.HTTP_2;
    if (dropConnection) {
      ctx.response().putHeader("Connection", "close");
    }
    ctx.response()
      .setStatusCode(status)
      .putHeader("Content-Type", CONTENT_TYPE)
      .end(json(status, type, detail))
      .onComplete(sent -> {
        if (dropConnection) {
          ctx.request().connection().close();
        }
      });
  }

  /** The RFC 9457 document. */
  static String json(int status, String type, String detail) {
    return new JsonObject()
      .put("type", type)
      .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
      .put("status", status)
      .put("detail", detail)
      .encode();
  }

  static int status(JobException.Kind kind) {
    return switch (kind) {
      case INVALID -> 400;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case KEY_REUSED -> 422;
      case QUOTA, RATE_LIMITED -> 429;
      case BACKLOG, UNAVAILABLE -> 503;
    };
  }

  static String defaultDetail(int status) {
    return switch (status) {
      case 400 -> "the request is malformed";
      case 401 -> "a valid bearer token is required";
      case 403 -> "this request is not allowed";
      case 404 -> "there is nothing at this path";
      case 405 -> "this method is not allowed on this path";
      case 406 -> "this resource is only available as application/json";
      case 408 -> "the request took too long to arrive";
      case 413 -> "the request body is too large";
      case 415 -> "the request body must be application/json";
      case 414 -> "the request line is too long";
      case 431 -> "the request headers are too large or too many";
      default -> HttpResponseStatus.valueOf(status).reasonPhrase();
    };
  }
}
