package dev.offload.dispatch;

import dev.offload.config.OffloadConfig;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Deletes finished jobs (succeeded, failed, cancelled) older than the retention period, in small
 * batches, one after the other: each batch is one short transaction, so submissions and
 * outcomes never wait long behind it. Queued and running jobs are never touched. A purged job is
 * a 404, like one that never existed. Runs on every worker node (deletes are idempotent).
 */
public final class Retention extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  private final JobStore store;
  private final OffloadConfig.Retention settings;
  private final JobMetrics metrics;
  private boolean purging;

  public Retention(JobStore store, OffloadConfig.Retention settings, JobMetrics metrics) {
    this.store = store;
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(settings.intervalSeconds() * 1000L, id -> purge());
    return Future.succeededFuture();
  }

  private void purge() {
    if (purging) {
      return;
    }
    purging = true;
    Instant before = Instant.now().minusSeconds(settings.keepFinishedSeconds());
    purgeBatches(before, 0).onComplete(ar -> {
      purging = false;
      if (ar.failed()) {
        LOG.warn("Retention could not delete finished jobs; will retry: {}", ar.cause().toString());
      } else if (ar.result() > 0) {
        LOG.info("Retention deleted {} job(s) finished before {}", ar.result(), before);
      }
    });
  }

  /** Batch after batch until one comes back short; other writes get the store between batches. */
  private Future<Integer> purgeBatches(Instant before, int deletedSoFar) {
    return store.purgeFinished(before, settings.batchSize()).compose(deleted -> {
      metrics.purged(deleted);
      return deleted < settings.batchSize()
        ? Future.succeededFuture(deletedSoFar + deleted)
        : purgeBatches(before, deletedSoFar + deleted);
    });
  }
}
