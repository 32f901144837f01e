package dev.offload.store;

import dev.offload.support.TestPostgres;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on PostgreSQL, in a schema of its own, plus concurrent start-up migration. */
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
  void nodesStartingTogetherMigrateOnce() {
    SqlJobStore second = await(PostgresStore.open(vertx, TestPostgres.config(schema), 5));
    SqlJobStore third = await(PostgresStore.open(vertx, TestPostgres.config(schema), 5));
    assertThat(await(second.ping())).isNull();
    await(Future.all(second.close(), third.close()));
  }
}
