package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

/**
 * A job handler with its effective settings (handler defaults overridden by config) and its
 * compiled input schema.
 */
public record JobType(JobHandler handler, int concurrency, Integer timeoutSeconds, int maxAttempts,
                      InputSchema inputSchema) {

  public String name() {
    return handler.type();
  }

  public int timeoutFor(JsonObject input) {
    return timeoutSeconds != null ? timeoutSeconds : handler.timeoutSeconds(input);
  }

  public JsonObject describe() {
    return new JsonObject()
      .put("type", name())
      .put("description", handler.description())
      .put("inputSchema", inputSchema.json())
      .put("timeoutSeconds", timeoutSeconds != null ? timeoutSeconds : handler.timeoutSeconds())
      .put("maxAttempts", maxAttempts);
  }
}
