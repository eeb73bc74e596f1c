package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.store.InMemoryNodeStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Leases: written on the VM by its create, kept in the record, renewed, and ended by a reaper. */
class LeaseTest {
  private final TinyCloud cloud = new TinyCloud();
  private final InMemoryNodeStore store = new InMemoryNodeStore();
  private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
  private final List<Reaper.Reaped> told = new ArrayList<>();

  /** A client of the same cloud and store whose clock reads {@code at}. */
  private VmClient at(Instant at) {
    return VmClient.builder().provider(cloud).store(store).clock(Clock.fixed(at, ZoneOffset.UTC)).session("ci-42")
        .listener(new VmListener() {
          @Override
          public void onReap(Reaper.Reaped reaped) {
            told.add(reaped);
          }
        }).build();
  }

  private static Node node(String name, Duration lease) {
    return Node.builder(name).lease(lease).build();
  }

  @Test
  void theCreateWritesTheLeaseOnTheVmAndTheRecordKeepsIt() {
    Instance vm = at(T0).start(node("t1", Duration.ofHours(2)));

    assertThat(cloud.creates.get(0).tags()).as("in the create request, not after it")
        .containsEntry(Lease.EXPIRES_TAG, "2026-12-06T12:00:00Z").containsEntry(Lease.ON_EXPIRY_TAG, "destroy")
        .containsEntry(Lease.SESSION_TAG, "ci-42");
    assertThat(cloud.vms.get(vm.id()).tags()).containsEntry(Lease.EXPIRES_TAG, "2026-12-06T12:00:00Z");
    assertThat(store.get("t1").flatMap(Node::leaseOfVm)).contains(new Lease(T0.plus(Duration.ofHours(2)),
        Lease.Expiry.DESTROY, "ci-42"));
  }

  @Test
  void aReapEndsExpiredLeasesWithOneListAndOneDestroyAndLeavesEveryOtherVm() {
    String expired = at(T0).start(node("t1", Duration.ofHours(2))).id();
    String gone = at(T0).start(node("t2", Duration.ofMinutes(30))).id();
    store.remove("t2"); // its record lost with a CI workspace: the VM's tags still tell its lease
    String later = at(T0).start(node("t3", Duration.ofHours(5))).id();
    String unleased = at(T0).start(Node.builder("t4").build()).id();
    cloud.put(Instance.builder("someone-1", State.RUNNING) // not Flotilla's: a lease tag alone is not enough
        .tags(Map.of(Lease.EXPIRES_TAG, "2026-12-06T10:00:00Z")).build());
    cloud.calls.clear();

    List<Reaper.Reaped> reaped = Reaper.of(at(T0.plus(Duration.ofHours(3)))).reap();

    assertThat(reaped).extracting(Reaper.Reaped::vmId).containsExactlyInAnyOrder(expired, gone);
    assertThat(told).isEqualTo(reaped);
    assertThat(cloud.calls).as("one list, one batched destroy").hasSize(2).first().isEqualTo("list");
    assertThat(cloud.vms.get(expired).state()).isEqualTo(State.TERMINATED);
    assertThat(cloud.vms.get(gone).state()).isEqualTo(State.TERMINATED);
    assertThat(List.of(later, unleased, "someone-1")).allSatisfy(id -> assertThat(cloud.vms.get(id).state())
        .isEqualTo(State.RUNNING));
    assertThat(store.get("t1").flatMap(Node::vmId)).as("cleared by reconcile once proven gone, not by the reap")
        .contains(expired);
    assertThat(reaped.get(0).describe()).startsWith("destroyed ").contains("its lease ended at 2026-12-06T");
  }

  @Test
  void aDryRunActsOnNothing() {
    String vm = at(T0).start(node("t1", Duration.ofMinutes(1))).id();
    cloud.calls.clear();
    List<Reaper.Reaped> would = Reaper.of(at(T0.plus(Duration.ofHours(1)))).preview();
    assertThat(would).singleElement().satisfies(r -> {
      assertThat(r.vmId()).isEqualTo(vm);
      assertThat(r.acted()).isFalse();
      assertThat(r.describe()).startsWith("would destroy");
    });
    assertThat(cloud.calls).containsExactly("list");
  }

  @Test
  void aRenewedLeaseIsOnTheVmAndInTheRecordAndARecordAheadOfItsTagsWins() {
    Node t1 = node("t1", Duration.ofHours(1));
    String vm = at(T0).start(t1).id();
    Lease renewed = at(T0.plus(Duration.ofMinutes(50))).renewLease(t1, T0.plus(Duration.ofHours(4)));

    assertThat(renewed.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(4)));
    assertThat(cloud.vms.get(vm).tags()).containsEntry(Lease.EXPIRES_TAG, "2026-12-06T14:00:00Z");
    assertThat(store.get("t1").flatMap(Node::leaseOfVm)).contains(renewed);
    assertThat(Reaper.of(at(T0.plus(Duration.ofHours(2)))).reap()).isEmpty();

