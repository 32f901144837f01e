package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.auth.Scopes;
import dev.offload.auth.TokenVerifier;
import dev.offload.config.OffloadConfig;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobMetrics;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobType;
import dev.offload.jobs.JobTypeService;
import dev.offload.ops.HealthHandler;
import dev.offload.remote.RemoteWork;
import dev.offload.schedules.ScheduleService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CSPHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.HSTSHandler;
import io.vertx.ext.web.handler.XFrameHandler;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The HTTP API. Runs on an event loop (one instance per core); every handler returns at once and
 * finishes when its store call completes, so no request holds a thread while work runs.
 */
public final class HttpVerticle extends VerticleBase {
  /** Every API route, and only those, passes the audit, timeout, body, token and rate guards. */
  private static final String API = "/api/v1/*";
  private static final List<Integer> ROUTER_ERRORS = List.of(400, 401, 403, 404, 405, 406, 408, 413, 415, 431, 500);

  private final OffloadConfig config;
  private final JobService jobs;
  private final ScheduleService schedules;
  private final TokenVerifier tokens;
  private final Shared shared;
  private final JobMetrics metrics;
  private final HealthChecks readiness;
  private final RemoteWork work;
  private final JobTypeService jobTypes;
  private WorkWaits workWaits;
  private ConnectionGuard.Watch watch;
  private HttpServer server;

  public HttpVerticle(OffloadConfig config, JobService jobs, JobTypeService jobTypes, ScheduleService schedules,
                      RemoteWork work, TokenVerifier tokens, Shared shared, JobMetrics metrics, HealthChecks readiness) {
    this.work = work;
    this.jobTypes = jobTypes;
    this.config = config;
    this.jobs = jobs;
    this.schedules = schedules;
    this.tokens = tokens;
    this.shared = shared;
    this.metrics = metrics;
    this.readiness = readiness;
  }

  /**
   * What every HTTP verticle of a node shares: the rate limiter (null when rate limiting is off),
   * the connection guard, the places for held requests, event streams and remote workers' held
   * claims, the job events, and the contract {@code GET /api/v1/openapi.json} answers (built once
   * per node, not per verticle).
   */
  public record Shared(RateLimiter limiter, ConnectionGuard guard, Holds waiters, Holds streams, Holds claims,
                       JobEvents events, Buffer contract) {

    /** Builds them from the config, with their gauges; the contract describes {@code types}. */
    public static Shared create(Vertx vertx, OffloadConfig config, JobMetrics metrics, JobEvents events,
                                Collection<JobType> types) {
      OffloadConfig.Rate rate = config.limits().rate();
      RateLimiter limiter = rate.enabled() ? new RateLimiter(rate.perSecond(), rate.burst()) : null;
      if (limiter != null) {
        vertx.setPeriodic(60_000, id -> limiter.forgetIdle(System.nanoTime()));
      }
      ConnectionGuard guard = new ConnectionGuard(config.http().maxConnections(),
        config.http().headerTimeoutSeconds() * 1000L);
      OffloadConfig.Api api = config.api();
      Holds waiters = new Holds("held requests", api.maxWaiters(), api.maxWaitersPerOwner());
      Holds streams = new Holds("event streams", api.maxStreams(), api.maxStreamsPerOwner());
      Holds claims = new Holds("held claims", api.maxWaiters(), api.maxWaitersPerOwner());
      metrics.gauge("offload.http.server.connections", "API connections open on this node", guard::open);
      metrics.gauge("offload.http.waiters", "requests held by Prefer: wait on this node", waiters::held);
      metrics.gauge("offload.http.streams", "job event streams open on this node", streams::held);
      metrics.gauge("offload.http.claims", "remote workers' claims held on this node", claims::held);
      return new Shared(limiter, guard, waiters, streams, claims, events,
        OpenApiDocument.encoded(types, config.limits()));
    }
  }

  @Override
  public Future<?> start() {
    watch = shared.guard().new Watch(vertx);
    workWaits = new WorkWaits(vertx, work, shared.claims(), config.workers().pollMillis());
    Router router = router();
    server = vertx.createHttpServer(serverOptions(config))
      .connectionHandler(watch::opened)
      .invalidRequestHandler(InvalidRequests::answer)
      .requestHandler(request -> {
        watch.headersReceived(request);
        router.handle(request);
      });
    return workWaits.start().compose(v -> server.listen());
  }

