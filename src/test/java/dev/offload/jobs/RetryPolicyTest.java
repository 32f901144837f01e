package dev.offload.jobs;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Retries: exponential backoff with a cap, and a failure for good once the attempts are used up. */
class RetryPolicyTest {
  private static final RetryPolicy POLICY = new RetryPolicy(1000, 300_000);
  private static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");
  private static final JsonObject ERROR = JobError.of(JobError.HANDLER_ERROR, "boom");

  private static Attempt attempt(int number, int max) {
    return new Attempt(UUID.randomUUID(), "sleep", "alice", number, max, 60, new JsonObject(), NOW, "req", 0);
  }

  @Test
  void theBackoffDoublesUpToItsCap() {
    assertThat(POLICY.backoffMillis(1)).isEqualTo(1000);
    assertThat(POLICY.backoffMillis(2)).isEqualTo(2000);
    assertThat(POLICY.backoffMillis(5)).isEqualTo(16_000);
    assertThat(POLICY.backoffMillis(9)).isEqualTo(256_000);
    assertThat(POLICY.backoffMillis(10)).isEqualTo(300_000);
    assertThat(POLICY.backoffMillis(100)).as("no overflow").isEqualTo(300_000);
  }

  @Test
  void anAttemptWithAttemptsLeftIsQueuedAgainAndTheLastOneFails() {
    Outcome retried = POLICY.afterFailure(attempt(2, 3), ERROR, NOW);
    assertThat(retried.state()).isEqualTo(JobState.QUEUED);
    assertThat(retried.runAt()).isEqualTo(NOW.plusMillis(2000));
    assertThat(retried.error()).isEqualTo(ERROR);
    assertThat(retried.counted()).isTrue();

    Outcome failed = POLICY.afterFailure(attempt(3, 3), ERROR, NOW);
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.runAt()).isNull();
    assertThat(failed.at()).isEqualTo(NOW);
  }
}
