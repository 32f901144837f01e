package dev.offload.jobs;

import dev.offload.config.OffloadConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/** The use cases behind the API: submit, read, list, cancel and retry jobs. One instance per node, shared by its HTTP verticles (it holds no state of its own). */
public final class JobService {
  /** How long a client should wait before polling a job or retrying a refused submission. */
  public static final int RETRY_AFTER_SECONDS = 1;
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
  private final Vertx vertx;
  private final JobStore store;
  private final JobTypes types;
  private final Admission admission;
  private final JobMetrics metrics;
  private final Lifecycle lifecycle;
  private final JobEvents events;
  private final int batchJobs;
  private final int maxDelaySeconds;
  private final Duration idempotencyKeyLifetime;
  /** Why a callback URL is refused (null: it is not); null when webhooks are off. */
  private final Function<String, String> callbackProblem;
  /** This node's workers, for submissions they can start at once; null on a node without workers. */
  private final HandOffs handOffs;

  /**
   * {@code callbackProblem}: why a callback URL is refused (null: it is not); null when webhooks
   * are off. {@code handOffs}: this node's workers (null on a node without workers).
   */
  public JobService(Vertx vertx, JobStore store, JobTypes types, OffloadConfig config, JobMetrics metrics,
                    Lifecycle lifecycle, JobEvents events, Function<String, String> callbackProblem,
                    HandOffs handOffs) {
    this.handOffs = handOffs;
    OffloadConfig.Limits limits = config.limits();
    this.vertx = vertx;
    this.events = events;
    this.idempotencyKeyLifetime = Duration.ofSeconds(config.api().idempotencyKeySeconds());
    this.callbackProblem = callbackProblem;
    this.store = store;
    this.types = types;
    this.admission = new Admission(limits.backlog(), limits.activeJobsPerOwner());
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.batchJobs = limits.batchJobs();
    this.maxDelaySeconds = limits.maxDelaySeconds();
  }

  /**
   * Validates and durably queues a job; the future completes only after the commit. The store
   * commits concurrent submissions together (group commit), so this costs no disk sync of its own.
   */
  public Future<Accepted> submit(Caller caller, JsonObject body, String requestId, String idempotencyKey) {
    return submitAll(caller, List.of(body), requestId, "", idempotency(idempotencyKey, "job", body, false), null,
      true);
  }

  /**
   * Queues the job of one tick of a recurring schedule for its owner, as a submission of
   * {@code body} would; refused with a {@link JobException.Kind#CONFLICT} when the tick already
   * has its job (another node fired it first).
   */
  public Future<Job> submitScheduled(String owner, JsonObject body, NewJob.Tick tick) {
    return submitAll(new Caller(owner, false), List.of(body), null, "", i -> null, tick, false).map(Accepted::job);
  }

  /** Checks a submission as {@link #submit} would, storing nothing; throws the same refusals. */
  public void check(Caller caller, JsonObject body) {
    validate(caller, body, null, null, null);
  }

  /**
   * The jobs a submission stored, or, when {@code replayed}, the jobs an earlier request with the
   * same {@code Idempotency-Key} and the same body stored (as they are now).
   */
  public record Accepted(List<Job> jobs, boolean replayed) {
    public Job job() {
      return jobs.get(0);
    }
  }

