package dev.offload.jobs;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * The job types this node knows, made once at start: the Java handlers found with
 * {@link ServiceLoader}, tuned by their {@code jobTypes} config sections, and the types a config
 * section defines on its own ({@code remote: true}, or an {@code endpoint}).
 */
public final class JobTypes {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  /** A remote attempt's time to run unless configured: Faktory's default reservation. */
  static final int REMOTE_TIMEOUT_SECONDS = 1800;
  /** An endpoint call's time unless configured. */
  public static final int ENDPOINT_TIMEOUT_SECONDS = 60;
  /** Calls in flight to one endpoint, per node, unless configured: a user's endpoint is no load test target. */
  static final int ENDPOINT_CONCURRENCY = 16;
  static final int LEASE_SECONDS = 30;
  /** The input schema of a configured type that gives none: any JSON object. */
  private static final JsonObject ANY_OBJECT = new JsonObject().put("type", "object");

  private final Map<String, JobType> types;
  /** By name: the dispatcher walks them at every pump. */
  private final List<JobType> sorted;
  /** The types this process runs (Java handlers and endpoints), by name. */
  private final List<JobType> local;

  private JobTypes(Map<String, JobType> types) {
    this.types = types;
    this.sorted = List.copyOf(new TreeMap<>(types).values());
    this.local = sorted.stream().filter(type -> !type.remote()).toList();
  }

  /** The handlers on the class path and the types the config defines; no endpoint types (they need a caller). */
  public static JobTypes load(OffloadConfig config) {
    return load(config, (name, settings) -> {
      throw new ConfigException("config key 'jobTypes." + name + ".endpoint' needs webhooks (config key "
        + "'webhooks.secret'): endpoint calls are signed like webhooks");
    });
  }

  /**
   * Loads every handler on the class path, applies the per-type config, and adds the types the
   * config defines; {@code endpoints} makes the handler that calls an endpoint type's URL.
   */
  public static JobTypes load(OffloadConfig config,
                              BiFunction<String, OffloadConfig.JobTypeSettings, JobHandler> endpoints) {
    List<JobHandler> handlers = new ArrayList<>();
    ServiceLoader.load(JobHandler.class).forEach(handlers::add);
    Map<String, JobType> types = new TreeMap<>();
    for (JobHandler handler : handlers) {
      String name = named(handler.type(), handler.getClass().getName());
      if (types.containsKey(name)) {
        throw new IllegalStateException("two handlers for job type '" + name + "'");
      }
      types.put(name, java(handler, config.jobTypes().getOrDefault(name, OffloadConfig.JobTypeSettings.NONE), config));
    }
    config.jobTypes().forEach((name, settings) -> {
      String key = "config key 'jobTypes." + name + "'";
      if (types.containsKey(name) && settings.defines()) {
        throw new ConfigException(key + " defines job type '" + name + "', which a Java handler ("
          + types.get(name).handler().getClass().getName() + ") defines too: rename one of them");
      }
      if (!types.containsKey(name) && !settings.defines()) {
        throw new ConfigException(key + " names an unknown job type; known: " + types.keySet()
          + " (a section with 'remote: true' or an 'endpoint' defines a type of its own)");
      }
      if (settings.defines()) {
        types.put(named(name, key), configured(name, settings, endpoints));
      }
    });
    return new JobTypes(Map.copyOf(types));
  }

  private static String named(String name, String where) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalStateException("job type name '" + name + "' of " + where + " must match " + NAME.pattern());
    }
    return name;
  }

  private static JobType java(JobHandler handler, OffloadConfig.JobTypeSettings settings, OffloadConfig config) {
    String key = "config key 'jobTypes." + handler.type() + ".";
    if (settings.description() != null || settings.inputSchema() != null || settings.leaseSeconds() != null) {
      throw new ConfigException(key + "description', 'inputSchema' and 'leaseSeconds' are for the types a "
        + "config section defines; '" + handler.type() + "' is a Java handler's, which has its own");
    }
    int defaultConcurrency = handler.blocking()
      ? config.workers().blockingThreads() : config.workers().asyncConcurrency();
    return new JobType(handler.type(), handler.description(), JobType.Runner.JAVA, handler,
      settings.concurrency() != null ? settings.concurrency() : defaultConcurrency, settings.timeoutSeconds(),
      settings.maxAttempts() != null ? settings.maxAttempts() : handler.maxAttempts(), 0,
      InputSchema.compile(handler.inputSchema()));
  }

  private static JobType configured(String name, OffloadConfig.JobTypeSettings settings,
                                    BiFunction<String, OffloadConfig.JobTypeSettings, JobHandler> endpoints) {
    String key = "config key 'jobTypes." + name + ".";
    if (settings.remote() && settings.endpoint() != null) {
      throw new ConfigException("config keys 'jobTypes." + name + ".remote' and 'jobTypes." + name + ".endpoint' "
        + "exclude each other: remote workers claim a type's jobs, or an endpoint is called for them");
    }
    boolean remote = settings.remote();
    if (!remote && settings.leaseSeconds() != null) {
      throw new ConfigException(key + "leaseSeconds' is for remote types only");
    }
    int lease = settings.leaseSeconds() != null ? settings.leaseSeconds() : LEASE_SECONDS;
    if (lease < 5) {
      throw new ConfigException(key + "leaseSeconds' must be an integer between 5 and 3600, got " + lease);
    }
    InputSchema schema;
    try {
      schema = InputSchema.compile(settings.inputSchema() != null ? settings.inputSchema() : ANY_OBJECT);
    } catch (RuntimeException e) {
      throw new ConfigException(key + "inputSchema' is not a usable JSON Schema: " + e.getMessage());
    }
    int timeout = settings.timeoutSeconds() != null ? settings.timeoutSeconds()
      : remote ? REMOTE_TIMEOUT_SECONDS : ENDPOINT_TIMEOUT_SECONDS;
    int maxAttempts = settings.maxAttempts() != null ? settings.maxAttempts() : 3;
    if (remote) {
      String description = settings.description() != null ? settings.description() : "Run by remote workers";
      return new JobType(name, description, JobType.Runner.REMOTE, null,
        settings.concurrency() != null ? settings.concurrency() : 0, timeout, maxAttempts, lease, schema);
    }
    JobHandler handler = endpoints.apply(name, settings);
    String description = settings.description() != null ? settings.description() : handler.description();
    return new JobType(name, description, JobType.Runner.ENDPOINT, handler,
      settings.concurrency() != null ? settings.concurrency() : ENDPOINT_CONCURRENCY, timeout, maxAttempts, 0, schema);
  }

  /** The type, or null. */
  public JobType get(String name) {
    return types.get(name);
  }

  /** Every type, by name. */
  public Collection<JobType> all() {
    return sorted;
  }

  /** The types this process runs itself (all but the remote ones), by name. */
  public Collection<JobType> local() {
    return local;
  }
}
