package dev.offload.app;

import dev.offload.auth.TokenVerifier;
import dev.offload.config.OffloadConfig;
import dev.offload.http.ConnectionGuard;
import dev.offload.http.HttpVerticle;
import dev.offload.http.RateLimiter;
import dev.offload.jobs.Dispatcher;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobType;
import dev.offload.jobs.JobTypes;
import dev.offload.jobs.WorkerWatch;
import dev.offload.store.PostgresStore;
import dev.offload.store.SqliteStore;
import dev.offload.worker.WorkerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wires the service in dependency order: config, store, workers, dispatcher, then HTTP, so that
 * nothing is reachable before what it depends on is up. Started by Vert.x's launcher
 * ({@code java -jar offload.jar -conf conf/config.json}).
 */
public final class MainVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);

  private final Map<String, String> env;
  private final List<HttpVerticle> httpVerticles = new CopyOnWriteArrayList<>();
  /** This process in the store's leases: unique per start, so a restarted node holds none of its old leases. */
  private final String node = "node-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  private OffloadConfig settings;
  private TokenVerifier tokens;
  private JobStore store;

  public MainVerticle() {
    this(System.getenv());
  }

  /** With an explicit environment, for tests. */
  public MainVerticle(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Future<?> start() {
    settings = OffloadConfig.from(config(), env);
    JobTypes types = JobTypes.load(settings);
    // The token verifier comes first: a bad key must stop start-up before any job is touched.
    return (settings.runsApi() ? TokenVerifier.create(vertx, settings) : Future.<TokenVerifier>succeededFuture())
      .onSuccess(verifier -> tokens = verifier)
      // The data directory holds every job's input and result: readable by its owner only.
      .compose(v -> vertx.fileSystem().mkdirs(settings.dataDir().toString(), "rwx------"))
      .compose(v -> openStore())
      .onSuccess(opened -> store = opened)
      .compose(v -> settings.runsWorkers() ? deployWorkers(types) : Future.succeededFuture())
      .compose(v -> settings.runsApi() ? deployHttp(types) : Future.succeededFuture())
      .onFailure(err -> stop())
      .onSuccess(v -> warnIfPlaintextCluster())
      .onSuccess(v -> LOG.info("Offload started: node {}, mode {}, roles {}, job types {}{}", node, settings.mode(),
        settings.roles(), types.all().stream().map(JobType::name).toList(),
        settings.runsApi() ? ", listening on " + (settings.http().tls() != null ? "https" : "http") + "://"
          + settings.http().host() + ":" + httpPort() : ""));
  }

  private Future<JobStore> openStore() {
    return settings.store().isPostgres()
      ? PostgresStore.open(vertx, settings.store().postgres()).map(store -> store)
      : SqliteStore.open(vertx, settings.store()).map(store -> store);
  }

  private Future<?> deployWorkers(JobTypes types) {
    List<Future<String>> workers = new ArrayList<>();
    for (JobType type : types.all()) {
      workers.add(vertx.deployVerticle(new WorkerVerticle(type, settings.workers().progressIntervalMillis())));
    }
    return Future.all(workers)
      .compose(v -> vertx.deployVerticle(new Dispatcher(store, types, settings.workers(), node)));
  }

  private Future<?> deployHttp(JobTypes types) {
    int instances = settings.http().instances() > 0
      ? settings.http().instances() : Runtime.getRuntime().availableProcessors();
    DeploymentOptions http = new DeploymentOptions().setInstances(instances);
    OffloadConfig.Rate rate = settings.limits().rate();
    RateLimiter limiter = rate.enabled() ? new RateLimiter(rate.perSecond(), rate.burst()) : null;
    if (limiter != null) {
      vertx.setPeriodic(60_000, id -> limiter.forgetIdle(System.nanoTime()));
    }
    ConnectionGuard guard = new ConnectionGuard(settings.http().maxConnections(),
      settings.http().headerTimeoutSeconds() * 1000L);
    return vertx.deployVerticle(new WorkerWatch(store, types, settings.workers().leaseSeconds() * 1000L / 3))
      .compose(v -> vertx.deployVerticle(() -> {
        HttpVerticle verticle = new HttpVerticle(settings, store, types, tokens, limiter, guard);
        httpVerticles.add(verticle);
        return verticle;
      }, http));
  }

  private void warnIfPlaintextCluster() {
    if (vertx.isClustered() && settings.clusterTls() == null) {
      LOG.warn("The clustered event bus is plaintext and unauthenticated: anyone who reaches the cluster ports "
        + "can read and send its messages. Set cluster.tls (see docs/deployment.md) or firewall those ports.");
    }
  }

  /** The port the API listens on (useful when configured as 0); -1 when this node has no API. */
  public int httpPort() {
    return httpVerticles.isEmpty() ? -1 : httpVerticles.get(0).port();
  }

  @Override
  public Future<?> stop() {
    // Vert.x undeploys the child verticles (HTTP, dispatcher, workers) before this runs.
    return store == null ? Future.succeededFuture() : store.close();
  }
}
