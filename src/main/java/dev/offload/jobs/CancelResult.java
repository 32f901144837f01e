package dev.offload.jobs;

/** What a cancel request did: the job as it is now and whether it was stopped at once or asked to stop. */
public record CancelResult(Job job, Effect effect) {

  public enum Effect {
    /** It was queued and is now cancelled. */
    CANCELLED,
    /** It is running; the worker was asked to stop. */
    REQUESTED,
    /** It had already finished: nothing changed. */
    ALREADY_FINISHED
  }
}
