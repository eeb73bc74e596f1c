package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.store.InMemoryNodeStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node is the user's spec; what is bound to it the client reads from its store alone. */
class NodeRecordTest {
  private final TinyCloud cloud = new TinyCloud();
  private final InMemoryNodeStore store = new InMemoryNodeStore();
  private final VmClient client = VmClient.builder().provider(cloud).store(store).sleeper(d -> { }).build();

  @Test
  void aNodeACallerBuildsHasNoRecordAndChangingItsSpecKeepsTheRecordItCameWith() {
    Node built = Node.builder("a").type("small").build();
    assertThat(built.record()).isEqualTo(NodeRecord.NONE);
    assertThat(built.isBound()).isFalse();

    Node read = built.withRecord(NodeRecord.builder().vmId("i-1").publicAddress("192.0.2.1").build());
    Node changed = read.toBuilder().type("large").build();

    assertThat(changed.record()).isEqualTo(read.record());
    assertThat(changed.vmId()).contains("i-1");
    assertThat(read.derive("b").build().record()).as("a child has a VM of its own").isEqualTo(NodeRecord.NONE);
  }

  @Test
  void aBindingANodeCarriesIsNeverActedOnWhenTheStoreDoesNotHoldIt() {
    Instance someoneElses = cloud.put(Instance.builder("i-theirs", State.RUNNING).build());
    Node forged = Node.builder("a").build().withRecord(NodeRecord.builder().vmId(someoneElses.id()).build());

    assertThatThrownBy(() -> client.stop(forged)).isInstanceOf(ForbiddenTransitionException.class)
        .hasMessageContaining("it has no VM");
    client.destroy(forged);

    assertThat(cloud.vms.get(someoneElses.id()).state()).isEqualTo(State.RUNNING);
  }

  @Test
  void aStaleNodeIsActedOnAsItsStoreSaysNow() {
    client.start(Node.builder("a").build());
    Node stale = store.get("a").orElseThrow();
    Instance first = cloud.vms.get(stale.vmId().orElseThrow());
    client.destroy(stale);
    client.start(Node.builder("a").build());
    String now = store.get("a").flatMap(Node::vmId).orElseThrow();

    client.stop(List.of(stale));

    assertThat(now).isNotEqualTo(first.id());
    assertThat(cloud.vms.get(now).state()).isEqualTo(State.STOPPED);
  }

  @Test
  void aRecordsAddressMustBeAnAddress() {
    assertThatThrownBy(() -> NodeRecord.builder().privateAddress("--help").build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("vm.private_ip_address");
  }
}
