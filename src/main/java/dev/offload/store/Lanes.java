package dev.offload.store;

import java.util.List;

/**
 * A store's write pipelines, each with its own connection and group commit, so that several
 * transactions of one node are in flight at once (PostgreSQL; SQLite's one writer has one lane).
 * A write goes to the lane its key picks: the same key, the same lane, so the writes of one key
 * (an owner's submissions, a type's claims) run one transaction after the other, in order, and
 * each sees the one before it.
 */
final class Lanes {
  private final List<WritePipeline> pipelines;

  Lanes(List<WritePipeline> pipelines) {
    if (pipelines.isEmpty()) {
      throw new IllegalArgumentException("a store needs at least one write lane");
    }
    this.pipelines = List.copyOf(pipelines);
  }

  /** The lane of {@code key}. */
  WritePipeline of(Object key) {
    return pipelines.get(Math.floorMod(key.hashCode(), pipelines.size()));
  }

  /** The lane of the writes that have no key of their own (a cancel, recovery, retention, webhooks ...). */
  WritePipeline first() {
    return pipelines.get(0);
  }

  /** Transactions committed so far, in all lanes. */
  long commits() {
    return pipelines.stream().mapToLong(WritePipeline::commits).sum();
  }

  void close() {
    pipelines.forEach(WritePipeline::close);
  }
}
