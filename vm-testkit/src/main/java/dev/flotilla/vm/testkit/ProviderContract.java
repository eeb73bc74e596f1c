package dev.flotilla.vm.testkit;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What every provider must do, stated once. Each adapter module extends this class and runs it against a
 * server that speaks its cloud's protocol on 127.0.0.1; {@link FakeCloud} runs it too. Behaviour behind a
 * capability is checked only where the provider has it: its facet, or the trait it declares.
 *
 * <p>Every node a test makes carries this run's unique prefix, and whatever is left is destroyed after
 * each test.
 */
public abstract class ProviderContract {
  private final String prefix = "ct" + UUID.randomUUID().toString().substring(0, 6);
  private Provider provider;
  private VmClient client;
  private final dev.flotilla.vm.store.NodeStore store = new dev.flotilla.vm.store.InMemoryNodeStore();

  /** Opens the provider under test; called before each test. */
  protected abstract Provider openProvider();

  /**
   * A builder for a node this provider can create: override to set an image and type it has.
   *
   * @param name a node name unique to this test run
   */
  protected Node.Builder node(String name) {
    return Node.builder(name);
  }

  /** An id in this provider's format that names no VM. */
  protected String unknownId() {
    return "vm-does-not-exist";
  }

  /** A client on {@code p}; the default waits on the real clock with short polls. */
  protected VmClient.Builder clientBuilder(Provider p) {
    return VmClient.builder().provider(p).waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(2))
        .initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofSeconds(1)).visibilityGrace(Duration.ofSeconds(30))
            .build());
  }

  /** The provider under test. */
  protected final Provider provider() {
    return provider;
  }

  /** The client on the provider under test. */
  protected final VmClient client() {
    return client;
  }

  @BeforeEach
  final void openContract() {
    provider = openProvider();
    client = clientBuilder(provider).store(store).build();
  }

  @AfterEach
  final void cleanUpContract() {
    try {
      List<String> left = provider.list().stream()
          .filter(i -> i.state() != State.TERMINATED && i.nodeName().filter(n -> n.startsWith(prefix)).isPresent())
          .map(Instance::id).toList();
      if (!left.isEmpty()) {
        provider.terminate(left);
      }
    } finally {
      client.close();
      provider.close();
    }
  }

  private Node named(String suffix) {
    return node(prefix + "-" + suffix).build();
  }

  private boolean can(Capability c) {
    return client.capabilities(named("capabilities")).contains(c);
  }

  /**
   * An instance type this provider has besides the one {@link #node} gives, for the resize behaviour; null
   * (the default) leaves it out.
   */
  protected String otherType() {
    return null;
  }

  /**
   * Makes the cloud full, as its test server can (no room for one more VM), for the capacity behaviour, and
   * returns what gives the room back; null (the default) where the test cannot, which leaves it out.
   */
  protected Runnable fill() {
    return null;
  }

  @Test
  void aFullCloudSaysSoInItsOwnWordsAndLeavesNothingBehind() {
    Runnable unfill = fill();
    assumeTrue(unfill != null, "the test cannot fill this cloud");
    Node spec = named("full");
    try {
      client.start(spec);
      org.junit.jupiter.api.Assertions.fail("a full cloud made a VM");
    } catch (dev.flotilla.vm.CloudException refused) { // refused at once, as EC2 does
      assertThat(refused.kind()).as("%s", refused).isEqualTo(dev.flotilla.vm.CloudException.Kind.CAPACITY);
      assertThat(client.record(spec.name()).flatMap(Node::createIntent)).as("resolved: nothing was made").isEmpty();
      assertThat(provider.list()).noneMatch(vm -> vm.nodeName().equals(java.util.Optional.of(spec.name()))
          && vm.state() != State.TERMINATED && vm.state() != State.TERMINATING);
    } catch (dev.flotilla.vm.InstanceFailedException failed) { // made, then failed, as Nova and CloudStack tell it
      assertThat(failed.failed()).singleElement().satisfies(vm -> assertThat(provider.failedForCapacity(vm))
          .as("%s", vm).isTrue());
    } finally {
      unfill.run();
    }
  }

  @Test
  void operationsAreFacetsAndTraitsAreNoOperation() {
    assertThat(provider.traits()).as("an operation is said by its facet alone").noneMatch(Capability::operation);
    assertThat(dev.flotilla.vm.spi.Capabilities.of(provider)).as("asked twice, the same (probed once)")
        .isEqualTo(dev.flotilla.vm.spi.Capabilities.of(provider))
        .containsAll(provider.traits());
  }

  @Test
  void startCreatesOneRunningVmPerNodeTaggedWithItsNode() {
    List<Node> nodes = List.of(named("a"), named("b"), named("c"));
    List<Instance> vms = client.start(nodes);

    assertThat(vms).hasSize(3);
    assertThat(vms.stream().map(Instance::id).distinct()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(vms.get(i)).isRunning().belongsTo(nodes.get(i).name());
      assertThat(client.record(nodes.get(i).name()).flatMap(Node::vmId)).contains(vms.get(i).id());
    }
  }

  @Test
  void describeAnswersManyIdsAtOnceAndLeavesOutUnknownOnes() {
    List<Instance> vms = client.start(List.of(named("a"), named("b")));
    List<String> ids = List.of(vms.get(0).id(), unknownId(), vms.get(1).id());

    List<Instance> seen = provider.describe(ids);

    assertThat(seen).extracting(Instance::id).containsExactlyInAnyOrder(vms.get(0).id(), vms.get(1).id());
  }

  @Test
  void listShowsTheVmsWithTheirNodeTags() {
    Instance vm = client.start(named("listed"));

    assertThat(provider.list()).anySatisfy(i -> {
      assertThat(i.id()).isEqualTo(vm.id());
      assertThat(i).belongsTo(prefix + "-listed");
    });
  }

  @Test
  void startingARunningNodeKeepsItsVm() {
    Node n = named("again");
    Instance first = client.start(n);
    Instance second = client.start(n);

    assertThat(second.id()).isEqualTo(first.id());
    assertThat(second).isRunning();
  }

  @Test
  void stopThenStartKeepsTheSameVm() {
    assumeTrue(can(Capability.STOP_START), "provider cannot stop and start");
    Node n = named("cycle");
    Instance vm = client.start(n);

    assertThat(client.stop(n)).isStopped();
    assertThat(client.stop(n)).isStopped(); // stopping a stopped VM is a no-op
    Instance again = client.start(n);

    assertThat(again).isRunning();
    assertThat(again.id()).isEqualTo(vm.id());
  }

  @Test
  void forceStopStops() {
    assumeTrue(can(Capability.STOP_START), "provider cannot stop and start");
    Node n = named("forced");
    client.start(n);

    assertThat(client.forceStop(n)).isStopped();
  }

  @Test
  void rebootComesBackRunning() {
    assumeTrue(can(Capability.REBOOT), "provider cannot reboot");
    Node n = named("reboot");
    Instance vm = client.start(n);

    Instance after = client.reboot(n);

    assertThat(after).isRunning();
    assertThat(after.id()).isEqualTo(vm.id());
  }

  @Test
  void destroyIsIdempotentAndForgetsTheBinding() {
    Node n = named("gone");
    Instance vm = client.start(n);

    client.destroy(n);
    client.destroy(n);
    provider.terminate(List.of(vm.id()));

    assertThat(client.status(n)).isEmpty();
    assertThat(client.record(n.name()).map(Node::isBound)).contains(false);
    assertThat(provider.describe(List.of(vm.id()))).allSatisfy(i -> assertThat(i.state())
        .isIn(State.TERMINATING, State.TERMINATED));
  }

  @Test
  void actionsOnAnUnknownVmAreNotFound() {
    assertThat(provider.describe(List.of(unknownId()))).isEmpty();
    Runnable action = can(Capability.STOP_START) ? () -> provider.stop(List.of(unknownId()), false)
        : can(Capability.REBOOT) ? () -> provider.reboot(List.of(unknownId())) : null;
    assumeTrue(action != null, "provider can neither stop nor reboot");
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.kind())
            .isEqualTo(CloudException.Kind.NOT_FOUND));
  }

  @Test
  void aRepeatedCreateWithTheSameTokenMakesNoSecondVm() {
    assumeTrue(can(Capability.IDEMPOTENT_CREATE), "provider has no idempotent create");
    Node spec = named("token");
    CreateRequest request = new CreateRequest(spec, List.of(spec.name()), prefix + "-token-1", Map.of());

    List<Instance> first = provider.create(request);
    List<Instance> second = provider.create(request);

    assertThat(second).extracting(Instance::id).containsExactlyElementsOf(first.stream().map(Instance::id).toList());
  }

  @Test
  void aLeaseIsWrittenWithTheCreateAndAReaperEndsItWithOneListAndOneDestroy() {
    assumeTrue(can(Capability.TAGS), "provider has no tags");
    Node leased = named("leased").toBuilder().lease(Duration.ofMinutes(5)).build();
    Instance vm = client.start(leased);
    Node unleased = named("unleased");
    Instance kept = client.start(unleased);
    assertThat(provider.describe(List.of(vm.id()))).singleElement().satisfies(i -> assertThat(i.tags())
        .containsKeys(dev.flotilla.vm.Lease.EXPIRES_TAG, dev.flotilla.vm.Lease.SESSION_TAG));
    assertThat(client.record(leased.name()).flatMap(Node::leaseOfVm)).isPresent();

    // ten minutes on, from where no record of either is (another host, a CI workspace thrown away)
    try (VmClient later = clientBuilder(provider).store(new dev.flotilla.vm.store.InMemoryNodeStore())
        .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofMinutes(10))).build()) {
      assertThat(dev.flotilla.vm.Reaper.of(later).reap()).extracting(dev.flotilla.vm.Reaper.Reaped::vmId)
          .contains(vm.id()).doesNotContain(kept.id());
    }
    assertThat(provider.describe(List.of(kept.id()))).singleElement()
        .satisfies(i -> assertThat(i.state()).isEqualTo(State.RUNNING));
    assertThat(provider.describe(List.of(vm.id()))).allSatisfy(i -> assertThat(i.state())
        .isIn(State.TERMINATING, State.TERMINATED));
  }

  @Test
  void bindRefusesAnotherNodesVmAndWithForceMovesAndTagsIt() {
    assumeTrue(can(Capability.TAGS), "provider has no tags");
    Node orig = named("orig");
    Instance vm = client.start(orig);
    Node other = named("adopted");

    assertThatThrownBy(() -> client.bind(other, vm.id())).isInstanceOf(dev.flotilla.vm.OwnershipException.class)
        .hasMessageContaining(orig.name()).hasMessageContaining(other.name());
    assertThat(provider.describe(List.of(vm.id()))).singleElement().satisfies(i -> assertThat(i).belongsTo(orig
        .name()));

    try (VmClient forcing = clientBuilder(provider).force(true).store(store).build()) {
      Node bound = forcing.bind(other, vm.id());
      assertThat(bound.vmId()).contains(vm.id());
    }
    assertThat(provider.describe(List.of(vm.id()))).singleElement().satisfies(i -> assertThat(i).belongsTo(other
        .name()));
    assertThat(client.record(orig.name()).flatMap(Node::vmId)).as("the VM left its old node").isEmpty();
  }

  /** The {@code Snapshots} facet: a chain that branches and reparents; memory snapshots where the cloud has them. */
  @Nested
  class SnapshotsFacet {
    @BeforeEach
    void onlyWhereTheProviderHasIt() {
      assumeTrue(can(Capability.SNAPSHOTS), "provider has no snapshots");
    }

    @Test
    void snapshotsFormAChainThatBranchesOnRevertAndReparentsOnDelete() {
      Node n = named("snaps");
      client.start(n);

      Snapshot s1 = client.snapshots(n).take("s1");
      Snapshot s2 = client.snapshots(n).take("s2");
      client.snapshots(n).revert("s1");
      Snapshot s3 = client.snapshots(n).take("s3");
      SnapshotChain chain = client.snapshots(n).chain();

      assertThat(chain.parent(s2.id()).map(Snapshot::id)).contains(s1.id());
      assertThat(chain.parent(s3.id()).map(Snapshot::id)).contains(s1.id());
      assertThat(chain.current().map(Snapshot::id)).contains(s3.id());

      client.snapshots(n).delete("s1");
      SnapshotChain after = client.snapshots(n).chain();
      assertThat(after.roots()).extracting(Snapshot::id).containsExactly(s2.id(), s3.id());
    }

    @Test
    void revertToAMemorySnapshotLeavesTheVmRunning() {
      assumeTrue(can(Capability.SNAPSHOT_MEMORY), "provider has no memory snapshots");
      Node n = named("memsnap");
      client.start(n);
      Snapshot warm = client.snapshots(n).take("warm", SnapshotOptions.WITH_MEMORY);
      client.snapshots(n).take("later", SnapshotOptions.WITH_MEMORY);

      assertThat(client.snapshots(n).revert("warm")).isRunning();
      assertThat(client.snapshots(n).chain().current().map(Snapshot::id)).contains(warm.id());
    }
  }

  /** The {@code ImageSaving} facet: a saved image boots new nodes, and only Flotilla's is deleted unforced. */
  @Nested
  class ImageSavingFacet {
    @BeforeEach
    void onlyWhereTheProviderHasIt() {
      assumeTrue(can(Capability.SNAPSHOT_TO_IMAGE), "provider cannot save VMs as images");
    }

    @Test
    void aVmSavedAsAnImageBootsNewNodesAndTheImageCanBeDeleted() {
      Node n = named("golden");
      client.start(n);

      dev.flotilla.vm.Image image = client.images(n).save(prefix + "-golden-image");
      Instance clone = client.start(node(prefix + "-clone").image(image.id()).build());

      assertThat(clone).isRunning();
      assertThat(clone.image()).contains(image.id());
      // the cloud itself says whose image it is, so only an image Flotilla saved is deleted without force
      assertThat(provider.imageSaving().orElseThrow().image(image.id()).flatMap(dev.flotilla.vm.Image::savedFrom))
          .contains(n.name());
      client.images(n).delete(image.id(), false);
      assertThat(provider.images()).extracting(dev.flotilla.vm.Image::id).doesNotContain(image.id());
    }
  }

  /** The {@code HardReboot} facet. */
  @Nested
  class HardRebootFacet {
    @BeforeEach
    void onlyWhereTheProviderHasIt() {
      assumeTrue(can(Capability.HARD_REBOOT), "provider has no hard reboot");
    }

    @Test
    void aHardRebootComesBackRunning() {
      Node n = named("hard");
      Instance vm = client.start(n);

      Instance after = client.forceReboot(n);

      assertThat(after).isRunning();
      assertThat(after.id()).isEqualTo(vm.id());
    }
  }

  /** The {@code Console} facet. */
  @Nested
  class ConsoleFacet {
    @BeforeEach
    void onlyWhereTheProviderHasIt() {
      assumeTrue(can(Capability.CONSOLE_OUTPUT), "provider cannot read consoles");
    }

    @Test
    void consoleOutputOfARunningVmCanBeRead() {
      Node n = named("console");
      client.start(n);

      assertThat(client.console(n).output()).isNotBlank();
    }
  }

  /** The {@code Addresses} facet: a floating address moves between VMs and goes back to its pool. */
  @Nested
  class AddressesFacet {
    @BeforeEach
    void onlyWhereTheProviderHasIt() {
      assumeTrue(can(Capability.FLOATING_IP), "provider has no floating addresses");
    }

    @Test
    void aFloatingAddressMovesBetweenVmsAndGoesBackToItsPool() {
      Node a = named("float-a");
      Node b = named("float-b");
      client.start(List.of(a, b));
      dev.flotilla.vm.FloatingAddress ip = client.addresses(a).allocate(null);
      try {
        assertThat(client.addresses(a).associate(ip.address()).publicAddress()).contains(ip.address());
        client.addresses(a).disassociate(ip.address());
        Instance moved = client.addresses(b).associate(ip.address());

        assertThat(moved.publicAddress()).contains(ip.address());
        assertThat(client.addresses(a).list()).filteredOn(f -> f.address().equals(ip.address()))
            .singleElement().satisfies(f -> assertThat(f.vm()).contains(moved.id()));
        client.addresses(b).disassociate(ip.address());
      } finally {
        client.addresses(a).release(ip.address());
      }
      assertThat(client.addresses(a).list()).extracting(dev.flotilla.vm.FloatingAddress::address)
          .doesNotContain(ip.address());
    }
  }

  /** The {@code StoppedCreation} facet. */
  @Nested
  class StoppedCreationFacet {
    @BeforeEach
    void onlyWhereTheProviderHasIt() {
      assumeTrue(can(Capability.CREATE_STOPPED), "provider cannot make VMs without starting them");
    }

    @Test
    void aVmMadeWithoutStartingIsStoppedAndStartsLaterTheSameVm() {
      Node n = named("cold");

      Instance made = client.create(n);
      assertThat(made).isStopped().belongsTo(n.name());
      assertThat(client.record(n.name()).flatMap(Node::vmId)).contains(made.id());
      assertThat(client.create(n).id()).as("a node that has a VM keeps it").isEqualTo(made.id());

      Instance started = client.start(n);
      assertThat(started).isRunning();
      assertThat(started.id()).isEqualTo(made.id());
    }
  }

  /** The {@code Resizing} facet. */
  @Nested
  class ResizingFacet {
    @BeforeEach
    void onlyWhereTheProviderHasIt() {
      assumeTrue(can(Capability.RESIZE), "provider cannot resize VMs");
    }

    @Test
    void aStoppedVmTakesAnotherTypeAndARunningOneIsRefusedUnlessTheCloudResizesLive() {
      assumeTrue(otherType() != null, "the test names no second instance type");
      Node n = named("resize");
      client.start(n);
      if (!provider.resizing().orElseThrow().live()) {
        assertThatThrownBy(() -> client.resize(n, otherType()))
            .isInstanceOf(dev.flotilla.vm.ForbiddenTransitionException.class).hasMessageContaining("it is running")
            .hasMessageContaining("Stop it first");
      }
      client.stop(n);

      Instance resized = client.resize(n, otherType());

      assertThat(resized).isStopped();
      assertThat(resized.type()).contains(otherType());
      assertThat(client.record(n.name()).flatMap(Node::type)).contains(otherType());
      assertThat(client.start(n)).isRunning();
    }
  }
}
