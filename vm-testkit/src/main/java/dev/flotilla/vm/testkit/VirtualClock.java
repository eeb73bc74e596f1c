package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to, and a {@link Sleeper} whose sleeping moves it: give both to a
 * {@link dev.flotilla.vm.VmClient} and a test that waits ten virtual minutes takes no real time.
 * Thread-safe.
 */
public final class VirtualClock extends Clock implements Sleeper {
  private final AtomicLong nanos;
  private final AtomicLong slept = new AtomicLong();
  private final AtomicLong sleeps = new AtomicLong();

  private VirtualClock(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  /** A clock at {@code start}. */
  public static VirtualClock at(Instant start) {
    return new VirtualClock(start.getEpochSecond() * 1_000_000_000L + start.getNano());
  }

  /** A clock at 2024-01-01T00:00:00Z. */
  public static VirtualClock create() {
    return at(Instant.parse("2024-01-01T00:00:00Z"));
  }

  /** Moves the clock forward by {@code d}. */
  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a clock cannot go back; got " + d);
    }
    nanos.addAndGet(d.toNanos());
  }

  /** Sleeping moves the clock forward at once. */
  @Override
  public void sleep(Duration d) {
    sleeps.incrementAndGet();
    slept.addAndGet(d.toNanos());
    advance(d);
  }

  /** How many times {@link #sleep} was called. */
  public long sleeps() {
    return sleeps.get();
  }

  /** The total time passed in {@link #sleep}. */
  public Duration slept() {
    return Duration.ofNanos(slept.get());
  }

  @Override
  public Instant instant() {
    long n = nanos.get();
    return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** Always UTC: a virtual clock has no zone of its own. */
  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public String toString() {
    return "VirtualClock{" + instant() + "}";
  }
}
