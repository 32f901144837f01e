package dev.offload.handlers;

import dev.offload.jobs.JobContext;
import dev.offload.jobs.JobHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/** Waits for a number of seconds on a timer, holding no thread: a stand-in for I/O-bound work. */
public final class SleepHandler implements JobHandler {

  @Override
  public String type() {
    return "sleep";
  }

  @Override
  public String description() {
    return "Waits {seconds} seconds without holding a thread (a timer); stands in for I/O-bound work. "
      + "An attempt's timeout is {seconds} plus the 60 s shown.";
  }

  @Override
  public JsonObject inputSchema() {
    return new JsonObject("""
      {
        "type": "object",
        "additionalProperties": false,
        "required": ["seconds"],
        "properties": {"seconds": {"type": "integer", "minimum": 0, "maximum": 3600}}
      }""");
  }

  /** For a zero-second sleep; a longer one gets its seconds on top. */
  @Override
  public int timeoutSeconds() {
    return 60;
  }

  @Override
  public int timeoutSeconds(JsonObject input) {
    return input.getInteger("seconds") + timeoutSeconds();
  }

  @Override
  public Future<JsonObject> run(JobContext context) {
    int seconds = context.input().getInteger("seconds");
    JsonObject result = new JsonObject().put("sleptSeconds", seconds);
    if (seconds == 0) {
      return Future.succeededFuture(result);
    }
    Promise<JsonObject> done = Promise.promise();
    long started = System.nanoTime();
    long timer = context.vertx().setTimer(seconds * 1000L, id -> done.tryComplete(result));
    // Progress is reported once a second while waiting.
    long ticker = context.vertx().setPeriodic(1000, id ->
      context.progress((System.nanoTime() - started) / (seconds * 1e9)));
    context.onCancel(() -> done.tryFail(new JobContext.CancelledException()));
    return done.future().onComplete(ar -> {
      context.vertx().cancelTimer(timer);
      context.vertx().cancelTimer(ticker);
    });
  }
}
