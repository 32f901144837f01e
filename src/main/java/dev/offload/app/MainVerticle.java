package dev.offload.app;

import dev.offload.auth.TokenVerifier;
import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import dev.offload.http.HttpVerticle;
import dev.offload.dispatch.Dispatcher;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobType;
import dev.offload.jobs.JobTypes;
import dev.offload.jobs.JobTypeService;
import dev.offload.jobs.Lifecycle;
import dev.offload.jobs.PausedTypes;
import dev.offload.jobs.RetryPolicy;
import dev.offload.dispatch.Retention;
import dev.offload.dispatch.WorkerWatch;
import dev.offload.ops.EventLoopProbe;
import dev.offload.ops.ManagementVerticle;
import dev.offload.ops.Readiness;
import dev.offload.remote.RemoteWork;
import dev.offload.schedules.ScheduleService;
import dev.offload.schedules.Scheduler;
import dev.offload.store.PostgresStore;
import dev.offload.store.SqlJobStore;
import dev.offload.store.SqliteStore;
import dev.offload.webhooks.TargetPolicy;
import dev.offload.webhooks.WebhookSender;
import dev.offload.worker.WorkerVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Wires the service in dependency order: config, store, workers, dispatcher, then HTTP, so that
 * nothing is reachable before what it depends on is up. Started by Vert.x's launcher
 * ({@code java -jar offload.jar -conf conf/config.json}).
 */
