package dev.flotilla.vm.testkit;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import org.junit.jupiter.api.Test;

/** The README's quick start, exactly as a user writes it. */
class QuickStartTest {
  @Test
  void theReadmeQuickStartRuns() {
    FakeCloud cloud = FakeCloud.create();
    VmClient client = VmClient.builder().provider(cloud).build();
    Node web = Node.builder("web1").image("debian-12").type("m1.small").build();
    Instance vm = client.start(web);            // waits until RUNNING, remembers the binding
    client.stop(web);
    client.destroy(web);

    assertThat(vm).isRunning().belongsTo("web1").hasPublicAddress();
    assertThat(vm.type()).contains("m1.small");
    assertThat(cloud).hasCallCount("create", 1).hasCallCount("stop", 1).hasCallCount("terminate", 1).hasLiveVms(0);
    assertThat(client.record("web1").map(Node::isBound)).contains(false);
  }

  @Test
  void theSameCodeRunsByNamingAProfileFoundWithServiceLoader() {
    try (VmClient client = VmClient.builder().profile(Profile.builder("lab", "fake").defaultImage("debian-12").build())
        .build()) {
      Node web = Node.builder("web1").profile("lab").type("m1.small").build();
      Instance vm = client.start(web);
      assertThat(vm).isRunning();
      assertThat(vm.image()).contains("debian-12");
      assertThat(vm.tags()).containsEntry(Instance.PROFILE_TAG, "lab");
      client.destroy(web);
      assertThat(client.status(web)).isEmpty();
    }
  }
}
