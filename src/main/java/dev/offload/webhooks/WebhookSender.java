package dev.offload.webhooks;

import dev.offload.config.OffloadConfig;
import dev.offload.jobs.RetryPolicy;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobMetrics;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Delivers completion webhooks, at least once. The job row is the outbox: the statement that
 * finishes a job makes its delivery due (a trigger), in the same transaction. Every
 * {@code workers.pollMillis} this sender claims the due deliveries with a lease (one node gets
 * each), POSTs each finished job to its URL signed by the Standard Webhooks scheme, and records
 * the attempt: {@code 2xx} ends it as delivered; a failure is tried again after an exponential
 * backoff, until {@code webhooks.maxAttempts}; a target the policy refuses fails at once. A node
 * that dies mid-delivery leaves the lease to run out, and the delivery becomes due again, here or
 * anywhere. Runs on worker nodes, on an event loop; the HTTP client never blocks it.
 */
public final class WebhookSender extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  /** Deliveries claimed at once. */
  static final int BATCH = 32;
  /** How much of a receiver's answer is read (only its status matters). */
  static final int MAX_RESPONSE_BYTES = 4096;

  private final WebhookOutbox outbox;
  private final OffloadConfig.Webhooks settings;
  private final long pollMillis;
  private final JobMetrics metrics;
  private final WebhookSigner signer;
  private final RetryPolicy backoff;
  private WebhookClient client;
  private boolean sending;

  public WebhookSender(WebhookOutbox outbox, OffloadConfig.Webhooks settings, long pollMillis, JobMetrics metrics) {
    this.outbox = outbox;
    this.settings = settings;
    this.pollMillis = pollMillis;
    this.metrics = metrics;
    this.signer = WebhookSigner.of(settings.secrets());
    this.backoff = new RetryPolicy(settings.retryBaseMillis(), settings.retryMaxMillis());
  }

  @Override
  public Future<?> start() {
    client = new WebhookClient(vertx, new TargetPolicy(settings.allowHttp(), settings.allowHosts()),
      settings.timeoutSeconds(), MAX_RESPONSE_BYTES);
    vertx.setPeriodic(pollMillis, id -> sendDue());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  /** Claims the due deliveries and makes one attempt of each; again at once while there are more. */
  private void sendDue() {
    if (sending) {
      return;
    }
    sending = true;
    Instant now = Instant.now();
    // Held for the longest an attempt can take, and then some, before another node may try.
    Instant leaseUntil = now.plusSeconds(settings.timeoutSeconds() * 2L + 10);
    outbox.claim(now, leaseUntil, BATCH)
      .compose(jobs -> {
        List<Future<WebhookOutbox.Attempt>> attempts = new ArrayList<>(jobs.size());
        jobs.forEach(job -> attempts.add(attempt(job)));
        return Future.all(attempts).compose(done -> outbox.record(done.list())).map(jobs.size());
      })
      .onComplete(ar -> {
        sending = false;
        if (ar.failed() && !(ar.cause() instanceof JobException)) {
          LOG.warn("Delivering webhooks failed; will retry: {}", ar.cause().toString());
        }
        if (ar.succeeded() && ar.result() == BATCH) {
          sendDue();
        }
      });
  }

  /**
   * The {@code webhook-id} of a job's outcome: the job id and when it finished. The same at every
   * attempt to deliver that outcome (a receiver drops duplicates by it), and a new one for the
   * next outcome of a job the user retried, which a receiver must not drop.
   */
  static String messageId(Job job) {
    return job.id() + "_" + job.finishedAt().toEpochMilli();
  }

  /** One signed POST of a finished job, and what it makes of the delivery. Never fails. */
  private Future<WebhookOutbox.Attempt> attempt(Job job) {
    String body = payload(job).encode();
    long timestamp = Instant.now().getEpochSecond();
    String id = messageId(job);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .set("webhook-id", id)
      .set("webhook-timestamp", String.valueOf(timestamp))
      .set("webhook-signature", signer.signature(id, timestamp, body));
    int attempt = job.callback().attempts() + 1;
    return client.post(job.callback().url(), headers, Buffer.buffer(body)).map(delivery -> {
      LOG.atLevel(delivery.delivered() ? org.slf4j.event.Level.DEBUG : org.slf4j.event.Level.INFO)
        .addKeyValue("jobId", job.id())
        .addKeyValue("attempt", attempt)
        .addKeyValue("status", delivery.status())
        .log(delivery.delivered() ? "webhook delivered" : "webhook attempt failed: " + delivery.problem());
      if (delivery.delivered()) {
        metrics.webhookDelivered(Duration.between(job.finishedAt(), Instant.now()));
        return new WebhookOutbox.Attempt(job.id(), "delivered", null, null);
      }
      if (delivery.refused() || attempt >= settings.maxAttempts()) {
        metrics.webhookAttempt("failed");
        return new WebhookOutbox.Attempt(job.id(), "failed", delivery.problem(), null);
      }
      metrics.webhookAttempt("retried");
      return new WebhookOutbox.Attempt(job.id(), "pending", delivery.problem(),
        Instant.now().plusMillis(backoff.backoffMillis(attempt)));
    });
  }

  /** The Standard Webhooks payload shape: what happened, when, and the job as its owner sees it. */
  static JsonObject payload(Job job) {
    return new JsonObject()
      .put("type", "job." + job.state().wire())
      .put("timestamp", Job.time(job.finishedAt()))
      .put("data", job.toJson());
  }
}
