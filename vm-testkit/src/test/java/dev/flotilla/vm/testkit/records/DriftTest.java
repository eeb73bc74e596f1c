package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Drift;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeRecord;
import dev.flotilla.vm.Reconciliation;
import dev.flotilla.vm.StatusReport;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.testkit.FakeCloud;
import dev.flotilla.vm.testkit.FakeCloudExtension;
import dev.flotilla.vm.testkit.VirtualClock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status finds what LEAP's vm status finds, each with its fix; reconcile applies the safe fixes only. */
class DriftTest {
  @TempDir
  Path dir;

  private final VirtualClock clock = VirtualClock.create();
  private final FakeCloud cloud = FakeCloudExtension.defaults(clock).build();
  private FileNodeStore store;
  private VmClient client;

  private VmClient client() {
    if (client == null) {
      store = FileNodeStore.open(dir);
      client = cloud.clientBuilder().store(store).build();
    }
    return client;
  }

  private static Node node(String name) {
    return Node.builder(name).build();
  }

  /** A VM made behind the client's back, tagged with {@code nodeName} (or untagged when null). */
  private String strayVm(String nodeName) {
    Instance vm = cloud.create(new CreateRequest(node("x"), List.of(nodeName == null ? "x" : nodeName),
        "stray-" + System.nanoTime(), Map.of())).get(0);
    if (nodeName == null) {
      cloud.tag(vm.id(), Map.of(Instance.NODE_TAG, ""));
    }
    return vm.id();
  }

  private Drift only(StatusReport report) {
    assertThat(report.drift()).hasSize(1);
    return report.drift().get(0);
  }

  @Test
  void recordsAndCloudInAgreementHaveNoDrift() {
    client().start(List.of(node("web1"), node("web2")));
    StatusReport report = client().status();
    assertThat(report.inSync()).isTrue();
    assertThat(report.vms()).hasSize(2);
  }

  @Test
  void aVmCarryingANodeNameWithoutARecordIsReportedNeverDestroyed() {
    client();
    String id = strayVm("ghost");

    Drift d = only(client().status());
    assertThat(d.kind()).isEqualTo(Drift.Kind.VM_WITHOUT_RECORD);
    assertThat(d.command()).isEqualTo("vm bind ghost " + id + " (adopts it) or vm rm " + id);
    assertThat(d.call()).contains("client.destroyVm(").contains(id);

    Reconciliation r = client().reconcile();
    assertThat(r.applied()).isEmpty();
    assertThat(r.remaining()).containsExactly(d);
    assertThat(cloud.liveCount()).isEqualTo(1);
  }

  @Test
  void aRecordWithoutAVmIdIsAdoptedWhenOneVmCarriesItsName() {
    client();
    store.put(node("web1"));
    assertThat(only(client().status()).command()).isEqualTo("vm start web1");

    String id = strayVm("web1");
    Drift d = only(client().status());
    assertThat(d.kind()).isEqualTo(Drift.Kind.RECORD_WITHOUT_VM);
    assertThat(d.command()).isEqualTo("vm bind web1 " + id);

    Reconciliation r = client().reconcile();
    assertThat(r.applied()).containsExactly("adopted VM " + id + " for node web1");
    assertThat(r.remaining()).isEmpty();
    assertThat(store.get("web1").flatMap(Node::vmId)).contains(id);
  }

  @Test
  void aRecordWhoseVmIsGoneIsClearedOrReboundToTheVmCarryingItsName() {
    Instance vm = client().start(node("web1"));
    cloud.terminate(List.of(vm.id()));
    assertThat(only(client().status()).message()).as("still listed, as clouds list what they ended lately")
        .containsPattern("records VM " + vm.id() + ", which is terminat(ing|ed)\\.");
    clock.advance(java.time.Duration.ofHours(2));

    Drift d = only(client().status());
    assertThat(d.kind()).isEqualTo(Drift.Kind.VM_NOT_FOUND);
    assertThat(d.message()).contains("records VM " + vm.id() + ", which matches no VM");
    assertThat(client().reconcile().applied()).containsExactly("cleared node web1's binding to VM " + vm.id()
        + ", which is gone");
    assertThat(store.get("web1").orElseThrow().isBound()).isFalse();

    store.put(node("web2").withRecord(NodeRecord.builder().vmId("vm-gone").build()));
    String id = strayVm("web2");
    Drift mismatch = client().status().drift().stream().filter(x -> x.node().equals("web2")).findFirst().orElseThrow();
    assertThat(mismatch.kind()).isEqualTo(Drift.Kind.VM_ID_MISMATCH);
    assertThat(mismatch.command()).isEqualTo("vm bind web2 " + id);
    client().reconcile();
    assertThat(store.get("web2").flatMap(Node::vmId)).contains(id);
  }

