package dev.flotilla.vm.support;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named points on the create path where a crash test can kill the process, as {@code kill -9} would, at an
 * exact step: {@code FLOTILLA_TEST_FAILPOINT=after-intent} (or {@code after-intent:3}, the third time it
 * is reached) halts the JVM there without running shutdown hooks or finally blocks. Unset, as in every
 * real run, a point costs one field read.
 */
public final class Failpoints {
  /** The environment variable that names the point. */
  public static final String ENV = "FLOTILLA_TEST_FAILPOINT";
  /** The exit status of a halt at a point, as a process killed by SIGKILL has. */
  public static final int HALT_STATUS = 137;

  private static final String NAME;
  private static final int NTH;
  private static final AtomicInteger HITS = new AtomicInteger();

  static {
    String spec = System.getenv(ENV);
    if (spec == null || spec.isBlank()) {
      NAME = null;
      NTH = 0;
    } else {
      int colon = spec.indexOf(':');
      NAME = colon < 0 ? spec.trim() : spec.substring(0, colon).trim();
      NTH = colon < 0 ? 1 : Integer.parseInt(spec.substring(colon + 1).trim());
    }
  }

  private Failpoints() {}

  /** Halts the JVM when {@code name} is the armed point and this is its chosen hit. */
  public static void hit(String name) {
    if (NAME != null && NAME.equals(name) && HITS.incrementAndGet() == NTH) {
      System.err.println("failpoint " + name + ": halting");
      System.err.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
  }
}
