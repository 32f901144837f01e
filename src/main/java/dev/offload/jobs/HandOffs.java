package dev.offload.jobs;

import io.vertx.core.Future;

import java.util.List;

/**
 * This node's workers as a submission sees them (the dispatcher, on a node that runs workers): a
 * place for one job of a type, taken before the insert and used or given back after it.
 */
public interface HandOffs {
  /**
   * Takes a place for one job of {@code type}: completes, on the caller's context, with the
   * hand-off to insert the job with, or with null when the job must be queued as usual (no free
   * place, jobs of the type may be waiting in the store, or the node is draining).
   */
  Future<HandOff> reserve(String type);

  /** Runs the attempts the insert started in the place it reserved, or gives the place back ({@code attempts} empty). */
  void started(String type, List<Attempt> attempts);
}
