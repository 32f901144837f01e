package dev.offload.store;

import dev.offload.config.OffloadConfig;
import dev.offload.jobs.Admission;
import dev.offload.jobs.Insertion;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobQuery;
import dev.offload.jobs.NewJob;
import dev.offload.support.TestService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write pipeline: concurrent writes from several event loops share transactions and each
 * caller hears back on its own loop; a fault at any step of a transaction refuses that
 * transaction's callers with a 503 (and commits none of it), and the next transaction commits.
 */
@ExtendWith(VertxExtension.class)
class WritePipelineTest {
  private static final Admission ROOMY = new Admission(100_000, 100_000);
  private static final JobQuery ALICES = new JobQuery("alice", null, null, 100, null);

  /** The store under test, opened by the first step of each test's chain. */
  private SqlJobStore store;

  private static NewJob job() {
    return new NewJob(UUID.randomUUID(), "alice", "sleep", new JsonObject().put("seconds", 0), 3, 60, Instant.now(), "req-test");
  }

  /** The SQLite store of {@code config}, its writer's transactions wrapped by {@code transactions}. */
  private static Future<SqlJobStore> open(Vertx vertx, JsonObject config,
                                          UnaryOperator<WritePipeline.Transactions> transactions) {
    OffloadConfig settings = OffloadConfig.from(config, Map.of());
    return vertx.fileSystem().mkdirs(settings.dataDir().toString())
      .compose(v -> SqliteStore.open(vertx, settings.store(), transactions));
  }

  private static Future<SqlJobStore> open(Vertx vertx, Path dir) {
    return open(vertx, TestService.baseConfig(dir), UnaryOperator.identity());
  }

  /** What {@code future} failed with; null when it succeeded. Never fails. */
  private static Future<Throwable> failure(Future<?> future) {
    return future.transform(ar -> Future.succeededFuture(ar.cause()));
  }

  @Test
  void manyConcurrentSubmissionsShareAFewCommits(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    List<Context> loops = List.of(vertx.getOrCreateContext(), vertx.getOrCreateContext());
    int perLoop = 200;
    Checkpoint heardOnItsLoop = ctx.checkpoint(loops.size() * perLoop);
    Checkpoint verified = ctx.checkpoint();
    AtomicLong commitsBefore = new AtomicLong();
    open(vertx, dir)
      .compose(opened -> {
        store = opened;
        commitsBefore.set(store.commits());
        return Future.all(loops.stream().map(loop -> writesOn(loop, perLoop, heardOnItsLoop, ctx)).toList());
      })
      .compose(issued -> Future.all(issued.<List<Future<JobException>>>list().stream().flatMap(List::stream).toList()))
      .compose(written -> {
        ctx.verify(() -> {
          assertThat(written.<JobException>list()).containsOnlyNulls();
          assertThat(store.commits() - commitsBefore.get()).as("400 writes, far fewer commits").isLessThan(100);
        });
        return store.list(ALICES);
      })
      .onComplete(ctx.succeeding(page -> ctx.verify(() -> {
        assertThat(page.items()).hasSize(100);
        verified.flag();
      })));
  }

