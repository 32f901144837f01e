package dev.offload.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The job metrics of this node (Micrometer; scraped in Prometheus format at the management
 * port's {@code /metrics}). Counters count what happened on this node: in a cluster, sum them
 * over nodes. Names as Prometheus shows them are in docs/operations.md.
 *
 * <p>Each meter is registered once and kept: Micrometer's own look-up (building an id, sorting
 * its tags, checking for double registration) costs several percent of a submission's CPU when
 * done per call.
 */
public final class JobMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> queued = new ConcurrentHashMap<>();
  /** Meters by name and tags. */
  private final Map<List<String>, Meter> meters = new ConcurrentHashMap<>();

  public JobMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The registry these meters are in (for the HTTP layer's own). */
  public MeterRegistry registry() {
    return registry;
  }

  /** A submission was accepted (committed). */
  public void submitted(String type) {
    counter("offload.jobs.submitted", "type", type).increment();
  }

  /** A submission or request was refused by admission: quota, backlog, rate_limited, draining. */
  public void refused(String reason) {
    counter("offload.admission.refused", "reason", reason).increment();
  }

  /** An attempt was claimed and handed to a worker; its first attempt also records the time it waited. */
  public void started(Attempt job, Instant now) {
    counter("offload.jobs.started", "type", job.type()).increment();
    if (job.attempt() == 1) {
      timer("offload.jobs.queue.time", "time from submission to the first attempt's start", "type", job.type())
        .record(Duration.between(job.createdAt(), now).abs());
    }
  }

  /** An attempt ended; {@code runNanos} is how long it ran on this node. */
  public void finished(String type, Outcome outcome, long runNanos) {
    String result = switch (outcome.state()) {
      case SUCCEEDED -> "succeeded";
      case CANCELLED -> "cancelled";
      case QUEUED -> outcome.counted() ? "retried" : "released";
      default -> "failed";
    };
    timer("offload.jobs.run.time", "how long attempts ran, by how they ended", "type", type, "outcome", result)
      .record(Duration.ofNanos(runNanos));
    switch (result) {
      case "succeeded" -> counter("offload.jobs.succeeded", "type", type).increment();
      case "cancelled" -> cancelled(type);
      case "retried" -> counter("offload.jobs.retried", "type", type, "code", code(outcome)).increment();
      case "failed" -> counter("offload.jobs.failed", "type", type, "code", code(outcome)).increment();
      default -> counter("offload.jobs.released", "type", type).increment();
    }
  }

  /** A job ended cancelled (a queued one at once, a running one when its attempt stopped). */
  public void cancelled(String type) {
    counter("offload.jobs.cancelled", "type", type).increment();
  }

  /** Running attempts whose node stopped holding their lease were taken back by this node. */
  public void recovered(int count) {
    counter("offload.jobs.recovered", "reason", "lease_expired").increment(count);
  }

  /** Running attempts this node handed back to the queue when it shut down. */
  public void requeuedOnShutdown(int count) {
    counter("offload.jobs.recovered", "reason", "shutdown").increment(count);
  }

  /** Finished jobs deleted by retention. */
  public void purged(int count) {
    counter("offload.jobs.purged").increment(count);
  }

  /** The queued jobs of {@code type} in the store, as last counted. */
  public void queued(String type, long count) {
    queued.computeIfAbsent(type, t -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder("offload.jobs.queued", value, AtomicLong::get).description("queued jobs in the store")
        .tag("type", t).register(registry);
      return value;
    }).set(count);
  }

  /** A gauge read when scraped. */
  public void gauge(String name, String description, Supplier<Number> value, String... tags) {
    Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }

  private static String code(Outcome outcome) {
    return outcome.error() == null ? "none" : outcome.error().getString("code", "unknown");
  }

  /** A completion webhook was delivered, {@code sinceFinished} after its job finished. */
  public void webhookDelivered(Duration sinceFinished) {
    webhookAttempt("delivered");
    timer("offload.webhooks.delivery.latency", "time from a job's end to the delivery of its webhook")
      .record(sinceFinished.isNegative() ? Duration.ZERO : sinceFinished);
  }

  /** A webhook delivery attempt ended: delivered, retried (it failed and will be tried again) or failed (for good). */
  public void webhookAttempt(String outcome) {
    counter("offload.webhooks.attempts", "outcome", outcome).increment();
  }

  /** A schedule's tick was handled: queued (its job), duplicate (another node queued it) or refused (no job). */
  public void scheduleTick(String outcome) {
    counter("offload.schedules.ticks", "outcome", outcome).increment();
  }

  private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
    Map.entry("offload.jobs.submitted", "submissions accepted (committed) by this node"),
    Map.entry("offload.admission.refused", "submissions or requests refused by admission, by reason"),
    Map.entry("offload.jobs.started", "attempts this node started"),
    Map.entry("offload.jobs.succeeded", "jobs that succeeded on this node"),
    Map.entry("offload.jobs.failed", "jobs that failed for good on this node, by error code"),
    Map.entry("offload.jobs.retried", "failed attempts that will be retried, by error code"),
    Map.entry("offload.jobs.released", "attempts given back to the queue because no worker took them"),
    Map.entry("offload.jobs.cancelled", "jobs that ended cancelled through this node"),
    Map.entry("offload.jobs.recovered",
      "running attempts put back in the queue: lease_expired (their node died) or shutdown"),
    Map.entry("offload.jobs.purged", "finished jobs deleted by retention"),
    Map.entry("offload.webhooks.attempts", "webhook delivery attempts by outcome: delivered, retried, failed"),
    Map.entry("offload.schedules.ticks",
      "schedule ticks handled by this node: queued, duplicate (another node queued it), refused (no job)"));

  private Counter counter(String name, String... tags) {
    return (Counter) meter(name, tags, () -> Counter.builder(name).description(DESCRIPTIONS.get(name)).tags(tags)
      .register(registry));
  }

  private Timer timer(String name, String description, String... tags) {
    return (Timer) meter(name, tags, () -> Timer.builder(name).description(description).tags(tags)
      .publishPercentileHistogram().register(registry));
  }

  private Meter meter(String name, String[] tags, Supplier<Meter> register) {
    String[] key = new String[tags.length + 1];
    key[0] = name;
    System.arraycopy(tags, 0, key, 1, tags.length);
    List<String> id = Arrays.asList(key);
    Meter meter = meters.get(id);
    return meter != null ? meter : meters.computeIfAbsent(id, k -> register.get());
  }
}
