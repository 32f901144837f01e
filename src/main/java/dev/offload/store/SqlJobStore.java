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
import dev.offload.jobs.JobState;
import dev.offload.jobs.JobStats;
import dev.offload.jobs.JobStore;
import dev.offload.jobs.JobType;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import dev.offload.schedules.ScheduleStore;
import dev.offload.webhooks.WebhookOutbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The job store over the Vert.x SQL client API, for SQLite ({@link SqliteStore}) and PostgreSQL
 * ({@link PostgresStore}): the same statements ({@link JobSql}), written once, in each
 * {@link Dialect}. This class keeps claims, outcomes, leases and reads; submissions and retries
 * are {@link Admissions}', rows are read by {@link JobRows}, and the webhook outbox is
 * {@link SqlWebhookOutbox}.
 *
 * <p>Writes go through {@link WritePipeline}s ({@link Lanes}): every write that arrives while a
 * transaction runs shares the next one, and the submissions, outcomes, progress reports and lease
 * renewals of a transaction each become one statement (batched, or one {@code unnest}). Reads use their own pool. Whatever the
 * database does not answer, within the store timeout, is refused with {@code 503} (a
 * {@link JobException.Kind#UNAVAILABLE} refusal), never a {@code 500} or a hang.
 */
public final class SqlJobStore implements JobStore {
  private final Dialect dialect;
  private final Admissions admissions;
  /**
   * The lanes of submissions (by owner: an owner's are admitted one transaction after the other,
   * so its quota holds on a node), claims (by type) and the rest (the first lane).
   */
  private final Lanes writes;
  /**
   * The lane of what a running attempt writes and nothing else waits on: outcomes, progress,
   * lease renewals. On PostgreSQL they commit beside the submissions and claims instead of
   * behind them; SQLite's one writer has one lane, {@link #writes}' only one.
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
  private final ScheduleStore schedules;
  private final WebhookOutbox webhooks;

  private final WritePipeline.Kind<Outcome, Boolean> outcomes = this::finishAll;
  private final WritePipeline.Kind<Progress, Void> progressReports = this::progressAll;
  private final WritePipeline.Kind<Renewal, Void> renewals = this::renewAll;
  private final WritePipeline.Kind<Claim, List<Attempt>> claims = WritePipeline.Kind.each(this::claimOne);
  private final WritePipeline.Kind<Cancel, CancelResult> cancels = WritePipeline.Kind.each(this::cancelOne);
  private final WritePipeline.Kind<Statement, Integer> statements = WritePipeline.Kind.each(
    (sql, statement) -> sql.update(statement.sql(), statement.args()));

  /** A write of one statement (recovery, retention ...). */
  private record Statement(String sql, Tuple args) {
  }

  /**
   * {@code readers} serves the reads; {@code close} closes what the store holds (pools, the
   * writer, a lock file) once the pipeline is closed.
   */
  SqlJobStore(Dialect dialect, Lanes writes, WritePipeline attemptWrites, Sql readers, StoreHealth health,
              long timeoutMillis, Supplier<Future<Void>> close) {
    this.dialect = dialect;
    this.admissions = new Admissions(dialect);
    this.writes = writes;
    this.attemptWrites = attemptWrites;
    this.readers = readers;
    this.health = health;
    this.timeoutMillis = timeoutMillis;
    this.close = close;
    List<String> picks = new ArrayList<>();
    for (int priority = NewJob.MAX_PRIORITY; priority >= 0; priority--) {
      picks.add(JobSql.PRIORITY_PICK.formatted(priority, dialect.skipLocked(), priority));
    }
    this.priorityPicks = String.join(" UNION ALL ", picks);
    this.schedules = new SqlScheduleStore(dialect, writes.first(), readers, health, timeoutMillis);
    this.webhooks = new SqlWebhookOutbox(dialect, writes.first());
  }

  /** Transactions committed so far. */
  long commits() {
    return writes.commits() + (attemptWrites == writes.first() ? 0 : attemptWrites.commits());
  }

  private String sql(String template) {
    return dialect.sql(template);
  }

  /** A write of one statement, through the pipeline; answers how many rows it changed. */
  private Future<Integer> writeOne(String template, Tuple args) {
    return writes.first().write(statements, new Statement(sql(template), args));
  }

  /** A read, bounded by the store timeout; a failure is a 503 for the caller. */
  private <T> Future<T> read(Future<T> read) {
    return health.read(read, timeoutMillis);
  }

  @Override
  public Future<Insertion> insert(List<NewJob> jobs, Admission admission, HandOff handOff) {
    // A submission is one caller's: one owner (a scheduler's tick too).
    return writes.of(jobs.get(0).owner()).write(admissions.inserts, new Admissions.Submission(jobs, admission, handOff), jobs.size());
  }

  @Override
  public Future<Job> find(UUID id) {
    return read(readers.query(sql(JobSql.FIND), Tuple.of(dialect.id(id))).map(rows -> rows.isEmpty() ? null : JobRows.toJob(rows.get(0))));
  }

  @Override
  public Future<JobPage> list(JobQuery query) {
    // Built from only the conditions in use, so the database can pick the matching index.
    StringBuilder sql = new StringBuilder("SELECT ").append(JobRows.COLUMNS).append(" FROM jobs WHERE 1 = 1");
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
      rows.forEach(row -> items.add(JobRows.toJob(row)));
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
    Future<List<Tuple>> active = readers.query(sql(JobSql.statsActive(owner != null)), ownerOnly);
    Future<List<Tuple>> finished = readers.query(sql(JobSql.statsFinished(owner != null)), finishedArgs);
    return read(Future.all(active, finished).map(both -> {
      Map<JobState, Long> counts = new HashMap<>();
      concat(active.result(), finished.result()).forEach(row ->
        counts.put(JobState.parse(row.getString(0)), ((Number) row.getValue(1)).longValue()));
      return new JobStats(owner, counts, since);
    }));
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
    return writes.first().write(cancels, new Cancel(id, owner));
  }

  private Future<CancelResult> cancelOne(Sql sql, Cancel cancel) {
    Object id = dialect.id(cancel.id());
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object now = dialect.time(Instant.now());
    return changeOne(sql, JobSql.CANCEL_QUEUED, Tuple.of(cancelled, now, id, cancel.owner()), CancelResult.Effect.CANCELLED)
      .compose(done -> done != null ? Future.succeededFuture(done)
        : changeOne(sql, JobSql.CANCEL_RUNNING, Tuple.of(id, cancel.owner()), CancelResult.Effect.REQUESTED))
      .compose(done -> done != null ? Future.succeededFuture(done)
        : sql.query(sql(JobSql.FIND), Tuple.of(id)).map(rows -> {
          Job job = rows.isEmpty() ? null : JobRows.toJob(rows.get(0));
          boolean visible = job != null && (cancel.owner() == null || cancel.owner().equals(job.owner()));
          return visible ? new CancelResult(job, CancelResult.Effect.ALREADY_FINISHED) : null;
        }));
  }

  @Override
  public Future<Job> retry(UUID id, String owner, Instant now, Admission admission) {
    // In the owner's lane, as its submissions (an administrator's retry: the first lane).
    return (owner == null ? writes.first() : writes.of(owner)).write(admissions.retries, new Admissions.Retry(id, owner, now, admission))
      .compose(retried -> retried.refusal() == null ? Future.succeededFuture(retried.job())
        : Future.failedFuture(retried.refusal()));
  }

  /** Runs an UPDATE ... RETURNING on at most one job; null when it matched none. */
  private Future<CancelResult> changeOne(Sql sql, String template, Tuple args, CancelResult.Effect effect) {
    return sql.query(sql(template), args).map(rows -> rows.isEmpty() ? null : new CancelResult(JobRows.toJob(rows.get(0)), effect));
  }

  /** A claim of up to {@code max} due jobs of a type, {@code fair} between owners or not. */
  private record Claim(String type, int max, boolean fair, Instant now, String node, Instant leaseUntil) {
  }

  @Override
  public Future<List<Attempt>> claim(String type, int max, boolean fair, Instant now, String node,
                                     Instant leaseUntil) {
    return writes.of(type).write(claims, new Claim(type, max, fair, now, node, leaseUntil));
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
    return sql.query(sql(JobSql.OWNERS), Tuple.of(type, last, max)).compose(after -> {
      List<String> owners = new ArrayList<>(max);
      after.forEach(row -> owners.add(row.getString(0)));
      if (owners.size() == max || last.isEmpty()) {
        return Future.succeededFuture(owners);
      }
      return sql.query(sql(JobSql.OWNERS), Tuple.of(type, "", max - owners.size())).map(first -> {
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
        ownerPicks.append(JobSql.OWNER_PICK.formatted(parameter, dialect.skipLocked(), parameter));
      }
      return sql(JobSql.CLAIM.formatted(ownerPicks, priorityPicks));
    });
  }

  private Future<List<Attempt>> claimPicks(Sql sql, Claim claim, List<String> owners) {
    Tuple args = Tuple.of(dialect.time(claim.now()), claim.type(), claim.max(), claim.node(),
      dialect.time(claim.leaseUntil()));
    owners.forEach(args::addValue);
    return sql.query(claimSql(owners.size()), args).map(JobRows::attempts);
  }

  @Override
  public Future<List<Boolean>> finish(List<Outcome> outcomes) {
    return attemptWrites.writeAll(this.outcomes, outcomes);
  }

  /** Writes the outcomes: the successes in one statement (or batch), the other ends in another; answers which applied. */
  private Future<List<Boolean>> finishAll(Sql sql, List<Outcome> outcomes) {
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
    Future<List<Integer>> succeeding = succeeded.isEmpty() ? Future.succeededFuture(List.of())
      : dialect.arrays() ? succeedAll(sql, succeeded) : sql.batch(sql(JobSql.SUCCEED), succeeded);
    Future<List<Integer>> ending = others.isEmpty() ? Future.succeededFuture(List.of())
      : sql.batch(sql(JobSql.FINISH), others);
    return Future.all(succeeding, ending).map(v -> {
      // Each list holds its outcomes' row counts in the order they were put in.
      List<Boolean> applied = new ArrayList<>(outcomes.size());
      int s = 0;
      int e = 0;
      for (Outcome o : outcomes) {
        applied.add((o.state() == JobState.SUCCEEDED ? succeeding.result().get(s++) : ending.result().get(e++)) > 0);
      }
      return applied;
    });
  }

  /** SUCCEED_ALL (PostgreSQL): one statement for the successes; answers 1 or 0 for each, in order. */
  private Future<List<Integer>> succeedAll(Sql sql, List<Tuple> succeeded) {
    return sql.query(sql(JobSql.SUCCEED_ALL), Dialect.columns(succeeded, UUID.class, Integer.class, String.class,
      OffsetDateTime.class)).map(returned -> Dialect.counts(succeeded, returned));
  }

  @Override
  public Future<Void> progress(List<Progress> updates) {
    return attemptWrites.writeAll(progressReports, updates).mapEmpty();
  }

  private Future<List<Void>> progressAll(Sql sql, List<Progress> updates) {
    List<Tuple> rows = new ArrayList<>(updates.size());
    updates.forEach(p -> rows.add(Tuple.of(p.value(), dialect.id(p.id()), p.attempt())));
    return sql.batch(sql(JobSql.PROGRESS), rows).map(v -> WritePipeline.Kind.nothing(updates.size()));
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
    return sql.batch(sql(JobSql.RENEW), rows).map(v -> WritePipeline.Kind.nothing(renewals.size()));
  }

  /**
   * Ends every lease a process held at once, webhook deliveries' too: for a store only one
   * process can open (SQLite), whatever it ran when it opens was left by a dead process. Remote
   * workers' leases stay: those workers are other processes, still at work, and may report.
   */
  Future<Void> expireAllLeases() {
    // A webhook delivery due later is held by a dead process's lease or waits out a backoff:
    // either way it is tried now (one early retry is harmless; a delivery held for minutes is not).
    return writeOne("UPDATE jobs SET lease_until = NULL WHERE state = 'running' AND node NOT LIKE '"
        + JobType.REMOTE_NODE + "%'", Tuple.tuple())
      .compose(v -> writeOne("UPDATE jobs SET callback_due = ?1 WHERE callback_state = 'pending' AND callback_due > ?1",
        Tuple.of(dialect.time(Instant.now()))))
      .mapEmpty();
  }

  @Override
  public Future<Integer> recover(Instant now) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object lost = dialect.json(JobError.of(JobError.LOST, "the process running this job stopped before it finished"));
    return writeOne(JobSql.RECOVER, Tuple.of(cancelled, lost, dialect.time(now)));
  }

  @Override
  public Future<Integer> requeue(String node, Instant now) {
    Object cancelled = dialect.json(JobError.of(JobError.CANCELLED, "cancelled on request"));
    Object interrupted = dialect.json(JobError.of(JobError.INTERRUPTED,
      "the node running this attempt shut down; the job runs again"));
    return writeOne(JobSql.REQUEUE, Tuple.of(cancelled, interrupted, dialect.time(now), node));
  }

  @Override
  public Future<Integer> purgeFinished(Instant before, int limit) {
    return writeOne(JobSql.PURGE, Tuple.of(dialect.time(before), limit));
  }

  @Override
  public Future<Map<String, Long>> queuedByType() {
    return countByType("queued");
  }


  @Override
  public Future<Map<String, Long>> runningByType() {
    return countByType("running");
  }

  /** How many jobs are in {@code state}, per type (a state's literal, never user input). */
  private Future<Map<String, Long>> countByType(String state) {
    return read(readers.query("SELECT type, count(*) FROM jobs WHERE state = '" + state + "' GROUP BY type",
      Tuple.tuple()).map(rows -> {
        Map<String, Long> counts = new HashMap<>();
        rows.forEach(row -> counts.put(row.getString(0), ((Number) row.getValue(1)).longValue()));
        return counts;
      }));
  }


  @Override
  public Future<Set<String>> pausedTypes() {
    return read(readers.query("SELECT type FROM paused_types", Tuple.tuple())
      .map(rows -> rows.stream().map(row -> row.getString(0)).collect(java.util.stream.Collectors.toSet())));
  }

  @Override
  public Future<Void> pauseType(String type, boolean paused, String by, Instant at) {
    return (paused
      ? writeOne("INSERT INTO paused_types (type, paused_by, paused_at) VALUES (?1, ?2, ?3) ON CONFLICT (type) DO NOTHING",
        Tuple.of(type, by, dialect.time(at)))
      : writeOne("DELETE FROM paused_types WHERE type = ?1", Tuple.of(type)))
      .mapEmpty();
  }

  @Override
  public Future<Integer> running(String type) {
    return read(readers.query(sql("SELECT count(*) FROM jobs WHERE type = ?1 AND state = 'running'"), Tuple.of(type))
      .map(rows -> ((Number) rows.iterator().next().getValue(0)).intValue()));
  }

  @Override
  public Future<Integer> flagQueued(String type, JsonObject error) {
    return writeOne("UPDATE jobs SET error = ?1 WHERE type = ?2 AND state = 'queued' AND error IS NULL",
      Tuple.of(dialect.json(error), type));
  }

  /** The recurring schedules, kept in the same database. */
  public ScheduleStore schedules() {
    return schedules;
  }

  /** The completion webhooks still to deliver, kept on the jobs' rows. */
  public WebhookOutbox webhooks() {
    return webhooks;
  }

  /**
   * Reads answer, and so do writes: while the last transaction failed, a write that changes
   * nothing goes through the pipeline to find out whether the store accepts writes again (a full
   * disk still serves reads).
   */
  @Override
  public Future<Void> ping() {
    Future<Void> reads = read(readers.query("SELECT 1", Tuple.tuple())).mapEmpty();
    return health.failing() ? reads.compose(v -> writeOne(JobSql.TOUCH, Tuple.tuple()))
      .mapEmpty() : reads;
  }

  @Override
  public Future<Void> close() {
    health.closing();
    writes.close();
    attemptWrites.close();
    return close.get();
  }


}
