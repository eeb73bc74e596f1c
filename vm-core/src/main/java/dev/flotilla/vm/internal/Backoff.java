package dev.flotilla.vm.internal;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.RetryPolicy;
import dev.flotilla.vm.Sleeper;
import dev.flotilla.vm.VmException;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Pauses and retries on an injectable sleeper, so that tests on a virtual clock never really sleep. One per
 * client: its retry tokens are shared by every call the client makes, so that when a cloud fails everything
 * the calls stop retrying together (as the AWS SDK's token bucket does) instead of multiplying its load.
 */
public final class Backoff {
  private final java.time.Clock clock;
  private final Sleeper sleeper;
  private final RetryPolicy retry;
  private final double jitter;
  private final DoubleSupplier random;
  private final java.util.concurrent.atomic.AtomicInteger tokens;

  /**
   * @param clock what the retry budget is measured on
   * @param sleeper how to pause
   * @param retry how often and how long to retry retryable cloud errors
   * @param jitter the share of each pause drawn at random (0 to 1)
   * @param random draws in [0, 1)
   */
  public Backoff(java.time.Clock clock, Sleeper sleeper, RetryPolicy retry, double jitter, DoubleSupplier random) {
    this.clock = clock;
    this.sleeper = sleeper;
    this.retry = retry;
    this.jitter = jitter;
    this.random = random;
    this.tokens = new java.util.concurrent.atomic.AtomicInteger(retry.retryTokens());
  }

  /** Pauses for {@code d}; an interrupt ends the wait with an exception and keeps the interrupt flag. */
  public void pause(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return;
    }
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmException("Interrupted while waiting; every record written so far is kept.", e);
    }
  }

  /** A random draw in [0, 1) for jitter. */
  public double draw() {
    return random.getAsDouble();
  }

  /**
   * Calls {@code call}, retrying it after a pause when it fails with a retryable {@link CloudException},
   * up to the retry policy's number of tries. Non-retryable errors pass through at once.
   */
  public <T> T retry(Supplier<T> call) {
    java.time.Instant start = clock.instant();
    for (int attempt = 1; ; attempt++) {
      try {
        T result = call.get();
        succeeded(attempt);
        return result;
      } catch (CloudException e) {
        if (!e.retryable() || !again(attempt, start, e.kind())) {
          throw e;
        }
        pause(delay(attempt, e.kind()));
      }
    }
  }

  /**
   * Whether try {@code attempt + 1} may be made after an error of {@code kind}, the first having begun at
   * {@code start}: tries and time are left, and the client's shared tokens pay for it (then they are spent).
   */
  public boolean again(int attempt, java.time.Instant start, CloudException.Kind kind) {
    Duration spent = Duration.between(start, clock.instant()).plus(retry.delay(attempt, kind));
    if (attempt >= retry.maxAttempts() || spent.compareTo(retry.budget()) >= 0) {
      return false;
    }
    return tokens.getAndUpdate(t -> t >= RetryPolicy.TOKENS_PER_RETRY ? t - RetryPolicy.TOKENS_PER_RETRY : t)
        >= RetryPolicy.TOKENS_PER_RETRY;
  }

  /** A call that succeeded at try {@code attempt} gives back what its retries spent, or one token. */
  public void succeeded(int attempt) {
    int back = attempt == 1 ? 1 : (attempt - 1) * RetryPolicy.TOKENS_PER_RETRY;
    if (tokens.get() < retry.retryTokens()) {
      tokens.updateAndGet(t -> Math.min(retry.retryTokens(), t + back));
    }
  }

  /** The retry tokens left; for tests. */
  public int tokens() {
    return tokens.get();
  }

  /** The pause before try {@code attempt + 1} after an error of {@code kind}, jitter drawn. */
  public Duration delay(int attempt, CloudException.Kind kind) {
    Duration d = retry.delay(attempt, kind);
    return Duration.ofNanos((long) (d.toNanos() * (1 - jitter * random.getAsDouble())));
  }

  /** As {@link #retry(Supplier)} for a call with no result. */
  public void retry(Runnable call) {
    retry(() -> {
      call.run();
      return null;
    });
  }
}
