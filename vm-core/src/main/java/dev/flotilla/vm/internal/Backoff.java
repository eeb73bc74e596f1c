package dev.flotilla.vm.internal;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.RetryPolicy;
import dev.flotilla.vm.Sleeper;
import dev.flotilla.vm.VmException;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/** Pauses and retries on an injectable sleeper, so that tests on a virtual clock never really sleep. */
public final class Backoff {
  private final Sleeper sleeper;
  private final RetryPolicy retry;
  private final double jitter;
  private final DoubleSupplier random;

  /**
   * @param sleeper how to pause
   * @param retry how often and how long to retry retryable cloud errors
   * @param jitter the share of each pause drawn at random (0 to 1)
   * @param random draws in [0, 1)
   */
  public Backoff(Sleeper sleeper, RetryPolicy retry, double jitter, DoubleSupplier random) {
    this.sleeper = sleeper;
    this.retry = retry;
    this.jitter = jitter;
    this.random = random;
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
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (CloudException e) {
        if (!e.retryable() || attempt >= retry.maxAttempts()) {
          throw e;
        }
        Duration d = retry.delay(attempt);
        pause(Duration.ofNanos((long) (d.toNanos() * (1 - jitter * random.getAsDouble()))));
      }
    }
  }

  /** As {@link #retry(Supplier)} for a call with no result. */
  public void retry(Runnable call) {
    retry(() -> {
      call.run();
      return null;
    });
  }
}
