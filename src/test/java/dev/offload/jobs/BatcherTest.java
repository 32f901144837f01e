package dev.offload.jobs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Group commit: items that arrive while a batch is being written go together in the next one. */
class BatcherTest {
  private final List<List<Integer>> batches = new ArrayList<>();
  private final List<Promise<List<String>>> writes = new ArrayList<>();

  private Batcher<Integer, String> batcher(int max) {
    return new Batcher<>(max, items -> {
      batches.add(List.copyOf(items));
      Promise<List<String>> promise = Promise.promise();
      writes.add(promise);
      return promise.future();
    });
  }

  private void completeWrite(int index) {
    writes.get(index).complete(batches.get(index).stream().map(i -> "r" + i).toList());
  }

  @Test
  void anIdleBatcherWritesAtOnceAndABusyOneCollects() {
    Batcher<Integer, String> batcher = batcher(100);
    Future<String> first = batcher.add(1);
    Future<String> second = batcher.add(2);
    Future<String> third = batcher.add(3);

    assertThat(batches).containsExactly(List.of(1));
    completeWrite(0);
    assertThat(first.result()).isEqualTo("r1");
    assertThat(batches).containsExactly(List.of(1), List.of(2, 3));
    assertThat(second.isComplete()).isFalse();
    completeWrite(1);
    assertThat(second.result()).isEqualTo("r2");
    assertThat(third.result()).isEqualTo("r3");
  }

  @Test
  void batchesAreCappedAtTheMaximum() {
    Batcher<Integer, String> batcher = batcher(2);
    for (int i = 0; i < 6; i++) {
      batcher.add(i);
    }
    completeWrite(0);
    completeWrite(1);
    completeWrite(2);
    assertThat(batches).containsExactly(List.of(0), List.of(1, 2), List.of(3, 4), List.of(5));
  }

  @Test
  void aFailedWriteFailsEveryItemInItAndTheNextBatchStillRuns() {
    Batcher<Integer, String> batcher = batcher(10);
    Future<String> first = batcher.add(1);
    Future<String> second = batcher.add(2);
    writes.get(0).fail("disk full");
    assertThat(first.cause()).hasMessage("disk full");
    completeWrite(1);
    assertThat(second.result()).isEqualTo("r2");
  }
}
