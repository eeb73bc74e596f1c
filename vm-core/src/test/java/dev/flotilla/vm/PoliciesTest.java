package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PoliciesTest {
  @Test
  void waitDelaysGrowExponentiallyUpToTheCapWithJitter() {
    WaitPolicy p = new WaitPolicy(Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(10), 2, 0.5,
        Duration.ZERO);
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
    RetryPolicy r = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(1));
    assertThat(r.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(r.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(r.delay(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(r.delay(5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(r.delay(100)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void badPoliciesAreRefused() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO)).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> new WaitPolicy(Duration.ZERO, Duration.ZERO, Duration.ZERO, 0.5, 0, Duration.ZERO))
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> WaitPolicy.DEFAULT.withTimeout(Duration.ofSeconds(-1))).hasMessageContaining("negative");
  }
}
