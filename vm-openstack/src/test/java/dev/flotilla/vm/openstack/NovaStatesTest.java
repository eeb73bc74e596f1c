package dev.flotilla.vm.openstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.openstack.internal.NovaStates;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NovaStatesTest {
  @ParameterizedTest(name = "{0} / {1} is {2}")
  @CsvSource(nullValues = "-", value = {
      "BUILD, spawning, PENDING", "ACTIVE, -, RUNNING", "ACTIVE, powering-off, STOPPING",
      "ACTIVE, rebooting, REBOOTING", "ACTIVE, deleting, TERMINATING", "ACTIVE, image_snapshot, RUNNING",
      "SHUTOFF, -, STOPPED", "SHUTOFF, powering-on, PENDING", "REBOOT, -, REBOOTING", "HARD_REBOOT, -, REBOOTING",
      "ERROR, -, ERROR", "DELETED, -, TERMINATED", "SOFT_DELETED, -, TERMINATED", "SUSPENDED, -, SUSPENDED",
      "PAUSED, -, SUSPENDED", "SHELVED, -, SUSPENDED", "SHELVED_OFFLOADED, -, SUSPENDED",
      "SUSPENDED, resuming, PENDING", "RESIZE, resize_migrating, PENDING", "VERIFY_RESIZE, -, RUNNING",
      "REBUILD, rebuilding, PENDING", "MIGRATING, -, PENDING", "RESCUE, -, UNKNOWN", "UNRECOGNIZED, -, UNKNOWN"})
  void novaStatusAndTaskMapToALifecycleState(String status, String task, State expected) {
    assertThat(NovaStates.state(status, task)).isEqualTo(expected);
  }
}
