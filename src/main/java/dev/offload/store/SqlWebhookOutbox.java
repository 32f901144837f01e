package dev.offload.store;

import dev.offload.jobs.Job;
import dev.offload.webhooks.WebhookOutbox;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The webhook outbox on the jobs' rows (their {@code callback_*} columns), written through the store's lane. */
final class SqlWebhookOutbox implements WebhookOutbox {
  private final Dialect dialect;
  private final WritePipeline lane;
  private final String claimSql;
  private final WritePipeline.Kind<Claim, List<Job>> claims = WritePipeline.Kind.each(this::claimOne);
  private final WritePipeline.Kind<Attempt, Void> attempts = this::recordAll;

  SqlWebhookOutbox(Dialect dialect, WritePipeline lane) {
    this.dialect = dialect;
    this.lane = lane;
    this.claimSql = dialect.sql(JobSql.CLAIM_CALLBACKS.formatted(dialect.skipLocked()));
  }

  /** A claim of up to {@code max} due deliveries. */
  private record Claim(Instant now, Instant leaseUntil, int max) {
  }

  @Override
  public Future<List<Job>> claim(Instant now, Instant leaseUntil, int max) {
    return lane.write(claims, new Claim(now, leaseUntil, max));
  }

  private Future<List<Job>> claimOne(Sql sql, Claim claim) {
    return sql.query(claimSql, Tuple.of(dialect.time(claim.now()), dialect.time(claim.leaseUntil()), claim.max()))
      .map(rows -> rows.stream().map(JobRows::toJob).toList());
  }

  @Override
  public Future<Void> record(List<Attempt> attempts) {
    return lane.writeAll(this.attempts, attempts).mapEmpty();
  }

  private Future<List<Void>> recordAll(Sql sql, List<Attempt> attempts) {
    List<Tuple> rows = new ArrayList<>(attempts.size());
    attempts.forEach(a -> rows.add(Tuple.of(dialect.id(a.id()), a.state(), a.error(), dialect.time(a.nextAt()))));
    return sql.batch(dialect.sql(JobSql.RECORD_CALLBACK), rows).map(v -> WritePipeline.Kind.nothing(attempts.size()));
  }
}