  @Test
  void aNodeWhoseRemovalIsUnderWayIsSaidToBeBeingRemovedNotToBeStartedAgain() {
    Instance vm = client().start(node("web3"));
    store.update("web3", n -> n.withRecord(n.record().toBuilder().removedAt(clock.instant()).build()));
    cloud.terminate(List.of(vm.id()));

    Drift d = only(client().status());
    assertThat(d.message()).contains("node web3 is being removed (vm rm)");
    assertThat(d.command()).isEqualTo("vm reconcile");
    client().reconcile();
    assertThat(store.get("web3").orElseThrow().isBound()).isFalse();
    assertThat(store.get("web3").flatMap(Node::removedAt)).as("still removed: nothing asks to start it").isPresent();
  }

  @Test
  void aRecordedVmThatCarriesNoNodeNameIsTaggedAndAddressesAreRecorded() {
    client();
    String id = strayVm(null);
    store.put(node("web1").withRecord(NodeRecord.builder().vmId(id).publicAddress("203.0.113.9").build()));

    List<Drift> drift = client().status().drift();
    assertThat(drift).extracting(Drift::kind).containsExactlyInAnyOrder(Drift.Kind.UNTAGGED_VM);
    clock.advance(java.time.Duration.ofSeconds(30));
    assertThat(client().status().drift()).extracting(Drift::kind)
        .containsExactlyInAnyOrder(Drift.Kind.UNTAGGED_VM, Drift.Kind.ADDRESS_MISMATCH);

    Reconciliation r = client().reconcile();
    assertThat(r.applied()).hasSize(2).anySatisfy(a -> assertThat(a).startsWith("tagged VM " + id));
    assertThat(r.remaining()).isEmpty();
    assertThat(store.get("web1").flatMap(Node::publicAddress)).isEqualTo(cloud.describe(List.of(id)).get(0).publicAddress());
  }

  @Test
  void twoVmsCarryingOneNameAreReportedAndLeftAlone() {
    Instance vm = client().start(node("web1"));
    String extra = strayVm("web1");

    Drift d = only(client().status());
    assertThat(d.kind()).isEqualTo(Drift.Kind.DUPLICATE_VMS);
    assertThat(d.command()).isEqualTo("vm rm " + extra);
    assertThat(client().reconcile().applied()).isEmpty();
    assertThat(store.get("web1").flatMap(Node::vmId)).contains(vm.id());
    assertThat(cloud.liveCount()).isEqualTo(2);
  }

  @Test
  void aFailingCloudIsNeverReadAsGone() {
    Instance vm = client().start(node("web1"));
    cloud.failNext(FakeCloud.Op.LIST, 1, Kind.AUTHENTICATION);

    assertThatThrownBy(() -> client().reconcile()).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION));
    assertThat(store.get("web1").flatMap(Node::vmId)).contains(vm.id());

    cloud.failNext(FakeCloud.Op.LIST, 2, Kind.TRANSIENT);
    assertThat(client().reconcile().applied()).as("transient errors are retried").isEmpty();

  }

  @Test
  void aVmMissingFromAStaleListingIsAskedAboutBeforeItsBindingIsCleared() {
    Instance vm = client().start(node("web1"));
    // A provider whose listing lags behind, as EC2's may: describe still sees the VM.
    dev.flotilla.vm.spi.Provider lagging = new dev.flotilla.vm.testkit.ForwardingProvider(cloud) {
      @Override
      public List<Instance> list() {
        return List.of();
      }
    };
    VmClient lagged = VmClient.builder().provider(lagging).store(store).clock(clock).sleeper(clock).build();

    assertThat(lagged.status().drift()).extracting(Drift::kind).containsExactly(Drift.Kind.VM_NOT_FOUND);
    assertThat(lagged.reconcile().applied()).isEmpty();
    assertThat(store.get("web1").flatMap(Node::vmId)).contains(vm.id());
  }

  @Test
  void startWritesTheIdBeforeWaitingAndTagsNodeAndProfile() {
    cloud.hideNewVms(java.time.Duration.ofSeconds(5));
    Instance vm = client().start(node("web1"));
    assertThat(vm.tags()).containsEntry(Instance.NODE_TAG, "web1").containsEntry(Instance.PROFILE_TAG, "fake");
    assertThat(store.get("web1").flatMap(Node::vmId)).contains(vm.id());
  }
}
