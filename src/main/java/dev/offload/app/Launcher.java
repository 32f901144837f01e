package dev.offload.app;

import dev.offload.cluster.EventBusTls;
import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import io.vertx.core.Deployable;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
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
 *
 * <p>When the service cannot start, whatever the step (the {@code -conf} argument, the config,
 * the keys, the store, a port), the process prints one line that says why on stderr (the
 * {@code offload.startup} logger, in the log's format) and exits with {@link StartupFailure}'s
 * code: 2 for a configuration to fix, 1 for anything else. Vert.x's launcher alone would exit
 * silently for a refused config, and with a stack trace for the rest.
 */
public final class Launcher extends VertxApplication implements VertxApplicationHooks {
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
  /** Start-up refusals: a logger of their own, whose appender writes to stderr (logback.xml). */
  private static final Logger STARTUP = LoggerFactory.getLogger("offload.startup");

  private final AtomicBoolean stopping = new AtomicBoolean();
  /** The {@code -conf} argument as given; null when there is none. */
  private final String confArgument;
  private JsonObject conf = new JsonObject();
  private volatile MainVerticle main;

  public Launcher(String[] args) {
    // Hooks: this; no second usage text on a usage error (Vert.x prints one to stdout, coloured,
    // after picocli's own on stderr); exit on failure.
    super(args, null, false, true);
    confArgument = confArgument(args);
  }

  public static void main(String[] args) {
    // A usage error prints one plain line and the usage, never ANSI escapes: they end up in logs.
    System.setProperty("picocli.ansi", "false");
    new Launcher(args).launch();
  }

  @Override
  public JsonObject afterConfigParsed(JsonObject config) {
    if (config == null && confArgument != null) {
      // Vert.x warns and goes on with an empty config: a mistyped path would start on the defaults.
      refuse(new ConfigException("-conf " + confArgument + ": " + (confArgument.trim().startsWith("{")
        ? "not a valid JSON object" : Files.isRegularFile(Path.of(confArgument))
        ? "not a readable file holding a JSON object" : "no such file")));
    }
    conf = config == null ? new JsonObject() : config;
    return config;
  }

  @Override
  public void beforeStartingVertx(HookContext context) {
    OffloadConfig config;
    try {
      config = OffloadConfig.from(conf, System.getenv());
    } catch (ConfigException refused) {
      refuse(refused);
      return;
    }
    if (config.clusterTls() != null) {
      EventBusTls.apply(context.vertxOptions().getEventBusOptions(), config.clusterTls());
    }
    if (!config.management().enabled() || !config.management().vertxMetrics()) {
      return;
    }
    // Vert.x's HTTP server metrics cost a quarter of the bare route's throughput, whatever their
    // labels: off, Offload measures its API itself (HttpMetrics) with meters registered once.
    context.vertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      .setRegistryName(MainVerticle.REGISTRY).setJvmMetricsEnabled(true)
      .setDisabledMetricsCategories(Set.of(MetricsDomain.HTTP_SERVER.toCategory()))
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
  public void afterFailureToStartVertx(HookContext context, Throwable cause) {
    refuse(cause == null ? new IllegalStateException("Vert.x did not start within 2 minutes") : cause);
  }

  @Override
  public void afterFailureToDeployVerticle(HookContext context, Throwable cause) {
    refuse(cause == null ? new IllegalStateException("the service did not start within 2 minutes") : cause);
  }

  /**
   * Prints why the service did not start and exits with the matching code, before Vert.x's
   * launcher logs the failure again with its stack trace (kept at DEBUG here).
   */
  private static void refuse(Throwable cause) {
    StartupFailure failure = StartupFailure.of(cause);
    STARTUP.error(failure.line());
    if (failure.exitCode() != StartupFailure.CONFIGURATION) {
      LOG.debug("Start-up failure", cause);
    }
    System.exit(failure.exitCode());
  }

  /** The value of {@code -conf}/{@code --conf} (either spelling, any case, also as {@code -conf=...}). */
  private static String confArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i].toLowerCase(Locale.ROOT);
      if ((arg.equals("-conf") || arg.equals("--conf")) && i + 1 < args.length) {
        return args[i + 1];
      }
      if (arg.startsWith("-conf=") || arg.startsWith("--conf=")) {
        return args[i].substring(args[i].indexOf('=') + 1);
      }
    }
    return null;
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
