package dev.offload.jobs;

import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.Map;

/**
 * Backlog and throughput at a glance: how many jobs are in each state, and how many finished
 * (in any final state) since a moment, for one owner or, when {@code owner} is null, for everyone.
 * Jobs deleted by retention are no longer counted.
 */
public record JobStats(String owner, Map<JobState, Long> counts, long finishedSince) {

  public JobStats {
    Map<JobState, Long> all = new EnumMap<>(JobState.class);
    for (JobState state : JobState.values()) {
      all.put(state, counts.getOrDefault(state, 0L));
    }
    counts = Map.copyOf(all);
  }

  /** The wire form of {@code GET /api/v1/stats}, every state present. */
  public JsonObject toJson() {
    JsonObject byState = new JsonObject();
    for (JobState state : JobState.values()) {
      byState.put(state.wire(), counts.get(state));
    }
    return new JsonObject().put("owner", owner).put("counts", byState).put("finishedLastHour", finishedSince);
  }
}
