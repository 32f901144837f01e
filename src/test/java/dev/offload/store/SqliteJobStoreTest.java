package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Insertion;
import dev.offload.config.OffloadConfig;
import dev.offload.jobs.Attempt;
import dev.offload.jobs.JobState;
import dev.offload.jobs.NewJob;
import dev.offload.jobs.Outcome;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on the embedded SQLite store, plus what only SQLite has: one process per file. */
class SqliteJobStoreTest extends JobStoreContract {
  @TempDir
  Path dir;

  private OffloadConfig.Store config() {
    return OffloadConfig.from(TestService.baseConfig(dir), Map.of()).store();
  }

  @Override
  protected Future<SqlJobStore> open() {
    return vertx.fileSystem().mkdirs(dir.toString()).compose(v -> SqliteStore.open(vertx, config()));
  }

  /** A plain JDBC connection to the store's file, beside the store's own writer. */
  private Connection jdbc() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + config().sqliteFile());
  }

  @Override
  public Future<Void> queueBacklog(String owner, int count, Instant runAt) {
    // The store's writer holds the file's write lock while it is open: the backlog is written by a
    // connection of its own (off the event loop) between a close and a reopen.
    return store.close().compose(closed -> vertx.executeBlocking(() -> {
      try (Connection connection = jdbc();
           PreparedStatement insert = connection.prepareStatement("""
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO jobs (id, owner, type, state, input, max_attempts, timeout_seconds, priority, run_at,
               created_at, request_id)
             SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
                 || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
               ?2, 'sleep', 'queued', '{"seconds":1}', 3, 60, 5, ?3, ?3, 'req-' || ?2 FROM n""")) {
        insert.setInt(1, count);
        insert.setString(2, owner);
        insert.setLong(3, runAt.toEpochMilli());
        insert.executeUpdate();
      }
      return null;
    })).compose(filled -> open()).map(reopened -> {
      store = reopened;
      return null;
    });
  }

  @Test
  void aSecondProcessCannotOpenTheSameStore(VertxTestContext ctx) {
    SqliteStore.open(vertx, config())
      .transform(ar -> Future.succeededFuture(ar.cause()))
      .compose(refused -> {
        ctx.verify(() -> assertThat(refused).hasMessageContaining("another Offload process is using this data directory"));
        return reopen();
      })
      .compose(reopened -> store.ping())
      .onComplete(ctx.succeeding(pong -> ctx.verify(() -> {
        assertThat(pong).isNull();
        ctx.completeNow();
      })));
  }

  /** The stats read partial indexes the drain keeps anyway: the active jobs, and the last hour's range of finished ones. */
  @Test
  void statsReadActiveJobsAndARangeOfFinishedOnes(VertxTestContext ctx) {
    SqlJobStore sql = (SqlJobStore) store;
    sql.explain(JobSql.statsActive(true), io.vertx.sqlclient.Tuple.of("alice"))
      .compose(active -> {
        ctx.verify(() -> assertThat(active).contains("USING INDEX jobs_active_owner (owner=?)"));
        return sql.explain(JobSql.statsFinished(true), io.vertx.sqlclient.Tuple.of("alice", 0L));
      })
      .compose(ownersFinished -> {
        ctx.verify(() -> assertThat(ownersFinished).contains("USING INDEX jobs_finished (finished_at>?)"));
        return sql.explain(JobSql.statsFinished(false), io.vertx.sqlclient.Tuple.of(0L));
      })
      .onComplete(ctx.succeeding(allFinished -> ctx.verify(() -> {
        assertThat(allFinished).contains("USING INDEX jobs_finished (finished_at>?)");
        ctx.completeNow();
      })));
  }

  /** An outcome finds its row by the rowid its claim returned, not through the index of ids. */
  @Test
  void anOutcomeFindsItsRowByRowid() throws Exception {
    try (Connection connection = jdbc()) {
      for (String outcome : List.of(JobSql.SUCCEED, JobSql.FINISH)) {
        try (ResultSet plan = connection.createStatement()
          .executeQuery("EXPLAIN QUERY PLAN " + Dialect.SQLITE.sql(outcome))) {
          StringBuilder details = new StringBuilder();
          while (plan.next()) {
            details.append(plan.getString("detail")).append('\n');
          }
          assertThat(details.toString()).contains("USING INTEGER PRIMARY KEY (rowid=?)");
        }
      }
    }
  }

  /** The row handle only finds the row: the id decides, so a handle that names another job's row changes nothing. */
  @Test
  void anOutcomeWhoseRowHandleNamesAnotherRowChangesNothing(VertxTestContext ctx) {
    java.time.Instant now = java.time.Instant.now();
    AtomicReference<Attempt> first = new AtomicReference<>();
    AtomicReference<Attempt> second = new AtomicReference<>();
    Future<Void> inserted = Future.succeededFuture();
    for (int i = 0; i < 2; i++) {
      NewJob job = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject()
        .put("seconds", 1), 3, 60, now.minusSeconds(2 - i), null);
      inserted = inserted.compose(v -> store.insert(List.of(job), new Admission(10, 10))
        .map(Insertion::refusal)).mapEmpty();
    }
    inserted
      .compose(v -> store.claim("sleep", 2, false, now, "node-a", now.plusSeconds(60)))
      .compose(claimed -> {
        first.set(claimed.get(0));
        second.set(claimed.get(1));
        ctx.verify(() -> assertThat(first.get().row()).isNotEqualTo(second.get().row()));
        Attempt misdirected = new Attempt(first.get().id(), first.get().type(), first.get().owner(), first.get().attempt(),
          first.get().maxAttempts(), first.get().timeoutSeconds(), first.get().input(), first.get().createdAt(),
          first.get().requestId(), second.get().row());
        return store.finish(List.of(Outcome.succeeded(misdirected, null, now)));
      })
      .compose(misdirected -> store.find(first.get().id()))
      .compose(firstJob -> {
        ctx.verify(() -> assertThat(firstJob.state()).isEqualTo(JobState.RUNNING));
        return store.find(second.get().id());
      })
      .compose(secondJob -> {
        ctx.verify(() -> assertThat(secondJob.state()).isEqualTo(JobState.RUNNING));
        return store.finish(List.of(Outcome.succeeded(first.get(), null, now)));
      })
      .compose(succeeded -> store.find(first.get().id()))
      .onComplete(ctx.succeeding(firstJob -> ctx.verify(() -> {
        assertThat(firstJob.state()).isEqualTo(JobState.SUCCEEDED);
        ctx.completeNow();
      })));
  }

  @Test
  void reopeningTheFileRecoversWhatWasRunningAtOnce(VertxTestContext ctx) {
    NewJob job = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject()
      .put("seconds", 1), 3, 60, java.time.Instant.now(), null);
    store.insert(List.of(job), new Admission(10, 10)).map(Insertion::refusal)
      .compose(inserted -> {
        java.time.Instant now = java.time.Instant.now();
        return store.claim("sleep", 1, true, now, "node-a", now.plusSeconds(3600));
      })
      .compose(claimed -> reopen())
      // Only one process can hold the file: the old lease is void, recovery does not wait for it.
      .compose(reopened -> store.recover(java.time.Instant.now()))
      .onComplete(ctx.succeeding(recovered -> ctx.verify(() -> {
        assertThat(recovered).isEqualTo(1);
        ctx.completeNow();
      })));
  }
}
