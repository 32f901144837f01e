package dev.offload.store;

import dev.offload.jobs.Admission;
import dev.offload.jobs.Insertion;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.NewJob;
import dev.offload.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on PostgreSQL, in a schema of its own, plus what only several nodes do: migrate at once, race on an idempotency key. */
class PostgresJobStoreTest extends JobStoreContract {
  private String schema;

  /**
   * The first call, from the contract's {@code @BeforeEach} on the test thread, picks the schema:
   * {@link TestPostgres#freshSchema} checks the server there (a blocking check) and skips the test
   * without one, or fails it when {@code TEST_REQUIRE_PG=1}. Reopening (on an event loop) only opens.
   */
  @Override
  protected Future<SqlJobStore> open() {
    if (schema == null) {
      schema = TestPostgres.freshSchema(vertx);
    }
    return PostgresStore.open(vertx, TestPostgres.config(schema), 5);
  }

  /** Drops the test's schema once the store is closed (what {@link TestPostgres#drop} does, without blocking). */
  @Override
  protected Future<Void> dispose() {
    if (schema == null) {
      return Future.succeededFuture();
    }
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestPostgres.URL)).using(vertx).build();
    return pool.query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute().<Void>mapEmpty().eventually(pool::close);
  }

  @Override
  public Future<Void> queueBacklog(String owner, int count, Instant runAt) {
    // The queue-depth trigger updates one counter row per inserted row: 100,000 versions of one row
    // in one transaction take PostgreSQL a minute. The triggers are off for this one transaction
    // (session_replication_role), the counter moved once, and the table analyzed, as autovacuum
    // would within a minute of a bulk load, so that the claims' plans see the backlog.
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestPostgres.URL)
      .addProperty("search_path", schema)).using(vertx).build();
    return pool.withTransaction(connection -> connection.query("SET LOCAL session_replication_role = replica").execute()
        .compose(off -> connection.preparedQuery("""
            INSERT INTO jobs (id, owner, type, state, input, max_attempts, timeout_seconds, priority, run_at,
              created_at, request_id)
            SELECT gen_random_uuid(), $1, 'sleep', 'queued', '{"seconds":1}', 3, 60, 5, $2, $2, 'req-' || $1
            FROM generate_series(1, $3)""")
          .execute(Tuple.of(owner, OffsetDateTime.ofInstant(runAt, ZoneOffset.UTC), count)))
        .compose(inserted -> connection.preparedQuery("UPDATE queue_depth SET queued = queued + $1 WHERE slot = 0")
          .execute(Tuple.of(count)))
        .compose(counted -> connection.query("ANALYZE jobs").execute()))
      .<Void>mapEmpty().eventually(pool::close);
  }

  /**
   * Another session (another node, say) inserts a job and keeps its transaction open. It holds its
   * new row and its own stripe of the backlog counter, nothing this node's submissions need: they
   * commit meanwhile. (With one counter row, each waited for that transaction until the store
   * timeout refused it.) The other session is picked on a stripe no session of Offload's uses, as
   * it would be 1,020 times in 1,024.
   */
  @Test
  void aTransactionHeldOpenByAnotherSessionHoldsUpNoSubmission(VertxTestContext ctx) {
    Pool others = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestPostgres.URL)
      .addProperty("search_path", schema)).with(new PoolOptions().setMaxSize(8)).using(vertx).build();
    Instant now = Instant.now();
    others.query("SELECT pid % 1024 FROM pg_stat_activity WHERE application_name = 'offload'").execute()
      .compose(rows -> {
        List<Integer> taken = new ArrayList<>();
        rows.forEach(row -> taken.add(row.getInteger(0)));
        return sessionOffStripes(others, taken, new ArrayList<>());
      })
      .compose(held -> held.begin()
        .compose(tx -> held.query("INSERT INTO jobs (id, owner, type, state, input, max_attempts, timeout_seconds, "
          + "priority, run_at, created_at) VALUES (gen_random_uuid(), 'mallory', 'sleep', 'queued', '{}', 3, 60, 5, "
          + "now(), now())").execute())
        .compose(inserted -> Future.all(store.insert(List.of(newJob("alice", now)), new Admission(1000, 1000)),
          store.insert(List.of(newJob("bob", now)), new Admission(1000, 1000))))
        .onComplete(done -> held.close()))
      .eventually(others::close)
      .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
        assertThat(both.<Insertion>list()).containsExactly(Insertion.STORED, Insertion.STORED);
        ctx.completeNow();
      })));
  }

  /** A connection of {@code pool} whose session's stripe is not among {@code taken} (the others are closed). */
  private static Future<SqlConnection> sessionOffStripes(Pool pool, List<Integer> taken, List<SqlConnection> tried) {
    if (tried.size() == 8) {
      return Future.failedFuture("no session off Offload's stripes in 8 tries");
    }
    return pool.getConnection().compose(conn -> conn.query("SELECT pg_backend_pid() % 1024").execute().compose(rows -> {
      if (!taken.contains(rows.iterator().next().getInteger(0))) {
        tried.forEach(SqlConnection::close);
        return Future.succeededFuture(conn);
      }
      tried.add(conn);
      return sessionOffStripes(pool, taken, tried);
    }));
  }

  private static NewJob newJob(String owner, Instant now) {
    return new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), 3, 60,
      NewJob.DEFAULT_PRIORITY, now, now, "req", null, null, null);
  }

  @Test
  void theSameIdempotencyKeyFromTwoNodesAtOnceMakesOneJob(VertxTestContext ctx) {
    AtomicReference<SqlJobStore> other = new AtomicReference<>();
    PostgresStore.open(vertx, TestPostgres.config(schema), 5)
      .compose(opened -> {
        other.set(opened);
        List<Future<Insertion>> inserts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          Instant now = Instant.now();
          NewJob job = new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject().put("seconds", 1), 3, 60,
            NewJob.DEFAULT_PRIORITY, now, now, "req", null, new NewJob.Idempotency("pay-42", "same-request", now.minusSeconds(60)), null);
          inserts.add((i % 2 == 0 ? store : opened).insert(List.of(job), new Admission(1000, 1000)));
        }
        return Future.all(inserts);
      })
      .compose(all -> {
        List<Insertion> results = all.list();
        ctx.verify(() -> {
          assertThat(results).filteredOn(r -> r == Insertion.STORED).hasSize(1);
          List<Insertion> replays = results.stream().filter(r -> r.replayed() != null).toList();
          assertThat(replays).hasSize(15);
          assertThat(replays.stream().map(r -> r.replayed().get(0).id()).distinct()).hasSize(1);
        });
        return store.list(new JobQuery("alice", null, null, 100, null));
      })
      .compose(page -> {
        ctx.verify(() -> assertThat(page.items()).hasSize(1));
        return other.get().close();
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void nodesStartingTogetherMigrateOnce(VertxTestContext ctx) {
    AtomicReference<SqlJobStore> second = new AtomicReference<>();
    AtomicReference<SqlJobStore> third = new AtomicReference<>();
    PostgresStore.open(vertx, TestPostgres.config(schema), 5)
      .compose(opened -> {
        second.set(opened);
        return PostgresStore.open(vertx, TestPostgres.config(schema), 5);
      })
      .compose(opened -> {
        third.set(opened);
        return second.get().ping();
      })
      .compose(pong -> {
        ctx.verify(() -> assertThat(pong).isNull());
        return Future.all(second.get().close(), third.get().close());
      })
      .onComplete(ctx.succeedingThenComplete());
  }
}
