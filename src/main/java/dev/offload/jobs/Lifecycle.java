package dev.offload.jobs;

/**
 * Whether this node is shutting down. Once draining, it accepts no new submissions (503 with
 * Retry-After), reports not ready, and claims no new work; what runs gets a grace period.
 * Shared by every verticle of the node.
 */
public final class Lifecycle {
  private volatile boolean draining;

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    draining = true;
  }
}