public final class MainVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  /** The Micrometer registry the launcher gives Vert.x's own metrics (see {@link Launcher}). */
  static final String REGISTRY = "offload";

  private final Map<String, String> env;
  /** This process in the store's leases: unique per start, so a restarted node holds none of its old leases. */
  private final String node = "node-" + UUID.randomUUID().toString().substring(0, 8);
  private final Lifecycle lifecycle = new Lifecycle();
  private OffloadConfig settings;
  private TokenVerifier tokens;
  private SqlJobStore store;
  private JobMetrics metrics;
  private JobEvents events;
  private JobService jobs;
  private PausedTypes paused;
  private HealthChecks readiness;
  private Dispatcher dispatcher;
  private HttpVerticle http;
  private ManagementVerticle management;
  private volatile boolean deployed;

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
    JobTypes types = JobTypes.load(settings, dev.offload.webhooks.EndpointHandler.factory(settings.webhooks()));
    PrometheusMeterRegistry registry = registry();
    metrics = new JobMetrics(registry);
    events = new JobEvents(vertx);
    // The token verifier comes first: a bad key must stop start-up before any job is touched.
    return (settings.runsApi() ? TokenVerifier.create(vertx, settings) : Future.<TokenVerifier>succeededFuture())
      .onSuccess(verifier -> tokens = verifier)
      // The data directory holds every job's input and result: readable by its owner only.
      .compose(v -> vertx.fileSystem().mkdirs(settings.dataDir().toString(), "rwx------")
        .recover(failing("cannot create the data directory " + settings.dataDir() + " (config key 'dataDir')")))
      .compose(v -> openStore())
      .onSuccess(opened -> store = opened)
      .onSuccess(v -> readiness = Readiness.create(vertx, store, lifecycle, () -> deployed))
      .onSuccess(v -> paused = new PausedTypes(store))
      .compose(v -> paused.start(vertx, settings.workers().pollMillis(), metrics, types))
      // The dispatcher before the job service: a submission may hand its job straight to it.
      .onSuccess(v -> dispatcher = settings.runsWorkers()
        ? new Dispatcher(store, types, paused, settings.workers(), node, metrics, events) : null)
      .onSuccess(v -> jobs = jobService(types))
      .compose(v -> settings.runsWorkers() ? deployWorkers(types) : Future.succeededFuture())
      .compose(v -> settings.runsApi() ? deployHttp(types).recover(failing("cannot serve the API on "
        + settings.http().host() + ":" + settings.http().port() + " (config keys 'http.host', 'http.port')"))
        : Future.succeededFuture())
      .compose(v -> settings.management().enabled() ? deployManagement(registry, types).recover(failing(
        "cannot serve the management port on " + settings.management().host() + ":" + settings.management().port()
          + " (config keys 'management.host', 'management.port')")) : Future.succeededFuture())
      .onFailure(err -> stop())
      .onSuccess(v -> deployed = true)
      .onSuccess(v -> warnIfPlaintextCluster())
      .onSuccess(v -> LOG.info("Offload started: node {}, mode {}, roles {}, job types {}{}{}", node, settings.mode(),
        settings.roles(), types.all().stream().map(JobType::name).toList(),
        settings.runsApi() ? ", listening on " + (settings.http().tls() != null ? "https" : "http") + "://"
          + settings.http().host() + ":" + httpPort() : "",
        management == null ? "" : ", management on http://" + settings.management().host() + ":" + managementPort()));
  }

  /** Vert.x's own registry when the launcher enabled metrics; else one of this service's own (job metrics only). */
  private static PrometheusMeterRegistry registry() {
    return BackendRegistries.getNow(REGISTRY) instanceof PrometheusMeterRegistry shared
      ? shared : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  private Future<SqlJobStore> openStore() {
    return settings.store().isPostgres()
      ? PostgresStore.open(vertx, settings.store().postgres(), settings.store().timeoutSeconds())
        .recover(failing("cannot open the PostgreSQL store (config key 'store.postgres.url')"))
      : SqliteStore.open(vertx, settings.store())
        .recover(failing("cannot open the SQLite store " + settings.store().sqliteFile()));
  }

  /**
   * Gives a start-up step's failure the context an operator needs to act on it (what failed, and
   * the config keys involved); a {@link ConfigException} already names its key and stays as it is.
   */
  private static <T> Function<Throwable, Future<T>> failing(String what) {
    return err -> Future.failedFuture(err instanceof ConfigException ? err
      : new IllegalStateException(what + ": " + StartupFailure.describe(err), err));
  }

  private Future<?> deployWorkers(JobTypes types) {
    List<Future<String>> workers = new ArrayList<>();
    for (JobType type : types.local()) {
      workers.add(vertx.deployVerticle(new WorkerVerticle(type, settings.workers().progressIntervalMillis())));
    }
    return Future.all(workers)
      .compose(v -> vertx.deployVerticle(dispatcher))
      .compose(v -> vertx.deployVerticle(new Scheduler(store.schedules(), jobs, metrics, Clock.systemUTC(),
        settings.workers().pollMillis())))
      .compose(v -> vertx.deployVerticle(new Retention(store, settings.retention(), metrics)))
      .compose(v -> settings.webhooks().enabled() ? vertx.deployVerticle(webhookSender()) : Future.succeededFuture());
  }

  /** The job use cases, for the API and for the schedules' ticks; webhook URLs are checked when webhooks are on. */
  private JobService jobService(JobTypes types) {
    TargetPolicy targets = new TargetPolicy(settings.webhooks().allowHttp(), settings.webhooks().allowHosts());
    return new JobService(vertx, store, types, settings, metrics, lifecycle, events,
      settings.webhooks().enabled() ? targets::problemWithUrl : null, dispatcher);
  }

  private WebhookSender webhookSender() {
    try {
      return new WebhookSender(store.webhooks(), settings.webhooks(), settings.workers().pollMillis(), metrics);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("config key 'webhooks.secret': " + e.getMessage());
    }
  }

  private Future<?> deployHttp(JobTypes types) {
    int instances = settings.http().instances() > 0
      ? settings.http().instances() : Runtime.getRuntime().availableProcessors();
    DeploymentOptions http = new DeploymentOptions().setInstances(instances);
    HttpVerticle.Shared shared = HttpVerticle.Shared.create(vertx, settings, metrics, events, types.all());
    ScheduleService schedules = new ScheduleService(store.schedules(), jobs, settings.limits().schedulesPerOwner(),
      Clock.systemUTC());
    OffloadConfig.Workers workers = settings.workers();
    RemoteWork work = new RemoteWork(vertx, store, types, events, metrics,
      new RetryPolicy(workers.retryBaseMillis(), workers.retryMaxMillis()), lifecycle, paused, workers.fairOwners());
    JobTypeService jobTypes = new JobTypeService(vertx, store, types, paused);
    return events.listen()
      .compose(v -> vertx.deployVerticle(new WorkerWatch(store, types, settings.workers().leaseSeconds() * 1000L / 3)))
      .compose(v -> vertx.deployVerticle(() -> {
        HttpVerticle verticle = new HttpVerticle(settings, jobs, jobTypes, schedules, work, tokens, shared, metrics, readiness);
        this.http = verticle;
        return verticle;
      }, http))
      // One lag probe per event loop the HTTP verticles run on.
      .compose(v -> vertx.deployVerticle(() -> new EventLoopProbe(metrics), new DeploymentOptions()
        .setInstances(instances)));
  }

  private Future<?> deployManagement(PrometheusMeterRegistry registry, JobTypes types) {
    management = new ManagementVerticle(settings.management(), registry, readiness, store, types, metrics);
    return vertx.deployVerticle(management);
  }

  private void warnIfPlaintextCluster() {
    if (vertx.isClustered() && settings.clusterTls() == null) {
      LOG.warn("The clustered event bus is plaintext and unauthenticated: anyone who reaches the cluster ports "
        + "can read and send its messages. Set cluster.tls (see docs/deployment.md) or firewall those ports.");
    }
  }

  /**
   * Graceful shutdown, before Vert.x closes: readiness goes down and new submissions get 503 at
   * once; attempts running here get {@code shutdown.graceSeconds} to finish; those still running
   * then go back to the queue. Completes with how many went back. Reads keep being served.
   */
  public Future<Integer> drain() {
    lifecycle.startDraining();
    LOG.info("Shutting down: not ready, refusing submissions, {} s for running attempts", settings.shutdownGraceSeconds());
    return dispatcher == null ? Future.succeededFuture(0) : dispatcher.drain(settings.shutdownGraceSeconds() * 1000L);
  }

  /** Ends the grace period of a drain now (a second signal). */
  public void hurry() {
    if (dispatcher != null) {
      dispatcher.hurry();
    }
  }

  /** One of the HTTP verticles deployed (null before): tests walk its route table against the contract. */
  public HttpVerticle http() {
    return http;
  }

  /** The port the API listens on (useful when configured as 0); -1 when this node has no API. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /** The management port (useful when configured as 0); -1 when it is off. */
  public int managementPort() {
    return management == null ? -1 : management.port();
  }

  /** The configured grace period. */
  int graceSeconds() {
    return settings.shutdownGraceSeconds();
  }

  @Override
  public Future<?> stop() {
    // Vert.x undeploys the child verticles (HTTP, dispatcher, workers) before this runs.
    return store == null ? Future.succeededFuture() : store.close();
  }
}
