package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.CancelResult;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobPage;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The job store over the Vert.x SQL client API, for SQLite ({@link SqliteStore}) and PostgreSQL
 * ({@link PostgresStore}): the same statements, written once, in each {@link Dialect}.
 *
 * <p>Writes go through {@link GroupCommit}: every write that arrives while a transaction runs
 * shares the next one, and submissions, outcomes and progress reports of a transaction each
 * become one batched statement ({@link Coalescer}). Reads use their own pool.
 */
public final class SqlJobStore implements JobStore {
  private static final String COLUMNS = "id, owner, type, state, input, result, error, progress, attempts, "
    + "max_attempts, timeout_seconds, cancel_requested, created_at, started_at, finished_at, request_id";
  private static final String INSERT = "INSERT INTO jobs (id, owner, type, state, input, max_attempts, "
    + "timeout_seconds, run_at, created_at, request_id) VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?8, ?9) "
    // A duplicate id (a bug, never a client's doing) must not fail the other submissions that
    // share the transaction: it is skipped here and refused below.
    + "ON CONFLICT (id) DO NOTHING";
  private static final String CLAIM = """
    UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, progress = NULL,
      node = ?4, lease_until = ?5
    WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' AND type = ?2 AND run_at <= ?1
                 ORDER BY run_at, created_at LIMIT ?3%s)
    RETURNING\s""" + COLUMNS;
  // A retry of a job whose cancellation was requested ends as cancelled instead.
  private static final String FINISH = """
    UPDATE jobs SET
      state       = CASE WHEN ?3 = 'queued' AND cancel_requested THEN 'cancelled' ELSE ?3 END,
      result      = {json ?4},
      error       = CASE WHEN ?3 = 'queued' AND cancel_requested THEN {json ?5} ELSE {json ?6} END,
      progress    = CASE WHEN ?3 = 'succeeded' THEN 1.0 ELSE progress END,
      run_at      = COALESCE({time ?7}, run_at),
      finished_at = CASE WHEN ?3 = 'queued' AND NOT cancel_requested THEN NULL ELSE {time ?8} END,
      attempts    = CASE WHEN ?9 THEN attempts ELSE attempts - 1 END,
      lease_until = NULL
    WHERE id = ?1 AND attempts = ?2 AND state = 'running'""";
  private static final String PROGRESS =
    "UPDATE jobs SET progress = ?1 WHERE id = ?2 AND attempts = ?3 AND state = 'running'";
  private static final String RECOVER = """
    UPDATE jobs SET
      state       = CASE WHEN cancel_requested THEN 'cancelled'
                         WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
      error       = CASE WHEN cancel_requested THEN {json ?1} ELSE {json ?2} END,
      finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN {time ?3} ELSE NULL END,
      run_at      = ?3
    WHERE state = 'running' AND (lease_until IS NULL OR lease_until <= ?3)""";
  private static final String RENEW =
    "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND attempts = ?3 AND state = 'running'";
  private static final String CANCEL_QUEUED = "UPDATE jobs SET state = 'cancelled', error = ?1, finished_at = ?2 "
    + "WHERE id = ?3 AND state = 'queued' AND (CAST(?4 AS TEXT) IS NULL OR owner = ?4) RETURNING " + COLUMNS;
  private static final String CANCEL_RUNNING = "UPDATE jobs SET cancel_requested = TRUE "
    + "WHERE id = ?1 AND state = 'running' AND (CAST(?2 AS TEXT) IS NULL OR owner = ?2) RETURNING " + COLUMNS;
  private static final String FIND = "SELECT " + COLUMNS + " FROM jobs WHERE id = ?1";
  // A node shutting down hands its attempts back: the attempt keeps its number (a late reply of it
  // is still refused) but does not use up the job's attempts.
  private static final String REQUEUE = """
    UPDATE jobs SET
      state        = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END,
      error        = CASE WHEN cancel_requested THEN {json ?1} ELSE {json ?2} END,
      finished_at  = CASE WHEN cancel_requested THEN {time ?3} ELSE NULL END,
      max_attempts = max_attempts + 1,
      run_at       = ?3,
      lease_until  = NULL
    WHERE node = ?4 AND state = 'running'""";
  private static final String PURGE = """
    DELETE FROM jobs WHERE id IN (
      SELECT id FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?1
      ORDER BY finished_at LIMIT ?2)""";

  private final Dialect dialect;
  private final Pool writer;
  private final Pool readers;
  private final Supplier<Future<Void>> afterClose;
  private final GroupCommit commits;
  private final Coalescer<Submission, JobException> inserts;
  private final Coalescer<Outcome, Void> outcomes;
  private final Coalescer<Progress, Void> progressReports;

