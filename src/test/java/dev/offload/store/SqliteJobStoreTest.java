package dev.offload.store;

import dev.offload.jobs.Insertion;
import dev.offload.config.OffloadConfig;
import dev.offload.jobs.NewJob;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.offload.support.TestService.await;
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

  @Test
  void aSecondProcessCannotOpenTheSameStore() {
    Throwable refused = await(SqliteStore.open(vertx, config())
      .transform(ar -> Future.succeededFuture(ar.cause())));
    assertThat(refused).hasMessageContaining("another Offload process is using this data directory");
    await(store.close());
    store = await(open());
    assertThat(await(store.ping())).isNull();
  }

  /** The stats read partial indexes the drain keeps anyway: the active jobs, and the last hour's range of finished ones. */
  @Test
  void statsReadActiveJobsAndARangeOfFinishedOnes() {
    SqlJobStore sql = (SqlJobStore) store;
    assertThat(await(sql.explain(SqlJobStore.statsActive(true), io.vertx.sqlclient.Tuple.of("alice"))))
      .contains("USING INDEX jobs_active_owner (owner=?)");
    assertThat(await(sql.explain(SqlJobStore.statsFinished(true), io.vertx.sqlclient.Tuple.of("alice", 0L))))
      .contains("USING INDEX jobs_finished (finished_at>?)");
    assertThat(await(sql.explain(SqlJobStore.statsFinished(false), io.vertx.sqlclient.Tuple.of(0L))))
      .contains("USING INDEX jobs_finished (finished_at>?)");
  }

  /** An outcome finds its row by the rowid its claim returned, not through the index of ids. */
  @Test
  void anOutcomeFindsItsRowByRowid() throws Exception {
    try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + config().sqliteFile())) {
      for (String outcome : java.util.List.of(SqlJobStore.SUCCEED, SqlJobStore.FINISH)) {
        try (java.sql.ResultSet plan = connection.createStatement()
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
  void anOutcomeWhoseRowHandleNamesAnotherRowChangesNothing() {
    java.time.Instant now = java.time.Instant.now();
    for (int i = 0; i < 2; i++) {
      NewJob job = new NewJob(java.util.UUID.randomUUID(), "alice", "sleep", new io.vertx.core.json.JsonObject()
        .put("seconds", 1), 3, 60, now.minusSeconds(2 - i), null);
      await(store.insert(java.util.List.of(job), new dev.offload.jobs.Admission(10, 10)).map(Insertion::refusal));
    }
    java.util.List<dev.offload.jobs.Attempt> claimed = await(store.claim("sleep", 2, false, now, "node-a",
      now.plusSeconds(60)));
    dev.offload.jobs.Attempt first = claimed.get(0);
    dev.offload.jobs.Attempt second = claimed.get(1);
    assertThat(first.row()).isNotEqualTo(second.row());
    dev.offload.jobs.Attempt misdirected = new dev.offload.jobs.Attempt(first.id(), first.type(), first.attempt(),
      first.maxAttempts(), first.timeoutSeconds(), first.input(), first.createdAt(), first.requestId(), second.row());

    await(store.finish(java.util.List.of(dev.offload.jobs.Outcome.succeeded(misdirected, null, now))));
    assertThat(await(store.find(first.id())).state()).isEqualTo(dev.offload.jobs.JobState.RUNNING);
    assertThat(await(store.find(second.id())).state()).isEqualTo(dev.offload.jobs.JobState.RUNNING);

    await(store.finish(java.util.List.of(dev.offload.jobs.Outcome.succeeded(first, null, now))));
    assertThat(await(store.find(first.id())).state()).isEqualTo(dev.offload.jobs.JobState.SUCCEEDED);
  }

  @Test
  void reopeningTheFileRecoversWhatWasRunningAtOnce() {
    NewJob job = new NewJob(java.util.UUID.randomUUID(), "alice", "sleep", new io.vertx.core.json.JsonObject()
      .put("seconds", 1), 3, 60, java.time.Instant.now(), null);
    await(store.insert(java.util.List.of(job), new dev.offload.jobs.Admission(10, 10)).map(Insertion::refusal));
    java.time.Instant now = java.time.Instant.now();
    await(store.claim("sleep", 1, true, now, "node-a", now.plusSeconds(3600)));
    await(store.close());
    store = await(open());
    // Only one process can hold the file: the old lease is void, recovery does not wait for it.
    assertThat(await(store.recover(java.time.Instant.now()))).isEqualTo(1);
  }
}