  /**
   * Issues {@code count} single-job writes together on event loop {@code loop}; each caller must
   * hear back on that loop ({@code heard} is flagged once per write). Completes with the writes
   * once they are all issued, before they are done.
   */
  private Future<List<Future<JobException>>> writesOn(Context loop, int count, Checkpoint heard, VertxTestContext ctx) {
    Promise<List<Future<JobException>>> issued = Promise.promise();
    loop.runOnContext(v -> {
      List<Future<JobException>> writes = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        writes.add(store.insert(List.of(job()), ROOMY).map(Insertion::refusal).onComplete(ar -> ctx.verify(() -> {
          assertThat(Vertx.currentContext()).as("the caller hears back on its own event loop").isSameAs(loop);
          heard.flag();
        })));
      }
      issued.complete(writes);
    });
    return issued.future();
  }

  @Test
  void largeBatchesArrivingTogetherAreSplitIntoTransactionsOfBoundedSize(Vertx vertx, VertxTestContext ctx,
                                                                          @TempDir Path dir) {
    int batches = 3 * WritePipeline.MAX_ROWS / 1000;
    AtomicLong commitsBefore = new AtomicLong();
    open(vertx, dir)
      .compose(opened -> {
        store = opened;
        commitsBefore.set(store.commits());
        List<Future<Insertion>> writes = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
          List<NewJob> batch = new ArrayList<>();
          for (int i = 0; i < 1000; i++) {
            batch.add(job());
          }
          writes.add(store.insert(batch, ROOMY));
        }
        return Future.all(writes);
      })
      .compose(written -> {
        ctx.verify(() -> {
          assertThat(written.<Insertion>list()).allSatisfy(insertion -> assertThat(insertion.refusal()).isNull());
          assertThat(store.commits() - commitsBefore.get()).as("%d rows, at most %d per transaction", batches * 1000,
            WritePipeline.MAX_ROWS).isGreaterThanOrEqualTo(3);
        });
        return store.queuedByType();
      })
      .onComplete(ctx.succeeding(queued -> ctx.verify(() -> {
        assertThat(queued).containsEntry("sleep", (long) batches * 1000);
        ctx.completeNow();
      })));
  }

  @Test
  void aDuplicateIdIsRefusedAloneAndTheSubmissionsBesideItAreStored(Vertx vertx, VertxTestContext ctx,
                                                                     @TempDir Path dir) {
    NewJob first = job();
    NewJob fresh = job();
    open(vertx, dir)
      .compose(opened -> {
        store = opened;
        return store.insert(List.of(first), ROOMY);
      })
      .compose(stored -> {
        // Issued together: one transaction, two submissions.
        Future<JobException> beside = store.insert(List.of(fresh), ROOMY).map(Insertion::refusal);
        Future<JobException> again = store.insert(List.of(job(), first), ROOMY).map(Insertion::refusal);
        return Future.all(beside, again);
      })
      .compose(both -> {
        ctx.verify(() -> {
          assertThat(both.<JobException>resultAt(0)).isNull();
          assertThat(both.<JobException>resultAt(1).kind()).isEqualTo(JobException.Kind.CONFLICT);
        });
        return store.find(fresh.id());
      })
      .compose(found -> {
        ctx.verify(() -> assertThat(found).isNotNull());
        return store.list(ALICES);
      })
      .onComplete(ctx.succeeding(page -> ctx.verify(() -> {
        assertThat(page.items()).as("the batch with the duplicate is stored not at all").hasSize(2);
        ctx.completeNow();
      })));
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
  void aFaultRefusesThatTransactionsCallersAndTheNextTransactionCommits(Fault fault, Vertx vertx, VertxTestContext ctx,
                                                                        @TempDir Path dir) {
    AtomicBoolean armed = new AtomicBoolean();
    List<NewJob> refused = List.of(job(), job(), job());
    NewJob next = job();
    Checkpoint callerRefused = ctx.checkpoint(refused.size());
    Checkpoint verified = ctx.checkpoint();
    open(vertx, TestService.baseConfig(dir), real -> faulty(vertx, real, fault, armed))
      .compose(opened -> {
        store = opened;
        armed.set(true);
        return Future.all(refused.stream().map(job -> failure(store.insert(List.of(job), ROOMY))
          .onSuccess(failure -> ctx.verify(() -> {
            assertThat(failure).as("the caller is refused").isInstanceOf(JobException.class);
            assertThat(((JobException) failure).kind()).isEqualTo(JobException.Kind.UNAVAILABLE);
            assertThat(((JobException) failure).retryAfterSeconds()).isEqualTo(StoreHealth.RETRY_AFTER_SECONDS);
            callerRefused.flag();
          }))).toList());
      })
      .compose(heard -> Future.all(refused.stream().map(job -> store.find(job.id())).toList()))
      .compose(found -> {
        ctx.verify(() -> assertThat(found.<Job>list()).as("nothing of the failed transaction is stored")
          .containsOnlyNulls());
        return failure(store.ping());
      })
      .compose(pingFailure -> {
        ctx.verify(() -> assertThat(pingFailure).as("readiness: the store does not accept writes").isNotNull());
        armed.set(false);
        return store.insert(List.of(next), ROOMY).map(Insertion::refusal);
      })
      .compose(refusal -> {
        ctx.verify(() -> assertThat(refusal).isNull());
        return store.find(next.id());
      })
      .compose(found -> {
        ctx.verify(() -> assertThat(found).as("the next transaction commits").isNotNull());
        return failure(store.ping());
      })
      .compose(pingFailure -> {
        ctx.verify(() -> assertThat(pingFailure).as("readiness is back").isNull());
        return store.close();
      })
      .onComplete(ctx.succeeding(closed -> verified.flag()));
  }

  @Test
  void aTransactionThatDoesNotAnswerRefusesItsCallersAtTheTimeoutAndTheNextOneCommits(Vertx vertx,
                                                                                        VertxTestContext ctx,
                                                                                        @TempDir Path dir) {
    JsonObject config = TestService.baseConfig(dir).put("store", new JsonObject().put("timeoutSeconds", 1));
    AtomicBoolean armed = new AtomicBoolean();
    Promise<Void> hung = Promise.promise();
    AtomicLong started = new AtomicLong();
    NewJob next = job();
    open(vertx, config, real -> (work, timeoutMillis) ->
      armed.getAndSet(false) ? hung.future() : real.run(work, timeoutMillis))
      .compose(opened -> {
        store = opened;
        armed.set(true);
        started.set(System.nanoTime());
        return failure(store.insert(List.of(job()), ROOMY));
      })
      .compose(refused -> {
        ctx.verify(() -> {
          assertThat(refused).isInstanceOf(JobException.class);
          assertThat(Duration.ofNanos(System.nanoTime() - started.get())).as("refused at the 1 s timeout, not later")
            .isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
        });
        return failure(store.insert(List.of(job()), ROOMY));
      })
      .compose(meanwhile -> {
        ctx.verify(() -> assertThat(meanwhile).as("refused at once while the store does not answer")
          .isInstanceOf(JobException.class));
        hung.fail(new IOException("connection closed")); // what cutting the connection does
        return store.insert(List.of(next), ROOMY).map(Insertion::refusal);
      })
      .compose(refusal -> {
        ctx.verify(() -> assertThat(refusal).isNull());
        return store.find(next.id());
      })
      .compose(found -> {
        ctx.verify(() -> assertThat(found).isNotNull());
        return store.close();
      })
      .onComplete(ctx.succeedingThenComplete());
  }
}
