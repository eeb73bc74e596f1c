package dev.flotilla.vm.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ParallelTest {
  @Test
  void bothRunAtOnceAndBothResultsComeBack() {
    // each side waits for the other to have begun: only a run at the same time gets past the latch
    CountDownLatch begun = new CountDownLatch(2);
    Parallel.Both<String, Integer> both = Parallel.both("side", () -> {
      meet(begun);
      return "records";
    }, () -> {
      meet(begun);
      return 3;
    });
    assertThat(both.first()).isEqualTo("records");
    assertThat(both.second()).isEqualTo(3);
  }

  @Test
  void theSideThreadHasEndedWhenBothReturnsEvenWhenThisSideFails() {
    AtomicReference<Thread> side = new AtomicReference<>();
    CountDownLatch sideBegun = new CountDownLatch(1);
    assertThatThrownBy(() -> Parallel.both("side", () -> {
      side.set(Thread.currentThread());
      sideBegun.countDown();
      return "records";
    }, () -> {
      await(sideBegun);
      throw new IllegalStateException("the cloud failed");
    })).hasMessage("the cloud failed");
    assertThat(side.get().isAlive()).isFalse();
  }

  @Test
  void aFailureOfTheSideIsThrownWhenThisSideSucceeds() {
    assertThatThrownBy(() -> Parallel.both("side", () -> {
      throw new IllegalArgumentException("a record is corrupt");
    }, () -> "vms")).isInstanceOf(IllegalArgumentException.class).hasMessage("a record is corrupt");
  }

  @Test
  void mapKeepsTheOrderOfItemsAndReportsTheFirstFailureInItemOrder() {
    Parallel.Outcome<String> out = Parallel.map(List.of(1, 2, 3, 4), 3, "map", i -> {
      if (i % 2 == 0) {
        throw new IllegalStateException("failed " + i);
      }
      return "ok " + i;
    });
    assertThat(out.results()).containsExactly("ok 1", null, "ok 3", null);
    assertThat(out.failure()).hasMessage("failed 2");
    assertThat(out.succeeded()).containsExactly("ok 1", "ok 3");
  }

  private static void meet(CountDownLatch latch) {
    latch.countDown();
    await(latch);
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("the other side began").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