  /** {@code afterClose} runs once both pools are closed (to release a lock file, say). */
  SqlJobStore(Vertx vertx, Dialect dialect, Pool writer, Pool readers, Supplier<Future<Void>> afterClose) {
    this.dialect = dialect;
    this.writer = writer;
    this.readers = readers;
    this.afterClose = afterClose;
    this.commits = new GroupCommit(writer, vertx.getOrCreateContext());
    this.inserts = new Coalescer<>(commits, this::insertAll);
    this.outcomes = new Coalescer<>(commits, this::finishAll);
    this.progressReports = new Coalescer<>(commits, this::progressAll);
  }

  /**
   * Every write goes through group commit, in a transaction. Besides batching, that matters
   * because vertx-jdbc-client 5.0.7 leaves a connection in manual-commit mode after its first
   * transaction (JDBCTxOp calls setAutoCommit(false) after commit): a plain statement on the
   * SQLite writer would stay uncommitted until the next transaction.
   */
  private <T> Future<T> write(Function<SqlConnection, Future<T>> work) {
    return commits.write(work);
  }

  /** Transactions committed so far. */
  long commits() {
    return commits.commits();
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

  @Override
  public Future<List<JobException>> insert(List<NewJob> jobs, Admission admission) {
    List<Future<JobException>> admitted = new ArrayList<>(jobs.size());
    jobs.forEach(job -> admitted.add(inserts.add(new Submission(job, admission))));
    return Future.all(admitted).map(all -> all.<JobException>list());
  }

  /** A job to insert with the limits it is admitted against. */
  private record Submission(NewJob job, Admission admission) {
  }

  /**
   * Inserts every submission of a transaction with one batched statement. Admission is
   * optimistic: insert and count in the same pipelined round trip, then take back (still inside
   * the transaction) the jobs that did not fit. Inserting updates the {@code queue_depth} row
   * first, which serialises concurrent admissions (on PostgreSQL, across nodes too), so the
   * counts that follow are exact.
   */
  private Future<List<JobException>> insertAll(SqlConnection conn, List<Submission> submissions) {
    Map<String, Integer> added = new HashMap<>();
    List<Tuple> rows = new ArrayList<>(submissions.size());
    for (Submission submission : submissions) {
      NewJob job = submission.job();
      added.merge(job.owner(), 1, Integer::sum);
      rows.add(Tuple.of(dialect.id(job.id()), job.owner(), job.type(), dialect.json(job.input()), job.maxAttempts(),
        job.timeoutSeconds(), dialect.time(job.createdAt()), dialect.time(job.createdAt()), job.requestId()));
    }
    List<Object> owners = new ArrayList<>(added.keySet());
    String counts = "SELECT NULL, queued FROM queue_depth UNION ALL "
      + "SELECT owner, count(*) FROM jobs WHERE state IN ('queued', 'running') AND owner IN ("
      + parameters(1, owners.size()) + ") GROUP BY owner";
    // Both are issued at once; the connection runs them in order, so the counts include the batch.
    Future<RowSet<Row>> inserted = conn.preparedQuery(sql(INSERT)).executeBatch(rows);
    Future<RowSet<Row>> after = conn.preparedQuery(sql(counts)).execute(Tuple.wrap(owners));
    return Future.all(inserted, after).map(v -> after.result()).compose(counted -> {
      List<Integer> insertedRows = batchCounts(inserted.result(), submissions.size());
      Map<String, Integer> active = new HashMap<>();
      int backlog = 0;
      for (Row row : counted) {
        int count = ((Number) row.getValue(1)).intValue();
        if (row.getValue(0) == null) {
          backlog = count - submissions.size();
        } else {
          active.put(row.getString(0), count - added.get(row.getString(0)));
        }
      }
      for (int i = 0; i < submissions.size(); i++) {
        if (insertedRows.get(i) == 0) {
          // Counted above as if inserted: take it back from the counts.
          backlog--;
          active.merge(submissions.get(i).job().owner(), -1, Integer::sum);
        }
      }
      List<NewJob> jobs = new ArrayList<>(submissions.size());
      List<Admission> limits = new ArrayList<>(submissions.size());
      submissions.forEach(submission -> {
        jobs.add(submission.job());
        limits.add(submission.admission());
      });
      List<JobException> refusals = new ArrayList<>(Admission.decide(jobs, limits, backlog, active));
      List<Object> refused = new ArrayList<>();
      for (int i = 0; i < submissions.size(); i++) {
        if (insertedRows.get(i) == 0) {
          refusals.set(i, new JobException(JobException.Kind.CONFLICT, "a job with id "
            + submissions.get(i).job().id() + " already exists"));
        } else if (refusals.get(i) != null) {
          refused.add(dialect.id(submissions.get(i).job().id()));
        }
      }
      return refused.isEmpty() ? Future.succeededFuture(refusals)
        : conn.preparedQuery(sql("DELETE FROM jobs WHERE id IN (" + parameters(1, refused.size()) + ")"))
          .execute(Tuple.wrap(refused)).map(refusals);
    });
  }

  @Override
  public Future<Job> find(UUID id) {
    return readers.preparedQuery(sql(FIND)).execute(Tuple.of(dialect.id(id)))
      .map(rows -> rows.size() == 0 ? null : first(rows));
  }

  @Override
  public Future<JobPage> list(JobQuery query) {
    // Built from only the conditions in use, so the database can pick the matching index.
    StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM jobs WHERE 1 = 1");
    Tuple args = Tuple.tuple();
    if (query.owner() != null) {
      args.addValue(query.owner());
      sql.append(" AND owner = ?").append(args.size());
    }
    if (query.state() != null) {
      args.addValue(query.state().wire());
      sql.append(" AND state = ?").append(args.size());
    }
    if (query.type() != null) {
      args.addValue(query.type());
      sql.append(" AND type = ?").append(args.size());
    }
    if (query.after() != null) {
      args.addValue(dialect.time(Instant.ofEpochMilli(query.after().createdAtMillis())));
      args.addValue(dialect.id(UUID.fromString(query.after().id())));
      sql.append(" AND (created_at < ?").append(args.size() - 1).append(" OR (created_at = ?")
        .append(args.size() - 1).append(" AND id < ?").append(args.size()).append("))");
    }
    args.addValue(query.limit() + 1);
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?").append(args.size());
    return readers.preparedQuery(sql(sql.toString())).execute(args).map(rows -> {
      List<Job> items = new ArrayList<>();
      rows.forEach(row -> items.add(toJob(row)));
      if (items.size() <= query.limit()) {
        return new JobPage(items, null);
      }
      List<Job> page = List.copyOf(items.subList(0, query.limit()));
      Job last = page.get(page.size() - 1);
      return new JobPage(page, new JobQuery.Cursor(last.createdAt().toEpochMilli(), last.id().toString()));
    });
  }

  @Override
  public Future<CancelResult> cancel(UUID id, String owner) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object now = dialect.time(Instant.now());
    return write(conn -> changeOne(conn, CANCEL_QUEUED, Tuple.of(cancelled, now, dialect.id(id), owner),
        CancelResult.Effect.CANCELLED)
      .compose(done -> done != null ? Future.succeededFuture(done)
        : changeOne(conn, CANCEL_RUNNING, Tuple.of(dialect.id(id), owner), CancelResult.Effect.REQUESTED))
      .compose(done -> done != null ? Future.succeededFuture(done)
        : conn.preparedQuery(sql(FIND)).execute(Tuple.of(dialect.id(id))).map(rows -> {
          Job job = rows.size() == 0 ? null : first(rows);
          boolean visible = job != null && (owner == null || owner.equals(job.owner()));
          return visible ? new CancelResult(job, CancelResult.Effect.ALREADY_FINISHED) : null;
        })));
  }

