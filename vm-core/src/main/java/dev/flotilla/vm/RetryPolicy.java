package dev.flotilla.vm;

import java.time.Duration;
import java.util.Objects;

/**
 * How a client retries a cloud call that failed with a retryable error (throttled, transient, timed out):
 * at most {@code maxAttempts} tries, with exponential backoff and the wait policy's jitter between them,
 * and no new try once {@code budget} has passed since the first began (so a cloud that never answers
 * costs a bounded time). A failed create is looked for before it is tried again.
 *
 * @param maxAttempts tries in all, 1 for no retry
 * @param baseDelay the pause before the second try; doubled for each later one
 * @param maxDelay the longest pause
 * @param budget the time after which no further try is made
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration budget) {
  /** Five tries, 200 ms doubling to at most 5 s, none begun after 60 s. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(5));
  /** One try. */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

  /** Checks the values. */
  public RetryPolicy {
    Objects.requireNonNull(baseDelay, "baseDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    Objects.requireNonNull(budget, "budget");
    if (maxAttempts < 1) {
      throw new ConfigurationException(null, "retryPolicy.maxAttempts", "must be 1 or more, got " + maxAttempts);
    }
  }

  /** A policy with a budget of 60 seconds. */
  public RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    this(maxAttempts, baseDelay, maxDelay, Duration.ofSeconds(60));
  }

  /** The pause before try {@code attempt + 1} (attempt 1 is the first try), before jitter. */
  public Duration delay(int attempt) {
    long nanos = baseDelay.toNanos() << Math.min(attempt - 1, 30);
    return nanos < 0 || nanos >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos(nanos);
  }
}
