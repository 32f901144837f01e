package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.jobs.Caller;
import dev.offload.ops.HealthHandler;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * First on every route: names the request, and once it is answered, measures it
 * ({@link HttpMetrics}) and logs it. Every response carries {@code X-Request-Id}: the client's,
 * if it is a sane token, else a new UUID. The access log ({@code offload.access}) has one line
 * per request but health probes: method, path template (never the raw path, so ids and attack
 * strings stay out of it), status, duration, subject and request id; never the token or a query
 * string.
 */
final class RequestLog implements Handler<RoutingContext> {
  static final Logger ACCESS = LoggerFactory.getLogger("offload.access");
  private static final String REQUEST_ID = "offload.requestId";
  private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Set<String> TEMPLATES = Set.of(JobRoutes.JOBS, JobRoutes.BATCH, TypeRoutes.JOB_TYPES,
    HealthHandler.LIVE, HealthHandler.READY);

  private final HttpMetrics metrics;

  private RequestLog(HttpMetrics metrics) {
    this.metrics = metrics;
  }

  static RequestLog create(HttpMetrics metrics) {
    return new RequestLog(metrics);
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String offered = ctx.request().getHeader("X-Request-Id");
    String id = offered != null && SANE_ID.matcher(offered).matches() ? offered : newId();
    ctx.put(REQUEST_ID, id);
    ctx.response().putHeader("X-Request-Id", id);
    ctx.addEndHandler(done -> ended(ctx, id, start));
    ctx.next();
  }

  private void ended(RoutingContext ctx, String id, long start) {
    long nanos = System.nanoTime() - start;
    String route = template(ctx.request().path());
    metrics.record(ctx.request().method().name(), route, ctx.response().getStatusCode(), nanos);
    // Health probes are not logged: they come every few seconds from every prober and would bury
    // the requests that matter (the metrics still count them).
    if (ACCESS.isInfoEnabled() && !route.startsWith("/health/")) {
      access(ctx, route, id, nanos);
    }
  }

  /** The id of the request being handled. */
  static String requestIdOf(RoutingContext ctx) {
    return ctx.get(REQUEST_ID);
  }

  private static void access(RoutingContext ctx, String route, String id, long nanos) {
    Caller caller = BearerAuth.caller(ctx);
    var line = ACCESS.atInfo()
      .addKeyValue("method", ctx.request().method().name())
      .addKeyValue("path", route)
      .addKeyValue("status", ctx.response().getStatusCode())
      .addKeyValue("millis", nanos / 1_000_000);
    if (caller != null) {
      line = line.addKeyValue("subject", caller.subject());
    }
    line.addKeyValue("requestId", id).log("request");
  }

  /** The route a path matched, with its id as {@code :id}; anything else is "other". */
  static String template(String path) {
    if (path == null) {
      return "other";
    }
    if (TEMPLATES.contains(path)) {
      return path;
    }
    if (path.startsWith(JobRoutes.JOBS + "/") && path.indexOf('/', JobRoutes.JOBS.length() + 1) < 0) {
      return JobRoutes.JOB;
    }
    return "other";
  }

  /** A random UUID without SecureRandom's lock: a request id names a request, it protects nothing. */
  private static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new UUID(random.nextLong() & ~0xF000L | 0x4000L, random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L)
      .toString();
  }
}
