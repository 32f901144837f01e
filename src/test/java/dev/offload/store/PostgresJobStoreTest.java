package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Insertion;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.NewJob;
import dev.offload.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on PostgreSQL, in a schema of its own, plus what only several nodes do: migrate at once, race on an idempotency key. */
class PostgresJobStoreTest extends JobStoreContract {
  private String schema;

  @Override
  protected Future<SqlJobStore> open() {
    if (schema == null) {
      schema = TestPostgres.freshSchema(vertx);
    }
    return PostgresStore.open(vertx, TestPostgres.config(schema), 5);
  }

  @AfterEach
  void dropSchema() {
    if (schema != null) {
      await(store.close());
      TestPostgres.drop(vertx, schema);
    }
  }

  @Test
  void theSameIdempotencyKeyFromTwoNodesAtOnceMakesOneJob() {
    SqlJobStore other = await(PostgresStore.open(vertx, TestPostgres.config(schema), 5));
    List<Future<Insertion>> inserts = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Instant now = Instant.now();
      NewJob job = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject().put("seconds", 1), 3, 60,
        NewJob.DEFAULT_PRIORITY, now, now, "req", null, new NewJob.Idempotency("pay-42", "same-request", now.minusSeconds(60)), null);
      inserts.add((i % 2 == 0 ? store : other).insert(List.of(job), new Admission(1000, 1000)));
    }
    List<Insertion> results = await(Future.all(inserts)).list();

    assertThat(results).filteredOn(r -> r == Insertion.STORED).hasSize(1);
    List<Insertion> replays = results.stream().filter(r -> r.replayed() != null).toList();
    assertThat(replays).hasSize(15);
    assertThat(replays.stream().map(r -> r.replayed().get(0).id()).distinct()).hasSize(1);
    assertThat(await(store.list(new JobQuery("alice", null, null, 100, null))).items()).hasSize(1);
    await(other.close());
  }

  @Test
  void nodesStartingTogetherMigrateOnce() {
    SqlJobStore second = await(PostgresStore.open(vertx, TestPostgres.config(schema), 5));
    SqlJobStore third = await(PostgresStore.open(vertx, TestPostgres.config(schema), 5));
    assertThat(await(second.ping())).isNull();
    await(Future.all(second.close(), third.close()));
  }
}
