package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * Backlog and throughput at a glance, for one owner or, when {@code owner} is null, for everyone:
 * how many jobs are queued and running now, and how many ended in each final state since
 * {@code since} (the last hour). Jobs deleted by retention are no longer counted.
 */
public record JobStats(String owner, Map<JobState, Long> counts, Instant since) {

  public JobStats {
    Map<JobState, Long> all = new EnumMap<>(JobState.class);
    for (JobState state : JobState.values()) {
      all.put(state, counts.getOrDefault(state, 0L));
    }
    counts = Map.copyOf(all);
  }

  /** The jobs that ended since {@link #since}, in any final state. */
  public long finishedSince() {
    return counts.entrySet().stream().filter(e -> e.getKey().finished()).mapToLong(Map.Entry::getValue).sum();
  }

  /** The wire form of {@code GET /api/v1/stats}, every state present. */
  public JsonObject toJson() {
    JsonObject byState = new JsonObject();
    for (JobState state : JobState.values()) {
      byState.put(state.wire(), counts.get(state));
    }
    return new JsonObject().put("owner", owner).put("counts", byState).put("finishedLastHour", finishedSince());
  }
}
