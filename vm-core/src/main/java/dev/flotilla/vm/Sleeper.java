package dev.flotilla.vm;

import java.time.Duration;

/** How a client waits between polls. Tests pass a virtual clock's sleeper so that nothing really sleeps. */
@FunctionalInterface
public interface Sleeper {
  /** Waits for {@code duration}. */
  void sleep(Duration duration) throws InterruptedException;

  /** The real thing: {@link Thread#sleep}. */
  static Sleeper system() {
    return d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
  }
}
