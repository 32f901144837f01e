package dev.offload.schedules;

import io.vertx.core.Future;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The durable record of the recurring schedules, in the job store's database (its transactions,
 * and on PostgreSQL every node's view of the same rows). Reads and writes fail with a
 * {@code 503} refusal when the database does not answer, as the job store's do.
 */
public interface ScheduleStore {

  /**
   * Stores a new schedule; fails with a {@code CONFLICT} refusal when its owner has one of that
   * name, or a {@code QUOTA} one when the owner already has {@code maxPerOwner}.
   */
  Future<Schedule> create(Schedule schedule, int maxPerOwner);

  /** The schedule, or null. */
  Future<Schedule> find(String owner, String name);

  /** The owner's schedules, by name. */
  Future<List<Schedule>> list(String owner);

  /** Deletes the schedule (the jobs it queued stay); false when there was none. */
  Future<Boolean> delete(String owner, String name);

  /**
   * Pauses or resumes the schedule; a resumed one is next due at {@code nextRunAt} (the ticks it
   * missed while paused do not run). The schedule as it is now, or null when there is none.
   */
  Future<Schedule> setPaused(String owner, String name, boolean paused, Instant nextRunAt);

  /** Up to {@code max} active schedules whose next tick is due at {@code now}, the most overdue first. */
  Future<List<Schedule>> due(Instant now, int max);

  /**
   * Moves a schedule past the tick it was due at ({@code fired.nextRunAt()}) to {@code next}, and
   * records {@code jobId} (null: the tick queued no job) as its last job. Applies only while the
   * schedule is still due at that tick (another node may have moved it first): false then.
   */
  Future<Boolean> advance(Schedule fired, Instant next, UUID jobId);
}
