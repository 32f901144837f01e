package dev.offload.support;

import io.vertx.core.Handler;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxTestContext;

import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Handlers for things a test expects to arrive in order (stream events, webhook deliveries): one
 * {@link Checkpoint} per expected name, each flagged when its item comes, named by {@code nameOf}.
 */
public final class Ordered {
  private Ordered() {
  }

  /** The items named {@code names}, in this order; other items may come between them. */
  public static <T> Handler<T> inOrder(VertxTestContext ctx, Function<T, String> nameOf, String... names) {
    List<Checkpoint> checkpoints = checkpoints(ctx, names);
    int[] next = {0};
    return item -> {
      if (next[0] < names.length && names[next[0]].equals(nameOf.apply(item))) {
        checkpoints.get(next[0]++).flag();
      }
    };
  }

  /** Exactly the items named {@code names}, in this order: another item, or one more, fails the test. */
  public static <T> Handler<T> exactly(VertxTestContext ctx, Function<T, String> nameOf, String... names) {
    List<Checkpoint> checkpoints = checkpoints(ctx, names);
    int[] next = {0};
    return item -> ctx.verify(() -> {
      assertThat(next[0]).as("expected: %s; one more: %s", List.of(names), item).isLessThan(names.length);
      assertThat(nameOf.apply(item)).as("item %d", next[0]).isEqualTo(names[next[0]]);
      checkpoints.get(next[0]++).flag();
    });
  }

  private static List<Checkpoint> checkpoints(VertxTestContext ctx, String[] names) {
    return IntStream.range(0, names.length).mapToObj(i -> ctx.checkpoint()).toList();
  }
}
