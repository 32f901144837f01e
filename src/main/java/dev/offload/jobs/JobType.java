package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

/**
 * A job type with its effective settings (defaults overridden by config) and its compiled input
 * schema. Who runs its attempts is its {@link Runner}: a Java handler in this process, workers in
 * any language that claim them over HTTP ({@code handler} null), or an HTTP endpoint this service
 * calls (a handler made from the config).
 *
 * <p>{@code concurrency} bounds the attempts running at once: per node for the types this process
 * runs; for a remote type, across the cluster, counted in the store at each claim (0: no bound but
 * the workers' own). {@code leaseSeconds} is a remote attempt's lease (0 for the others, which
 * use {@code workers.leaseSeconds}).
 */
public record JobType(String name, String description, Runner runner, JobHandler handler, int concurrency,
                      Integer timeoutSeconds, int maxAttempts, int leaseSeconds, InputSchema inputSchema) {
  /** Prefixes a remote worker's name where a node's name goes (leases, history): never a node's name. */
  public static final String REMOTE_NODE = "remote:";

  /** Who runs a type's attempts; its wire name is what {@code GET /api/v1/job-types} shows. */
  public enum Runner {
    /** A {@link JobHandler} on the class path, run by this process's workers. */
    JAVA,
    /** Workers anywhere, in any language, that claim attempts over HTTP ({@code /api/v1/work}). */
    REMOTE,
    /** An HTTP endpoint the worker nodes call, one signed request per attempt. */
    ENDPOINT;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** True for a type whose attempts remote workers claim: no node's dispatcher runs it. */
  public boolean remote() {
    return runner == Runner.REMOTE;
  }

  public int timeoutFor(JsonObject input) {
    return timeoutSeconds != null ? timeoutSeconds : handler.timeoutSeconds(input);
  }

  public JsonObject describe() {
    JsonObject json = new JsonObject()
      .put("type", name)
      .put("description", description)
      .put("runner", runner.wire())
      .put("inputSchema", inputSchema.json())
      .put("timeoutSeconds", timeoutSeconds != null ? timeoutSeconds : handler.timeoutSeconds())
      .put("maxAttempts", maxAttempts);
    if (remote()) {
      json.put("leaseSeconds", leaseSeconds);
    }
    return json;
  }
}
