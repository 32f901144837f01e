package dev.offload.app;

import dev.offload.cluster.EventBusTls;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Deployable;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Vert.x's {@link VertxApplication} launcher (same options: {@code -conf}, {@code -cluster},
 * {@code -options} ...), with three additions, all made before Vert.x starts:
 * <ul>
 *   <li>the config is read and validated first;</li>
 *   <li>{@code cluster.tls} turns on mutual TLS on the event bus;</li>
 *   <li>Vert.x's own metrics (HTTP server, event bus, pools, JVM) go to the Micrometer registry
 *   that the management port's {@code /metrics} serves;</li>
 * </ul>
 * and one after: SIGTERM and SIGINT drain the service gracefully ({@link MainVerticle#drain()})
 * and then exit 0; a second signal ends the grace period at once.
 */
public final class Launcher extends VertxApplication implements VertxApplicationHooks {
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

  private final AtomicBoolean stopping = new AtomicBoolean();
  private JsonObject conf = new JsonObject();
  private volatile MainVerticle main;

  public Launcher(String[] args) {
    super(args);
  }

  public static void main(String[] args) {
    new Launcher(args).launch();
  }

  @Override
  public JsonObject afterConfigParsed(JsonObject config) {
    conf = config == null ? new JsonObject() : config;
    return config;
  }

  @Override
  public void beforeStartingVertx(HookContext context) {
    OffloadConfig config = OffloadConfig.from(conf, System.getenv());
    if (config.clusterTls() != null) {
      EventBusTls.apply(context.vertxOptions().getEventBusOptions(), config.clusterTls());
    }
    if (!config.management().enabled() || !config.management().vertxMetrics()) {
      return;
    }
    context.vertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      .setRegistryName(MainVerticle.REGISTRY).setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return () -> {
      MainVerticle verticle = new MainVerticle();
      main = verticle;
      return verticle;
    };
  }

  @Override
  public void afterVerticleDeployed(HookContext context) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), this::onSignal);
      } catch (IllegalArgumentException reserved) {
        // The JVM keeps it (-Xrs, or a platform without it): the signal then stops the process
        // without a drain, and lease recovery takes the running attempts back.
        LOG.warn("SIG{} cannot be handled here ({}); it will stop the node without draining", name,
          reserved.getMessage());
      }
    }
  }

  /** First signal: drain, then exit 0 (Vert.x's shutdown hook closes it and the store). Second: hurry. */
  private void onSignal(Signal signal) {
    MainVerticle verticle = main;
    if (!stopping.compareAndSet(false, true)) {
      LOG.warn("SIG{} again: handing running attempts back to the queue now", signal.getName());
      verticle.hurry();
      return;
    }
    LOG.info("SIG{}: draining (send it again to skip the grace period)", signal.getName());
    Thread drainer = new Thread(() -> {
      try {
        int requeued = verticle.drain().toCompletionStage().toCompletableFuture()
          .get(verticle.graceSeconds() + 60L, TimeUnit.SECONDS);
        LOG.info("Drained ({} attempt(s) handed back to the queue); stopping", requeued);
      } catch (Exception e) {
        // Nothing is lost: attempts still running keep their leases, and the next start or
        // another node re-queues them.
        LOG.error("Draining failed; stopping anyway: {}", e.toString());
      }
      System.exit(0);
    }, "offload-shutdown");
    drainer.start();
  }
}
