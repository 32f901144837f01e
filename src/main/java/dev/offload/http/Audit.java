package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.jobs.Caller;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail. On the API, every submission and cancellation, and every refused request, is
 * one line on the {@code offload.audit} logger: who (the token's
 * subject, the client address), what (action, job id, job type), the outcome and status, and the
 * request id. Never the token, never the job's input: the trail must be safe to ship anywhere.
 * Lines are JSON objects, so nothing a client sends can forge a line.
 */
final class Audit implements Handler<RoutingContext> {
  static final Logger LOG = LoggerFactory.getLogger("offload.audit");
  /** Set by the job routes once they know them. */
  static final String JOB = "offload.audit.job";
  static final String TYPE = "offload.audit.type";
  /** How many jobs a batch submission stored, or a claim took. */
  static final String COUNT = "offload.audit.count";
  /** What the request did, when its method does not say it (a remote worker's claim, succeed, fail). */
  static final String ACTION = "offload.audit.action";
  /** Set on requests recorded only when refused (a remote worker's heartbeats: many, and they change no state). */
  static final String QUIET = "offload.audit.quiet";

  private Audit() {
  }

  /** On the API routes: records each request once its response is sent. */
  static Audit create() {
    return new Audit();
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.addEndHandler(done -> record(ctx));
    ctx.next();
  }

  private static void record(RoutingContext ctx) {
    int status = ctx.response().getStatusCode();
    HttpMethod method = ctx.request().method();
    boolean write = method == HttpMethod.POST || method == HttpMethod.DELETE || method == HttpMethod.PATCH;
    if ((!write || ctx.get(QUIET) != null) && status < 400) {
      return;
    }
    Caller caller = BearerAuth.caller(ctx);
    SocketAddress client = ctx.request().remoteAddress();
    JsonObject entry = new JsonObject()
      .put("action", ctx.get(ACTION) != null ? ctx.<String>get(ACTION)
        : method == HttpMethod.POST ? "submit" : method == HttpMethod.DELETE ? "cancel"
        : method == HttpMethod.PATCH ? "update" : "read")
      .put("outcome", status >= 400 ? "refused"
        : method == HttpMethod.POST && ctx.get(ACTION) == null ? "accepted" : "done")
      .put("status", status)
      .put("subject", caller == null ? null : caller.subject())
      .put("job", ctx.get(JOB))
      .put("type", ctx.get(TYPE))
      .put("method", method.name())
      .put("path", ctx.request().path())
      .put("requestId", RequestLog.requestIdOf(ctx))
      .put("client", client == null ? null : client.hostAddress());
    if (ctx.get(COUNT) != null) {
      entry.put("jobs", ctx.<Integer>get(COUNT));
    }
    LOG.info(entry.encode());
  }
}
