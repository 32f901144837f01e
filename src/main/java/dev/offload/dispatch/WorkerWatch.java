package dev.offload.dispatch;

import dev.offload.jobs.Addresses;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobTypes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * On API nodes: notices job types that no node in the cluster runs (the event bus answers
 * NO_HANDLERS for their presence address). Their queued jobs stay queued, not failed, and say
 * why in their {@code error}; the log says it once per outage. When a worker comes back, the
 * jobs run and their outcome replaces the note.
 */
public final class WorkerWatch extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerWatch.class);

  private final JobStore store;
  private final JobTypes types;
  private final long intervalMillis;
  private final Set<String> missing = new HashSet<>();

  public WorkerWatch(JobStore store, JobTypes types, long intervalMillis) {
    this.store = store;
    this.types = types;
    this.intervalMillis = intervalMillis;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(intervalMillis, id -> types.local().forEach(type -> check(type.name())));
    return Future.succeededFuture();
  }

  private void check(String type) {
    vertx.eventBus().request(Addresses.workers(type), new JsonObject(), new DeliveryOptions().setSendTimeout(5000))
      .onSuccess(reply -> {
        if (missing.remove(type)) {
          LOG.info("Workers for job type '{}' are back", type);
        }
      })
      .onFailure(err -> {
        if (err instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
          if (missing.add(type)) {
            LOG.warn("No node in the cluster runs job type '{}': its jobs wait in the queue", type);
          }
          store.flagQueued(type, JobError.of(JobError.NO_WORKERS,
              "no node in the cluster runs type '" + type + "' right now; the job waits in the queue"))
            .onFailure(e -> LOG.warn("Could not flag queued '{}' jobs: {}", type, e.toString()));
        }
      });
  }
}
