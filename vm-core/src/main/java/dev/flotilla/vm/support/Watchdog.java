package dev.flotilla.vm.support;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines for one request whose reads block: when the whole request takes longer than its total
 * deadline, or no byte arrives for its idle time, the watchdog runs the abort action (closing the
 * connection or the stream), which makes the blocked read fail. One daemon thread serves every watchdog.
 */
public final class Watchdog implements AutoCloseable {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "flotilla-deadlines");
    t.setDaemon(true);
    return t;
  });

  private final Runnable abort;
  private final long totalDeadline;
  private final Duration idle;
  private ScheduledFuture<?> pending;
  private boolean closed;
  private volatile String fired;

  private Watchdog(Runnable abort, Duration total, Duration idle) {
    this.abort = abort;
    this.totalDeadline = System.nanoTime() + total.toNanos();
    this.idle = idle;
  }

  /**
   * A watchdog that runs {@code abort} when {@code total} has passed, or {@code idle} has passed since it
   * was armed or last told of {@link #progress()}.
   */
  public static Watchdog arm(Runnable abort, Duration total, Duration idle) {
    Watchdog w = new Watchdog(abort, total, idle);
    w.schedule();
    return w;
  }

  /** Bytes arrived: the idle time starts again. */
  public synchronized void progress() {
    if (!closed && fired == null) {
      pending.cancel(false);
      schedule();
    }
  }

  private synchronized void schedule() {
    long now = System.nanoTime();
    long idleAt = now + idle.toNanos();
    boolean totalFirst = totalDeadline - idleAt <= 0;
    long at = totalFirst ? totalDeadline : idleAt;
    pending = TIMER.schedule(() -> fire(totalFirst ? "the whole answer" : "a byte"), Math.max(0, at - now),
        TimeUnit.NANOSECONDS);
  }

  private void fire(String what) {
    synchronized (this) {
      if (closed || fired != null) {
        return;
      }
      fired = what;
    }
    abort.run();
  }

  /** What did not come in time ("the whole answer", "a byte"), if the watchdog fired; else null. */
  public String fired() {
    return fired;
  }

  /** The request is over: nothing will be aborted. */
  @Override
  public synchronized void close() {
    closed = true;
    pending.cancel(false);
  }
}
