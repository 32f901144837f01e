package dev.offload.store;

import dev.offload.config.OffloadConfig;
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
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The embedded store: one SQLite file in WAL mode, reached through the Vert.x SQL client API
 * (vertx-jdbc-client runs each JDBC call on a worker thread, never on the event loop). All
 * writes go through one connection (SQLite allows one writer at a time); reads use their own
 * small pool, which WAL lets run beside the writer.
 */
public final class SqliteJobStore implements JobStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteJobStore.class);
  private static final String COLUMNS = "id, owner, type, state, input, result, error, progress, attempts, "
    + "max_attempts, timeout_seconds, cancel_requested, created_at, started_at, finished_at";
  private static final String INSERT = "INSERT INTO jobs (id, owner, type, state, input, max_attempts, "
    + "timeout_seconds, run_at, created_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)";
  private static final String CLAIM = """
    UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, progress = NULL
    WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' AND type = ?2 AND run_at <= ?1
                 ORDER BY run_at, created_at LIMIT ?3)
    RETURNING\s""" + COLUMNS;
  // A retry of a job whose cancellation was requested ends as cancelled instead.
  private static final String FINISH = """
    UPDATE jobs SET
      state       = CASE WHEN ?3 = 'queued' AND cancel_requested = 1 THEN 'cancelled' ELSE ?3 END,
      result      = ?4,
      error       = CASE WHEN ?3 = 'queued' AND cancel_requested = 1 THEN ?5 ELSE ?6 END,
      progress    = CASE WHEN ?3 = 'succeeded' THEN 1.0 ELSE progress END,
      run_at      = COALESCE(?7, run_at),
      finished_at = CASE WHEN ?3 = 'queued' AND cancel_requested = 0 THEN NULL ELSE ?8 END
    WHERE id = ?1 AND attempts = ?2 AND state = 'running'""";
  private static final String PROGRESS =
    "UPDATE jobs SET progress = ? WHERE id = ? AND attempts = ? AND state = 'running'";
  private static final String RECOVER = """
    UPDATE jobs SET
      state       = CASE WHEN cancel_requested = 1 THEN 'cancelled'
                         WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
      error       = CASE WHEN cancel_requested = 1 THEN ?1 ELSE ?2 END,
      finished_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts THEN ?3 ELSE NULL END,
      run_at      = ?3
    WHERE state = 'running'""";
  private static final String CANCEL_QUEUED = "UPDATE jobs SET state = 'cancelled', error = ?1, finished_at = ?2 "
    + "WHERE id = ?3 AND state = 'queued' AND (?4 IS NULL OR owner = ?4) RETURNING " + COLUMNS;
  private static final String CANCEL_RUNNING = "UPDATE jobs SET cancel_requested = 1 "
    + "WHERE id = ?1 AND state = 'running' AND (?2 IS NULL OR owner = ?2) RETURNING " + COLUMNS;
  private static final String FIND = "SELECT " + COLUMNS + " FROM jobs WHERE id = ?";

  private final Vertx vertx;
  private final FileLock lock;
  private final Pool writer;
  private final Pool readers;
  private final GroupCommit commits;
  private final Coalescer<Submission, JobException> inserts;
  private final Coalescer<Outcome, Void> outcomes;
  private final Coalescer<Progress, Void> progressReports;

  private SqliteJobStore(Vertx vertx, FileLock lock, Pool writer, Pool readers) {
    this.vertx = vertx;
    this.lock = lock;
    this.writer = writer;
    this.readers = readers;
    this.commits = new GroupCommit(writer, vertx.getOrCreateContext());
    this.inserts = new Coalescer<>(commits, SqliteJobStore::insertAll);
    this.outcomes = new Coalescer<>(commits, SqliteJobStore::finishAll);
    this.progressReports = new Coalescer<>(commits, SqliteJobStore::progressAll);
  }

  /** Opens (creating if needed) the database file and brings its schema up to date. */
  public static Future<JobStore> open(Vertx vertx, OffloadConfig.Store config) {
    Path lockFile = config.sqliteFile().resolveSibling(config.sqliteFile().getFileName() + ".lock");
    return vertx.executeBlocking(() -> FileLock.acquire(lockFile))
      .compose(lock -> open(vertx, config, lock));
  }

  private static Future<JobStore> open(Vertx vertx, OffloadConfig.Store config, FileLock lock) {
    String url = "jdbc:sqlite:" + config.sqliteFile().toAbsolutePath();
    Pool writer = JDBCPool.pool(vertx, dataSource(url, config, true), new PoolOptions().setMaxSize(1)
      .setName("offload-sqlite-writer"));
    Pool readers = JDBCPool.pool(vertx, dataSource(url, config, false),
      new PoolOptions().setMaxSize(config.readConnections()).setName("offload-sqlite-readers"));
    SqliteJobStore store = new SqliteJobStore(vertx, lock, writer, readers);
    return SqliteSchema.migrate(writer)
      .onSuccess(from -> LOG.info("SQLite store {} ready (schema version {} -> {})", config.sqliteFile(), from,
        SqliteSchema.MIGRATIONS.size()))
      .<JobStore>map(v -> store)
      .onFailure(err -> store.close());
  }

  private static SQLiteDataSource dataSource(String url, OffloadConfig.Store config, boolean writer) {
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // FULL: a commit is on disk (fsync) before 202 is sent, even across power loss. Group commit
    // amortises the sync over every job in the batch.
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(config.sqliteSynchronous()));
    sqlite.setBusyTimeout(10_000);
    if (writer) {
      sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    }
    SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
    dataSource.setUrl(url);
    return dataSource;
  }

  /**
   * Every write goes through group commit, in a transaction. Besides batching, that matters
   * because vertx-jdbc-client 5.0.7 leaves a connection in manual-commit mode after its first
   * transaction (JDBCTxOp calls setAutoCommit(false) after commit): a plain statement on the
   * writer would stay uncommitted until the next transaction.
   */
  private <T> Future<T> write(Function<SqlConnection, Future<T>> work) {
    return commits.write(work);
  }

  /** Transactions committed so far. */
  long commits() {
    return commits.commits();
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
   * the transaction) the jobs that did not fit.
   */
  private static Future<List<JobException>> insertAll(SqlConnection conn, List<Submission> submissions) {
    Map<String, Integer> added = new HashMap<>();
    List<Tuple> rows = new ArrayList<>(submissions.size());
    for (Submission submission : submissions) {
      NewJob job = submission.job();
      added.merge(job.owner(), 1, Integer::sum);
      long created = job.createdAt().toEpochMilli();
      rows.add(Tuple.of(job.id().toString(), job.owner(), job.type(), job.input().encode(), job.maxAttempts(),
        job.timeoutSeconds(), created, created));
    }
    List<Object> owners = new ArrayList<>(added.keySet());
    String counts = "SELECT NULL, queued FROM queue_depth UNION ALL "
      + "SELECT owner, count(*) FROM jobs WHERE state IN ('queued', 'running') AND owner IN ("
      + String.join(", ", Collections.nCopies(owners.size(), "?")) + ") GROUP BY owner";
    Future<?> inserted = conn.preparedQuery(INSERT).executeBatch(rows);
    Future<RowSet<Row>> after = conn.preparedQuery(counts).execute(Tuple.wrap(owners));
    return Future.all(inserted, after).compose(v -> {
      Map<String, Integer> active = new HashMap<>();
      int backlog = 0;
      for (Row row : after.result()) {
        if (row.getString(0) == null) {
          backlog = row.getInteger(1) - submissions.size();
        } else {
          active.put(row.getString(0), row.getInteger(1) - added.get(row.getString(0)));
        }
      }
      List<NewJob> jobs = new ArrayList<>(submissions.size());
      List<Admission> limits = new ArrayList<>(submissions.size());
      submissions.forEach(submission -> {
        jobs.add(submission.job());
        limits.add(submission.admission());
      });
      List<JobException> refusals = Admission.decide(jobs, limits, backlog, active);
      List<Object> refused = new ArrayList<>();
      for (int i = 0; i < submissions.size(); i++) {
        if (refusals.get(i) != null) {
          refused.add(submissions.get(i).job().id().toString());
        }
      }
      return refused.isEmpty() ? Future.succeededFuture(refusals)
        : conn.preparedQuery("DELETE FROM jobs WHERE id IN ("
            + String.join(", ", Collections.nCopies(refused.size(), "?")) + ")")
          .execute(Tuple.wrap(refused)).map(refusals);
    });
  }

  @Override
  public Future<Job> find(UUID id) {
    return readers.preparedQuery(FIND).execute(Tuple.of(id.toString()))
      .map(rows -> rows.size() == 0 ? null : toJob(rows.iterator().next()));
  }

  @Override
  public Future<JobPage> list(JobQuery query) {
    // Built from only the conditions in use, so SQLite can pick the matching index.
    StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM jobs WHERE 1 = 1");
    Tuple args = Tuple.tuple();
    if (query.owner() != null) {
      sql.append(" AND owner = ?");
      args.addString(query.owner());
    }
    if (query.state() != null) {
      sql.append(" AND state = ?");
      args.addString(query.state().wire());
    }
    if (query.type() != null) {
      sql.append(" AND type = ?");
      args.addString(query.type());
    }
    if (query.after() != null) {
      sql.append(" AND (created_at < ? OR (created_at = ? AND id < ?))");
      args.addLong(query.after().createdAtMillis()).addLong(query.after().createdAtMillis())
        .addString(query.after().id());
    }
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
    args.addInteger(query.limit() + 1);
    return readers.preparedQuery(sql.toString()).execute(args).map(rows -> {
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
    long now = Instant.now().toEpochMilli();
    String cancelled = JobError.of(JobError.CANCELLED, "cancelled on request").encode();
    return write(conn -> changeOne(conn, CANCEL_QUEUED, Tuple.of(cancelled, now, id.toString(), owner),
        CancelResult.Effect.CANCELLED)
      .compose(done -> done != null ? Future.succeededFuture(done)
        : changeOne(conn, CANCEL_RUNNING, Tuple.of(id.toString(), owner), CancelResult.Effect.REQUESTED))
      .compose(done -> done != null ? Future.succeededFuture(done)
        : conn.preparedQuery(FIND).execute(Tuple.of(id.toString())).map(rows -> {
          Job job = rows.size() == 0 ? null : first(rows);
          boolean visible = job != null && (owner == null || owner.equals(job.owner()));
          return visible ? new CancelResult(job, CancelResult.Effect.ALREADY_FINISHED) : null;
        })));
  }

  /** Runs an UPDATE ... RETURNING on at most one job; null when it matched none. */
  private static Future<CancelResult> changeOne(SqlConnection conn, String sql, Tuple args,
                                                CancelResult.Effect effect) {
    return conn.preparedQuery(sql).execute(args)
      .map(rows -> rows.size() == 0 ? null : new CancelResult(first(rows), effect));
  }

  @Override
  public Future<List<Job>> claim(String type, int max, Instant now) {
    return write(conn -> conn.preparedQuery(CLAIM).execute(Tuple.of(now.toEpochMilli(), type, max))).map(rows -> {
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

  private static Future<List<Void>> finishAll(SqlConnection conn, List<Outcome> outcomes) {
    String cancelled = JobError.of(JobError.CANCELLED, "cancelled on request").encode();
    List<Tuple> rows = new ArrayList<>(outcomes.size());
    for (Outcome o : outcomes) {
      rows.add(Tuple.of(o.id().toString(), o.attempt(), o.state().wire(), encode(o.result()), cancelled,
        encode(o.error()), o.runAt() == null ? null : o.runAt().toEpochMilli(), o.at().toEpochMilli()));
    }
    return conn.preparedQuery(FINISH).executeBatch(rows).map(v -> nulls(outcomes.size()));
  }

  @Override
  public Future<Void> progress(List<Progress> updates) {
    List<Future<Void>> written = new ArrayList<>(updates.size());
    updates.forEach(update -> written.add(progressReports.add(update)));
    return Future.all(written).mapEmpty();
  }

  private static Future<List<Void>> progressAll(SqlConnection conn, List<Progress> updates) {
    List<Tuple> rows = new ArrayList<>(updates.size());
    updates.forEach(p -> rows.add(Tuple.of(p.value(), p.id().toString(), p.attempt())));
    return conn.preparedQuery(PROGRESS).executeBatch(rows).map(v -> nulls(updates.size()));
  }

  private static List<Void> nulls(int size) {
    return Collections.nCopies(size, null);
  }

  @Override
  public Future<Integer> recover(Instant now) {
    String cancelled = JobError.of(JobError.CANCELLED, "cancelled on request").encode();
    String lost = JobError.of(JobError.LOST, "the process running this job stopped before it finished").encode();
    return write(conn -> conn.preparedQuery(RECOVER).execute(Tuple.of(cancelled, lost, now.toEpochMilli())))
      .map(RowSet::rowCount);
  }

  @Override
  public Future<Void> ping() {
    return readers.query("SELECT 1").execute().mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return Future.join(writer.close(), readers.close())
      .eventually(() -> vertx.executeBlocking(() -> {
        lock.close();
        return null;
      }))
      .mapEmpty();
  }

  private static Job first(RowSet<Row> rows) {
    return toJob(rows.iterator().next());
  }

  private static Job toJob(Row row) {
    return new Job(
      UUID.fromString(row.getString("id")),
      row.getString("owner"),
      row.getString("type"),
      JobState.parse(row.getString("state")),
      json(row.getString("input")),
      json(row.getString("result")),
      json(row.getString("error")),
      row.getDouble("progress"),
      row.getInteger("attempts"),
      row.getInteger("max_attempts"),
      row.getInteger("timeout_seconds"),
      row.getInteger("cancel_requested") == 1,
      instant(row.getLong("created_at")),
      instant(row.getLong("started_at")),
      instant(row.getLong("finished_at")));
  }

  private static JsonObject json(String text) {
    return text == null ? null : new JsonObject(text);
  }

  private static String encode(JsonObject json) {
    return json == null ? null : json.encode();
  }

  private static Instant instant(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis);
  }
}
