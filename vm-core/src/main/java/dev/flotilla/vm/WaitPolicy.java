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
 * @param timeout the longest a blocking call waits before {@link WaitTimeoutException}; zero for no wait
 * @param initialDelay the pause after the first poll
 * @param maxDelay the longest pause between polls
 * @param multiplier how much the pause grows each round (1 or more)
 * @param jitter the share of each pause drawn at random, 0 (none) to 1 (full jitter)
 * @param visibilityGrace how long a new VM may be missing from describe answers
 */
public record WaitPolicy(Duration timeout, Duration initialDelay, Duration maxDelay, double multiplier, double jitter,
    Duration visibilityGrace) {
  /** Ten minutes, polls from 1 s growing 1.5 times to 15 s, half jitter, 60 s grace. */
  public static final WaitPolicy DEFAULT = new WaitPolicy(Duration.ofMinutes(10), Duration.ofSeconds(1),
      Duration.ofSeconds(15), 1.5, 0.5, Duration.ofSeconds(60));

  /** Send the requests, observe once, return: what {@code vm start} does without {@code --wait}. */
  public static final WaitPolicy NO_WAIT = DEFAULT.withTimeout(Duration.ZERO);

  /** Checks the values. */
  public WaitPolicy {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    Objects.requireNonNull(visibilityGrace, "visibilityGrace");
    if (timeout.isNegative() || initialDelay.isNegative() || maxDelay.isNegative() || visibilityGrace.isNegative()) {
      throw new ConfigurationException(null, "waitPolicy", "durations must not be negative");
    }
    if (multiplier < 1 || jitter < 0 || jitter > 1) {
      throw new ConfigurationException(null, "waitPolicy", "multiplier must be 1 or more and jitter from 0 to 1, got "
          + multiplier + " and " + jitter);
    }
  }

  /** This policy with another deadline. */
  public WaitPolicy withTimeout(Duration value) {
    return new WaitPolicy(value, initialDelay, maxDelay, multiplier, jitter, visibilityGrace);
  }

  /** Whether calls return without waiting (a zero timeout). */
  public boolean noWait() {
    return timeout.isZero();
  }

  /** This policy with no jitter, so that pauses are exactly predictable. */
  public WaitPolicy withoutJitter() {
    return new WaitPolicy(timeout, initialDelay, maxDelay, multiplier, 0, visibilityGrace);
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
}
