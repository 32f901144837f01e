package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.HandOff;
import dev.offload.jobs.Insertion;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobState;
import dev.offload.jobs.NewJob;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What the store writes under the limits: submissions (admitted against the backlog and the
 * owner's quota, with idempotency keys resolved, and handed off when asked) and retries (admitted
 * again). Each is a {@link WritePipeline.Kind}: the {@link SqlJobStore} puts the writes in a lane.
 */
final class Admissions {
  final WritePipeline.Kind<Submission, Insertion> inserts = this::insertAll;
  final WritePipeline.Kind<Retry, Retried> retries = WritePipeline.Kind.each(this::retryOne);
  private final Dialect dialect;

  Admissions(Dialect dialect) {
    this.dialect = dialect;
  }

  private String sql(String template) {
    return dialect.sql(template);
  }

  /** "?1, ?2, ..." for {@code count} parameters starting at {@code first}. */
  private static String parameters(int first, int count) {
    List<String> marks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      marks.add("?" + (first + i));
    }
    return String.join(", ", marks);
  }

  /**
   * One caller's jobs (a submission, or a batch) and the limits they are admitted against, all or
   * none; with a {@code handOff} (or null), claimed by the insert's transaction.
   */
  record Submission(List<NewJob> jobs, Admission admission, HandOff handOff) {
  }

  /**
   * Inserts every job of every submission of a transaction with one batched statement.
   * Admission is optimistic: insert and count in the same pipelined round trip, then take back
   * (still inside the transaction) the submissions that did not fit, whole. The counts see what
   * was committed before and this transaction's own rows: exact on SQLite (one writer) and for an
   * owner on one node (its submissions share a lane); on PostgreSQL, transactions of other lanes
   * and nodes that commit meanwhile are not seen, which lets the backlog, and an owner submitting
   * through several nodes at once, pass its limit by what those carry (design.md, "Admission").
   * A submission whose idempotency key is taken
   * stores nothing and gets the jobs that hold the key, when they came from the same request.
   * The jobs of submissions with a {@link HandOff} are claimed in the same round trip, after the
   * counts (a claimed job is active as a queued one is); the rows taken back are deleted claimed
   * or not, and their attempts dropped.
   */
  private Future<List<Insertion>> insertAll(Sql sql, List<Submission> submissions) {
    List<Tuple> rows = new ArrayList<>();
    List<Tuple> keyReleases = new ArrayList<>();
    Set<String> owners = new LinkedHashSet<>();
    for (Submission submission : submissions) {
      for (NewJob job : submission.jobs()) {
        owners.add(job.owner());
        NewJob.Idempotency key = job.idempotency();
        rows.add(Tuple.of(dialect.id(job.id()), job.owner(), job.type(), dialect.json(job.input()), job.maxAttempts(),
          job.timeoutSeconds(), dialect.time(job.runAt()), dialect.time(job.createdAt()), job.requestId(),
          job.callbackUrl(), key == null ? null : key.key(), key == null ? null : key.requestHash(), job.priority(),
          job.tick() == null ? null : job.tick().schedule(), job.tick() == null ? null : dialect.time(job.tick().at())));
        if (key != null) {
          keyReleases.add(Tuple.of(job.owner(), key.key(), dialect.time(key.keptSince())));
        }
      }
    }
    String counts = "SELECT NULL, (" + JobSql.BACKLOG + ") UNION ALL "
      + "SELECT owner, count(*) FROM jobs WHERE state IN ('queued', 'running') AND owner IN ("
      + parameters(1, owners.size()) + ") GROUP BY owner";
    // All are issued at once; the connection runs them in order, so the counts include the batch.
    Future<?> released = keyReleases.isEmpty() ? Future.succeededFuture() : sql.batch(sql(JobSql.RELEASE_KEY), keyReleases);
    Future<List<Integer>> inserted = insertRows(sql, rows);
    Future<List<Tuple>> after = sql.query(sql(counts), Tuple.wrap(new ArrayList<>(owners)));
    Future<Map<UUID, Attempt>> handedOff = handOff(sql, submissions);
    return Future.all(released, inserted, after, handedOff).compose(v -> {
      // The counts include every row inserted here: take them out to get the counts before.
      int queued = 0;
      Map<String, Integer> active = new HashMap<>();
      for (Tuple row : after.result()) {
        int count = ((Number) row.getValue(1)).intValue();
        if (row.getValue(0) == null) {
          queued = count;
        } else {
          active.put(row.getString(0), count);
        }
      }
      List<Integer> insertedRows = inserted.result();
      int row = 0;
      for (Submission submission : submissions) {
        for (NewJob job : submission.jobs()) {
          int n = insertedRows.get(row++);
          queued -= n;
          active.merge(job.owner(), -n, Integer::sum);
        }
      }
      // Then admit each submission, whole, in order of arrival.
      List<Insertion> insertions = new ArrayList<>(submissions.size());
      List<Object> refused = new ArrayList<>();
      List<Submission> duplicates = new ArrayList<>();
      row = 0;
      for (Submission submission : submissions) {
        List<NewJob> jobs = submission.jobs();
        boolean duplicate = false;
        for (int i = 0; i < jobs.size(); i++) {
          duplicate |= insertedRows.get(row + i) == 0;
        }
        JobException refusal = duplicate ? null : admit(submission, queued, active);
        if (duplicate) {
          duplicates.add(submission);
        }
        if (refusal == null && !duplicate) {
          queued += jobs.size();
          jobs.forEach(job -> active.merge(job.owner(), 1, Integer::sum));
        } else {
          for (int i = 0; i < jobs.size(); i++) {
            if (insertedRows.get(row + i) > 0) {
              refused.add(dialect.id(jobs.get(i).id()));
            }
          }
        }
        insertions.add(duplicate ? null : refusal != null ? Insertion.refused(refusal)
          : submission.handOff() == null ? Insertion.STORED : Insertion.started(started(jobs, handedOff.result())));
        row += jobs.size();
      }
      Future<?> takenBack = refused.isEmpty() ? Future.succeededFuture()
        : sql.update(sql("DELETE FROM jobs WHERE id IN (" + parameters(1, refused.size()) + ")"), Tuple.wrap(refused));
      return takenBack.compose(x -> resolveDuplicates(sql, duplicates)).map(resolved -> {
        for (int i = 0, d = 0; i < insertions.size(); i++) {
          if (insertions.get(i) == null) {
            insertions.set(i, resolved.get(d++));
          }
        }
        return insertions;
      });
    });
  }

  /** Inserts the rows (duplicates skipped); answers, per row in order, how many it inserted (1 or 0). */
  private Future<List<Integer>> insertRows(Sql sql, List<Tuple> rows) {
    if (!dialect.arrays()) {
      return sql.batch(sql(JobSql.INSERT), rows);
    }
    Tuple columns = Dialect.columns(rows, UUID.class, String.class, String.class, String.class, Integer.class,
      Integer.class, OffsetDateTime.class, OffsetDateTime.class, String.class, String.class, String.class, String.class,
      Integer.class, String.class, OffsetDateTime.class);
    return sql.query(sql(JobSql.INSERT_ALL), columns).map(returned -> Dialect.counts(rows, returned));
  }

  /**
   * Claims the jobs of the submissions with a {@link HandOff}, by id, as their first attempts, in
   * one statement for the transaction (its hand-offs are this node's, made within milliseconds:
   * the earliest start and lease stand for all); answers the attempts by job id (none for a job
   * that was not inserted: a duplicate).
   */
  private Future<Map<UUID, Attempt>> handOff(Sql sql, List<Submission> submissions) {
    List<Object> ids = new ArrayList<>();
    HandOff first = null;
    for (Submission submission : submissions) {
      HandOff handOff = submission.handOff();
      if (handOff != null) {
        first = first == null || handOff.leaseUntil().isBefore(first.leaseUntil()) ? handOff : first;
        submission.jobs().forEach(job -> ids.add(dialect.id(job.id())));
      }
    }
    if (first == null) {
      return Future.succeededFuture(Map.of());
    }
    Tuple args = Tuple.of(dialect.time(first.startedAt()), first.node(), dialect.time(first.leaseUntil()));
    ids.forEach(args::addValue);
    return sql.query(sql(JobSql.CLAIM_INSERTED.formatted(parameters(4, ids.size()))), args).map(rows -> {
      Map<UUID, Attempt> byId = new HashMap<>();
      JobRows.attempts(rows).forEach(attempt -> byId.put(attempt.id(), attempt));
      return byId;
    });
  }

  /** The attempts of {@code jobs} among those the insert claimed, in order. */
  private static List<Attempt> started(List<NewJob> jobs, Map<UUID, Attempt> claimed) {
    List<Attempt> started = new ArrayList<>(jobs.size());
    jobs.forEach(job -> {
      Attempt attempt = claimed.get(job.id());
      if (attempt != null) {
        started.add(attempt);
      }
    });
    return started;
  }

  /**
   * Submissions that stored nothing because one of their jobs was already there: with an
   * idempotency key, the jobs that hold it when they came from the same request ({@code 422}
   * when not); without one, a duplicate id.
   */
  private Future<List<Insertion>> resolveDuplicates(Sql sql, List<Submission> duplicates) {
    List<Future<Insertion>> resolved = new ArrayList<>(duplicates.size());
    for (Submission submission : duplicates) {
      NewJob first = submission.jobs().get(0);
      if (first.tick() != null) {
        resolved.add(Future.succeededFuture(Insertion.refused(new JobException(JobException.Kind.CONFLICT,
          "schedule '" + first.tick().schedule() + "' already has its job for " + Job.time(first.tick().at())))));
        continue;
      }
      if (first.idempotency() == null) {
        resolved.add(Future.succeededFuture(Insertion.refused(
          new JobException(JobException.Kind.CONFLICT, "a job with one of these ids already exists"))));
        continue;
      }
      List<Future<List<Tuple>>> holders = new ArrayList<>();
      for (NewJob job : submission.jobs()) {
        holders.add(sql.query(sql(JobSql.FIND_BY_KEY), Tuple.of(job.owner(), job.idempotency().key())));
      }
      resolved.add(Future.all(holders).map(found -> {
        List<Job> jobs = new ArrayList<>();
        for (Future<List<Tuple>> holder : holders) {
          List<Tuple> rowsFound = holder.result();
          if (rowsFound.isEmpty()) {
            // The key's first request shares this transaction and was refused, or let go of it.
            return Insertion.refused(new JobException(JobException.Kind.CONFLICT, "a request with this "
              + "Idempotency-Key was refused or is still in progress; send it again", 1));
          }
          if (!first.idempotency().requestHash().equals(rowsFound.get(0).getString(JobRows.Col.REQUEST_HASH))) {
            return Insertion.refused(new JobException(JobException.Kind.KEY_REUSED, "this Idempotency-Key was "
              + "already used for a different request; use a new key for a new request"));
          }
          jobs.add(JobRows.toJob(rowsFound.get(0)));
        }
        return Insertion.replay(jobs);
      }));
    }
    return Future.all(resolved).map(done -> {
      List<Insertion> out = new ArrayList<>(resolved.size());
      resolved.forEach(f -> out.add(f.result()));
      return out;
    });
  }

  /** Whether all of a submission's jobs fit, in the backlog and in each owner's quota: null when they do. */
  private static JobException admit(Submission submission, int queued, Map<String, Integer> active) {
    JobException refusal = submission.admission().backlogRefusal(queued, submission.jobs().size());
    if (refusal != null) {
      return refusal;
    }
    Map<String, Integer> adding = new HashMap<>();
    submission.jobs().forEach(job -> adding.merge(job.owner(), 1, Integer::sum));
    for (Map.Entry<String, Integer> owner : adding.entrySet()) {
      refusal = submission.admission().quotaRefusal(active.getOrDefault(owner.getKey(), 0), owner.getValue());
      if (refusal != null) {
        return refusal;
      }
    }
    return null;
  }

  /** A retry of a finished job by {@code owner} (null: anyone), admitted as a submission of one job. */
  record Retry(UUID id, String owner, Instant now, Admission admission) {
  }

  /** How a retry went: the job queued again, or why not (never a failed write: it would fail the whole transaction). */
  record Retried(Job job, JobException refusal) {
  }

  /**
   * Counts as an insert does (and is as exact), then admits the job again and queues it.
   */
  private Future<Retried> retryOne(Sql sql, Retry retry) {
    Object id = dialect.id(retry.id());
    Future<List<Tuple>> found = sql.query(sql(JobSql.FIND), Tuple.of(id));
    Future<List<Tuple>> counts = sql.query(sql("SELECT (" + JobSql.BACKLOG + "), count(*) FROM jobs "
      + "WHERE state IN ('queued', 'running') AND owner = (SELECT owner FROM jobs WHERE id = ?1)"), Tuple.of(id));
    return Future.all(found, counts).compose(v -> {
      Job job = found.result().isEmpty() ? null : JobRows.toJob(found.result().get(0));
      if (job == null || retry.owner() != null && !retry.owner().equals(job.owner())) {
        return Future.succeededFuture(new Retried(null, null));
      }
      if (job.state() != JobState.FAILED && job.state() != JobState.CANCELLED) {
        return refused(new JobException(JobException.Kind.CONFLICT, "job " + job.id() + " is "
          + job.state().wire() + "; only a failed or cancelled job can be retried"));
      }
      if (job.callback() != null && "pending".equals(job.callback().state())) {
        return refused(new JobException(JobException.Kind.CONFLICT, "the completion webhook of job "
          + job.id() + " is still being delivered; retry once its delivery has ended", JobService.RETRY_AFTER_SECONDS));
      }
      Tuple count = counts.result().get(0);
      JobException refusal = retry.admission().backlogRefusal(((Number) count.getValue(0)).intValue(), 1);
      if (refusal == null) {
        refusal = retry.admission().quotaRefusal(((Number) count.getValue(1)).intValue(), 1);
      }
      if (refusal != null) {
        return refused(refusal);
      }
      return sql.query(sql(JobSql.RETRY), Tuple.of(id, dialect.time(retry.now())))
        .map(rows -> new Retried(JobRows.toJob(rows.get(0)), null));
    });
  }

  private static Future<Retried> refused(JobException refusal) {
    return Future.succeededFuture(new Retried(null, refusal));
  }
}
