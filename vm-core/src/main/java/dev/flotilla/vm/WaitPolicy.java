package dev.flotilla.vm;

import java.time.Duration;
import java.util.Objects;

/**
 * How a client waits for VMs to settle: a deadline, exponential backoff between polls with jitter, and a
 * grace period during which a VM that was just created may be missing from the cloud's answers (EC2's
 * eventual consistency) without being taken for gone.
 *
 * <p>A zero timeout means "do not wait": calls send their requests and return the VMs as first observed
 * after them, settled or not ({@link #NO_WAIT}).
 *
 * <pre>{@code
 * WaitPolicy quick = WaitPolicy.builder().timeout(Duration.ofMinutes(2)).maxDelay(Duration.ofSeconds(5)).build();
 * }</pre>
 */
public final class WaitPolicy {
  /** Ten minutes, polls from 1 s growing 1.5 times to 15 s, half jitter, 60 s grace. */
  public static final WaitPolicy DEFAULT = builder().build();

  /** Send the requests, observe once, return: what {@code vm start} does without {@code --wait}. */
  public static final WaitPolicy NO_WAIT = DEFAULT.withTimeout(Duration.ZERO);

  private final Duration timeout;
  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double multiplier;
  private final double jitter;
  private final Duration visibilityGrace;

  private WaitPolicy(Builder b) {
    if (b.timeout.isNegative() || b.initialDelay.isNegative() || b.maxDelay.isNegative()
        || b.visibilityGrace.isNegative()) {
      throw new ConfigurationException(null, "waitPolicy", "durations must not be negative");
    }
    if (b.multiplier < 1 || b.jitter < 0 || b.jitter > 1) {
      throw new ConfigurationException(null, "waitPolicy", "multiplier must be 1 or more and jitter from 0 to 1, got "
          + b.multiplier + " and " + b.jitter);
    }
    this.timeout = b.timeout;
    this.initialDelay = b.initialDelay;
    this.maxDelay = b.maxDelay;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.visibilityGrace = b.visibilityGrace;
  }

  /** A builder with the {@link #DEFAULT} values. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's values. */
  public Builder toBuilder() {
    return new Builder().timeout(timeout).initialDelay(initialDelay).maxDelay(maxDelay).multiplier(multiplier)
        .jitter(jitter).visibilityGrace(visibilityGrace);
  }

  /** The longest a blocking call waits before {@link WaitTimeoutException}; zero for no wait. */
  public Duration timeout() {
    return timeout;
  }

  /** The pause after the first poll. */
  public Duration initialDelay() {
    return initialDelay;
  }

  /** The longest pause between polls. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** How much the pause grows each round (1 or more). */
  public double multiplier() {
    return multiplier;
  }

  /** The share of each pause drawn at random, 0 (none) to 1 (full jitter). */
  public double jitter() {
    return jitter;
  }

  /** How long a new VM may be missing from describe answers. */
  public Duration visibilityGrace() {
    return visibilityGrace;
  }

  /** This policy with another deadline. */
  public WaitPolicy withTimeout(Duration value) {
    return toBuilder().timeout(value).build();
  }

  /** Whether calls return without waiting (a zero timeout). */
  public boolean noWait() {
    return timeout.isZero();
  }

  /** This policy with no jitter, so that pauses are exactly predictable. */
  public WaitPolicy withoutJitter() {
    return toBuilder().jitter(0).build();
  }

  /**
   * The pause after poll round {@code round} (0 first), before jitter: {@code initialDelay * multiplier^round},
   * at most {@code maxDelay}.
   */
  public Duration delay(int round) {
    double nanos = initialDelay.toNanos() * Math.pow(multiplier, round);
    return nanos >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos((long) nanos);
  }

  /** The pause after round {@code round} with jitter applied, given a random draw in [0, 1). */
  public Duration delay(int round, double draw) {
    Duration d = delay(round);
    return Duration.ofNanos((long) (d.toNanos() * (1 - jitter * draw)));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WaitPolicy w && w.timeout.equals(timeout) && w.initialDelay.equals(initialDelay)
        && w.maxDelay.equals(maxDelay) && w.multiplier == multiplier && w.jitter == jitter
        && w.visibilityGrace.equals(visibilityGrace);
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeout, initialDelay, maxDelay, multiplier, jitter, visibilityGrace);
  }

  @Override
  public String toString() {
    return "WaitPolicy{timeout=" + timeout + ", initialDelay=" + initialDelay + ", maxDelay=" + maxDelay
        + ", multiplier=" + multiplier + ", jitter=" + jitter + ", visibilityGrace=" + visibilityGrace + "}";
  }

  /** Builds a {@link WaitPolicy}; every value starts as the {@link #DEFAULT}'s. */
  public static final class Builder {
    private Duration timeout = Duration.ofMinutes(10);
    private Duration initialDelay = Duration.ofSeconds(1);
    private Duration maxDelay = Duration.ofSeconds(15);
    private double multiplier = 1.5;
    private double jitter = 0.5;
    private Duration visibilityGrace = Duration.ofSeconds(60);

    private Builder() {}

    /** The longest a blocking call waits; zero for no wait. */
    public Builder timeout(Duration value) {
      this.timeout = Objects.requireNonNull(value, "timeout");
      return this;
    }

    /** The pause after the first poll. */
    public Builder initialDelay(Duration value) {
      this.initialDelay = Objects.requireNonNull(value, "initialDelay");
      return this;
    }

    /** The longest pause between polls. */
    public Builder maxDelay(Duration value) {
      this.maxDelay = Objects.requireNonNull(value, "maxDelay");
      return this;
    }

    /** How much the pause grows each round (1 or more). */
    public Builder multiplier(double value) {
      this.multiplier = value;
      return this;
    }

    /** The share of each pause drawn at random, 0 (none) to 1 (full jitter). */
    public Builder jitter(double value) {
      this.jitter = value;
      return this;
    }

    /** How long a new VM may be missing from describe answers. */
    public Builder visibilityGrace(Duration value) {
      this.visibilityGrace = Objects.requireNonNull(value, "visibilityGrace");
      return this;
    }

    /** The policy. */
    public WaitPolicy build() {
      return new WaitPolicy(this);
    }
  }
}
