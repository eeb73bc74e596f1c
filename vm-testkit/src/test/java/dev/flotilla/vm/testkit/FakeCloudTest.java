package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.spi.CreateRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The fake cloud's own behaviour, through the SPI: what tests of other code rely on. */
class FakeCloudTest {
  private final VirtualClock clock = VirtualClock.create();
  private final FakeCloud cloud = FakeCloudExtension.defaults(clock).build();

  private List<Instance> create(String... names) {
    return cloud.create(new CreateRequest(Node.builder("spec").build(), List.of(names), "t-" + String.join("-", names),
        Map.of()));
  }

  private State stateOf(String id) {
    return cloud.describe(List.of(id)).get(0).state();
  }

  @Test
  void statesChangeOnTheClock() {
    String id = create("web1").get(0).id();
    assertThat(stateOf(id)).isEqualTo(State.PENDING);
    clock.advance(Duration.ofSeconds(19));
    assertThat(stateOf(id)).isEqualTo(State.PENDING);
    clock.advance(Duration.ofSeconds(1));
    assertThat(stateOf(id)).isEqualTo(State.RUNNING);

    cloud.stop(List.of(id), false);
    assertThat(stateOf(id)).isEqualTo(State.STOPPING);
    clock.advance(Duration.ofSeconds(10));
    assertThat(stateOf(id)).isEqualTo(State.STOPPED);

    cloud.terminate(List.of(id));
    clock.advance(Duration.ofSeconds(5));
    Instance gone = cloud.describe(List.of(id)).get(0);
    assertThat(gone.state()).isEqualTo(State.TERMINATED);
    assertThat(gone.publicAddress()).isEmpty();
    clock.advance(Duration.ofHours(1));
    assertThat(cloud.describe(List.of(id))).as("terminated VMs vanish after an hour").isEmpty();
  }

  @Test
  void theStratusLabTypesWithM1SmallAsDefault() {
    assertThat(cloud.types()).extracting(InstanceType::name)
        .containsExactly("c1.medium", "c1.xlarge", "m1.large", "m1.small", "m1.xlarge", "t1.micro");
    assertThat(cloud.types()).filteredOn(InstanceType::isDefault).extracting(InstanceType::name).containsExactly("m1.small");
    assertThat(cloud.types()).contains(new InstanceType("c1.xlarge", 4, 2048, 2048, false));
    assertThat(create("web1").get(0).type()).contains("m1.small");
    assertThat(cloud.images()).isNotEmpty();
  }

