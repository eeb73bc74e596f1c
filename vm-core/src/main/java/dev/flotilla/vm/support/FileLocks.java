package dev.flotilla.vm.support;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;

/**
 * Blocking file locks that other processes honour, without the kernel's false deadlocks: Linux tracks POSIX
 * locks per process, so two processes whose threads each hold one lock while another thread waits for the
 * other's are told EDEADLK ("Resource deadlock avoided") though each holder would soon let go. Such a refusal
 * is waited out and the lock asked for again; any other failure is the caller's.
 */
public final class FileLocks {
  /** How long false deadlocks are waited out before the refusal is the answer. */
  private static final long PATIENCE_NANOS = 60_000_000_000L;

  private FileLocks() {}

  /** Locks the whole of {@code channel}'s file, waiting for other holders. */
  public static FileLock lock(FileChannel channel) throws IOException {
    long deadline = System.nanoTime() + PATIENCE_NANOS;
    for (int attempt = 0; ; attempt++) {
      try {
        return channel.lock();
      } catch (IOException e) {
        boolean falseDeadlock = String.valueOf(e.getMessage()).contains("deadlock");
        if (!falseDeadlock || System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(Math.min(100, 1L << Math.min(attempt, 6))); // the other holder is at work: let it end
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
