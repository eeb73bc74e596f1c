package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PoliciesTest {
  @Test
  void waitDelaysGrowExponentiallyUpToTheCapWithJitter() {
    WaitPolicy p = WaitPolicy.builder().timeout(Duration.ofMinutes(1)).maxDelay(Duration.ofSeconds(10)).multiplier(2)
        .visibilityGrace(Duration.ZERO).build();
    assertThat(p.delay(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.delay(1)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.delay(3)).isEqualTo(Duration.ofSeconds(8));
    assertThat(p.delay(4)).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.delay(500)).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.delay(1, 0.0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.delay(1, 0.5)).isEqualTo(Duration.ofMillis(1500));
    assertThat(p.withoutJitter().delay(1, 0.9)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void retryDelaysDoubleUpToTheCap() {
    RetryPolicy r = RetryPolicy.builder().baseDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1)).build();
    assertThat(r.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(r.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(r.delay(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(r.delay(5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(r.delay(100)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void badPoliciesAreRefused() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0).baseDelay(Duration.ZERO).maxDelay(Duration.ZERO)
        .build()).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> WaitPolicy.builder().timeout(Duration.ZERO).initialDelay(Duration.ZERO)
        .maxDelay(Duration.ZERO).multiplier(0.5).jitter(0).visibilityGrace(Duration.ZERO).build())
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> WaitPolicy.DEFAULT.withTimeout(Duration.ofSeconds(-1))).hasMessageContaining("negative");
  }

  @Test
  void policiesAreBuiltByNameAndKeepTheirValues() {
    WaitPolicy w = WaitPolicy.builder().timeout(Duration.ofMinutes(2)).jitter(0).build();
    assertThat(w.timeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(w.maxDelay()).as("the rest as the default").isEqualTo(WaitPolicy.DEFAULT.maxDelay());
    assertThat(w.toBuilder().build()).isEqualTo(w).hasSameHashCodeAs(w);
    assertThat(w.withTimeout(Duration.ZERO).noWait()).isTrue();

    RetryPolicy r = RetryPolicy.builder().maxAttempts(8).throttledDelay(Duration.ofSeconds(2)).build();
    assertThat(r.toBuilder().build()).isEqualTo(r);
    assertThat(r.delay(2, CloudException.Kind.THROTTLED)).isEqualTo(Duration.ofSeconds(4));
    assertThat(r.delay(2, CloudException.Kind.TRANSIENT)).isEqualTo(Duration.ofMillis(400));
    assertThat(r.delay(30, CloudException.Kind.THROTTLED)).isEqualTo(r.maxThrottledDelay());
    assertThat(r.toString()).contains("maxAttempts=8");
  }
}
