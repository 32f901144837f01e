package dev.offload.ops;

import dev.offload.config.OffloadConfig;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobType;
import dev.offload.jobs.JobTypes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * The management port: {@code GET /metrics} (Prometheus text format: Offload's job metrics,
 * Vert.x's HTTP, event-bus and pool metrics, JVM metrics) and {@code GET /health/live},
 * {@code GET /health/ready} with every check's status. No authentication: it is meant for the
 * monitoring network, and binds to loopback unless configured otherwise. It also counts the
 * queue by type every few seconds for the {@code offload_jobs_queued} gauge.
 */
public final class ManagementVerticle extends VerticleBase {
  private static final long QUEUE_POLL_MILLIS = 5000;

  private final OffloadConfig.Management settings;
  private final PrometheusMeterRegistry registry;
  private final HealthChecks readiness;
  private final JobStore store;
  private final JobTypes types;
  private final JobMetrics metrics;
  private HttpServer server;

  public ManagementVerticle(OffloadConfig.Management settings, PrometheusMeterRegistry registry, HealthChecks readiness,
                            JobStore store, JobTypes types, JobMetrics metrics) {
    this.settings = settings;
    this.registry = registry;
    this.readiness = readiness;
    this.store = store;
    this.types = types;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.get(HealthHandler.LIVE).handler(HealthHandler.live());
    router.get(HealthHandler.READY).handler(HealthHandler.ready(readiness, true));
    countQueue();
    vertx.setPeriodic(QUEUE_POLL_MILLIS, id -> countQueue());
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(settings.port(), settings.host());
  }

  private void countQueue() {
    store.queuedByType().onSuccess(counts -> {
      for (JobType type : types.all()) {
        metrics.queued(type.name(), counts.getOrDefault(type.name(), 0L));
      }
    });
  }

  /** The port actually bound. */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }
}
