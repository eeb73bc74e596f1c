package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.internal.Backoff;
import dev.flotilla.vm.internal.Waiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A wait asks again when the provider expects news of the VMs, and on its backoff when it cannot tell. */
class WaiterPacingTest {
  private final TinyCloud cloud = new TinyCloud();
  private final List<Duration> pauses = new ArrayList<>();
  /** Time as the pauses move it; the waiter's own clock stands still, so no deadline passes. */
  private Duration waited = Duration.ZERO;
  private static final Duration BOOT = Duration.ofSeconds(4);
  private final Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);

  private int waitForBoot(WaitPolicy policy) {
    cloud.put(Instance.builder("i-1", State.PENDING).build());
    Backoff backoff = new Backoff(clock, d -> {
      pauses.add(d);
      waited = waited.plus(d);
      if (waited.compareTo(BOOT) >= 0) {
        cloud.start(List.of("i-1"));
      }
    }, RetryPolicy.DEFAULT, 0, () -> 0.0);
    new Waiter(clock, backoff, policy, new VmListener() {})
        .await(List.of(new Waiter.Group(cloud, Map.of("i-1", "web"), Set.of("i-1"))), State.RUNNING);
    return cloud.describes;
  }

  @Test
  void aProviderThatKnowsWhenItsJobEndsIsAskedThenAndNotBefore() {
    cloud.settles = ids -> {
      Duration left = BOOT.minus(waited);
      return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
    };
    assertThat(waitForBoot(WaitPolicy.builder().jitter(0).build())).as("describes for a 4 s boot").isEqualTo(1);
    assertThat(pauses).containsExactly(Duration.ofSeconds(4));
  }

  @Test
  void aWaitThatMustNotWaitDoesNotPauseForAHint() {
    cloud.settles = ids -> Optional.of(Duration.ofSeconds(4));
    cloud.put(Instance.builder("i-1", State.PENDING).build());
    new Waiter(clock, new Backoff(clock, pauses::add, RetryPolicy.DEFAULT, 0, () -> 0.0), WaitPolicy.NO_WAIT,
        new VmListener() {}).await(List.of(new Waiter.Group(cloud, Map.of("i-1", "web"), Set.of("i-1"))),
        State.RUNNING);
    assertThat(pauses).isEmpty();
    assertThat(cloud.describes).isEqualTo(1);
  }

  @Test
  void withoutAHintTheBackoffPacesTheWait() {
    assertThat(waitForBoot(WaitPolicy.builder().jitter(0).build())).isEqualTo(4);
    assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofMillis(1500), Duration.ofMillis(2250));
  }

  @Test
  void aHintIsHeldToThePolicysLongestPauseAndToAShortestOne() {
    cloud.settles = ids -> Optional.of(waited.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofMinutes(10)
        : Duration.ofMillis(1));
    waitForBoot(WaitPolicy.builder().jitter(0).maxDelay(Duration.ofSeconds(2)).build());
    assertThat(pauses.get(0)).as("ten minutes, held to the longest pause").isEqualTo(Duration.ofSeconds(2));
    assertThat(pauses.subList(1, pauses.size())).as("1 ms, held to the shortest").hasSize(10)
        .allMatch(Duration.ofMillis(200)::equals);
  }
}
