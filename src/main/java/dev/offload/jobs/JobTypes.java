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
import java.util.regex.Pattern;

/** The job types this node knows, loaded with {@link ServiceLoader} and configured once at start. */
public final class JobTypes {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  private final Map<String, JobType> types;
  /** By name: the dispatcher walks them at every pump. */
  private final List<JobType> sorted;

  private JobTypes(Map<String, JobType> types) {
    this.types = types;
    this.sorted = List.copyOf(new TreeMap<>(types).values());
  }

  /** Loads every handler on the class path and applies the per-type config. */
  public static JobTypes load(OffloadConfig config) {
    List<JobHandler> handlers = new ArrayList<>();
    ServiceLoader.load(JobHandler.class).forEach(handlers::add);
    return of(handlers, config);
  }

  private static JobTypes of(Collection<JobHandler> handlers, OffloadConfig config) {
    Map<String, JobType> types = new TreeMap<>();
    for (JobHandler handler : handlers) {
      String name = handler.type();
      if (!NAME.matcher(name).matches()) {
        throw new IllegalStateException("job type name '" + name + "' of " + handler.getClass().getName()
          + " must match " + NAME.pattern());
      }
      if (types.containsKey(name)) {
        throw new IllegalStateException("two handlers for job type '" + name + "'");
      }
      OffloadConfig.JobTypeSettings settings = config.jobTypes()
        .getOrDefault(name, new OffloadConfig.JobTypeSettings(null, null, null));
      int defaultConcurrency = handler.blocking()
        ? config.workers().blockingThreads() : config.workers().asyncConcurrency();
      int concurrency = settings.concurrency() != null ? settings.concurrency() : defaultConcurrency;
      int maxAttempts = settings.maxAttempts() != null ? settings.maxAttempts() : handler.maxAttempts();
      types.put(name, new JobType(handler, concurrency, settings.timeoutSeconds(), maxAttempts,
        InputSchema.compile(handler.inputSchema())));
    }
    for (String configured : config.jobTypes().keySet()) {
      if (!types.containsKey(configured)) {
        throw new ConfigException("config key 'jobTypes." + configured + "' names an unknown job type; known: "
          + types.keySet());
      }
    }
    return new JobTypes(Map.copyOf(types));
  }

  /** The type, or null. */
  public JobType get(String name) {
    return types.get(name);
  }

  /** Every type, by name. */
  public Collection<JobType> all() {
    return sorted;
  }
}
