package dev.offload.store;

import dev.offload.jobs.JobException;
import dev.offload.schedules.Schedule;
import dev.offload.schedules.ScheduleStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The schedules, in the job store's database: writes go through its {@link WritePipeline} (they
 * share its transactions, and on SQLite its one writer), reads through its readers.
 */
final class SqlScheduleStore implements ScheduleStore {
  private static final String COLUMNS =
    "owner, name, cron, timezone, job, paused, next_run_at, last_run_at, last_job_id, created_at";
  // The quota is read in the same statement: exact on SQLite (one writer); on PostgreSQL, two
  // nodes creating schedules of one owner at the same instant may each see room for one more.
  private static final String CREATE = "INSERT INTO schedules (owner, name, cron, timezone, job, paused, next_run_at, "
    + "created_at) SELECT ?1, ?2, ?3, ?4, {json ?5}, CAST(?6 AS BOOLEAN), {time ?7}, {time ?8} "
    + "WHERE (SELECT count(*) FROM schedules WHERE owner = ?1) < ?9 ON CONFLICT DO NOTHING RETURNING " + COLUMNS;
  private static final String FIND = "SELECT " + COLUMNS + " FROM schedules WHERE owner = ?1 AND name = ?2";
  private static final String LIST = "SELECT " + COLUMNS + " FROM schedules WHERE owner = ?1 ORDER BY name";
  private static final String SET_PAUSED = "UPDATE schedules SET paused = ?3, "
    + "next_run_at = COALESCE({time ?4}, next_run_at) WHERE owner = ?1 AND name = ?2 RETURNING " + COLUMNS;
  private static final String DUE = "SELECT " + COLUMNS + " FROM schedules "
    + "WHERE paused = FALSE AND next_run_at <= ?1 ORDER BY next_run_at LIMIT ?2";
  private static final String ADVANCE = "UPDATE schedules SET next_run_at = ?3, last_run_at = ?4, "
    + "last_job_id = COALESCE(?5, last_job_id) WHERE owner = ?1 AND name = ?2 AND next_run_at = ?4";

  private final Dialect dialect;
  private final WritePipeline writes;
  private final Sql readers;
  private final StoreHealth health;
  private final long timeoutMillis;

  private final WritePipeline.Kind<Creation, Created> creations = WritePipeline.Kind.each(this::createOne);
  private final WritePipeline.Kind<Statement, List<Tuple>> statements = WritePipeline.Kind.each(
    (sql, statement) -> sql.query(statement.sql(), statement.args()));

  SqlScheduleStore(Dialect dialect, WritePipeline writes, Sql readers, StoreHealth health, long timeoutMillis) {
    this.dialect = dialect;
    this.writes = writes;
    this.readers = readers;
    this.health = health;
    this.timeoutMillis = timeoutMillis;
  }

  /** A write of one statement (in the dialect) that answers rows. */
  private record Statement(String sql, Tuple args) {
  }

  private record Creation(Schedule schedule, int maxPerOwner) {
  }

  /** How a creation went: the schedule stored, or why not (never a failed write: it would fail the whole transaction). */
  private record Created(Schedule schedule, JobException refusal) {
  }

  @Override
  public Future<Schedule> create(Schedule schedule, int maxPerOwner) {
    return writes.write(creations, new Creation(schedule, maxPerOwner))
      .compose(created -> created.refusal() == null ? Future.succeededFuture(created.schedule())
        : Future.failedFuture(created.refusal()));
  }

  private Future<Created> createOne(Sql sql, Creation creation) {
    Schedule s = creation.schedule();
    Tuple args = Tuple.of(s.owner(), s.name(), s.cron(), s.timezone(), dialect.json(s.job()), s.paused(),
      dialect.time(s.nextRunAt()), dialect.time(s.createdAt()), creation.maxPerOwner());
    return sql.query(dialect.sql(CREATE), args).compose(rows -> !rows.isEmpty()
      ? Future.succeededFuture(new Created(toSchedule(rows.get(0)), null))
      : sql.query(dialect.sql(FIND), Tuple.of(s.owner(), s.name())).map(found -> new Created(null, found.isEmpty()
        ? new JobException(JobException.Kind.QUOTA, "you already have " + creation.maxPerOwner()
          + " schedules, the most an owner may have; delete one first")
        : new JobException(JobException.Kind.CONFLICT, "you already have a schedule named '" + s.name()
          + "'; delete it first to replace it"))));
  }

  @Override
  public Future<Schedule> find(String owner, String name) {
    return health.read(readers.query(dialect.sql(FIND), Tuple.of(owner, name)), timeoutMillis)
      .map(rows -> rows.isEmpty() ? null : toSchedule(rows.get(0)));
  }

  @Override
  public Future<List<Schedule>> list(String owner) {
    return health.read(readers.query(dialect.sql(LIST), Tuple.of(owner)), timeoutMillis)
      .map(rows -> rows.stream().map(SqlScheduleStore::toSchedule).toList());
  }

  @Override
  public Future<Boolean> delete(String owner, String name) {
    return write("DELETE FROM schedules WHERE owner = ?1 AND name = ?2 RETURNING name", Tuple.of(owner, name))
      .map(rows -> !rows.isEmpty());
  }

  @Override
  public Future<Schedule> setPaused(String owner, String name, boolean paused, Instant nextRunAt) {
    return write(SET_PAUSED, Tuple.of(owner, name, paused, dialect.time(nextRunAt)))
      .map(rows -> rows.isEmpty() ? null : toSchedule(rows.get(0)));
  }

  @Override
  public Future<List<Schedule>> due(Instant now, int max) {
    return health.read(readers.query(dialect.sql(DUE), Tuple.of(dialect.time(now), max)), timeoutMillis)
      .map(rows -> rows.stream().map(SqlScheduleStore::toSchedule).toList());
  }

  @Override
  public Future<Boolean> advance(Schedule fired, Instant next, UUID jobId) {
    Tuple args = Tuple.of(fired.owner(), fired.name(), dialect.time(next), dialect.time(fired.nextRunAt()),
      jobId == null ? null : dialect.id(jobId));
    return write(ADVANCE + " RETURNING name", args).map(rows -> !rows.isEmpty());
  }

  private Future<List<Tuple>> write(String template, Tuple args) {
    return writes.write(statements, new Statement(dialect.sql(template), args));
  }

  private static Schedule toSchedule(Tuple row) {
    Object lastJob = row.getValue(8);
    return new Schedule(row.getString(0), row.getString(1), row.getString(2), row.getString(3),
      Dialect.json(row.getValue(4)), Dialect.bool(row.getValue(5)), Dialect.time(row.getValue(6)),
      Dialect.time(row.getValue(7)), lastJob == null ? null : Dialect.id(lastJob), Dialect.time(row.getValue(9)));
  }
}
