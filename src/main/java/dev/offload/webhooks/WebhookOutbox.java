package dev.offload.webhooks;

import dev.offload.jobs.Job;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The completion webhooks still to deliver: kept on the jobs' own rows, in the same transaction
 * as each outcome (an outbox), so that no outcome is committed without its delivery. The store
 * implements it; {@link WebhookSender} is its only user.
 */
public interface WebhookOutbox {
  /**
   * Takes up to {@code max} jobs whose callback delivery is due, holding each until
   * {@code leaseUntil} (a node that dies mid-delivery lets it become due again then), oldest
   * first. Every node may call it; each due delivery goes to one of them.
   */
  Future<List<Job>> claim(Instant now, Instant leaseUntil, int max);

  /** Records how delivery attempts went; each applies only while its delivery is still pending. */
  Future<Void> record(List<Attempt> attempts);

  /**
   * One delivery attempt of a job's callback: the delivery's new {@code state} ({@code pending},
   * {@code delivered}, {@code failed}), why it failed (null when it did not), and when the next
   * attempt is due (null when there is none).
   */
  record Attempt(UUID id, String state, String error, Instant nextAt) {
  }
}