  /** Listener, TLS and protocol limits. */
  static HttpServerOptions serverOptions(OffloadConfig config) {
    OffloadConfig.Http http = config.http();
    HttpServerOptions options = new HttpServerOptions()
      .setHost(http.host())
      .setPort(http.port())
      // Connections that send nothing are closed: a slow or stuck client cannot hold one forever.
      .setIdleTimeout(http.idleTimeoutSeconds())
      .setMaxHeaderSize(config.limits().headerBytes())
      // No cleartext HTTP/2 upgrade: HTTP/2 only over TLS, negotiated with ALPN.
      .setHttp2ClearTextEnabled(false);
    options.getInitialSettings().setMaxHeaderListSize(config.limits().headerBytes());
    if (http.tls() != null) {
      options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(http.tls().keyFile().toString())
          .setCertPath(http.tls().certFile().toString()))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
        .setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    }
    return options;
  }

  /** The route table: every path, method, guard and handler of the service, top to bottom. */
  Router router() {
    OffloadConfig.Api api = config.api();
    StrictJson json = new StrictJson(config.limits().jsonDepth());
    JobRoutes routes = new JobRoutes(jobs, json, new Waits(jobs, shared.events(), shared.waiters(), api.maxWaitSeconds()));
    ScheduleRoutes scheduleRoutes = new ScheduleRoutes(schedules, json);
    WorkRoutes workRoutes = new WorkRoutes(work, json, workWaits);
    TypeRoutes typeRoutes = new TypeRoutes(jobTypes, json);
    EventStream events = new EventStream(jobs, shared.events(), shared.streams(), api.heartbeatSeconds(),
      api.maxStreamSeconds(), JobRoutes::jobId);
    BearerAuth auth = BearerAuth.create(tokens);
    Router router = Router.router(vertx);

    // On every response, errors included.
    router.route().handler(RequestLog.create(new HttpMetrics(metrics.registry())));
    router.route().handler(CSPHandler.create().setDirective("default-src", "'none'")
        .setDirective("frame-ancestors", "'none'"))
      .handler(XFrameHandler.create(XFrameHandler.DENY))
      .handler(SecurityHeaders.create());
    if (config.http().tls() != null) {
      router.route().handler(HSTSHandler.create(365L * 24 * 3600, false));
    }
    router.route().handler(HeaderCountLimit.create(config.limits().headerCount()));
    // CORS is off unless origins are listed (never "*"; no cookies are used, so no credentials).
    if (!config.http().corsOrigins().isEmpty()) {
      router.route().handler(CorsHandler.create()
        .addOrigins(config.http().corsOrigins())
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "Prefer", "Idempotency-Key", "Last-Event-ID"))
        .exposedHeaders(Set.of("Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
          "Preference-Applied", "Idempotent-Replayed"))
        .maxAgeSeconds(600));
    }

    router.get(HealthHandler.LIVE).handler(HealthHandler.live());
    router.get(HealthHandler.READY).handler(HealthHandler.ready(readiness, false));
    // The contract, before the API's guards: no token (it holds nothing secret), no rate limit
    // (the limiter counts per token subject, and this is a static buffer that costs no store
    // call), no audit (the trail records who did what to jobs; this reads nothing of anyone's).
    // The request log, metrics, security headers and CORS above still apply.
    router.get(OpenApiRoute.PATH).handler(new OpenApiRoute(shared.contract()));

    // The dashboard: static files and one public JSON, outside the API's guards (it holds no
    // data: everything it shows comes from the API, with the token the user gave it).
    if (config.dashboard().enabled()) {
      DashboardRoutes dashboard = new DashboardRoutes(config.dashboard());
      router.get(DashboardRoutes.ROOT).handler(dashboard::redirect);
      router.get(DashboardRoutes.UI).handler(dashboard::redirect);
      router.route(DashboardRoutes.UI_FILES).handler(dashboard::headers);
      router.get(DashboardRoutes.UI_CONFIG).handler(dashboard::config);
      router.route(DashboardRoutes.UI_FILES).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(dashboard.files());
    }

    // The API: the audit trail; the request timeout (a request, its body included, must arrive
    // and be answered in time); the body before anything asynchronous runs (no file uploads, a
    // small limit: this API only takes small JSON documents); then the token and the rate limit.
    router.route(API).handler(Audit.create());
    router.route(API).handler(RequestTimeout.create(config.http().requestTimeoutSeconds() * 1000L));
    // A batch may be larger than one submission; the first body handler that runs reads the body.
    router.route(JobRoutes.BATCH).handler(BodyHandler.create(false).setBodyLimit(config.limits().batchBodyBytes()));
    router.route(API).handler(BodyHandler.create(false).setBodyLimit(config.limits().bodyBytes()));
    router.route(API).handler(auth);

    // Remote workers: before the rate limit, which counts a client's requests, not the jobs it
    // holds; a worker's every call is tied to a job it claimed (docs/decisions.md, "Work calls are not rate-limited").
    router.route(WorkRoutes.WORK).handler(BearerAuth.requireWork()).handler(JsonContentType.REQUIRED);
    router.post(WorkRoutes.CLAIM).handler(workRoutes::claimWork);
    router.post(WorkRoutes.HEARTBEAT).handler(workRoutes::heartbeat);
    router.post(WorkRoutes.SUCCEED).handler(workRoutes::succeedWork);
    router.post(WorkRoutes.FAIL).handler(workRoutes::failWork);

    if (shared.limiter() != null) {
      router.route(API).handler(RateLimit.create(shared.limiter(), metrics));
    }

    router.post(JobRoutes.JOBS).handler(JsonContentType.REQUIRED).handler(BearerAuth.require(Scopes.WRITE))
      .handler(routes::submitJob);
    router.post(JobRoutes.BATCH).handler(JsonContentType.REQUIRED).handler(BearerAuth.require(Scopes.WRITE))
      .handler(routes::submitBatch);
    router.get(JobRoutes.JOBS).handler(BearerAuth.require(Scopes.READ)).handler(routes::listJobs);
    router.get(JobRoutes.JOB).handler(BearerAuth.require(Scopes.READ)).handler(routes::getJob);
    router.get(JobRoutes.JOB_EVENTS).handler(BearerAuth.require(Scopes.READ)).handler(events);
    router.delete(JobRoutes.JOB).handler(BearerAuth.require(Scopes.WRITE)).handler(routes::cancelJob);
    router.post(JobRoutes.JOB_RETRY).handler(BearerAuth.require(Scopes.WRITE)).handler(routes::retryJob);
    router.get(TypeRoutes.JOB_TYPES).handler(BearerAuth.require(Scopes.READ)).handler(typeRoutes::listJobTypes);
    router.patch(TypeRoutes.JOB_TYPE).handler(JsonContentType.REQUIRED).handler(BearerAuth.require(Scopes.ADMIN))
      .handler(typeRoutes::updateJobType);
    router.get(JobRoutes.STATS).handler(BearerAuth.require(Scopes.READ)).handler(routes::getStats);
    router.post(ScheduleRoutes.SCHEDULES).handler(JsonContentType.REQUIRED).handler(BearerAuth.require(Scopes.WRITE))
      .handler(scheduleRoutes::create);
    router.get(ScheduleRoutes.SCHEDULES).handler(BearerAuth.require(Scopes.READ)).handler(scheduleRoutes::list);
    router.get(ScheduleRoutes.SCHEDULE).handler(BearerAuth.require(Scopes.READ)).handler(scheduleRoutes::get);
    router.patch(ScheduleRoutes.SCHEDULE).handler(JsonContentType.REQUIRED).handler(BearerAuth.require(Scopes.WRITE))
      .handler(scheduleRoutes::update);
    router.delete(ScheduleRoutes.SCHEDULE).handler(BearerAuth.require(Scopes.WRITE)).handler(scheduleRoutes::delete);

    router.route().failureHandler(Problems::handle);
    ROUTER_ERRORS.forEach(status -> router.errorHandler(status, Problems::handle));
    return router;
  }

  /** The document {@code GET /api/v1/openapi.json} answers: tests check answers against it. */
  public Buffer contract() {
    return shared.contract();
  }

  /** The port actually bound (the configured one, or the one chosen for port 0). */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (watch != null) {
      watch.stop();
    }
    if (workWaits != null) {
      workWaits.stop();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }
}
