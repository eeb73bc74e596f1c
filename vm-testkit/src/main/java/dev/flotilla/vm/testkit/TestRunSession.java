package dev.flotilla.vm.testkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The session of a test run, which says where the run lives: {@code junit.MACHINE.PID.START.RUN}, MACHINE a
 * digest of the kernel's boot and the process namespace (so two containers on one host never mistake each
 * other's processes), PID and START those of the run's JVM, RUN one of the JVM's runs (test classes). A later run on the same machine can so prove that
 * an earlier run's JVM is gone (killed, crashed) and end its VMs at once, without waiting for their leases.
 * Where the machine cannot be told (no {@code /proc}), the session is {@code junit.x.RANDOM}, which nothing
 * proves dead: its VMs wait for their leases.
 */
final class TestRunSession {
  private static final Pattern LOCAL = Pattern.compile("junit\\.([0-9a-f]{12})\\.([0-9]{1,10})\\.([0-9]{1,15})\\.[0-9a-f]{1,8}");
  private static final Optional<String> MACHINE = machine();

  private TestRunSession() {}

  /** A new session of this JVM. */
  static String next() {
    java.security.SecureRandom random = new java.security.SecureRandom();
    return of(ProcessHandle.current(), Integer.toHexString(random.nextInt()))
        .orElseGet(() -> "junit.x." + Long.toHexString(random.nextLong()));
  }

  /** The session of run {@code run} of process {@code p}, where this machine can be told. */
  static Optional<String> of(ProcessHandle p, String run) {
    Optional<Instant> started = p.info().startInstant();
    return MACHINE.isEmpty() || started.isEmpty() ? Optional.empty()
        : Optional.of("junit." + MACHINE.get() + "." + p.pid() + "." + started.get().toEpochMilli() + "." + run);
  }

  /**
   * Whether {@code session} is that of a run on this machine whose JVM is gone: no process has its pid, or the
   * one that has it started at another time (the pid was given again). A process whose start cannot be read
   * counts as alive.
   */
  static boolean provedDead(String session) {
    Matcher m = LOCAL.matcher(session);
    if (!m.matches() || MACHINE.isEmpty() || !m.group(1).equals(MACHINE.get())) {
      return false;
    }
    long started = Long.parseLong(m.group(3));
    return ProcessHandle.of(Long.parseLong(m.group(2)))
        .map(p -> p.info().startInstant().map(at -> Math.abs(at.toEpochMilli() - started) > 1000).orElse(false))
        .orElse(true);
  }

  /** The digest of this kernel's boot and this process namespace, if the system tells them. */
  private static Optional<String> machine() {
    try {
      String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
      String pids = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest((boot + "/" + pids).getBytes(StandardCharsets.UTF_8));
      return Optional.of(HexFormat.of().formatHex(digest, 0, 6));
    } catch (java.io.IOException | UnsupportedOperationException | SecurityException | NoSuchAlgorithmException e) {
      return Optional.empty();
    }
  }
}
