package dev.flotilla.vm;

import java.time.Duration;
import java.util.Objects;

/**
 * How a client retries a cloud call that failed with a retryable error (throttled, transient, timed out):
 * at most {@link #maxAttempts()} tries, with exponential backoff and the wait policy's jitter between them,
 * slower when the cloud said it throttles, and no new try once {@link #budget()} has passed since the first
 * began (so a cloud that never answers costs a bounded time). Retries also draw on tokens the whole client
 * shares ({@link #retryTokens()}): when a cloud fails everything, calls stop retrying together instead of
 * multiplying its load. A failed create is looked for before it is tried again.
 *
 * <pre>{@code
 * RetryPolicy patient = RetryPolicy.builder().maxAttempts(8).budget(Duration.ofMinutes(2)).build();
 * }</pre>
 */
public final class RetryPolicy {
  /**
   * Five tries, 200 ms doubling to at most 5 s (throttled: 1 s doubling to at most 20 s), none begun after 60 s,
   * 100 retry tokens.
   */
  public static final RetryPolicy DEFAULT = builder().build();
  /** One try. */
  public static final RetryPolicy NONE = builder().maxAttempts(1).baseDelay(Duration.ZERO).maxDelay(Duration.ZERO)
      .build();

  /** What a retry costs in tokens; a call that succeeds gives one back. */
  public static final int TOKENS_PER_RETRY = 5;

  private final int maxAttempts;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final Duration throttledDelay;
  private final Duration maxThrottledDelay;
  private final Duration budget;
  private final int retryTokens;

  private RetryPolicy(Builder b) {
    if (b.maxAttempts < 1) {
      throw new ConfigurationException(null, "retryPolicy.maxAttempts", "must be 1 or more, got " + b.maxAttempts);
    }
    if (b.retryTokens < 0) {
      throw new ConfigurationException(null, "retryPolicy.retryTokens", "must be 0 or more, got " + b.retryTokens);
    }
    for (Duration d : new Duration[] {b.baseDelay, b.maxDelay, b.throttledDelay, b.maxThrottledDelay, b.budget}) {
      if (d.isNegative()) {
        throw new ConfigurationException(null, "retryPolicy", "durations must not be negative, got " + d);
      }
    }
    this.maxAttempts = b.maxAttempts;
    this.baseDelay = b.baseDelay;
    this.maxDelay = b.maxDelay;
    this.throttledDelay = b.throttledDelay;
    this.maxThrottledDelay = b.maxThrottledDelay;
    this.budget = b.budget;
    this.retryTokens = b.retryTokens;
  }

  /** A builder with the {@link #DEFAULT} values. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxAttempts = maxAttempts;
    b.baseDelay = baseDelay;
    b.maxDelay = maxDelay;
    b.throttledDelay = throttledDelay;
    b.maxThrottledDelay = maxThrottledDelay;
    b.budget = budget;
    b.retryTokens = retryTokens;
    return b;
  }

  /** Tries in all, 1 for no retry. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The pause before the second try; doubled for each later one. */
  public Duration baseDelay() {
    return baseDelay;
  }

  /** The longest pause. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** The pause before the second try after the cloud throttled; doubled for each later one. */
  public Duration throttledDelay() {
    return throttledDelay;
  }

  /** The longest pause after the cloud throttled. */
  public Duration maxThrottledDelay() {
    return maxThrottledDelay;
  }

  /** The time after which no further try is made. */
  public Duration budget() {
    return budget;
  }

  /** The retry tokens the client starts with and holds at most; 0 retries nothing. */
  public int retryTokens() {
    return retryTokens;
  }

  /** The pause before try {@code attempt + 1} (attempt 1 is the first try), before jitter. */
  public Duration delay(int attempt) {
    return doubled(baseDelay, maxDelay, attempt);
  }

  /** As {@link #delay(int)} after an answer of kind {@link CloudException.Kind#THROTTLED}: slower. */
  public Duration delay(int attempt, CloudException.Kind kind) {
    return kind == CloudException.Kind.THROTTLED ? doubled(throttledDelay, maxThrottledDelay, attempt) : delay(attempt);
  }

  private static Duration doubled(Duration base, Duration max, int attempt) {
    long nanos = base.toNanos() << Math.min(attempt - 1, 30);
    return nanos < 0 || nanos >= max.toNanos() ? max : Duration.ofNanos(nanos);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryPolicy r && r.maxAttempts == maxAttempts && r.baseDelay.equals(baseDelay)
        && r.maxDelay.equals(maxDelay) && r.throttledDelay.equals(throttledDelay)
        && r.maxThrottledDelay.equals(maxThrottledDelay) && r.budget.equals(budget) && r.retryTokens == retryTokens;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, baseDelay, maxDelay, throttledDelay, maxThrottledDelay, budget, retryTokens);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", baseDelay=" + baseDelay + ", maxDelay=" + maxDelay
        + ", throttledDelay=" + throttledDelay + ", maxThrottledDelay=" + maxThrottledDelay + ", budget=" + budget
        + ", retryTokens=" + retryTokens + "}";
  }

  /** Builds a {@link RetryPolicy}; every value starts as the {@link #DEFAULT}'s. */
  public static final class Builder {
    private int maxAttempts = 5;
    private Duration baseDelay = Duration.ofMillis(200);
    private Duration maxDelay = Duration.ofSeconds(5);
    private Duration throttledDelay = Duration.ofSeconds(1);
    private Duration maxThrottledDelay = Duration.ofSeconds(20);
    private Duration budget = Duration.ofSeconds(60);
    private int retryTokens = 100;

    private Builder() {}

    /** Tries in all, 1 for no retry. */
    public Builder maxAttempts(int value) {
      this.maxAttempts = value;
      return this;
    }

    /** The pause before the second try; doubled for each later one. */
    public Builder baseDelay(Duration value) {
      this.baseDelay = Objects.requireNonNull(value, "baseDelay");
      return this;
    }

    /** The longest pause. */
    public Builder maxDelay(Duration value) {
      this.maxDelay = Objects.requireNonNull(value, "maxDelay");
      return this;
    }

    /** The pause before the second try after the cloud throttled; doubled for each later one. */
    public Builder throttledDelay(Duration value) {
      this.throttledDelay = Objects.requireNonNull(value, "throttledDelay");
      return this;
    }

    /** The longest pause after the cloud throttled. */
    public Builder maxThrottledDelay(Duration value) {
      this.maxThrottledDelay = Objects.requireNonNull(value, "maxThrottledDelay");
      return this;
    }

    /** The time after which no further try is made. */
    public Builder budget(Duration value) {
      this.budget = Objects.requireNonNull(value, "budget");
      return this;
    }

    /** The retry tokens the client shares (each retry costs {@value RetryPolicy#TOKENS_PER_RETRY}); 0 retries nothing. */
    public Builder retryTokens(int value) {
      this.retryTokens = value;
      return this;
    }

    /** The policy. */
    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
