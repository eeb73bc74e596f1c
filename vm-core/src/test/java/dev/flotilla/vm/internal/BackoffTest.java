package dev.flotilla.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.RetryPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final List<Duration> pauses = new ArrayList<>();

  private Backoff backoff(RetryPolicy policy) {
    // no jitter, a clock that stands still: the pauses are exactly the policy's
    return new Backoff(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), pauses::add, policy, 0, () -> 0.0);
  }

  private static Supplier<String> failing(Kind kind, int times, AtomicInteger calls) {
    return () -> {
      if (calls.incrementAndGet() <= times) {
        throw new CloudException(kind, "test", null, "try " + calls.get());
      }
      return "answer";
    };
  }

  @Test
  void aThrottledCloudIsGivenLongerPausesThanABrieflyUnwellOne() {
    Backoff b = backoff(RetryPolicy.DEFAULT);
    assertThat(b.retry(failing(Kind.TRANSIENT, 2, new AtomicInteger()))).isEqualTo("answer");
    assertThat(pauses).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400));

    pauses.clear();
    assertThat(b.retry(failing(Kind.THROTTLED, 3, new AtomicInteger()))).isEqualTo("answer");
    assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
  }

  @Test
  void retriesDrawOnTokensEveryCallOfTheClientSharesSoAFailingCloudIsNotHammered() {
    Backoff b = backoff(RetryPolicy.builder().retryTokens(3 * RetryPolicy.TOKENS_PER_RETRY).build());
    AtomicInteger first = new AtomicInteger();
    assertThatThrownBy(() -> b.retry(failing(Kind.TRANSIENT, 100, first))).isInstanceOf(CloudException.class);
    assertThat(first).as("4 tries of 5: the tokens paid for 3 retries").hasValue(4);
    assertThat(b.tokens()).isZero();

    AtomicInteger second = new AtomicInteger();
    assertThatThrownBy(() -> b.retry(failing(Kind.TRANSIENT, 100, second))).isInstanceOf(CloudException.class);
    assertThat(second).as("another call of the same client: no token, no retry").hasValue(1);

    // answers that succeed give tokens back, and the retries come back with them
    for (int i = 0; i < RetryPolicy.TOKENS_PER_RETRY; i++) {
      b.retry(() -> "fine");
    }
    AtomicInteger third = new AtomicInteger();
    assertThat(b.retry(failing(Kind.TRANSIENT, 1, third))).isEqualTo("answer");
    assertThat(third).hasValue(2);
  }

  @Test
  void anErrorThatIsNotRetryableSpendsNothing() {
    Backoff b = backoff(RetryPolicy.DEFAULT);
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> b.retry(failing(Kind.INVALID_REQUEST, 1, calls))).isInstanceOf(CloudException.class);
    assertThat(calls).hasValue(1);
    assertThat(b.tokens()).isEqualTo(RetryPolicy.DEFAULT.retryTokens());
    assertThat(pauses).isEmpty();
  }
}
