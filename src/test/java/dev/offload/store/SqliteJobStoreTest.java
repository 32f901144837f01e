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
