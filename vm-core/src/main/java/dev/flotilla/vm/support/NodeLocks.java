package dev.flotilla.vm.support;

import dev.flotilla.vm.NodeLockedException;
import dev.flotilla.vm.VmException;
import dev.flotilla.vm.store.NodeStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Per-node locks within this JVM, and the machinery stores share to take several at once: in name order
 * (so two clients locking overlapping sets cannot deadlock), all or none, within one deadline.
 */
public final class NodeLocks {
  private static final String HERE = describeHere();

  private NodeLocks() {}

  /** One lock of one node, taken before {@code deadline} or not at all. */
  public interface Taker {
    /**
     * Takes the lock of {@code name}.
     *
     * @return what releases it
     * @throws NodeLockedException when another holder keeps it past {@code deadline}
     */
    Runnable take(String name, Instant deadline);
  }

  /**
   * Takes the locks of {@code names} in name order with {@code taker}, each before {@code deadline}; on any
   * failure releases those taken.
   */
  public static NodeStore.Lock takeAll(Collection<String> names, Instant deadline, Taker taker) {
    List<Runnable> releases = new ArrayList<>();
    try {
      for (String name : names.stream().distinct().sorted().toList()) {
        releases.add(taker.take(name, deadline));
      }
    } catch (RuntimeException | Error e) {
      releaseAll(releases);
      throw e;
    }
    boolean[] closed = {false};
    return () -> {
      synchronized (closed) {
        if (!closed[0]) {
          closed[0] = true;
          releaseAll(releases);
        }
      }
    };
  }

  private static void releaseAll(List<Runnable> releases) {
    for (int i = releases.size() - 1; i >= 0; i--) {
      releases.get(i).run();
    }
  }

  /** A table of in-JVM locks by node name. */
  public static Map<String, Semaphore> table() {
    return new ConcurrentHashMap<>();
  }

  /**
   * Takes the in-JVM lock of {@code node} in {@code table} before {@code deadline}. Not reentrant: a thread
   * that holds it and asks again waits for itself until the deadline.
   */
  public static Runnable takeInJvm(Map<String, Semaphore> table, String node, Instant start, Instant deadline) {
    Semaphore s = table.computeIfAbsent(node, k -> new Semaphore(1));
    try {
      if (!s.tryAcquire(Math.max(0, Duration.between(Instant.now(), deadline).toNanos()), TimeUnit.NANOSECONDS)) {
        throw new NodeLockedException(node, "another thread of this process (" + HERE + ")",
            Duration.between(start, Instant.now()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmException("Interrupted while waiting for the lock of node " + node + "; nothing was changed.", e);
    }
    return s::release;
  }

  /** This process, as lock holders are named: {@code pid 4242 on host ops-1}. */
  public static String here() {
    return HERE;
  }

  /** The deadline {@code wait} from now, without overflow. */
  public static Instant deadline(Duration wait) {
    Instant now = Instant.now();
    return wait.compareTo(Duration.ofDays(365)) > 0 ? now.plus(Duration.ofDays(365)) : now.plus(wait);
  }

  private static String describeHere() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      } catch (IOException | RuntimeException e) {
        host = "localhost"; // not Linux: the pid alone still tells processes apart on one host
      }
    }
    return "pid " + ProcessHandle.current().pid() + " on host " + host;
  }
}
