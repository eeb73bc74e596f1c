package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Place;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.VmListener;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capacity failover on fake clouds: a create that finds its place full goes on along the node's placement order
 * (the profile's zones, then its fallback profiles), and every node still ends with one VM, in one place, that
 * its record names.
 */
class FailoverTest {
  @TempDir
  Path dir;

  private final NodeStore store = new InMemoryNodeStore();
  private final EventLog events = new EventLog();

  /** A fake profile kept in a file here, so that the test can look into it as a second client would. */
  private Profile fake(String name, Map<String, String> settings, List<String> fallback, List<String> zones) {
    Profile.Builder b = Profile.builder(name, "fake").defaultImage("debian-12").fallback(fallback).zones(zones)
        .setting("state_file", dir.resolve(name + ".json").toString());
    settings.forEach(b::setting);
    return b.build();
  }

  private VmClient client(Profile... profiles) {
    return VmClient.builder().profiles(List.of(profiles)).useProfile(profiles[0].name()).store(store).listener(events)
        .build();
  }

  /** The live VMs of profile {@code p}'s cloud, by node, as a client with no records sees them. */
  private Map<String, List<String>> live(Profile p) {
    try (VmClient look = VmClient.builder().profile(p).build()) {
      return look.list().stream().filter(vm -> vm.state() != State.TERMINATED)
          .collect(Collectors.groupingBy(vm -> vm.nodeName().orElse("?"),
              Collectors.mapping(Instance::id, Collectors.toList())));
    }
  }

  @Test
  void aFullCloudsNodeIsMadeOnTheFallbackAndItsRecordSaysWhere() {
    Profile a = fake("a", Map.of("capacity", "0"), List.of("b"), List.of());
    Profile b = fake("b", Map.of(), List.of(), List.of());
    try (VmClient client = client(a, b)) {
      Instance vm = client.start(Node.builder("web1").type("m1.small").build());

      assertThat(vm.tags()).containsEntry(Instance.PROFILE_TAG, "b");
      assertThat(live(a)).isEmpty();
      assertThat(live(b)).containsOnlyKeys("web1").allSatisfy((n, ids) -> assertThat(ids).hasSize(1));
      Node record = store.get("web1").orElseThrow();
      assertThat(record.placeOfVm()).contains(new Place("b", vm.zone().orElse(null)));
      assertThat(record.createIntent()).isEmpty();
      assertThat(events.moves()).singleElement().satisfies(m -> assertThat(m.describe())
          .isEqualTo("web1: a has no capacity for m1.small; trying b"));

      // its calls go where it is, though the client's profile is a
      assertThat(client.stop(Node.builder("web1").build()).state()).isEqualTo(State.STOPPED);
      client.destroy(Node.builder("web1").build());
      assertThat(live(b)).isEmpty();
      assertThat(store.get("web1").orElseThrow().placeOfVm()).as("no VM, no place").isEmpty();
    }
  }

  @Test
  void aFullZoneMovesTheNodeToTheProfilesNextZone() {
    Profile a = fake("a", Map.of("zone_capacity", "zone-a=0"), List.of(), List.of("zone-a", "zone-b"));
    try (VmClient client = client(a)) {
      Instance vm = client.start(Node.builder("web1").build());

      assertThat(vm.zone()).contains("zone-b");
      assertThat(store.get("web1").orElseThrow().placeOfVm()).contains(new Place("a", "zone-b"));
      assertThat(events.moves()).singleElement().satisfies(m -> assertThat(m.describe())
          .isEqualTo("web1: zone-a has no capacity; trying zone-b"));
    }
  }

  @Test
  void aVmThatFailsForCapacityAsItBootsIsDestroyedAndItsNodeMadeInTheNextPlace() {
    // a cloud that takes the create and fails the VM as it boots, as Nova ("No valid host was found") and
    // CloudStack (a failed deployment) tell a full cloud
    Profile a = fake("a", Map.of("capacity", "0", "capacity_fails", "boot"), List.of("b"), List.of());
    Profile b = fake("b", Map.of(), List.of(), List.of());
    try (VmClient client = client(a, b)) {
      List<Instance> vms = client.start(List.of(Node.builder("web1").build(), Node.builder("web2").build()));

      assertThat(vms).allSatisfy(vm -> assertThat(vm.tags()).containsEntry(Instance.PROFILE_TAG, "b"));
      assertThat(live(a)).as("the failed VMs destroyed").isEmpty();
      assertThat(live(b)).containsOnlyKeys("web1", "web2").allSatisfy((n, ids) -> assertThat(ids).hasSize(1));
      assertThat(store.get("web1").flatMap(Node::placeOfVm).map(Place::profile)).contains("b");
      assertThat(events.moves()).extracting(VmListener.Move::describe).containsExactlyInAnyOrder(
          "web1: a has no capacity; trying b", "web2: a has no capacity; trying b");
      assertThat(events.moves()).allSatisfy(m -> assertThat(m.reason()).contains("InsufficientInstanceCapacity"));
    }
  }

  @Test
  void aVmFailedForCapacityWithNoPlaceLeftStaysForTheUserToSee() {
    Profile a = fake("a", Map.of("capacity", "0", "capacity_fails", "boot"), List.of(), List.of());
    try (VmClient client = client(a)) {
      assertThatThrownBy(() -> client.start(Node.builder("web1").build()))
          .isInstanceOf(dev.flotilla.vm.InstanceFailedException.class).hasMessageContaining("no host has room");
      assertThat(live(a)).as("no place to go: the VM stays, recorded, for the user to look at").hasSize(1);
      assertThat(events.moves()).isEmpty();
    }
  }

  @Test
  void aVmAnEarlierStartLeftFailedForCapacityIsReplacedByTheNextStart() {
    Map<String, String> full = Map.of("capacity", "0", "capacity_fails", "boot");
    Profile b = fake("b", Map.of(), List.of(), List.of());
    try (VmClient alone = client(fake("a", full, List.of(), List.of()), b)) { // no fallback yet: the VM stays
      assertThatThrownBy(() -> alone.start(Node.builder("web1").build()))
          .isInstanceOf(dev.flotilla.vm.InstanceFailedException.class);
    }
    assertThat(store.get("web1").flatMap(Node::placeOfVm)).as("with several profiles, the record says where")
        .contains(new Place("a", "fake-zone-1"));
    Profile a = fake("a", full, List.of("b"), List.of());
    try (VmClient client = client(a, b)) {
      Instance vm = client.start(Node.builder("web1").build());

      assertThat(vm.tags()).containsEntry(Instance.PROFILE_TAG, "b");
      assertThat(live(a)).isEmpty();
      assertThat(live(b)).containsOnlyKeys("web1");
    }
  }

  @Test
  void aClientWithoutTheProfileANodeMovedToReportsItAndNeverUnbindsIt() {
    Profile a = fake("a", Map.of("capacity", "0"), List.of("b"), List.of());
    Profile b = fake("b", Map.of(), List.of(), List.of());
    String id;
    try (VmClient client = client(a, b)) {
      id = client.start(Node.builder("web1").build()).id();
    }
    try (VmClient onlyA = VmClient.builder().profile(fake("a", Map.of(), List.of(), List.of())).store(store).build()) {
      assertThat(onlyA.status().drift()).singleElement().satisfies(d -> {
        assertThat(d.kind()).isEqualTo(dev.flotilla.vm.Drift.Kind.ON_OTHER_PROFILE);
        assertThat(d.command()).isEqualTo("vm --auth b status web1");
      });
      onlyA.reconcile();
      assertThat(store.get("web1").flatMap(Node::vmId)).as("left be: its VM is where this client does not look")
          .contains(id);
      assertThatThrownBy(() -> onlyA.stop(Node.builder("web1").build())).hasMessageContaining("profile 'b'");
    }
  }

  @Test
  void whenEveryPlaceIsFullTheErrorNamesThemAndNothingIsLeft() {
    Profile a = fake("a", Map.of("capacity", "0"), List.of("b"), List.of());
    Profile b = fake("b", Map.of("capacity", "0"), List.of("a"), List.of());
    try (VmClient client = client(a, b)) {
      assertThatThrownBy(() -> client.start(Node.builder("web1").build())).isInstanceOfSatisfying(CloudException.class,
          e -> {
            assertThat(e.kind()).isEqualTo(CloudException.Kind.CAPACITY);
            assertThat(e.getMessage()).contains("node web1").contains("tried a, b").contains("InsufficientInstanceCapacity");
          });
      assertThat(store.get("web1").flatMap(Node::createIntent)).as("each place resolved: nothing was made").isEmpty();
      assertThat(live(a)).isEmpty();
      assertThat(live(b)).isEmpty();
    }
  }

  @Test
  void aBatchMaySplitAcrossPlacesAndEachRecordSaysWhich() {
    Profile a = fake("a", Map.of("capacity", "1"), List.of("b"), List.of());
    Profile b = fake("b", Map.of(), List.of(), List.of());
    try (VmClient client = client(a, b)) {
      client.start(Node.builder("web1").build());
      client.start(List.of(Node.builder("web1").build(), Node.builder("web2").build(), Node.builder("web3").build()));

      assertThat(live(a)).containsOnlyKeys("web1");
      assertThat(live(b)).containsOnlyKeys("web2", "web3").allSatisfy((n, ids) -> assertThat(ids).hasSize(1));
      assertThat(store.get("web1").flatMap(Node::placeOfVm).map(Place::profile)).contains("a");
      assertThat(store.get("web2").flatMap(Node::placeOfVm).map(Place::profile)).contains("b");
      assertThat(store.get("web3").flatMap(Node::placeOfVm).map(Place::profile)).contains("b");
    }
  }
}
