package dev.offload.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The job types as operators see them: each with whether it is paused and how many of its jobs
 * are queued and running now (on every node), and pausing or resuming one (admins only). A paused
 * type keeps accepting submissions; no node claims its jobs until it is resumed ({@link PausedTypes}).
 */
public final class JobTypeService {
  private final Vertx vertx;
  private final JobStore store;
  private final JobTypes types;
  private final PausedTypes paused;

  public JobTypeService(Vertx vertx, JobStore store, JobTypes types, PausedTypes paused) {
    this.vertx = vertx;
    this.store = store;
    this.types = types;
    this.paused = paused;
  }

  /** Every type, by name, described with its paused flag and its queued and running counts. */
  public Future<List<JsonObject>> list() {
    return Future.all(store.queuedByType(), store.runningByType(), store.pausedTypes()).map(read -> {
      Map<String, Long> queued = read.resultAt(0);
      Map<String, Long> running = read.resultAt(1);
      java.util.Set<String> pausedNow = read.resultAt(2);
      return types.all().stream().map(type -> describe(type, pausedNow.contains(type.name()),
        queued.getOrDefault(type.name(), 0L), running.getOrDefault(type.name(), 0L))).toList();
    });
  }

  /**
   * Pauses or resumes {@code name} for every node (the route lets only {@code jobs:admin} callers
   * here); answers the type as {@link #list} shows it.
   */
  public Future<JsonObject> pause(Caller caller, String name, boolean pause) {
    JobType type = types.get(name);
    if (type == null) {
      return Future.failedFuture(new JobException(JobException.Kind.NOT_FOUND, "no job type '" + name
        + "'; see GET /api/v1/job-types"));
    }
    return store.pauseType(name, pause, caller.subject(), Instant.now())
      .compose(v -> {
        vertx.eventBus().publish(Addresses.PAUSED, new JsonObject().put("type", name).put("paused", pause));
        if (!pause) {
          // Its queued jobs run now, not at the dispatchers' next poll.
          vertx.eventBus().publish(Addresses.WAKE, Addresses.wake(List.of(name)));
        }
        return paused.refresh();
      })
      .compose(v -> list())
      .map(all -> all.stream().filter(json -> json.getString("type").equals(name)).findFirst().orElseThrow());
  }

  private static JsonObject describe(JobType type, boolean paused, long queued, long running) {
    return type.describe().put("paused", paused).put("queued", queued).put("running", running);
  }
}
