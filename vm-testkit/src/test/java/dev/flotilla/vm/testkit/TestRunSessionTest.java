package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Sessions of test runs: a run whose JVM is gone is proved dead on its machine, and nothing else ever is. */
@EnabledOnOs(OS.LINUX)
class TestRunSessionTest {
  @Test
  void aLiveRunIsNeverDead() {
    String session = TestRunSession.next();
    assertThat(session).matches("junit\\.[0-9a-f]{12}\\.[0-9]+\\.[0-9]+\\.[0-9a-f]+").hasSizeLessThanOrEqualTo(64);
    assertThat(TestRunSession.provedDead(session)).isFalse();
    assertThat(TestRunSession.next()).as("each run of a JVM its own").isNotEqualTo(session);
  }

  @Test
  void aProcessThatEndedIsDeadAndOnlyOnItsMachine() throws Exception {
    Process p = new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String session = TestRunSession.of(p.toHandle(), "1").orElseThrow();
    assertThat(TestRunSession.provedDead(session)).as("while it runs").isFalse();
    p.getOutputStream().close(); // cat ends at the end of its input
    assertThat(p.waitFor()).isZero();

    assertThat(TestRunSession.provedDead(session)).isTrue();
    String elsewhere = session.replaceFirst("junit\\.[0-9a-f]{12}", "junit.000000000000");
    assertThat(TestRunSession.provedDead(elsewhere)).as("another machine's: its processes are not ours to see")
        .isFalse();
    assertThat(TestRunSession.provedDead("junit.x.1f")).isFalse();
    assertThat(TestRunSession.provedDead("ci-run-42")).isFalse();
  }

  @Test
  void aPidGivenAgainToAnotherProcessDoesNotKeepARunAlive() {
    ProcessHandle self = ProcessHandle.current();
    String session = TestRunSession.of(self, "1").orElseThrow();
    long started = self.info().startInstant().orElseThrow().toEpochMilli();
    String earlier = session.replace("." + started + ".", "." + (started - 60_000) + ".");
    assertThat(TestRunSession.provedDead(earlier)).isTrue();
  }
}
