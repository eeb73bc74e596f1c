package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.store.InMemoryNodeStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reconcile on a cloud of its own: the safe fixes, and none that a lagging or partial answer would mislead. */
class ReconcilerTest {
  private final TinyCloud cloud = new TinyCloud();
  private final InMemoryNodeStore store = new InMemoryNodeStore();
  private final VmClient client = VmClient.builder().provider(cloud).store(store).sleeper(d -> { }).build();

  private String vmOf(String node) {
    return store.get(node).flatMap(Node::vmId).orElse(null);
  }

  @Test
  void aBindingIsKeptWhenAListLeavesItsVmOutButADescribeStillSeesIt() {
    client.start(Node.builder("a").build());
    String id = vmOf("a");
    cloud.unlisted.add(id);

    Reconciliation r = client.reconcile();

    assertThat(vmOf("a")).isEqualTo(id);
    assertThat(r.applied()).isEmpty();
  }

  @Test
  void aBindingToAVmThatIsGoneForSureIsCleared() {
    client.start(Node.builder("a").build());
    String id = vmOf("a");
    cloud.vms.remove(id);

    Reconciliation r = client.reconcile();

    assertThat(vmOf("a")).isNull();
    assertThat(r.applied()).containsExactly("cleared node a's binding to VM " + id + ", which is gone");
  }

  @Test
  void aRecordWithoutAVmIsBoundToTheOneVmThatCarriesItsName() {
    store.put(Node.builder("a").build());
    Instance vm = cloud.put(Instance.builder("i-a", State.RUNNING).tags(Map.of(Instance.NODE_TAG, "a")).build());

    client.reconcile();

    assertThat(vmOf("a")).isEqualTo(vm.id());
  }

  @Test
  void twoVmsCarryingOneNameAreLeftForAPersonToChoose() {
    store.put(Node.builder("a").build());
    cloud.put(Instance.builder("i-1", State.RUNNING).tags(Map.of(Instance.NODE_TAG, "a")).build());
    cloud.put(Instance.builder("i-2", State.RUNNING).tags(Map.of(Instance.NODE_TAG, "a")).build());

    Reconciliation r = client.reconcile();

    assertThat(vmOf("a")).isNull();
    assertThat(r.remaining()).isNotEmpty();
  }

  @Test
  void aCopiedRecordLosesTheOtherNodesVmAndTheOwnerKeepsIt() {
    client.start(Node.builder("a").build());
    String id = vmOf("a");
    store.put(store.get("a").orElseThrow().toBuilder().name("b").build()); // cp nodes/a.json nodes/b.json

    client.reconcile();

    assertThat(vmOf("a")).isEqualTo(id);
    assertThat(vmOf("b")).isNull();
    assertThat(cloud.live()).hasSize(1);
  }

  @Test
  void anUnfinishedCreateThatMadeNothingIsEndedButNotWhileAnUnnamedVmMightBeItsOwn() {
    CreateIntent intent = new CreateIntent("tok", "tiny", "spec", List.of("a"), Instant.now().minusSeconds(60));
    store.put(Node.builder("a").build().intending(intent));
    cloud.put(Instance.builder("i-unnamed", State.RUNNING).launchTime(Instant.now()).build());

    client.reconcile();
    assertThat(store.get("a").flatMap(Node::createIntent)).as("an unnamed VM made since may be its").contains(intent);

    cloud.vms.clear();
    Reconciliation r = client.reconcile();
    assertThat(store.get("a").flatMap(Node::createIntent)).isEmpty();
    assertThat(r.applied()).singleElement().asString().startsWith("ended node a's unfinished create");
  }
}
