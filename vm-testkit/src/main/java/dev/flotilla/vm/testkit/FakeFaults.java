package dev.flotilla.vm.testkit;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.testkit.FakeCloud.Call;
import dev.flotilla.vm.testkit.FakeCloud.Op;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the fake cloud receives and how it misbehaves: the call log and counts, and the faults a test asks
 * for (queued failures, a throttled share, garbled answers, VMs hidden after launch, boots that fail). It
 * guards itself with the cloud's lock, which the cloud holds when it receives a call.
 */
final class FakeFaults {
  /** How many calls the log keeps. */
  static final int CALL_LOG_LIMIT = 100_000;

  private final String api;
  private final Clock clock;
  private final Random random;
  private final Object lock;
  private final Map<Op, Long> callCounts = new EnumMap<>(Op.class);
  private final Deque<Call> calls = new ArrayDeque<>();
  private final Map<Op, Deque<Kind>> failures = new EnumMap<>(Op.class);
  private final Deque<String> failingBoots = new ArrayDeque<>();
  private double throttleShare;
  private double garbageShare;
  private Duration hideNewFor = Duration.ZERO;

  FakeFaults(String api, Clock clock, Random random, Object lock) {
    this.api = api;
    this.clock = clock;
    this.random = random;
    this.lock = lock;
  }

  void failNext(Op op, int count, Kind kind) {
    synchronized (lock) {
      Deque<Kind> queue = failures.computeIfAbsent(op, k -> new ArrayDeque<>());
      for (int i = 0; i < count; i++) {
        queue.add(kind);
      }
    }
  }

  void throttle(double share) {
    synchronized (lock) {
      throttleShare = share("throttled", share);
    }
  }

  void garbage(double share) {
    synchronized (lock) {
      garbageShare = share("garbage", share);
    }
  }

  private static double share(String what, double share) {
    if (share < 0 || share > 1) {
      throw new IllegalArgumentException("the " + what + " share is from 0 to 1, got " + share);
    }
    return share;
  }

  void hideNewVms(Duration d) {
    synchronized (lock) {
      hideNewFor = d;
    }
  }

  /** How long a VM made now stays out of describe and list. */
  Duration hideNewFor() {
    return hideNewFor;
  }

  void failNextBoots(int count, String fault) {
    synchronized (lock) {
      for (int i = 0; i < count; i++) {
        failingBoots.add(fault);
      }
    }
  }

  /** The fault the next boot ends in, or null when it is to run. */
  String nextBootFault() {
    return failingBoots.poll();
  }

  long callCount(Op op) {
    synchronized (lock) {
      return callCounts.getOrDefault(op, 0L);
    }
  }

  long callCount() {
    synchronized (lock) {
      return callCounts.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  List<Call> calls() {
    synchronized (lock) {
      return List.copyOf(calls);
    }
  }

  void clearCalls() {
    synchronized (lock) {
      calls.clear();
      callCounts.clear();
    }
  }

  /** Counts and logs a call, then fails it if a fault is queued or the throttle says so. */
  void receive(Op op, Collection<String> ids) {
    callCounts.merge(op, 1L, Long::sum);
    if (calls.size() == CALL_LOG_LIMIT) {
      calls.removeFirst();
    }
    calls.addLast(new Call(op, List.copyOf(ids), clock.instant()));
    Deque<Kind> queued = failures.get(op);
    Kind kind = queued == null ? null : queued.poll();
    if (kind == null && throttleShare > 0 && random.nextDouble() < throttleShare) {
      kind = Kind.THROTTLED;
    }
    if (kind != null) {
      throw error(api, kind, codeOf(kind), "injected fault on " + op.label());
    }
    if (op == Op.DESCRIBE || op == Op.LIST) {
      garbled(op);
    }
  }

  /** Fails the call as an adapter fails on an answer it cannot read, when the garbage draw says so. */
  void garbled(Op op) {
    if (garbageShare > 0 && random.nextDouble() < garbageShare) {
      throw error(api, Kind.UNKNOWN, null, "the answer to " + op.label() + " could not be read (injected garbage:"
          + " HTTP 200 with an HTML body); nothing was concluded from it");
    }
  }

  /** The code an EC2-like cloud gives errors of {@code kind}. */
  private static String codeOf(Kind kind) {
    return switch (kind) {
      case THROTTLED -> "RequestLimitExceeded";
      case TRANSIENT -> "InternalError";
      case AUTHENTICATION -> "AuthFailure";
      case NOT_FOUND -> "NotFound";
      case CAPACITY -> "InsufficientInstanceCapacity";
      case INVALID_REQUEST -> "InvalidParameterValue";
      default -> "Unknown";
    };
  }

  static CloudException error(String api, Kind kind, String code, String message) {
    return new CloudException(kind, api, code, message);
  }
}
