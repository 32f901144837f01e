package dev.offload.store;

/**
 * The statements of the job store, written once for both databases in the {@link Dialect}'s
 * template syntax ({@code ?N} parameters, {@code {json ?N}}, {@code {time ?N}}, {@code {key}},
 * {@code {row}}, {@code {history ?E ?T}}, {@code {stripe}}), with why each is written the way it is.
 */
final class JobSql {
  static final String INSERT = "INSERT INTO jobs (id, owner, type, state, input, max_attempts, "
    + "timeout_seconds, run_at, created_at, request_id, callback_url, callback_state, idempotency_key, request_hash, "
    + "priority, schedule_name, schedule_tick) "
    + "VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?8, ?9, CAST(?10 AS TEXT), "
    + "CASE WHEN CAST(?10 AS TEXT) IS NULL THEN NULL ELSE 'pending' END, ?11, ?12, ?13, ?14, ?15) "
    // A duplicate (an idempotency key in use, or an id: a bug, never a client's doing) must not
    // fail the other submissions that share the transaction: it is skipped here and resolved by
    // Admissions (the job that holds the key, or a conflict).
    + "ON CONFLICT DO NOTHING";
  // PostgreSQL: the same insert, all of a transaction's rows in one statement (one array per
  // column, unnest): the backlog counter's statement trigger then fires once per transaction, not
  // once per row, and PostgreSQL plans and runs one statement instead of one per job. RETURNING
  // names the rows inserted (the others were duplicates).
  static final String INSERT_ALL = """
    INSERT INTO jobs (id, owner, type, state, input, max_attempts, timeout_seconds, run_at, created_at, request_id,
      callback_url, callback_state, idempotency_key, request_hash, priority, schedule_name, schedule_tick)
    SELECT id, owner, type, 'queued', CAST(input AS jsonb), max_attempts, timeout_seconds, run_at, created_at, request_id,
      callback_url, CASE WHEN callback_url IS NULL THEN NULL ELSE 'pending' END, idempotency_key, request_hash,
      priority, schedule_name, schedule_tick
    FROM unnest(CAST(?1 AS uuid[]), CAST(?2 AS text[]), CAST(?3 AS text[]), CAST(?4 AS text[]), CAST(?5 AS int[]),
      CAST(?6 AS int[]), CAST(?7 AS timestamptz[]), CAST(?8 AS timestamptz[]), CAST(?9 AS text[]), CAST(?10 AS text[]),
      CAST(?11 AS text[]), CAST(?12 AS text[]), CAST(?13 AS int[]), CAST(?14 AS text[]), CAST(?15 AS timestamptz[]))
      AS t(id, owner, type, input, max_attempts, timeout_seconds, run_at, created_at, request_id, callback_url,
        idempotency_key, request_hash, priority, schedule_name, schedule_tick)
    ON CONFLICT DO NOTHING
    RETURNING id""";
  // An idempotency key older than its keeping time no longer holds: its job lets go of it.
  static final String RELEASE_KEY = "UPDATE jobs SET idempotency_key = NULL "
    + "WHERE owner = ?1 AND idempotency_key = ?2 AND created_at < ?3";
  static final String FIND_BY_KEY = "SELECT " + JobRows.COLUMNS + ", request_hash FROM jobs "
    + "WHERE owner = ?1 AND idempotency_key = ?2";
  // The claim takes up to ?3 jobs among its picks: first each owner's best due job (fair claims
  // only: the %1$s part, one per owner), then the best due jobs of each priority, highest first.
  // Each pick reads one range of an index (a priority's due jobs, oldest first), so a claim costs
  // the same however many jobs wait, delayed ones included. The picks carry the row's {key}, not
  // its id: on SQLite that is the rowid, which every index entry holds, so a pick reads no table
  // row and the update finds each row without a probe of the id index (docs/benchmarks.md, "The
  // cost of scheduling": picked by id, the claim cost 40 % more than before priorities; by
  // rowid, what it cost then).
  static final String CLAIM_RETURNING =
    " RETURNING id, type, attempts, max_attempts, timeout_seconds, input, created_at, request_id, {row}, owner";
  static final String CLAIM = """
    UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, progress = NULL,
      node = ?4, lease_until = ?5
    WHERE state = 'queued' AND {key} IN (
      SELECT k FROM (%1$s%2$s) picks GROUP BY k ORDER BY min(fill), max(priority) DESC, min(run_at) LIMIT ?3)"""
    + CLAIM_RETURNING;
  // The insert's own claim of the jobs it just stored (a hand-off): by id, %s being ?4, ?5 ...
  static final String CLAIM_INSERTED = "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
    + "started_at = ?1, progress = NULL, node = ?2, lease_until = ?3 WHERE state = 'queued' AND id IN (%s)"
    + CLAIM_RETURNING;
  static final String OWNER_PICK = "SELECT * FROM (SELECT {key} AS k, 0 AS fill, priority, run_at FROM jobs "
    + "WHERE state = 'queued' AND type = ?2 AND owner = ?%d AND run_at <= ?1 ORDER BY priority DESC, run_at "
    + "LIMIT 1%s) o%d UNION ALL ";
  static final String PRIORITY_PICK = "SELECT * FROM (SELECT {key} AS k, 1 AS fill, priority, run_at FROM jobs "
    + "WHERE state = 'queued' AND type = ?2 AND priority = %d AND run_at <= ?1 ORDER BY run_at LIMIT ?3%s) p%d";
  // The owners with queued jobs of a type after ?2, in order, at most ?3 (one index probe each).
  static final String OWNERS = """
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
  // PostgreSQL: SUCCEED for all of a transaction's successes in one statement (as INSERT_ALL).
  static final String SUCCEED_ALL = """
    UPDATE jobs SET state = 'succeeded', result = CAST(o.result AS jsonb), progress = 1.0, finished_at = o.at,
      lease_until = NULL
    FROM unnest(CAST(?1 AS uuid[]), CAST(?2 AS int[]), CAST(?3 AS text[]), CAST(?4 AS timestamptz[]))
      AS o(id, attempt, result, at)
    WHERE jobs.id = o.id AND jobs.attempts = o.attempt AND jobs.state = 'running'
    RETURNING jobs.id""";
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
  static final String PROGRESS =
    "UPDATE jobs SET progress = ?1 WHERE id = ?2 AND attempts = ?3 AND state = 'running'";
  static final String RECOVER = """
    UPDATE jobs SET
      state       = CASE WHEN cancel_requested THEN 'cancelled'
                         WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
      error       = CASE WHEN cancel_requested THEN {json ?1} ELSE {json ?2} END,
      finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN {time ?3} ELSE NULL END,
      history     = {history ?2 ?3},
      run_at      = ?3
    WHERE state = 'running' AND (lease_until IS NULL OR lease_until <= ?3)""";
  static final String RENEW =
    "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND attempts = ?3 AND state = 'running'";
  static final String CANCEL_QUEUED = "UPDATE jobs SET state = 'cancelled', error = ?1, finished_at = ?2 "
    + "WHERE id = ?3 AND state = 'queued' AND (CAST(?4 AS TEXT) IS NULL OR owner = ?4) RETURNING " + JobRows.COLUMNS;
  static final String CANCEL_RUNNING = "UPDATE jobs SET cancel_requested = TRUE "
    + "WHERE id = ?1 AND state = 'running' AND (CAST(?2 AS TEXT) IS NULL OR owner = ?2) RETURNING " + JobRows.COLUMNS;
  static final String FIND = "SELECT " + JobRows.COLUMNS + " FROM jobs WHERE id = ?1";
  /** The queued jobs: the sum of the backlog counter's stripes (migration 7 of PostgreSQL says why). */
  static final String BACKLOG = "SELECT sum(queued) FROM queue_depth";
  /** A write that changes nothing but must reach the disk: this session's own stripe, rewritten as it is. */
  static final String TOUCH = "UPDATE queue_depth SET queued = queued WHERE slot = {stripe}";
  // The dashboard's counts, in two reads over partial indexes that the drain path maintains
  // anyway (their WHERE terms are written exactly as the indexes' own, which SQLite needs to use
  // them): the active jobs through jobs_active_owner (at most limits.activeJobsPerOwner of an
  // owner's), the jobs finished since ?N through jobs_finished, a range of the last hour. An
  // index of finished jobs per owner would serve all-time counts, but it costs every outcome an
  // index write: 8 % of the drain (docs/benchmarks.md). "owner || ''" keeps the planner on the
  // time range: the owner index would read all of a big owner's jobs.
  static final String ACTIVE_STATES = "state IN ('queued', 'running')";
  static final String FINISHED_STATES = "state IN ('succeeded', 'failed', 'cancelled')";
  static final String STATS_ACTIVE = "SELECT state, count(*) FROM jobs WHERE %s" + ACTIVE_STATES
    + " GROUP BY state";
  static final String STATS_FINISHED = "SELECT state, count(*) FROM jobs WHERE %s" + FINISHED_STATES
    + " AND finished_at >= {time ?%d} GROUP BY state";

  // A retry by the user: a new start (its attempts and its webhook delivery too); the error and the
  // history stay until the next outcome replaces them.
  static final String RETRY = """
    UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?2, started_at = NULL, finished_at = NULL,
      progress = NULL, cancel_requested = FALSE, node = NULL, lease_until = NULL,
      callback_state = CASE WHEN callback_url IS NULL THEN NULL ELSE 'pending' END, callback_attempts = 0,
      callback_due = NULL, callback_error = NULL
    WHERE id = ?1 AND state IN ('failed', 'cancelled')
    RETURNING\s""" + JobRows.COLUMNS;
  // A node shutting down hands its attempts back: the attempt keeps its number (a late reply of it
  // is still refused) but does not use up the job's attempts.
  static final String REQUEUE = """
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
  static final String PURGE = """
    DELETE FROM jobs WHERE id IN (
      SELECT id FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?1
        AND (callback_state IS NULL OR callback_state <> 'pending')
      ORDER BY finished_at LIMIT ?2)""";
  static final String CLAIM_CALLBACKS = """
    UPDATE jobs SET callback_due = ?2
    WHERE id IN (SELECT id FROM jobs WHERE callback_state = 'pending' AND callback_due <= ?1
                 ORDER BY callback_due LIMIT ?3%s)
    RETURNING\s""" + JobRows.COLUMNS;
  static final String RECORD_CALLBACK = """
    UPDATE jobs SET callback_state = ?2, callback_attempts = callback_attempts + 1, callback_error = ?3,
      callback_due = {time ?4}
    WHERE id = ?1 AND callback_state = 'pending'""";

  /** The statement counting active jobs, for one owner or everyone. */
  static String statsActive(boolean byOwner) {
    return STATS_ACTIVE.formatted(byOwner ? "owner = ?1 AND " : "");
  }

  /** The statement counting the jobs finished since a moment (its last parameter), for one owner or everyone. */
  static String statsFinished(boolean byOwner) {
    return STATS_FINISHED.formatted(byOwner ? "owner || '' = ?1 AND " : "", byOwner ? 2 : 1);
  }

  private JobSql() {
  }
}
