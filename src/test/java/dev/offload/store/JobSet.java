package dev.offload.store;

import dev.offload.jobs.Attempt;
import dev.offload.jobs.NewJob;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The jobs a test starts from, made by {@link StoreFixture#jobs()}: "five for alice, one for bob,
 * then claim" is {@code jobs().add("alice", 5).add("bob", 1)}, then {@link #insert()} or
 * {@link #insertAndClaim(int)}.
 *
 * <p>Jobs are sleep jobs made in the order they are added, each created one millisecond after the
 * one before (the first at the test's now), so the order they are added in is the order of age
 * claims and listings see. Each is due when created, at the default priority, with three attempts;
 * {@link #maxAttempts}, {@link #priority} and {@link #runAt} change that for the jobs added after.
 * A test that gives its jobs roles of their own (the one that runs, the one that is cancelled)
 * names each with {@link StoreFixture#job} instead.
 */
final class JobSet {
  private final StoreFixture fixture;
  private final List<NewJob> jobs = new ArrayList<>();
  private int maxAttempts = 3;
  private int priority = NewJob.DEFAULT_PRIORITY;
  private Instant runAt;

  JobSet(StoreFixture fixture) {
    this.fixture = fixture;
  }

  /** The attempts each job added after this may take. */
  JobSet maxAttempts(int maxAttempts) {
    this.maxAttempts = maxAttempts;
    return this;
  }

  /** The priority of the jobs added after this. */
  JobSet priority(int priority) {
    this.priority = priority;
    return this;
  }

  /** When the jobs added after this are due (null: when each is created). */
  JobSet runAt(Instant runAt) {
    this.runAt = runAt;
    return this;
  }

  /** Adds {@code count} jobs of {@code owner}. */
  JobSet add(String owner, int count) {
    for (int i = 0; i < count; i++) {
      Instant created = fixture.now().plusMillis(jobs.size());
      jobs.add(new NewJob(UUID.randomUUID(), owner, "sleep", new JsonObject().put("seconds", 1), maxAttempts, 60,
        priority, runAt == null ? created : runAt, created, "req-" + owner, null, null, null));
    }
    return this;
  }

  /** The {@code index}th job added, from 0: the oldest. */
  NewJob get(int index) {
    return jobs.get(index);
  }

  /** Every job, oldest first. */
  List<NewJob> all() {
    return List.copyOf(jobs);
  }

  /** The jobs of {@code owner}, oldest first. */
  List<NewJob> of(String owner) {
    return jobs.stream().filter(job -> job.owner().equals(owner)).toList();
  }

  List<UUID> ids() {
    return fixture.ids(jobs);
  }

  /** Inserts every job, oldest first, each of which must be admitted. */
  Future<Void> insert() {
    return fixture.insertAll(jobs);
  }

  /** Inserts every job, then claims up to {@code max} of them (as node-a, fairly, at now + 1 s). */
  Future<List<Attempt>> insertAndClaim(int max) {
    return insert().compose(inserted -> fixture.claim("sleep", max, fixture.now().plusSeconds(1)));
  }
}
