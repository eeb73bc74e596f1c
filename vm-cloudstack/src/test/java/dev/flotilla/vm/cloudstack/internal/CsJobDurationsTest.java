package dev.flotilla.vm.cloudstack.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CsJobDurationsTest {
  private static Duration s(double seconds) {
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  @Test
  void firstGuessesAreWhatASimulatorZoneTookUnlessTheProfileSays() {
    CsJobDurations d = new CsJobDurations(Optional.empty());
    assertThat(d.expected("deployVirtualMachine")).isEqualTo(s(4));
    assertThat(d.expected("destroyVirtualMachine")).isEqualTo(s(3));
    assertThat(d.expected("stopVirtualMachine")).isEqualTo(s(2));
    assertThat(new CsJobDurations(Optional.of(s(0.15))).expected("deployVirtualMachine")).isEqualTo(s(0.15));
  }

  @Test
  void aJobSeenDoneWhenDueIsExpectedSoonerNextTimeSoAGuessTooLongComesDown() {
    CsJobDurations d = new CsJobDurations(Optional.empty());
    d.ended("deployVirtualMachine", s(4), s(4.2)); // done at the look made when it was due: maybe long before
    assertThat(d.expected("deployVirtualMachine")).isEqualTo(s(3.15));
    d.ended("deployVirtualMachine", s(3.15), s(3.2));
    assertThat(d.expected("deployVirtualMachine")).as("halfway to a quarter less").isLessThan(s(3));
  }

  @Test
  void aJobSeenLateTookAboutThatLong() {
    CsJobDurations d = new CsJobDurations(Optional.empty());
    d.ended("destroyVirtualMachine", s(3), s(6));
    assertThat(d.expected("destroyVirtualMachine")).isEqualTo(s(6));
    d.ended("destroyVirtualMachine", s(6), s(10));
    assertThat(d.expected("destroyVirtualMachine")).as("the mean of what was seen").isEqualTo(s(8));
    d.ended("destroyVirtualMachine", s(8), Duration.ofHours(1));
    assertThat(d.expected("destroyVirtualMachine")).as("one that hung counts as two minutes").isEqualTo(s(64));
  }

  @Test
  void aJobIsAskedAboutWhenDueThenSoonThenLessAndLessOften() {
    assertThat(CsJobDurations.askIn(s(4), s(1))).as("due in 3 s").isEqualTo(s(3));
    assertThat(CsJobDurations.askIn(s(4), s(3.9))).as("due in a moment: with the others, a quarter on")
        .isEqualTo(s(1));
    assertThat(CsJobDurations.askIn(s(4), s(4))).as("due now, not done: a quarter of its time").isEqualTo(s(1));
    assertThat(CsJobDurations.askIn(s(4), s(24))).as("20 s late: after half as long again").isEqualTo(s(10));
  }
}