    cloud.tag(vm, Map.of(Lease.EXPIRES_TAG, "2026-12-06T10:30:00Z")); // a renewal whose tag was lost
    assertThat(Reaper.of(at(T0.plus(Duration.ofHours(2)))).reap()).as("the record's later lease wins").isEmpty();
    assertThat(Reaper.of(at(T0.plus(Duration.ofHours(5)))).reap()).singleElement()
        .satisfies(r -> assertThat(r.vmId()).isEqualTo(vm));

    assertThatThrownBy(() -> at(T0.plus(Duration.ofHours(6))).renewLease(t1, T0))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("has passed");
  }

  @Test
  void aVmFoundWithoutItsLeaseTagsIsGivenThemWhenItIsBound() {
    // a create killed after the cloud made the VM, whose tags the cloud had not written yet
    cloud.answer = r -> {
      Instance made = cloud.make(r).get(0);
      Map<String, String> tags = new java.util.LinkedHashMap<>(made.tags());
      tags.keySet().removeAll(List.of(Lease.EXPIRES_TAG, Lease.ON_EXPIRY_TAG, Lease.SESSION_TAG));
      cloud.put(made.toBuilder().tags(tags).build());
      throw new IllegalStateException("killed");
    };
    Node t1 = node("t1", Duration.ofHours(2));
    assertThatThrownBy(() -> at(T0).start(t1)).hasMessageContaining("killed");
    cloud.answer = cloud::make;

    Instance adopted = at(T0.plus(Duration.ofMinutes(1))).start(t1); // the rerun adopts it
    assertThat(cloud.live()).hasSize(1);
    assertThat(cloud.vms.get(adopted.id()).tags()).containsKey(Lease.EXPIRES_TAG);
    assertThat(store.get("t1").flatMap(Node::leaseOfVm)).isPresent();
    // counted from the VM's launch (this cloud's launch times are the real clock's)
    assertThat(Reaper.of(at(Instant.now().plus(Duration.ofHours(3)))).reap()).singleElement()
        .satisfies(r -> assertThat(r.vmId()).isEqualTo(adopted.id()));
  }

  @Test
  void aVmOfACreateThatHasNotFinishedIsNeverReaped() {
    // a create killed after the cloud made the VM, before the client bound it: its intent is open
    cloud.answer = r -> {
      cloud.make(r);
      throw new IllegalStateException("killed");
    };
    assertThatThrownBy(() -> at(T0).start(node("t1", Duration.ofMinutes(5))))
        .hasMessageContaining("killed");
    assertThat(store.get("t1").flatMap(Node::createIntent)).isPresent();

    assertThat(Reaper.of(at(T0.plus(Duration.ofHours(1)))).reap()).isEmpty();
    assertThat(cloud.live()).hasSize(1);
  }

  @Test
  void aLeaseThatStopsLeavesTheVmStoppedOnPurpose() {
    String vm = at(T0).start(Node.builder("dev1").lease(Duration.ofHours(10)).onExpiry(Lease.Expiry.STOP).build())
        .id();
    assertThat(Reaper.of(at(T0.plus(Duration.ofHours(11)))).reap()).singleElement()
        .satisfies(r -> assertThat(r.describe()).startsWith("stopped "));
    assertThat(cloud.vms.get(vm).state()).isEqualTo(State.STOPPED);
    assertThat(store.get("dev1").flatMap(Node::stoppedAt)).as("the HA supervisor leaves it stopped").isPresent();
    assertThat(Reaper.of(at(T0.plus(Duration.ofHours(12)))).reap()).as("stopped already").isEmpty();
  }

  @Test
  void leasesAreWrittenAsOperatorsWriteThem() {
    assertThat(Lease.duration("2h", "lease")).isEqualTo(Duration.ofHours(2));
    assertThat(Lease.duration("+90s", "lease")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Lease.words(Duration.ofMinutes(120))).isEqualTo("2h");
    assertThatThrownBy(() -> Lease.duration("2 weeks", "vm.lease")).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("vm.lease").hasMessageContaining("2h");
    assertThatThrownBy(() -> Lease.duration("400d", "vm.lease")).hasMessageContaining("366d");
    assertThat(Lease.fromTags(Map.of(Lease.EXPIRES_TAG, "soon"))).as("garbled: never reaped").isEmpty();
  }
}
