package dev.offload.support;

import dev.offload.jobs.JobContext;
import dev.offload.jobs.JobHandler;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** A test job type: attempts 1..{failures} fail, the next one succeeds. Registered for tests only. */
public final class FlakyHandler implements JobHandler {

  @Override
  public String type() {
    return "flaky";
  }

  @Override
  public String description() {
    return "Fails its first {failures} attempts, then succeeds (tests only).";
  }

  @Override
  public JsonObject inputSchema() {
    return new JsonObject("""
      {"type": "object", "required": ["failures"], "properties": {"failures": {"type": "integer", "minimum": 0}}}""");
  }

  @Override
  public int timeoutSeconds() {
    return 30;
  }

  @Override
  public Future<JsonObject> run(JobContext context) {
    if (context.attempt() <= context.input().getInteger("failures")) {
      return Future.failedFuture("planned failure of attempt " + context.attempt());
    }
    return Future.succeededFuture(new JsonObject().put("succeededOnAttempt", context.attempt()));
  }
}