  /**
   * A batch ({@code {"jobs": [submission, ...]}}, 1 to {@code limits.batchJobs} of them): each is
   * validated as a single submission (a refusal names its index, {@code jobs[3]: ...}), and they
   * are admitted and stored all or none, in one transaction. The jobs come back in order.
   */
  public Future<Accepted> submitBatch(Caller caller, JsonObject body, String requestId, String idempotencyKey) {
    for (String name : body.fieldNames()) {
      if (!name.equals("jobs")) {
        return Future.failedFuture(invalid("invalid batch: property '" + name + "' is not allowed"));
      }
    }
    if (!(body.getValue("jobs") instanceof JsonArray items) || items.isEmpty() || items.size() > batchJobs) {
      return Future.failedFuture(invalid("invalid batch: 'jobs' must be a list of 1 to " + batchJobs + " submissions"));
    }
    List<JsonObject> submissions = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      if (!(items.getValue(i) instanceof JsonObject submission)) {
        return Future.failedFuture(invalid("jobs[" + i + "]: invalid submission: must be an object"));
      }
      submissions.add(submission);
    }
    return submitAll(caller, submissions, requestId, "jobs[%d]: ", idempotency(idempotencyKey, "batch", body, true),
      null, false);
  }

  /**
   * An {@code Idempotency-Key} (1 to 255 visible ASCII characters; null: none) as each job holds
   * it: the key itself, or for a batch "key index" (a space is never part of a key); with a hash
   * of the request, which a retry must match: of the body as a JSON value ({@link CanonicalJson}),
   * so a retry that orders or spaces its members otherwise, or writes {@code 1.0} for {@code 1},
   * is the same request. A field left out and the same field sent with its default are not: the
   * comparison is of what the client sent, not of what the service made of it.
   */
  private IntFunction<NewJob.Idempotency> idempotency(String key, String route, JsonObject body, boolean batch) {
    if (key == null) {
      return i -> null;
    }
    if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
      throw invalid("Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    String hash = sha256(route + "\n" + CanonicalJson.encode(body));
    Instant keptSince = Instant.now().minus(idempotencyKeyLifetime);
    return i -> new NewJob.Idempotency(batch ? key + " " + i : key, hash, keptSince);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Validates every submission (a refusal prefixed with {@code where}, formatted with its index),
   * then stores them all or none. With {@code mayHandOff} (a single submission due now, on a node
   * whose workers have a free place for its type and nothing of the type waiting), the insert
   * also starts it: it goes to a worker without a wake-up or a claim of its own.
   */
  private Future<Accepted> submitAll(Caller caller, List<JsonObject> bodies, String requestId, String where,
                                     IntFunction<NewJob.Idempotency> idempotency, NewJob.Tick tick,
                                     boolean mayHandOff) {
    if (lifecycle.draining()) {
      metrics.refused("draining");
      return Future.failedFuture(new JobException(JobException.Kind.UNAVAILABLE,
        "this node is shutting down; submit again (to another node)", RETRY_AFTER_SECONDS));
    }
    List<NewJob> jobs = new ArrayList<>(bodies.size());
    for (int i = 0; i < bodies.size(); i++) {
      try {
        jobs.add(validate(caller, bodies.get(i), requestId, idempotency.apply(i), tick));
      } catch (JobException e) {
        return Future.failedFuture(where.isEmpty() ? e : invalid(String.format(where, i) + e.getMessage()));
      }
    }
    NewJob first = jobs.get(0);
    boolean due = !first.runAt().isAfter(first.createdAt());
    Future<HandOff> handOff = mayHandOff && handOffs != null && jobs.size() == 1 && due
      ? handOffs.reserve(first.type()) : Future.succeededFuture();
    return handOff.compose(reserved -> store.insert(jobs, admission, reserved).andThen(ar -> {
      if (reserved != null) {
        handOffs.started(first.type(), ar.succeeded() ? ar.result().started() : List.of());
      }
    })).compose(insertion -> {
      JobException refusal = insertion.refusal();
      if (refusal != null) {
        if (refusal.kind() == JobException.Kind.QUOTA || refusal.kind() == JobException.Kind.BACKLOG) {
          metrics.refused(refusal.kind() == JobException.Kind.QUOTA ? "quota" : "backlog");
        }
        return Future.failedFuture(refusal);
      }
      if (insertion.replayed() != null) {
        return Future.succeededFuture(new Accepted(insertion.replayed(), true));
      }
      Set<String> types = new TreeSet<>();
      List<Job> queued = new ArrayList<>(jobs.size());
      for (NewJob job : jobs) {
        metrics.submitted(job.type());
        types.add(job.type());
        queued.add(job.toQueuedJob());
      }
      // A job the insert started needs no wake-up (it would cost a claim that finds nothing).
      if (insertion.started().isEmpty()) {
        vertx.eventBus().publish(Addresses.WAKE, Addresses.wake(types));
      }
      return Future.succeededFuture(new Accepted(queued, false));
    });
  }

  public Future<Job> get(Caller caller, UUID id) {
    return store.find(id).compose(job -> job != null && caller.canSee(job)
      ? Future.succeededFuture(job)
      : Future.failedFuture(notFound(id)));
  }

  /**
   * Lists the caller's jobs; an admin's listing holds every owner's, or {@code query.owner()}'s
   * when it names one. A non-admin naming another owner is refused.
   */
  public Future<JobPage> list(Caller caller, JobQuery query) {
    String owner;
    try {
      owner = ownerScope(caller, query.owner(), "list another owner's jobs");
    } catch (JobException e) {
      return Future.failedFuture(e);
    }
    return store.list(new JobQuery(owner, query.state(), query.type(), query.createdAfter(), query.createdBefore(),
      query.limit(), query.after()));
  }

  /**
   * The caller's counts per state and the jobs finished in the last hour; an admin's are every
   * owner's, or {@code owner}'s when it names one. A non-admin naming another owner is refused, as for a list.
   */
  public Future<JobStats> stats(Caller caller, String owner) {
    String scope;
    try {
      scope = ownerScope(caller, owner, "read another owner's stats");
    } catch (JobException e) {
      return Future.failedFuture(e);
    }
    return store.stats(scope, Instant.now().minus(Duration.ofHours(1)));
  }

  /**
   * Whose jobs a read covers: an admin's, every owner's (null) or the one it names; anyone else's,
   * their own, and naming another owner is refused ({@code what} they may not do).
   */
  private static String ownerScope(Caller caller, String owner, String what) {
    if (caller.admin()) {
      return owner;
    }
    if (owner != null && !owner.equals(caller.subject())) {
      throw new JobException(JobException.Kind.FORBIDDEN, "only a token with the 'jobs:admin' scope may " + what);
    }
    return caller.subject();
  }

  /** Queues a failed or cancelled job again (see {@link JobStore#retry}). */
  public Future<Job> retry(Caller caller, UUID id) {
    if (lifecycle.draining()) {
      return Future.failedFuture(new JobException(JobException.Kind.UNAVAILABLE,
        "this node is shutting down; send it again (to another node)", RETRY_AFTER_SECONDS));
    }
    return store.retry(id, caller.admin() ? null : caller.subject(), Instant.now(), admission).compose(job -> {
      if (job == null) {
        return Future.failedFuture(notFound(id));
      }
      events.changed(id, job.state());
      metrics.submitted(job.type());
      vertx.eventBus().publish(Addresses.WAKE, Addresses.wake(List.of(job.type())));
      return Future.succeededFuture(job);
    });
  }

  public Future<CancelResult> cancel(Caller caller, UUID id) {
    return store.cancel(id, caller.admin() ? null : caller.subject())
      .compose(result -> {
        if (result == null) {
          return Future.failedFuture(notFound(id));
        }
        if (result.effect() == CancelResult.Effect.ALREADY_FINISHED) {
          return Future.failedFuture(new JobException(JobException.Kind.CONFLICT,
            "job " + id + " has already finished (" + result.job().state().wire() + ")"));
        }
        events.changed(id, result.job().state());
        if (result.effect() == CancelResult.Effect.REQUESTED) {
          vertx.eventBus().publish(Addresses.CANCEL, new JsonObject().put("id", id.toString()));
        } else {
          metrics.cancelled(result.job().type());
        }
        return Future.succeededFuture(result);
      });
  }

  public JobTypes types() {
    return types;
  }

  private NewJob validate(Caller caller, JsonObject body, String requestId, NewJob.Idempotency idempotency,
                          NewJob.Tick tick) {
    Submission submission = Submission.parse(body, maxDelaySeconds);
    if (submission.callbackUrl() != null) {
      if (callbackProblem == null) {
        throw invalid("invalid submission: /callback: completion webhooks are not enabled on this service "
          + "(its operator sets webhooks.secret)");
      }
      String problem = callbackProblem.apply(submission.callbackUrl());
      if (problem != null) {
        throw invalid("invalid submission: /callback/url: " + problem);
      }
    }
    JobType type = types.get(submission.type());
    if (type == null) {
      throw new JobException(JobException.Kind.INVALID,
        "unknown job type '" + submission.type() + "'; see GET /api/v1/job-types");
    }
    JsonObject input = submission.input();
    String problem = type.inputSchema().problemWith(input);
    if (problem != null) {
      throw new JobException(JobException.Kind.INVALID, "invalid input for type '" + type.name() + "': " + problem);
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return new NewJob(UUID.randomUUID(), caller.subject(), type.name(), input,
      submission.maxAttempts() != null ? submission.maxAttempts() : type.maxAttempts(),
      submission.timeoutSeconds() != null ? submission.timeoutSeconds() : type.timeoutFor(input),
      submission.priority() != null ? submission.priority() : NewJob.DEFAULT_PRIORITY, runAt(submission, now), now,
      requestId, submission.callbackUrl(), idempotency, tick);
  }

  /** When a job may run: now, after its delay, or at its instant (a past one means now), at most maxDelaySeconds ahead. */
  private Instant runAt(Submission submission, Instant now) {
    if (submission.delaySeconds() != null) {
      return now.plusSeconds(submission.delaySeconds());
    }
    Instant runAt = submission.runAt();
    if (runAt == null || runAt.isBefore(now)) {
      return now;
    }
    if (runAt.isAfter(now.plusSeconds(maxDelaySeconds))) {
      throw invalid("invalid submission: /runAt: must be at most " + maxDelaySeconds + " s in the future");
    }
    return runAt.truncatedTo(ChronoUnit.MILLIS);
  }

  private static JobException invalid(String detail) {
    return new JobException(JobException.Kind.INVALID, detail);
  }

  private static JobException notFound(UUID id) {
    return new JobException(JobException.Kind.NOT_FOUND, "no job " + id);
  }
}
