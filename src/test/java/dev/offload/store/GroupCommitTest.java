package dev.offload.store;

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

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Concurrent writes from several event loops share transactions, and each caller hears back on its own loop. */
@ExtendWith(VertxExtension.class)
class GroupCommitTest {
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
    List<Future<List<JobException>>> writes = new ArrayList<>();
    for (Context loop : loops) {
      Promise<Void> issued = Promise.promise();
      loop.runOnContext(v -> {
        for (int i = 0; i < 200; i++) {
          writes.add(store.insert(List.of(job()), ROOMY).onComplete(ar -> {
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

    assertThat(writes).allSatisfy(write -> assertThat(write.result()).containsOnlyNulls());
    assertThat(onCallerContext.get()).isEqualTo(400);
    assertThat(store.commits() - before).as("400 writes, far fewer commits").isLessThan(100);
    assertThat(await(store.list(new dev.offload.jobs.JobQuery("alice", null, null, 100, null))).items()).hasSize(100);
  }

  @Test
  void aDuplicateIdIsRefusedAloneAndTheSubmissionsBesideItAreStored(Vertx vertx, @TempDir Path dir) {
    OffloadConfig config = OffloadConfig.from(TestService.baseConfig(dir), Map.of());
    await(vertx.fileSystem().mkdirs(dir.toString()));
    SqlJobStore store = await(SqliteStore.open(vertx, config.store()));
    NewJob first = job();
    await(store.insert(List.of(first), ROOMY));

    NewJob fresh = job();
    List<JobException> refusals = await(store.insert(List.of(fresh, first), ROOMY));
    assertThat(refusals.get(0)).isNull();
    assertThat(refusals.get(1).kind()).isEqualTo(JobException.Kind.CONFLICT);
    assertThat(await(store.find(fresh.id()))).isNotNull();
    assertThat(await(store.list(new dev.offload.jobs.JobQuery("alice", null, null, 100, null))).items()).hasSize(2);
  }
}
