package dev.offload.support;

import dev.offload.jobs.JobContext;
import dev.offload.jobs.JobHandler;
import dev.offload.jobs.PermanentFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A test job type: attempts 1..{failures} fail, the next one succeeds; with {@code "permanent"},
 * the first attempt fails for good, thrown ({@code "throw"}) or as a failed future ({@code "fail"}).
 * Its result names the attempt and the job's owner, as the handler saw them.
 * Registered for tests only.
 */
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
      {"type": "object", "required": ["failures"], "properties": {"failures": {"type": "integer", "minimum": 0},
       "permanent": {"enum": ["throw", "fail"]}}}""");
  }

  @Override
  public int timeoutSeconds() {
    return 30;
  }

  @Override
  public Future<JsonObject> run(JobContext context) {
    String permanent = context.input().getString("permanent");
    if ("throw".equals(permanent)) {
      throw new PermanentFailure("unknown_account", "account 42 does not exist");
    }
    if ("fail".equals(permanent)) {
      // "reason": the failure's message (the dashboard's tests give it markup that must stay text).
      return Future.failedFuture(new PermanentFailure("declined", context.input().getString("reason",
        "the payment was declined")));
    }
    if (context.attempt() <= context.input().getInteger("failures")) {
      return Future.failedFuture("planned failure of attempt " + context.attempt());
    }
    return Future.succeededFuture(new JsonObject().put("succeededOnAttempt", context.attempt())
      .put("owner", context.owner()));
  }
}
