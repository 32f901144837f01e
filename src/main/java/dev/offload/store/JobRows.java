package dev.offload.store;

import dev.offload.jobs.Attempt;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A job row as the statements of {@link JobSql} read it, and what it becomes: a {@link Job}, an {@link Attempt}. */
final class JobRows {
  /** The columns of a job, as every statement that returns jobs selects them. */
  static final String COLUMNS = "id, owner, type, state, input, result, error, progress, attempts, "
    + "max_attempts, timeout_seconds, cancel_requested, created_at, started_at, finished_at, request_id, "
    + "callback_url, callback_state, callback_attempts, callback_error, priority, run_at, schedule_name, history, node";

  /** A job row's columns by position, in the order of {@link #COLUMNS}. */
  static final class Col {
    static final int ID = 0, OWNER = 1, TYPE = 2, STATE = 3, INPUT = 4, RESULT = 5, ERROR = 6, PROGRESS = 7,
      ATTEMPTS = 8, MAX_ATTEMPTS = 9, TIMEOUT = 10, CANCEL_REQUESTED = 11, CREATED = 12, STARTED = 13, FINISHED = 14,
      REQUEST_ID = 15, CALLBACK_URL = 16, CALLBACK_STATE = 17, CALLBACK_ATTEMPTS = 18, CALLBACK_ERROR = 19,
      PRIORITY = 20, RUN_AT = 21, SCHEDULE_NAME = 22, HISTORY = 23, NODE = 24, REQUEST_HASH = 25;
  }

  private JobRows() {
  }

  /** The attempts a claim returned ({@link JobSql#CLAIM_RETURNING}'s columns), oldest submission first. */
  static List<Attempt> attempts(List<Tuple> rows) {
    List<Attempt> attempts = new ArrayList<>(rows.size());
    for (Tuple row : rows) {
      attempts.add(new Attempt(Dialect.id(row.getValue(0)), row.getString(1), row.getString(9),
        ((Number) row.getValue(2)).intValue(),
        ((Number) row.getValue(3)).intValue(), ((Number) row.getValue(4)).intValue(), Dialect.json(row.getValue(5)),
        Dialect.time(row.getValue(6)), row.getString(7), ((Number) row.getValue(8)).longValue()));
    }
    attempts.sort(Comparator.comparing(Attempt::createdAt));
    return attempts;
  }

  /** The job of a row of {@link #COLUMNS}. */
  static Job toJob(Tuple row) {
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
