package dev.offload.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The token bucket on a clock the test controls. */
class RateLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBurstIsAllowedThenTokensComeBackAtTheRate() {
    RateLimiter limiter = new RateLimiter(2, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.take("alice", 0).allowed()).isTrue();
    }
    RateLimiter.Decision refused = limiter.take("alice", 0);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    assertThat(limiter.take("alice", SECOND / 2).allowed()).isTrue();
    assertThat(limiter.take("alice", SECOND / 2).allowed()).isFalse();
    assertThat(limiter.take("bob", 0).allowed()).isTrue();
  }

  @Test
  void aBucketNeverHoldsMoreThanTheBurst() {
    RateLimiter limiter = new RateLimiter(10, 2);
    limiter.take("alice", 0);
    int allowed = 0;
    for (int i = 0; i < 5; i++) {
      allowed += limiter.take("alice", 100 * SECOND).allowed() ? 1 : 0;
    }
    assertThat(allowed).isEqualTo(2);
  }

  @Test
  void idleOwnersAreForgottenOnlyOnceTheirBucketIsFull() {
    RateLimiter limiter = new RateLimiter(1, 2);
    limiter.take("alice", 0);
    limiter.take("alice", 0);
    limiter.forgetIdle(SECOND);
    assertThat(limiter.take("alice", SECOND).allowed()).isTrue();
    assertThat(limiter.take("alice", SECOND).allowed()).as("still remembered: one token only").isFalse();
  }
}
