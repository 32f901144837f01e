package dev.offload.ops;

import dev.offload.jobs.JobStore;
import dev.offload.jobs.Lifecycle;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;

import java.util.function.BooleanSupplier;

/**
 * The readiness checks (vertx-health-check): the store answers, the node's verticles are
 * deployed, the cluster is safe (clustered nodes: vertx-hazelcast's own check), and the node is
 * not shutting down. The public {@code /health/ready} shows only UP or DOWN; the management
 * port shows each check.
 */
public final class Readiness {

  private Readiness() {
  }

  public static HealthChecks create(Vertx vertx, JobStore store, Lifecycle lifecycle, BooleanSupplier deployed) {
    HealthChecks checks = HealthChecks.create(vertx)
      .register("store", 2000, promise -> store.ping()
        .onComplete(ar -> promise.complete(ar.succeeded() ? Status.OK() : Status.KO())))
      .register("deployed", promise -> promise.complete(deployed.getAsBoolean() ? Status.OK() : Status.KO()))
      .register("accepting", promise -> promise.complete(lifecycle.draining() ? Status.KO() : Status.OK()));
    if (vertx.isClustered()) {
      checks.register("cluster", 2000, ClusterHealthCheck.createProcedure(vertx));
    }
    return checks;
  }
}
