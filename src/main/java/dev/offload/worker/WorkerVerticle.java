package dev.offload.worker;

import dev.offload.jobs.Addresses;
import dev.offload.jobs.AttemptFailure;
import dev.offload.jobs.JobContext;
import dev.offload.jobs.JobType;
import dev.offload.jobs.PermanentFailure;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the attempts of one job type that arrive on {@code offload.jobs.<type>}. The verticle
 * itself lives on an event loop. A blocking handler runs on this type's own worker pool (sized
 * by its concurrency), so a free thread always takes the next attempt and CPU-bound work never
 * touches the event loops or the pool the store uses; a non-blocking handler runs on the event
 * loop and holds no thread while it waits.
 */
public final class WorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);

  private final JobType type;
  private final long progressIntervalMillis;
  /** Attempts in progress; a late attempt that ignored a cancel may still run beside its retry. */
  private final Set<RunningJob> running = ConcurrentHashMap.newKeySet();
  private WorkerExecutor pool;
  private volatile boolean stopping;

  public WorkerVerticle(JobType type, long progressIntervalMillis) {
    this.type = type;
    this.progressIntervalMillis = progressIntervalMillis;
  }

  @Override
  public Future<?> start() {
    if (type.handler().blocking()) {
      // Attempts may run for hours: raise the blocked-thread warning limit to match.
      pool = vertx.createSharedWorkerExecutor("offload-" + type.name(), type.concurrency(), 7, TimeUnit.DAYS);
    }
    // Local: only this node's dispatcher sends work here, for this node's capacity.
    MessageConsumer<JsonObject> work = vertx.eventBus().localConsumer(Addresses.jobs(type.name()), this::onWork);
    MessageConsumer<JsonObject> cancel = vertx.eventBus().consumer(Addresses.CANCEL, this::onCancel);
    // Cluster-wide: lets API nodes see that some node runs this type.
    MessageConsumer<JsonObject> presence = vertx.eventBus().consumer(Addresses.workers(type.name()),
      message -> message.reply(new JsonObject()));
    return Future.all(work.completion(), cancel.completion(), presence.completion());
  }

  /**
   * Stops the handlers without answering. A graceful stop has drained first (the dispatcher handed
   * what still ran back to the queue); otherwise their jobs stay running in the store, exactly as
   * after a crash, and lease recovery queues them again.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    running.forEach(RunningJob::cancel);
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private void onWork(Message<JsonObject> message) {
    RunningJob job = new RunningJob(vertx, message.body(), progressIntervalMillis);
    running.add(job);
    Future<JsonObject> attempt = pool == null
      ? runHandler(job)
      : pool.executeBlocking(() -> runHandler(job), false).compose(f -> f);
    attempt.onComplete(ar -> {
      running.remove(job);
      if (stopping) {
        return;
      }
      if (ar.succeeded()) {
        message.reply(ar.result() == null ? new JsonObject() : ar.result());
        return;
      }
      if (ar.cause() instanceof PermanentFailure failure) {
        LOG.info("Job {} ({}) attempt {} failed for good: {}", job.id(), type.name(), job.attempt(), failure.code());
      } else if (!(ar.cause() instanceof JobContext.CancelledException) && !job.cancelled()) {
        LOG.info("Job {} ({}) attempt {} failed: {}", job.id(), type.name(), job.attempt(), ar.cause().toString());
      }
      AttemptFailure.reply(message, ar.cause(), job.cancelled());
    });
  }

  private Future<JsonObject> runHandler(RunningJob job) {
    try {
      return type.handler().run(job);
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  private void onCancel(Message<JsonObject> message) {
    UUID id = UUID.fromString(message.body().getString("id"));
    running.stream().filter(job -> job.id().equals(id)).forEach(RunningJob::cancel);
  }
}
