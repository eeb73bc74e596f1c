package dev.flotilla.vm.cloudstack.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long CloudStack's asynchronous jobs take, command by command, learnt from the jobs this provider saw
 * end, so that it asks about a job when it should be done instead of on a blind backoff. Until a command's
 * first job ends, it is expected to take the profile's {@code job_millis}, or else what one took on a
 * CloudStack 4.22 simulator zone (a deploy about 4 s until Running, the rest about 2 s).
 */
public final class CsJobDurations {
  private static final Duration FIRST_GUESS = Duration.ofSeconds(2);
  private static final Map<String, Duration> FIRST_GUESSES = Map.of("deployVirtualMachine", Duration.ofSeconds(4),
      "destroyVirtualMachine", Duration.ofSeconds(3));
  /** No job is expected to take longer than this: a cloud that was slow once does not slow every wait. */
  private static final Duration LONGEST = Duration.ofMinutes(2);

  private final Map<String, Duration> learnt = new ConcurrentHashMap<>();
  private final Optional<Duration> firstGuess;

  /** Durations whose first guess is {@code firstGuess} for every command, where given. */
  public CsJobDurations(Optional<Duration> firstGuess) {
    this.firstGuess = firstGuess;
  }

  /** How long a job of {@code command} is expected to take. */
  public Duration expected(String command) {
    Duration learntOne = learnt.get(command);
    return learntOne != null ? learntOne
        : firstGuess.orElseGet(() -> FIRST_GUESSES.getOrDefault(command, FIRST_GUESS));
  }

  /**
   * A job of {@code command}, expected to take {@code expected} when sent, was seen to have ended {@code
   * seen} after it was sent. Seen at the look made when it was due, it may have ended long before: the next
   * is expected a quarter sooner (so a guess too long comes down); seen later, it took about that long.
   */
  public void ended(String command, Duration expected, Duration seen) {
    if (seen.isNegative()) {
      return;
    }
    Duration took = seen.compareTo(expected.plus(expected.dividedBy(10))) <= 0 ? seen.multipliedBy(3).dividedBy(4)
        : seen;
    Duration bounded = took.compareTo(LONGEST) > 0 ? LONGEST : took;
    learnt.merge(command, bounded, (old, now) -> old.plus(now).dividedBy(2));
  }

  /**
   * When to ask again about a job {@code expected} to take that long, sent {@code sinceSent} ago: when it
   * should be done, and no sooner than a quarter of its expected time (jobs sent a moment apart are asked
   * about together); once overdue, after half of how late it is, so that a job a little late is seen soon and
   * one that hangs is asked about less and less often.
   */
  public static Duration askIn(Duration expected, Duration sinceSent) {
    Duration left = expected.minus(sinceSent);
    Duration late = left.negated().dividedBy(2);
    Duration soonest = expected.dividedBy(4);
    Duration in = left.compareTo(late) > 0 ? left : late;
    return in.compareTo(soonest) > 0 ? in : soonest;
  }

}
