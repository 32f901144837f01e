package dev.offload.store;

import dev.offload.jobs.Insertion;
import dev.offload.config.OffloadConfig;
import dev.offload.jobs.Admission;
import dev.offload.jobs.JobException;
import dev.offload.jobs.NewJob;
import dev.offload.support.TestService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write pipeline: concurrent writes from several event loops share transactions and each
 * caller hears back on its own loop; a fault at any step of a transaction refuses that
 * transaction's callers with a 503 (and commits none of it), and the next transaction commits.
 */
@ExtendWith(VertxExtension.class)
class WritePipelineTest {
  private static final Admission ROOMY = new Admission(100_000, 100_000);

  private static NewJob job() {
    return new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject().put("seconds", 0), 3, 60, Instant.now(), "req-test");
  }

  @Test
  void manyConcurrentSubmissionsShareAFewCommits(Vertx vertx, @TempDir Path dir) {
    OffloadConfig config = OffloadConfig.from(TestService.baseConfig(dir), Map.of());
    await(vertx.fileSystem().mkdirs(dir.toString()));
    SqlJobStore store = await(SqliteStore.open(vertx, config.store()));
    long before = store.commits();

    List<Context> loops = List.of(vertx.getOrCreateContext(), vertx.getOrCreateContext());
    AtomicInteger onCallerContext = new AtomicInteger();
    List<Future<JobException>> writes = new ArrayList<>();
    for (Context loop : loops) {
      Promise<Void> issued = Promise.promise();
      loop.runOnContext(v -> {
        for (int i = 0; i < 200; i++) {
          writes.add(store.insert(List.of(job()), ROOMY).map(Insertion::refusal).onComplete(ar -> {
            if (Vertx.currentContext() == loop) {
              onCallerContext.incrementAndGet();
            }
          }));
        }
        issued.complete();
      });
      await(issued.future());
    }
    await(Future.all(writes));

    assertThat(writes).allSatisfy(write -> assertThat(write.result()).isNull());
    assertThat(onCallerContext.get()).isEqualTo(400);
    assertThat(store.commits() - before).as("400 writes, far fewer commits").isLessThan(100);
    assertThat(await(store.list(new dev.offload.jobs.JobQuery("alice", null, null, 100, null))).items()).hasSize(100);
  }

  @Test
  void largeBatchesArrivingTogetherAreSplitIntoTransactionsOfBoundedSize(Vertx vertx, @TempDir Path dir) {
    OffloadConfig config = OffloadConfig.from(TestService.baseConfig(dir), Map.of());
    await(vertx.fileSystem().mkdirs(dir.toString()));
    SqlJobStore store = await(SqliteStore.open(vertx, config.store()));
    long before = store.commits();

    int batches = 3 * WritePipeline.MAX_ROWS / 1000;
    List<Future<Insertion>> writes = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      List<NewJob> batch = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        batch.add(job());
      }
      writes.add(store.insert(batch, ROOMY));
    }
    await(Future.all(writes));

    assertThat(writes).allSatisfy(write -> assertThat(write.result().refusal()).isNull());
    assertThat(store.commits() - before).as("%d rows, at most %d per transaction", batches * 1000,
      WritePipeline.MAX_ROWS).isGreaterThanOrEqualTo(3);
    assertThat(await(store.queuedByType())).containsEntry("sleep", (long) batches * 1000);
  }

  @Test
  void aDuplicateIdIsRefusedAloneAndTheSubmissionsBesideItAreStored(Vertx vertx, @TempDir Path dir) {
    OffloadConfig config = OffloadConfig.from(TestService.baseConfig(dir), Map.of());
    await(vertx.fileSystem().mkdirs(dir.toString()));
    SqlJobStore store = await(SqliteStore.open(vertx, config.store()));
    NewJob first = job();
    await(store.insert(List.of(first), ROOMY).map(Insertion::refusal));

    // Issued together: one transaction, two submissions.
    NewJob fresh = job();
    Future<JobException> beside = store.insert(List.of(fresh), ROOMY).map(Insertion::refusal);
    Future<JobException> again = store.insert(List.of(job(), first), ROOMY).map(Insertion::refusal);
    assertThat(await(beside)).isNull();
    assertThat(await(again).kind()).isEqualTo(JobException.Kind.CONFLICT);
    assertThat(await(store.find(fresh.id()))).isNotNull();
    assertThat(await(store.list(new dev.offload.jobs.JobQuery("alice", null, null, 100, null))).items())
      .as("the batch with the duplicate is stored not at all").hasSize(2);
  }

  /** Where a transaction fails. */
  enum Fault {
    /** No connection: the transaction never starts (run() fails at once). */
    NO_CONNECTION,
    /** The transactions themselves throw (a bug, a closed pool). */
    THROWS,
    /** BEGIN refused: fails later, before any statement. */
    BEGIN_REFUSED,
    /** A statement fails (a constraint, SQLITE_FULL, an I/O error). */
    STATEMENT_FAILS,
    /** Every statement ran, then the commit is refused: SQLite rolls them all back. */
    COMMIT_REFUSED
  }

  /** The real SQLite writer's transactions, with {@code fault} injected while {@code armed}. */
  private static WritePipeline.Transactions faulty(Vertx vertx, WritePipeline.Transactions real, Fault fault,
                                                   AtomicBoolean armed) {
    return (work, timeoutMillis) -> {
      if (!armed.get()) {
        return real.run(work, timeoutMillis);
      }
      return switch (fault) {
        case NO_CONNECTION -> Future.failedFuture(new IOException("Connection refused"));
        case THROWS -> throw new IllegalStateException("pool closed");
        case BEGIN_REFUSED -> vertx.timer(10).compose(v -> Future.failedFuture(new IOException("BEGIN refused")));
        case STATEMENT_FAILS -> real.run(sql -> work.apply(new FailingSql(sql)), timeoutMillis);
        case COMMIT_REFUSED -> real.run(sql -> work.apply(sql)
          .compose(v -> Future.failedFuture(new IOException("database or disk is full"))), timeoutMillis);
      };
    };
  }

  /** Runs every statement for real; each write then fails (after it ran), as with a full disk. */
  private record FailingSql(Sql real) implements Sql {
    @Override
    public Future<List<io.vertx.sqlclient.Tuple>> query(String sql, io.vertx.sqlclient.Tuple args) {
      return real.query(sql, args);
    }

    @Override
    public Future<Integer> update(String sql, io.vertx.sqlclient.Tuple args) {
      return real.update(sql, args).compose(done -> Future.failedFuture(new IOException("disk I/O error")));
    }

    @Override
    public Future<List<Integer>> batch(String sql, List<io.vertx.sqlclient.Tuple> rows) {
      return real.batch(sql, rows).compose(done -> Future.failedFuture(new IOException("disk I/O error")));
    }
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void aFaultRefusesThatTransactionsCallersAndTheNextTransactionCommits(Fault fault, Vertx vertx, @TempDir Path dir) {
    OffloadConfig config = OffloadConfig.from(TestService.baseConfig(dir), Map.of());
    await(vertx.fileSystem().mkdirs(dir.toString()));
    AtomicBoolean armed = new AtomicBoolean();
    SqlJobStore store = await(SqliteStore.open(vertx, config.store(), real -> faulty(vertx, real, fault, armed)));

    armed.set(true);
    List<NewJob> refused = List.of(job(), job(), job());
    List<Future<JobException>> writes = new ArrayList<>();
    refused.forEach(job -> writes.add(store.insert(List.of(job), ROOMY).map(Insertion::refusal)));
    for (Future<JobException> write : writes) {
      Throwable failure = await(write.transform(ar -> Future.succeededFuture(ar.cause())));
      assertThat(failure).as("the caller is refused").isInstanceOf(JobException.class);
      assertThat(((JobException) failure).kind()).isEqualTo(JobException.Kind.UNAVAILABLE);
      assertThat(((JobException) failure).retryAfterSeconds()).isEqualTo(StoreHealth.RETRY_AFTER_SECONDS);
    }
    for (NewJob job : refused) {
      assertThat(await(store.find(job.id()))).as("nothing of the failed transaction is stored").isNull();
    }
    boolean pingFailed = await(store.ping().transform(ar -> Future.succeededFuture(ar.failed())));
    assertThat(pingFailed).as("readiness: the store does not accept writes").isTrue();

    armed.set(false);
    NewJob next = job();
    assertThat(await(store.insert(List.of(next), ROOMY).map(Insertion::refusal))).isNull();
    assertThat(await(store.find(next.id()))).as("the next transaction commits").isNotNull();
    assertThat(await(store.ping())).as("readiness is back").isNull();
    await(store.close());
  }

  @Test
  void aTransactionThatDoesNotAnswerRefusesItsCallersAtTheTimeoutAndTheNextOneCommits(Vertx vertx,
                                                                                        @TempDir Path dir) {
    JsonObject json = TestService.baseConfig(dir).put("store", new JsonObject().put("timeoutSeconds", 1));
    OffloadConfig config = OffloadConfig.from(json, Map.of());
    await(vertx.fileSystem().mkdirs(dir.toString()));
    AtomicBoolean armed = new AtomicBoolean();
    Promise<Void> hung = Promise.promise();
    SqlJobStore store = await(SqliteStore.open(vertx, config.store(), real -> (work, timeoutMillis) ->
      armed.getAndSet(false) ? hung.future() : real.run(work, timeoutMillis)));

    armed.set(true);
    long started = System.nanoTime();
    Future<JobException> first = store.insert(List.of(job()), ROOMY).map(Insertion::refusal);
    Throwable refused = await(first.transform(ar -> Future.succeededFuture(ar.cause())));
    assertThat(refused).isInstanceOf(JobException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("refused at the 1 s timeout, not later")
      .isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
    Throwable meanwhile = await(store.insert(List.of(job()), ROOMY).map(Insertion::refusal).transform(ar -> Future.succeededFuture(ar.cause())));
    assertThat(meanwhile).as("refused at once while the store does not answer").isInstanceOf(JobException.class);

    hung.fail(new IOException("connection closed")); // what cutting the connection does
    NewJob next = job();
    assertThat(await(store.insert(List.of(next), ROOMY).map(Insertion::refusal))).isNull();
    assertThat(await(store.find(next.id()))).isNotNull();
    await(store.close());
  }
}
