package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.CancelResult;
import dev.offload.jobs.HandOff;
import dev.offload.jobs.Insertion;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobError;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobPage;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStats;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import dev.offload.schedules.ScheduleStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The job store over the Vert.x SQL client API, for SQLite ({@link SqliteStore}) and PostgreSQL
 * ({@link PostgresStore}): the same statements, written once, in each {@link Dialect}.
 *
 * <p>Writes go through the {@link WritePipeline}: every write that arrives while a transaction
 * runs shares the next one, and the submissions, outcomes, progress reports and lease renewals
 * of a transaction each become one batched statement. Reads use their own pool. Whatever the
 * database does not answer, within the store timeout, is refused with {@code 503} (a
 * {@link JobException.Kind#UNAVAILABLE} refusal), never a {@code 500} or a hang.
 */
public final class SqlJobStore implements JobStore {
  private static final String COLUMNS = "id, owner, type, state, input, result, error, progress, attempts, "
    + "max_attempts, timeout_seconds, cancel_requested, created_at, started_at, finished_at, request_id, "
    + "callback_url, callback_state, callback_attempts, callback_error, priority, run_at, schedule_name, history, node";
  private static final String INSERT = "INSERT INTO jobs (id, owner, type, state, input, max_attempts, "
    + "timeout_seconds, run_at, created_at, request_id, callback_url, callback_state, idempotency_key, request_hash, "
    + "priority, schedule_name, schedule_tick) "
    + "VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?8, ?9, CAST(?10 AS TEXT), "
    + "CASE WHEN CAST(?10 AS TEXT) IS NULL THEN NULL ELSE 'pending' END, ?11, ?12, ?13, ?14, ?15) "
    // A duplicate (an idempotency key in use, or an id: a bug, never a client's doing) must not
    // fail the other submissions that share the transaction: it is skipped here and resolved below.
    + "ON CONFLICT DO NOTHING";
  // An idempotency key older than its keeping time no longer holds: its job lets go of it.
  private static final String RELEASE_KEY = "UPDATE jobs SET idempotency_key = NULL "
    + "WHERE owner = ?1 AND idempotency_key = ?2 AND created_at < ?3";
  private static final String FIND_BY_KEY = "SELECT " + COLUMNS + ", request_hash FROM jobs "
    + "WHERE owner = ?1 AND idempotency_key = ?2";
  // The claim takes up to ?3 jobs among its picks: first each owner's best due job (fair claims
  // only: the %1$s part, one per owner), then the best due jobs of each priority, highest first.
  // Each pick reads one range of an index (a priority's due jobs, oldest first), so a claim costs
  // the same however many jobs wait, delayed ones included. The picks carry the row's {key}, not
  // its id: on SQLite that is the rowid, which every index entry holds, so a pick reads no table
  // row and the update finds each row without a probe of the id index (docs/benchmarks.md, "The
  // cost of scheduling": picked by id, the claim cost 40 % more than before priorities; by
  // rowid, what it cost then).
  private static final String CLAIM_RETURNING =
    " RETURNING id, type, attempts, max_attempts, timeout_seconds, input, created_at, request_id, {row}";
  private static final String CLAIM = """
    UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, progress = NULL,
      node = ?4, lease_until = ?5
    WHERE state = 'queued' AND {key} IN (
      SELECT k FROM (%1$s%2$s) picks GROUP BY k ORDER BY min(fill), max(priority) DESC, min(run_at) LIMIT ?3)"""
    + CLAIM_RETURNING;
  // The insert's own claim of the jobs it just stored (a hand-off): by id, %s being ?4, ?5 ...
  private static final String CLAIM_INSERTED = "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
    + "started_at = ?1, progress = NULL, node = ?2, lease_until = ?3 WHERE state = 'queued' AND id IN (%s)"
    + CLAIM_RETURNING;
  private static final String OWNER_PICK = "SELECT * FROM (SELECT {key} AS k, 0 AS fill, priority, run_at FROM jobs "
    + "WHERE state = 'queued' AND type = ?2 AND owner = ?%d AND run_at <= ?1 ORDER BY priority DESC, run_at "
    + "LIMIT 1%s) o%d UNION ALL ";
  private static final String PRIORITY_PICK = "SELECT * FROM (SELECT {key} AS k, 1 AS fill, priority, run_at FROM jobs "
    + "WHERE state = 'queued' AND type = ?2 AND priority = %d AND run_at <= ?1 ORDER BY run_at LIMIT ?3%s) p%d";
  // The owners with queued jobs of a type after ?2, in order, at most ?3 (one index probe each).
  private static final String OWNERS = """
    WITH RECURSIVE owners(owner, n) AS (
      SELECT (SELECT min(owner) FROM jobs WHERE state = 'queued' AND type = ?1 AND owner > ?2), 1
      UNION ALL
      SELECT (SELECT min(owner) FROM jobs WHERE state = 'queued' AND type = ?1 AND owner > owners.owner), n + 1
      FROM owners WHERE owners.owner IS NOT NULL AND n < ?3)
    SELECT owner FROM owners WHERE owner IS NOT NULL""";
  // How an attempt ended, written only while the job runs that attempt. SQLite finds the row by the
  // rowid its claim returned ({row ?N AND }): a look-up of the random text id was the largest part
  // of an outcome's cost (docs/benchmarks.md); the id still has to match.
  // SUCCEED, the common case, sets only what a success changes. Its attempt is not appended to the
  // history: it is the job's last, and the row's own columns (attempts, node, started_at,
  // finished_at) tell it (see toJob), so a drain writes 127 bytes less per job.
  static final String SUCCEED = """
    UPDATE jobs SET state = 'succeeded', result = {json ?3}, progress = 1.0, finished_at = {time ?4}, lease_until = NULL
    WHERE {row ?5 AND }id = ?1 AND attempts = ?2 AND state = 'running'""";
  // Any other end: failed, cancelled, or back to the queue (?3 = 'queued': a retry at ?6, or an
  // attempt given back when ?8 is false). A retry of a job whose cancellation was requested ends
  // as cancelled instead.
  static final String FINISH = """
    UPDATE jobs SET
      state       = CASE WHEN ?3 = 'queued' AND cancel_requested THEN 'cancelled' ELSE ?3 END,
      result      = NULL,
      error       = CASE WHEN ?3 = 'queued' AND cancel_requested THEN {json ?4} ELSE {json ?5} END,
      run_at      = COALESCE({time ?6}, run_at),
      finished_at = CASE WHEN ?3 = 'queued' AND NOT cancel_requested THEN NULL ELSE {time ?7} END,
      attempts    = CASE WHEN ?8 THEN attempts ELSE attempts - 1 END,
      history     = CASE WHEN ?8 THEN {history ?5 ?7} ELSE history END,
      lease_until = NULL
    WHERE {row ?9 AND }id = ?1 AND attempts = ?2 AND state = 'running'""";
  private static final String PROGRESS =
    "UPDATE jobs SET progress = ?1 WHERE id = ?2 AND attempts = ?3 AND state = 'running'";
  private static final String RECOVER = """
    UPDATE jobs SET
      state       = CASE WHEN cancel_requested THEN 'cancelled'
                         WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
      error       = CASE WHEN cancel_requested THEN {json ?1} ELSE {json ?2} END,
      finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN {time ?3} ELSE NULL END,
      history     = {history ?2 ?3},
      run_at      = ?3
    WHERE state = 'running' AND (lease_until IS NULL OR lease_until <= ?3)""";
  private static final String RENEW =
    "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND attempts = ?3 AND state = 'running'";
  private static final String CANCEL_QUEUED = "UPDATE jobs SET state = 'cancelled', error = ?1, finished_at = ?2 "
    + "WHERE id = ?3 AND state = 'queued' AND (CAST(?4 AS TEXT) IS NULL OR owner = ?4) RETURNING " + COLUMNS;
  private static final String CANCEL_RUNNING = "UPDATE jobs SET cancel_requested = TRUE "
    + "WHERE id = ?1 AND state = 'running' AND (CAST(?2 AS TEXT) IS NULL OR owner = ?2) RETURNING " + COLUMNS;
  private static final String FIND = "SELECT " + COLUMNS + " FROM jobs WHERE id = ?1";
  // The dashboard's counts, in two reads over partial indexes that the drain path maintains
  // anyway (their WHERE terms are written exactly as the indexes' own, which SQLite needs to use
  // them): the active jobs through jobs_active_owner (at most limits.activeJobsPerOwner of an
  // owner's), the jobs finished since ?N through jobs_finished, a range of the last hour. An
  // index of finished jobs per owner would serve all-time counts, but it costs every outcome an
  // index write: 8 % of the drain (docs/benchmarks.md). "owner || ''" keeps the planner on the
  // time range: the owner index would read all of a big owner's jobs.
  private static final String ACTIVE_STATES = "state IN ('queued', 'running')";
  private static final String FINISHED_STATES = "state IN ('succeeded', 'failed', 'cancelled')";
  static final String STATS_ACTIVE = "SELECT state, count(*) FROM jobs WHERE %s" + ACTIVE_STATES
    + " GROUP BY state";
  static final String STATS_FINISHED = "SELECT state, count(*) FROM jobs WHERE %s" + FINISHED_STATES
    + " AND finished_at >= {time ?%d} GROUP BY state";

  // A retry by the user: a new start (its attempts and its webhook delivery too); the error and the
  // history stay until the next outcome replaces them.
  private static final String RETRY = """
    UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?2, started_at = NULL, finished_at = NULL,
      progress = NULL, cancel_requested = FALSE, node = NULL, lease_until = NULL,
      callback_state = CASE WHEN callback_url IS NULL THEN NULL ELSE 'pending' END, callback_attempts = 0,
      callback_due = NULL, callback_error = NULL
    WHERE id = ?1 AND state IN ('failed', 'cancelled')
    RETURNING\s""" + COLUMNS;
  // A node shutting down hands its attempts back: the attempt keeps its number (a late reply of it
  // is still refused) but does not use up the job's attempts.
  private static final String REQUEUE = """
    UPDATE jobs SET
      state        = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END,
      error        = CASE WHEN cancel_requested THEN {json ?1} ELSE {json ?2} END,
      finished_at  = CASE WHEN cancel_requested THEN {time ?3} ELSE NULL END,
      max_attempts = max_attempts + 1,
      history      = {history ?2 ?3},
      run_at       = ?3,
      lease_until  = NULL
    WHERE node = ?4 AND state = 'running'""";
  // A job whose callback is still being delivered is kept until the delivery ends.
  private static final String PURGE = """
    DELETE FROM jobs WHERE id IN (
      SELECT id FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?1
        AND (callback_state IS NULL OR callback_state <> 'pending')
      ORDER BY finished_at LIMIT ?2)""";
  private static final String CLAIM_CALLBACKS = """
    UPDATE jobs SET callback_due = ?2
    WHERE id IN (SELECT id FROM jobs WHERE callback_state = 'pending' AND callback_due <= ?1
                 ORDER BY callback_due LIMIT ?3%s)
    RETURNING\s""" + COLUMNS;
  private static final String RECORD_CALLBACK = """
    UPDATE jobs SET callback_state = ?2, callback_attempts = callback_attempts + 1, callback_error = ?3,
      callback_due = {time ?4}
    WHERE id = ?1 AND callback_state = 'pending'""";

  /** A job row's columns by position, in the order of {@link #COLUMNS}. */
  private static final class Col {
    static final int ID = 0, OWNER = 1, TYPE = 2, STATE = 3, INPUT = 4, RESULT = 5, ERROR = 6, PROGRESS = 7,
      ATTEMPTS = 8, MAX_ATTEMPTS = 9, TIMEOUT = 10, CANCEL_REQUESTED = 11, CREATED = 12, STARTED = 13, FINISHED = 14,
      REQUEST_ID = 15, CALLBACK_URL = 16, CALLBACK_STATE = 17, CALLBACK_ATTEMPTS = 18, CALLBACK_ERROR = 19,
      PRIORITY = 20, RUN_AT = 21, SCHEDULE_NAME = 22, HISTORY = 23, NODE = 24, REQUEST_HASH = 25;
  }

  private final Dialect dialect;
  private final WritePipeline writes;
  /**
   * The lane of what a running attempt writes and nothing else waits on: successes, progress,
   * lease renewals. None of these touches the {@code queue_depth} row, so on PostgreSQL they
   * commit beside the submissions and claims instead of behind them; SQLite's one writer has one
   * lane, {@link #writes} itself.
   */
  private final WritePipeline attemptWrites;
  private final Sql readers;
  private final StoreHealth health;
  private final long timeoutMillis;
  private final Supplier<Future<Void>> close;
  /** The claim's picks by priority in this dialect, built once: they run at every pump. */
  private final String priorityPicks;
  /** The claim's SQL by number of owner picks (at most a type's concurrency of them), built once each. */
  private final Map<Integer, String> claimSqls = new ConcurrentHashMap<>();
  /** Per type, the owner whose turn came last in a fair claim: the next one starts after it. */
  private final Map<String, String> lastOwnerServed = new ConcurrentHashMap<>();
  private final String callbackClaimSql;
  private final ScheduleStore schedules;

  private final WritePipeline.Kind<Submission, Insertion> inserts = this::insertAll;
  private final WritePipeline.Kind<Outcome, Void> outcomes = this::finishAll;
  private final WritePipeline.Kind<Progress, Void> progressReports = this::progressAll;
  private final WritePipeline.Kind<Renewal, Void> renewals = this::renewAll;
  private final WritePipeline.Kind<Claim, List<Attempt>> claims = WritePipeline.Kind.each(this::claimOne);
  private final WritePipeline.Kind<CallbackClaim, List<Job>> callbackClaims = WritePipeline.Kind.each(
    this::claimCallbacksOne);
  private final WritePipeline.Kind<CallbackAttempt, Void> callbackAttempts = this::recordCallbacksAll;
  private final WritePipeline.Kind<Cancel, CancelResult> cancels = WritePipeline.Kind.each(this::cancelOne);
  private final WritePipeline.Kind<Retry, Retried> retries = WritePipeline.Kind.each(this::retryOne);
  private final WritePipeline.Kind<Statement, Integer> statements = WritePipeline.Kind.each(
    (sql, statement) -> sql.update(statement.sql(), statement.args()));

  /** A write of one statement (recovery, retention ...). */
  private record Statement(String sql, Tuple args) {
  }

  /**
   * {@code readers} serves the reads; {@code close} closes what the store holds (pools, the
   * writer, a lock file) once the pipeline is closed.
   */
  SqlJobStore(Dialect dialect, WritePipeline writes, WritePipeline attemptWrites, Sql readers, StoreHealth health,
              long timeoutMillis, Supplier<Future<Void>> close) {
    this.dialect = dialect;
    this.writes = writes;
    this.attemptWrites = attemptWrites;
    this.readers = readers;
    this.health = health;
    this.timeoutMillis = timeoutMillis;
    this.close = close;
    List<String> picks = new ArrayList<>();
    for (int priority = NewJob.MAX_PRIORITY; priority >= 0; priority--) {
      picks.add(PRIORITY_PICK.formatted(priority, dialect.skipLocked(), priority));
    }
    this.priorityPicks = String.join(" UNION ALL ", picks);
    this.callbackClaimSql = dialect.sql(CLAIM_CALLBACKS.formatted(dialect.skipLocked()));
    this.schedules = new SqlScheduleStore(dialect, writes, readers, health, timeoutMillis);
  }

  /** Transactions committed so far. */
  long commits() {
    return writes.commits();
  }

  private String sql(String template) {
    return dialect.sql(template);
  }

  /** A write of one statement, through the pipeline; answers how many rows it changed. */
  private Future<Integer> writeOne(String template, Tuple args) {
    return writes.write(statements, new Statement(sql(template), args));
  }

  /** Writes each item through the pipeline (items that arrive together share a transaction); succeeds once all are written. */
  private <T> Future<Void> writeEach(WritePipeline.Kind<T, Void> kind, List<T> items) {
    return writeEach(kind, items, item -> writes);
  }

  /** {@link #writeEach(WritePipeline.Kind, List)}, each item in the lane {@code lane} picks. */
  private <T> Future<Void> writeEach(WritePipeline.Kind<T, Void> kind, List<T> items,
                                     Function<T, WritePipeline> lane) {
    List<Future<Void>> written = new ArrayList<>(items.size());
    items.forEach(item -> written.add(lane.apply(item).write(kind, item)));
    return Future.all(written).mapEmpty();
  }

  /** A read, bounded by the store timeout; a failure is a 503 for the caller. */
  private <T> Future<T> read(Future<T> read) {
    return health.read(read, timeoutMillis);
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
  public Future<Insertion> insert(List<NewJob> jobs, Admission admission, HandOff handOff) {
    return writes.write(inserts, new Submission(jobs, admission, handOff), jobs.size());
  }

  /**
   * One caller's jobs (a submission, or a batch) and the limits they are admitted against, all or
   * none; with a {@code handOff} (or null), claimed by the insert's transaction.
   */
  private record Submission(List<NewJob> jobs, Admission admission, HandOff handOff) {
  }

  /**
   * Inserts every job of every submission of a transaction with one batched statement.
   * Admission is optimistic: insert and count in the same pipelined round trip, then take back
   * (still inside the transaction) the submissions that did not fit, whole. Inserting updates the
   * {@code queue_depth} row first, which serialises concurrent admissions (on PostgreSQL, across
   * nodes too), so the counts that follow are exact. A submission whose idempotency key is taken
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
    String counts = "SELECT NULL, queued FROM queue_depth UNION ALL "
      + "SELECT owner, count(*) FROM jobs WHERE state IN ('queued', 'running') AND owner IN ("
      + parameters(1, owners.size()) + ") GROUP BY owner";
    // All are issued at once; the connection runs them in order, so the counts include the batch.
    Future<?> released = keyReleases.isEmpty() ? Future.succeededFuture() : sql.batch(sql(RELEASE_KEY), keyReleases);
    Future<List<Integer>> inserted = sql.batch(sql(INSERT), rows);
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
    return sql.query(sql(CLAIM_INSERTED.formatted(parameters(4, ids.size()))), args).map(rows -> {
      Map<UUID, Attempt> byId = new HashMap<>();
      attempts(rows).forEach(attempt -> byId.put(attempt.id(), attempt));
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
        holders.add(sql.query(sql(FIND_BY_KEY), Tuple.of(job.owner(), job.idempotency().key())));
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
          if (!first.idempotency().requestHash().equals(rowsFound.get(0).getString(Col.REQUEST_HASH))) {
            return Insertion.refused(new JobException(JobException.Kind.KEY_REUSED, "this Idempotency-Key was "
              + "already used for a different request; use a new key for a new request"));
          }
          jobs.add(toJob(rowsFound.get(0)));
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

  @Override
  public Future<Job> find(UUID id) {
    return read(readers.query(sql(FIND), Tuple.of(dialect.id(id))).map(rows -> rows.isEmpty() ? null : toJob(rows.get(0))));
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
    if (query.createdAfter() != null) {
      args.addValue(dialect.time(query.createdAfter()));
      sql.append(" AND created_at >= ?").append(args.size());
    }
    if (query.createdBefore() != null) {
      args.addValue(dialect.time(query.createdBefore()));
      sql.append(" AND created_at < ?").append(args.size());
    }
    if (query.after() != null) {
      args.addValue(dialect.time(Instant.ofEpochMilli(query.after().createdAtMillis())));
      args.addValue(dialect.id(UUID.fromString(query.after().id())));
      sql.append(" AND (created_at < ?").append(args.size() - 1).append(" OR (created_at = ?")
        .append(args.size() - 1).append(" AND id < ?").append(args.size()).append("))");
    }
    args.addValue(query.limit() + 1);
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?").append(args.size());
    return read(readers.query(sql(sql.toString()), args).map(rows -> {
      List<Job> items = new ArrayList<>(rows.size());
      rows.forEach(row -> items.add(toJob(row)));
      if (items.size() <= query.limit()) {
        return new JobPage(items, null);
      }
      List<Job> page = List.copyOf(items.subList(0, query.limit()));
      Job last = page.get(page.size() - 1);
      return new JobPage(page, new JobQuery.Cursor(last.createdAt().toEpochMilli(), last.id().toString()));
    }));
  }

  @Override
  public Future<JobStats> stats(String owner, Instant since) {
    Tuple ownerOnly = owner == null ? Tuple.tuple() : Tuple.of(owner);
    Tuple finishedArgs = owner == null ? Tuple.of(dialect.time(since)) : Tuple.of(owner, dialect.time(since));
    Future<List<Tuple>> active = readers.query(sql(statsActive(owner != null)), ownerOnly);
    Future<List<Tuple>> finished = readers.query(sql(statsFinished(owner != null)), finishedArgs);
    return read(Future.all(active, finished).map(both -> {
      Map<JobState, Long> counts = new HashMap<>();
      concat(active.result(), finished.result()).forEach(row ->
        counts.put(JobState.parse(row.getString(0)), ((Number) row.getValue(1)).longValue()));
      return new JobStats(owner, counts, since);
    }));
  }

  /** The statement counting active jobs, for one owner or everyone. */
  static String statsActive(boolean byOwner) {
    return STATS_ACTIVE.formatted(byOwner ? "owner = ?1 AND " : "");
  }

  /** The statement counting the jobs finished since a moment (its last parameter), for one owner or everyone. */
  static String statsFinished(boolean byOwner) {
    return STATS_FINISHED.formatted(byOwner ? "owner || '' = ?1 AND " : "", byOwner ? 2 : 1);
  }

  /** The database's plan of a statement, one line per row of its EXPLAIN: for tests that check an index is used. */
  Future<String> explain(String template, Tuple args) {
    String prefix = dialect == Dialect.SQLITE ? "EXPLAIN QUERY PLAN " : "EXPLAIN ";
    return read(readers.query(prefix + sql(template), args).map(rows -> {
      StringBuilder plan = new StringBuilder();
      // SQLite: (id, parent, notused, detail); PostgreSQL: one text column.
      rows.forEach(row -> plan.append(row.getValue(row.size() - 1)).append('\n'));
      return plan.toString();
    }));
  }

  private static List<Tuple> concat(List<Tuple> a, List<Tuple> b) {
    List<Tuple> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** A cancellation request: the job and who may cancel it (null: anyone). */
  private record Cancel(UUID id, String owner) {
  }

  @Override
  public Future<CancelResult> cancel(UUID id, String owner) {
    return writes.write(cancels, new Cancel(id, owner));
  }

  private Future<CancelResult> cancelOne(Sql sql, Cancel cancel) {
    Object id = dialect.id(cancel.id());
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object now = dialect.time(Instant.now());
    return changeOne(sql, CANCEL_QUEUED, Tuple.of(cancelled, now, id, cancel.owner()), CancelResult.Effect.CANCELLED)
      .compose(done -> done != null ? Future.succeededFuture(done)
        : changeOne(sql, CANCEL_RUNNING, Tuple.of(id, cancel.owner()), CancelResult.Effect.REQUESTED))
      .compose(done -> done != null ? Future.succeededFuture(done)
        : sql.query(sql(FIND), Tuple.of(id)).map(rows -> {
          Job job = rows.isEmpty() ? null : toJob(rows.get(0));
          boolean visible = job != null && (cancel.owner() == null || cancel.owner().equals(job.owner()));
          return visible ? new CancelResult(job, CancelResult.Effect.ALREADY_FINISHED) : null;
        }));
  }

  /** A retry of a finished job by {@code owner} (null: anyone), admitted as a submission of one job. */
  private record Retry(UUID id, String owner, Instant now, Admission admission) {
  }

  /** How a retry went: the job queued again, or why not (never a failed write: it would fail the whole transaction). */
  private record Retried(Job job, JobException refusal) {
  }

  @Override
  public Future<Job> retry(UUID id, String owner, Instant now, Admission admission) {
    return writes.write(retries, new Retry(id, owner, now, admission))
      .compose(retried -> retried.refusal() == null ? Future.succeededFuture(retried.job())
        : Future.failedFuture(retried.refusal()));
  }

  /**
   * Locks the backlog row first (as an insert does), so that the counts read next stay exact
   * until the commit, on PostgreSQL across nodes too; then admits the job again and queues it.
   */
  private Future<Retried> retryOne(Sql sql, Retry retry) {
    Object id = dialect.id(retry.id());
    Future<Integer> locked = sql.update("UPDATE queue_depth SET queued = queued", Tuple.tuple());
    Future<List<Tuple>> found = sql.query(sql(FIND), Tuple.of(id));
    Future<List<Tuple>> counts = sql.query(sql("SELECT (SELECT queued FROM queue_depth), count(*) FROM jobs "
      + "WHERE state IN ('queued', 'running') AND owner = (SELECT owner FROM jobs WHERE id = ?1)"), Tuple.of(id));
    return Future.all(locked, found, counts).compose(v -> {
      Job job = found.result().isEmpty() ? null : toJob(found.result().get(0));
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
      return sql.query(sql(RETRY), Tuple.of(id, dialect.time(retry.now())))
        .map(rows -> new Retried(toJob(rows.get(0)), null));
    });
  }

  private static Future<Retried> refused(JobException refusal) {
    return Future.succeededFuture(new Retried(null, refusal));
  }

  /** Runs an UPDATE ... RETURNING on at most one job; null when it matched none. */
  private Future<CancelResult> changeOne(Sql sql, String template, Tuple args, CancelResult.Effect effect) {
    return sql.query(sql(template), args).map(rows -> rows.isEmpty() ? null : new CancelResult(toJob(rows.get(0)), effect));
  }

  /** A claim of up to {@code max} due jobs of a type, {@code fair} between owners or not. */
  private record Claim(String type, int max, boolean fair, Instant now, String node, Instant leaseUntil) {
  }

  @Override
  public Future<List<Attempt>> claim(String type, int max, boolean fair, Instant now, String node,
                                     Instant leaseUntil) {
    return writes.write(claims, new Claim(type, max, fair, now, node, leaseUntil));
  }

  private Future<List<Attempt>> claimOne(Sql sql, Claim claim) {
    Future<List<String>> turns = claim.fair() ? ownersInTurn(sql, claim.type(), claim.max())
      : Future.succeededFuture(List.of());
    return turns.compose(owners -> claimPicks(sql, claim, owners));
  }

  /**
   * The next {@code max} owners with queued jobs of a type, round-robin: after the one served last,
   * wrapping around to the first.
   */
  private Future<List<String>> ownersInTurn(Sql sql, String type, int max) {
    String last = lastOwnerServed.getOrDefault(type, "");
    return sql.query(sql(OWNERS), Tuple.of(type, last, max)).compose(after -> {
      List<String> owners = new ArrayList<>(max);
      after.forEach(row -> owners.add(row.getString(0)));
      if (owners.size() == max || last.isEmpty()) {
        return Future.succeededFuture(owners);
      }
      return sql.query(sql(OWNERS), Tuple.of(type, "", max - owners.size())).map(first -> {
        first.forEach(row -> {
          if (row.getString(0).compareTo(last) <= 0) {
            owners.add(row.getString(0));
          }
        });
        return owners;
      });
    }).onSuccess(owners -> {
      if (!owners.isEmpty()) {
        lastOwnerServed.put(type, owners.get(owners.size() - 1));
      }
    });
  }

  /**
   * The claim with one pick for each of {@code owners} owners (parameters ?6 on), in this dialect.
   * Its text depends on that count only, so it is built once per count rather than formatted and
   * looked up again, all 2.4 kB of it, at every pump.
   */
  private String claimSql(int owners) {
    return claimSqls.computeIfAbsent(owners, n -> {
      StringBuilder ownerPicks = new StringBuilder();
      for (int parameter = 6; parameter < 6 + n; parameter++) {
        ownerPicks.append(OWNER_PICK.formatted(parameter, dialect.skipLocked(), parameter));
      }
      return sql(CLAIM.formatted(ownerPicks, priorityPicks));
    });
  }

  private Future<List<Attempt>> claimPicks(Sql sql, Claim claim, List<String> owners) {
    Tuple args = Tuple.of(dialect.time(claim.now()), claim.type(), claim.max(), claim.node(),
      dialect.time(claim.leaseUntil()));
    owners.forEach(args::addValue);
    return sql.query(claimSql(owners.size()), args).map(SqlJobStore::attempts);
  }

  /** The attempts a claim returned ({@link #CLAIM_RETURNING}'s columns), oldest submission first. */
  private static List<Attempt> attempts(List<Tuple> rows) {
    List<Attempt> attempts = new ArrayList<>(rows.size());
    for (Tuple row : rows) {
      attempts.add(new Attempt(Dialect.id(row.getValue(0)), row.getString(1), ((Number) row.getValue(2)).intValue(),
        ((Number) row.getValue(3)).intValue(), ((Number) row.getValue(4)).intValue(), Dialect.json(row.getValue(5)),
        Dialect.time(row.getValue(6)), row.getString(7), ((Number) row.getValue(8)).longValue()));
    }
    attempts.sort(Comparator.comparing(Attempt::createdAt));
    return attempts;
  }

  @Override
  public Future<Void> finish(List<Outcome> outcomes) {
    // A success only changes its own row; any other end may queue the job again, which moves
    // queue_depth: that one waits for the submissions' and claims' lane.
    return writeEach(this.outcomes, outcomes, o -> o.state() == JobState.SUCCEEDED ? attemptWrites : writes);
  }

  private Future<List<Void>> finishAll(Sql sql, List<Outcome> outcomes) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    List<Tuple> succeeded = new ArrayList<>(outcomes.size());
    List<Tuple> others = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (o.state() == JobState.SUCCEEDED) {
        succeeded.add(dialect.withRow(Tuple.of(dialect.id(o.id()), o.attempt(), dialect.json(o.result()),
          dialect.time(o.at())), o.row()));
      } else {
        others.add(dialect.withRow(Tuple.of(dialect.id(o.id()), o.attempt(), o.state().wire(), cancelled,
          dialect.json(o.error()), dialect.time(o.runAt()), dialect.time(o.at()), o.counted()), o.row()));
      }
    }
    Future<?> succeeding = succeeded.isEmpty() ? Future.succeededFuture() : sql.batch(sql(SUCCEED), succeeded);
    Future<?> ending = others.isEmpty() ? Future.succeededFuture() : sql.batch(sql(FINISH), others);
    return Future.all(succeeding, ending).map(v -> nulls(outcomes.size()));
  }

  @Override
  public Future<Void> progress(List<Progress> updates) {
    return writeEach(progressReports, updates, update -> attemptWrites);
  }

  private Future<List<Void>> progressAll(Sql sql, List<Progress> updates) {
    List<Tuple> rows = new ArrayList<>(updates.size());
    updates.forEach(p -> rows.add(Tuple.of(p.value(), dialect.id(p.id()), p.attempt())));
    return sql.batch(sql(PROGRESS), rows).map(v -> nulls(updates.size()));
  }

  /** A claim of up to {@code max} due callback deliveries. */
  private record CallbackClaim(Instant now, Instant leaseUntil, int max) {
  }

  private Future<List<Job>> claimCallbacksOne(Sql sql, CallbackClaim claim) {
    return sql.query(callbackClaimSql, Tuple.of(dialect.time(claim.now()), dialect.time(claim.leaseUntil()), claim.max()))
      .map(rows -> rows.stream().map(SqlJobStore::toJob).toList());
  }

  @Override
  public Future<List<Job>> claimCallbacks(Instant now, Instant leaseUntil, int max) {
    return writes.write(callbackClaims, new CallbackClaim(now, leaseUntil, max));
  }

  @Override
  public Future<Void> recordCallbacks(List<CallbackAttempt> attempts) {
    return writeEach(callbackAttempts, attempts);
  }

  private Future<List<Void>> recordCallbacksAll(Sql sql, List<CallbackAttempt> attempts) {
    List<Tuple> rows = new ArrayList<>(attempts.size());
    attempts.forEach(a -> rows.add(Tuple.of(dialect.id(a.id()), a.state(), a.error(), dialect.time(a.nextAt()))));
    return sql.batch(sql(RECORD_CALLBACK), rows).map(v -> nulls(attempts.size()));
  }

  /** Leases to extend until {@code until}. */
  private record Renewal(List<Lease> leases, Instant until) {
  }

  @Override
  public Future<Void> renew(List<Lease> leases, Instant until) {
    return leases.isEmpty() ? Future.succeededFuture() : attemptWrites.write(renewals, new Renewal(leases, until));
  }

  private Future<List<Void>> renewAll(Sql sql, List<Renewal> renewals) {
    List<Tuple> rows = new ArrayList<>();
    renewals.forEach(renewal -> renewal.leases().forEach(lease ->
      rows.add(Tuple.of(dialect.time(renewal.until()), dialect.id(lease.id()), lease.attempt()))));
    return sql.batch(sql(RENEW), rows).map(v -> nulls(renewals.size()));
  }

  /**
   * Ends every lease at once, webhook deliveries' too: for a store only one process can open
   * (SQLite), whatever is running when it opens was left by a dead process.
   */
  Future<Void> expireAllLeases() {
    // A webhook delivery due later is held by a dead process's lease or waits out a backoff:
    // either way it is tried now (one early retry is harmless; a delivery held for minutes is not).
    return writeOne("UPDATE jobs SET lease_until = NULL WHERE state = 'running'", Tuple.tuple())
      .compose(v -> writeOne("UPDATE jobs SET callback_due = ?1 WHERE callback_state = 'pending' AND callback_due > ?1",
        Tuple.of(dialect.time(Instant.now()))))
      .mapEmpty();
  }

  @Override
  public Future<Integer> recover(Instant now) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object lost = dialect.json(JobError.of(JobError.LOST, "the process running this job stopped before it finished"));
    return writeOne(RECOVER, Tuple.of(cancelled, lost, dialect.time(now)));
  }

  @Override
  public Future<Integer> requeue(String node, Instant now) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object interrupted = dialect.json(JobError.of(JobError.INTERRUPTED,
      "the node running this attempt shut down; the job runs again"));
    return writeOne(REQUEUE, Tuple.of(cancelled, interrupted, dialect.time(now), node));
  }

  @Override
  public Future<Integer> purgeFinished(Instant before, int limit) {
    return writeOne(PURGE, Tuple.of(dialect.time(before), limit));
  }

  @Override
  public Future<Map<String, Long>> queuedByType() {
    return read(readers.query("SELECT type, count(*) FROM jobs WHERE state = 'queued' GROUP BY type", Tuple.tuple())
      .map(rows -> {
        Map<String, Long> counts = new HashMap<>();
        rows.forEach(row -> counts.put(row.getString(0), ((Number) row.getValue(1)).longValue()));
        return counts;
      }));
  }

  @Override
  public Future<Integer> flagQueued(String type, JsonObject error) {
    return writeOne("UPDATE jobs SET error = ?1 WHERE type = ?2 AND state = 'queued' AND error IS NULL",
      Tuple.of(dialect.json(error), type));
  }

  @Override
  public ScheduleStore schedules() {
    return schedules;
  }

  /**
   * Reads answer, and so do writes: while the last transaction failed, a write that changes
   * nothing goes through the pipeline to find out whether the store accepts writes again (a full
   * disk still serves reads).
   */
  @Override
  public Future<Void> ping() {
    Future<Void> reads = read(readers.query("SELECT 1", Tuple.tuple())).mapEmpty();
    return health.failing() ? reads.compose(v -> writeOne("UPDATE queue_depth SET queued = queued", Tuple.tuple()))
      .mapEmpty() : reads;
  }

  @Override
  public Future<Void> close() {
    writes.close();
    attemptWrites.close();
    return close.get();
  }

  private static List<Void> nulls(int size) {
    return Collections.nCopies(size, null);
  }

  private static Job toJob(Tuple row) {
    return new Job(
      Dialect.id(row.getValue(Col.ID)),
      row.getString(Col.OWNER),
      row.getString(Col.TYPE),
      JobState.parse(row.getString(Col.STATE)),
      Dialect.json(row.getValue(Col.INPUT)),
      Dialect.json(row.getValue(Col.RESULT)),
      Dialect.json(row.getValue(Col.ERROR)),
      row.getValue(Col.PROGRESS) == null ? null : ((Number) row.getValue(Col.PROGRESS)).doubleValue(),
      ((Number) row.getValue(Col.ATTEMPTS)).intValue(),
      ((Number) row.getValue(Col.MAX_ATTEMPTS)).intValue(),
      ((Number) row.getValue(Col.TIMEOUT)).intValue(),
      Dialect.bool(row.getValue(Col.CANCEL_REQUESTED)),
      Dialect.time(row.getValue(Col.CREATED)),
      Dialect.time(row.getValue(Col.STARTED)),
      Dialect.time(row.getValue(Col.FINISHED)),
      row.getString(Col.REQUEST_ID),
      row.getString(Col.CALLBACK_URL) == null ? null : new Job.Callback(row.getString(Col.CALLBACK_URL),
        row.getString(Col.CALLBACK_STATE), ((Number) row.getValue(Col.CALLBACK_ATTEMPTS)).intValue(),
        row.getString(Col.CALLBACK_ERROR)),
      ((Number) row.getValue(Col.PRIORITY)).intValue(),
      Dialect.time(row.getValue(Col.RUN_AT)),
      row.getString(Col.SCHEDULE_NAME),
      history(row));
  }

  /**
   * A job's last attempts as it shows them: the history column (times in epoch milliseconds, in
   * both stores), then, for a job that succeeded, its last attempt from the row's own columns.
   */
  private static List<Job.Run> history(Tuple row) {
    JsonArray entries = Dialect.array(row.getValue(Col.HISTORY));
    List<Job.Run> runs = new ArrayList<>(entries.size() + 1);
    for (int i = 0; i < entries.size(); i++) {
      JsonObject entry = entries.getJsonObject(i);
      runs.add(new Job.Run(entry.getInteger("attempt"), entry.getString("node"), millis(entry.getValue("startedAt")),
        millis(entry.getValue("finishedAt")), entry.getJsonObject("error")));
    }
    if (JobState.SUCCEEDED.wire().equals(row.getString(Col.STATE))) {
      runs.add(new Job.Run(((Number) row.getValue(Col.ATTEMPTS)).intValue(), row.getString(Col.NODE),
        Dialect.time(row.getValue(Col.STARTED)), Dialect.time(row.getValue(Col.FINISHED)), null));
    }
    return runs.size() > Job.HISTORY ? List.copyOf(runs.subList(runs.size() - Job.HISTORY, runs.size())) : runs;
  }

  private static Instant millis(Object value) {
    return value == null ? null : Instant.ofEpochMilli(((Number) value).longValue());
  }
}
