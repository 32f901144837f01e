package dev.offload.app;

import dev.offload.cluster.EventBusTls;
import dev.offload.config.OffloadConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;

/**
 * Vert.x's {@link VertxApplication} launcher (same options: {@code -conf}, {@code -cluster},
 * {@code -options} ...), with one addition: the event bus is configured before Vert.x starts, so
 * {@code cluster.tls} in the Offload config turns on mutual TLS between nodes. The config is
 * also validated here, before anything starts.
 */
public final class Launcher extends VertxApplication implements VertxApplicationHooks {
  private JsonObject conf = new JsonObject();

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
  }
}