  @Test
  void badImagesAndTypesAreInvalidRequestsThatListWhatExists() {
    CreateRequest badImage = new CreateRequest(Node.builder("spec").image("windows").build(), List.of("a"), "t1", Map.of());
    CreateRequest badType = new CreateRequest(Node.builder("spec").type("huge").build(), List.of("a"), "t2", Map.of());
    assertThatThrownBy(() -> cloud.create(badImage)).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST)).hasMessageContaining("debian-12");
    assertThatThrownBy(() -> cloud.create(badType)).hasMessageContaining("m1.small");
  }

  @Test
  void theSameTokenReturnsTheSameVms() {
    List<Instance> first = create("a", "b");
    List<Instance> again = create("a", "b");
    assertThat(again).extracting(Instance::id).containsExactlyElementsOf(first.stream().map(Instance::id).toList());
    assertThat(cloud.liveCount()).isEqualTo(2);
  }

  @Test
  void newVmsCarryTheirNodeTagAndTheRequestTags() {
    Instance vm = cloud.create(new CreateRequest(Node.builder("spec").build(), List.of("web7"), "t",
        Map.of(Instance.PROFILE_TAG, "lab"))).get(0);
    assertThat(vm.tags()).containsEntry(Instance.NODE_TAG, "web7").containsEntry(Instance.PROFILE_TAG, "lab");
    cloud.tag(vm.id(), Map.of("owner", "ops"));
    assertThat(cloud.list().get(0).tags()).containsEntry("owner", "ops");
  }

  @Test
  void eachInjectedFaultFailsExactlyTheCallsAskedFor() {
    cloud.failNext(FakeCloud.Op.DESCRIBE, 2, Kind.TRANSIENT);
    assertThatThrownBy(() -> cloud.describe(List.of())).hasMessageContaining("TRANSIENT");
    assertThatThrownBy(() -> cloud.describe(List.of())).hasMessageContaining("InternalError");
    assertThat(cloud.describe(List.of())).isEmpty();
    assertThat(cloud.callCount(FakeCloud.Op.DESCRIBE)).as("failed calls are counted too").isEqualTo(3);

    for (Kind kind : Kind.values()) {
      cloud.failNext(FakeCloud.Op.LIST, 1, kind);
      assertThatThrownBy(cloud::list).isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }
  }

  @Test
  void throttlingAnswersAboutTheShareAskedFor() {
    cloud.throttle(0.25);
    int throttled = 0;
    for (int i = 0; i < 2000; i++) {
      try {
        cloud.list();
      } catch (CloudException e) {
        assertThat(e.kind()).isEqualTo(Kind.THROTTLED);
        throttled++;
      }
    }
    assertThat(throttled).isBetween(400, 600);
  }

  @Test
  void hiddenVmsAppearAfterTheirDelay() {
    cloud.hideNewVms(Duration.ofSeconds(3));
    String id = create("web1").get(0).id();
    assertThat(cloud.describe(List.of(id))).isEmpty();
    assertThat(cloud.list()).isEmpty();
    assertThatThrownBy(() -> cloud.tag(id, Map.of("a", "b"))).hasMessageContaining("InvalidInstanceID.NotFound");
    clock.advance(Duration.ofSeconds(3));
    assertThat(cloud.describe(List.of(id))).hasSize(1);
  }

  @Test
  void failedBootsAndBrokenVmsGoToError() {
    cloud.failNextBoots(1, "No valid host was found");
    List<Instance> vms = create("a", "b");
    clock.advance(Duration.ofSeconds(20));
    assertThat(stateOf(vms.get(0).id())).isEqualTo(State.ERROR);
    assertThat(stateOf(vms.get(1).id())).isEqualTo(State.RUNNING);
    assertThat(cloud.describe(List.of(vms.get(0).id())).get(0).fault()).contains("No valid host was found");

    cloud.breakVm(vms.get(1).id(), "kernel panic");
    assertThat(stateOf(vms.get(1).id())).isEqualTo(State.ERROR);
    assertThatThrownBy(() -> cloud.start(List.of(vms.get(1).id()))).hasMessageContaining("IncorrectInstanceState")
        .hasMessageContaining("allows [DESTROY]");
  }

  @Test
  void snapshotsTakeTimeAndAMaximumTrimsTheOldest() {
    FakeCloud limited = FakeCloudExtension.defaults(clock).maxSnapshots(2).build();
    String id = limited.create(new CreateRequest(Node.builder("spec").build(), List.of("a"), "t", Map.of())).get(0).id();
    clock.advance(Duration.ofSeconds(20));

    dev.flotilla.vm.spi.Snapshots snapshots = limited.snapshots().orElseThrow();
    Snapshot s1 = snapshots.take(id, "s1", SnapshotOptions.DISK);
    assertThat(s1.status()).isEqualTo(Snapshot.Status.CREATING);
    clock.advance(Duration.ofSeconds(5));
    assertThat(snapshots.chain(id).get(s1.id()).map(Snapshot::status)).contains(Snapshot.Status.READY);
    snapshots.take(id, "s2", SnapshotOptions.DISK);
    snapshots.take(id, "s3", SnapshotOptions.DISK);
    assertThat(snapshots.chain(id).snapshots()).extracting(Snapshot::name).containsExactly("s2", "s3");
    assertThatThrownBy(() -> snapshots.revert(id, snapshots.chain(id).current().orElseThrow().id()))
        .hasMessageContaining("CREATING");
  }

  @Test
  void theCallLogNamesOperationsAndIds() {
    String id = create("a").get(0).id();
    cloud.describe(List.of(id));
    assertThat(cloud.calls()).extracting(FakeCloud.Call::op).containsExactly(FakeCloud.Op.CREATE, FakeCloud.Op.DESCRIBE);
    assertThat(cloud.calls().get(1).ids()).containsExactly(id);
    assertThat(FakeCloud.Op.of("deleteSnapshot")).isEqualTo(FakeCloud.Op.DELETE_SNAPSHOT);
    assertThatThrownBy(() -> FakeCloud.Op.of("explode")).hasMessageContaining("describe");
  }

  @Test
  void isSafeUnderConcurrentUse() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<Instance>>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          List<Instance> mine = new ArrayList<>();
          for (int i = 0; i < 100; i++) {
            mine.addAll(create("n" + thread + "-" + i));
            cloud.describe(List.of(mine.get(mine.size() - 1).id()));
          }
          return mine;
        }));
      }
      List<String> ids = new ArrayList<>();
      for (Future<List<Instance>> f : futures) {
        f.get().forEach(i -> ids.add(i.id()));
      }
      assertThat(ids).hasSize(800).doesNotHaveDuplicates();
      assertThat(cloud.liveCount()).isEqualTo(800);
      assertThat(cloud.callCount()).isEqualTo(1600);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theFactoryReadsItsSettingsAndRefusesBadOnes() {
    FakeCloudFactory factory = new FakeCloudFactory();
    assertThat(factory.settings()).containsKeys("boot_seconds", "max_snapshots");
    assertThat(factory.open(Profile.builder("p", "fake").setting("boot_seconds", "3").build())).isInstanceOf(FakeCloud.class);
    assertThatThrownBy(() -> factory.open(Profile.builder("p", "fake").setting("boot_seconds", "soon").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("profiles.p.boot_seconds")
        .hasMessageContaining("'soon'");
  }
}