  /** Runs an UPDATE ... RETURNING on at most one job; null when it matched none. */
  private Future<CancelResult> changeOne(SqlConnection conn, String template, Tuple args, CancelResult.Effect effect) {
    return conn.preparedQuery(sql(template)).execute(args)
      .map(rows -> rows.size() == 0 ? null : new CancelResult(first(rows), effect));
  }

  @Override
  public Future<List<Job>> claim(String type, int max, Instant now, String node, Instant leaseUntil) {
    String claim = sql(CLAIM.formatted(dialect.skipLocked()));
    Tuple args = Tuple.of(dialect.time(now), type, max, node, dialect.time(leaseUntil));
    return write(conn -> conn.preparedQuery(claim).execute(args)).map(rows -> {
      List<Job> jobs = new ArrayList<>(rows.size());
      rows.forEach(row -> jobs.add(toJob(row)));
      jobs.sort(java.util.Comparator.comparing(Job::createdAt));
      return jobs;
    });
  }

  @Override
  public Future<Void> finish(List<Outcome> outcomes) {
    List<Future<Void>> written = new ArrayList<>(outcomes.size());
    outcomes.forEach(outcome -> written.add(this.outcomes.add(outcome)));
    return Future.all(written).mapEmpty();
  }

  private Future<List<Void>> finishAll(SqlConnection conn, List<Outcome> outcomes) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    List<Tuple> rows = new ArrayList<>(outcomes.size());
    for (Outcome o : outcomes) {
      rows.add(Tuple.of(dialect.id(o.id()), o.attempt(), o.state().wire(), dialect.json(o.result()), cancelled,
        dialect.json(o.error()), dialect.time(o.runAt()), dialect.time(o.at()), o.counted()));
    }
    return conn.preparedQuery(sql(FINISH)).executeBatch(rows).map(v -> nulls(outcomes.size()));
  }

  @Override
  public Future<Void> progress(List<Progress> updates) {
    List<Future<Void>> written = new ArrayList<>(updates.size());
    updates.forEach(update -> written.add(progressReports.add(update)));
    return Future.all(written).mapEmpty();
  }

  private Future<List<Void>> progressAll(SqlConnection conn, List<Progress> updates) {
    List<Tuple> rows = new ArrayList<>(updates.size());
    updates.forEach(p -> rows.add(Tuple.of(p.value(), dialect.id(p.id()), p.attempt())));
    return conn.preparedQuery(sql(PROGRESS)).executeBatch(rows).map(v -> nulls(updates.size()));
  }

  @Override
  public Future<Void> renew(List<Lease> leases, Instant until) {
    if (leases.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = new ArrayList<>(leases.size());
    leases.forEach(lease -> rows.add(Tuple.of(dialect.time(until), dialect.id(lease.id()), lease.attempt())));
    return write(conn -> conn.preparedQuery(sql(RENEW)).executeBatch(rows)).mapEmpty();
  }

  /**
   * Ends every lease at once: for a store only one process can open (SQLite), whatever is
   * running when it opens was left by a dead process.
   */
  Future<Void> expireAllLeases() {
    return write(conn -> conn.preparedQuery(sql("UPDATE jobs SET lease_until = NULL WHERE state = 'running'"))
      .execute()).mapEmpty();
  }

  @Override
  public Future<Integer> recover(Instant now) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object lost = dialect.json(JobError.of(JobError.LOST, "the process running this job stopped before it finished"));
    return write(conn -> conn.preparedQuery(sql(RECOVER)).execute(Tuple.of(cancelled, lost, dialect.time(now))))
      .map(RowSet::rowCount);
  }

  @Override
  public Future<Integer> requeue(String node, Instant now) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object interrupted = dialect.json(JobError.of(JobError.INTERRUPTED,
      "the node running this attempt shut down; the job runs again"));
    return write(conn -> conn.preparedQuery(sql(REQUEUE)).execute(Tuple.of(cancelled, interrupted,
      dialect.time(now), node))).map(RowSet::rowCount);
  }

  @Override
  public Future<Integer> purgeFinished(Instant before, int limit) {
    return write(conn -> conn.preparedQuery(sql(PURGE)).execute(Tuple.of(dialect.time(before), limit)))
      .map(RowSet::rowCount);
  }

  @Override
  public Future<Map<String, Long>> queuedByType() {
    return readers.query("SELECT type, count(*) FROM jobs WHERE state = 'queued' GROUP BY type").execute()
      .map(rows -> {
        Map<String, Long> counts = new HashMap<>();
        rows.forEach(row -> counts.put(row.getString(0), ((Number) row.getValue(1)).longValue()));
        return counts;
      });
  }

  @Override
  public Future<Integer> flagQueued(String type, JsonObject error) {
    return write(conn -> conn.preparedQuery(sql("UPDATE jobs SET error = ?1 WHERE type = ?2 AND state = 'queued' "
      + "AND error IS NULL")).execute(Tuple.of(dialect.json(error), type))).map(RowSet::rowCount);
  }

  @Override
  public Future<Void> ping() {
    return readers.query("SELECT 1").execute().mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return Future.join(writer.close(), readers.close()).eventually(afterClose::get).mapEmpty();
  }

  /**
   * The rows each statement of a batch (without RETURNING) changed. vertx-pg-client answers one
   * row set per statement; vertx-jdbc-client one row set whose rows hold the counts.
   */
  private static List<Integer> batchCounts(RowSet<Row> result, int statements) {
    List<Integer> counts = new ArrayList<>(statements);
    if (result.next() == null && result.size() == statements) {
      result.forEach(row -> counts.add(((Number) row.getValue(0)).intValue()));
    } else {
      for (RowSet<Row> each = result; each != null; each = each.next()) {
        counts.add(each.rowCount());
      }
    }
    return counts;
  }

  private static List<Void> nulls(int size) {
    return Collections.nCopies(size, null);
  }

  private static Job first(RowSet<Row> rows) {
    return toJob(rows.iterator().next());
  }

  private static Job toJob(Row row) {
    return new Job(
      Dialect.id(row.getValue("id")),
      row.getString("owner"),
      row.getString("type"),
      JobState.parse(row.getString("state")),
      Dialect.json(row.getValue("input")),
      Dialect.json(row.getValue("result")),
      Dialect.json(row.getValue("error")),
      row.getDouble("progress"),
      row.getInteger("attempts"),
      row.getInteger("max_attempts"),
      row.getInteger("timeout_seconds"),
      Dialect.bool(row.getValue("cancel_requested")),
      Dialect.time(row.getValue("created_at")),
      Dialect.time(row.getValue("started_at")),
      Dialect.time(row.getValue("finished_at")),
      row.getString("request_id"));
  }
}
