package dev.offload.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * The job types an admin paused, as this node knows them: a paused type keeps accepting
 * submissions (they queue) and is claimed by no dispatcher and no remote worker until resumed.
 * The store holds the truth; a pause or resume publishes {@link Addresses#PAUSED} cluster-wide,
 * and every node reads the store again at once, and every {@code workers.pollMillis} besides (a
 * message the event bus lost costs one poll). Thread-safe: read from every event loop.
 */
public final class PausedTypes {
  private static final Logger LOG = LoggerFactory.getLogger(PausedTypes.class);

  private final JobStore store;
  private volatile Set<String> paused = Set.of();

  public PausedTypes(JobStore store) {
    this.store = store;
  }

  /**
   * Reads the store now, then on every pause or resume on any node, and every {@code pollMillis};
   * shows each of {@code types} as {@code offload_job_type_paused} (1 paused, 0 not) on this node.
   */
  public Future<Void> start(Vertx vertx, long pollMillis, JobMetrics metrics, JobTypes types) {
    types.all().forEach(type -> metrics.gauge("offload.job.type.paused", "1 while the job type is paused, as this node "
      + "knows it", () -> paused(type.name()) ? 1 : 0, "type", type.name()));
    vertx.eventBus().consumer(Addresses.PAUSED, message -> refresh());
    vertx.setPeriodic(pollMillis, id -> refresh());
    return refresh().recover(err -> Future.succeededFuture());
  }

  /** Reads the paused types from the store; keeps what it knew when the store does not answer. */
  public Future<Void> refresh() {
    return store.pausedTypes()
      .onSuccess(read -> paused = Set.copyOf(read))
      .onFailure(err -> LOG.debug("Could not read the paused job types; keeping {}: {}", paused, err.toString()))
      .mapEmpty();
  }

  public boolean paused(String type) {
    return paused.contains(type);
  }
}
