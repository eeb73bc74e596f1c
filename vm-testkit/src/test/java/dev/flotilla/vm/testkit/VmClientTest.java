package dev.flotilla.vm.testkit;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.ForbiddenTransitionException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceFailedException;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.RetryPolicy;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.UnsupportedCapabilityException;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.WaitTimeoutException;
import dev.flotilla.vm.store.InMemoryNodeStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(FakeCloudExtension.class)
class VmClientTest {
  private static Node node(String name) {
    return Node.builder(name).image("debian-12").type("m1.small").build();
  }

  private static List<Node> nodes(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> node("web" + i)).toList();
  }

  @Test
  void startCreatesWhenUnboundStartsWhenStoppedAndDoesNothingWhenRunning(VmClient client, FakeCloud cloud) {
    Node web = node("web1");
    Instance created = client.start(web);
    assertThat(cloud).hasCallCount("create", 1);

    client.stop(web);
    Instance restarted = client.start(web);
    assertThat(restarted.id()).isEqualTo(created.id());
    assertThat(cloud).hasCallCount("create", 1).hasCallCount("start", 1);

    cloud.clearCalls();
    Instance again = client.start(web);
    assertThat(again).isRunning();
    assertThat(cloud).hasCallCount("create", 0).hasCallCount("start", 0).hasCallCount("describe", 2);
  }

  @Test
  void onlyImagesFlotillaSavedAreDeletedWithoutForce(VmClient client, FakeCloud cloud) {
    Node web = node("web1");
    client.start(web);
    dev.flotilla.vm.Image saved = client.images(web).save("golden");
    assertThat(saved.savedFrom()).contains("web1");
    assertThat(cloud.imageSaving().orElseThrow().image(saved.id()).orElseThrow().tags())
        .containsEntry(Instance.PROFILE_TAG, "fake");

    // an image of someone else's (here a public one) carries no saved-from tag
    assertThatThrownBy(() -> client.images().delete("debian-12")).hasMessageContaining("image debian-12")
        .hasMessageContaining("not saved by Flotilla").hasMessageContaining("--force");
    assertThat(cloud).hasCallCount("deleteImage", 0);
    assertThatThrownBy(() -> client.images().delete("img-missing", false)).isInstanceOfSatisfying(
        CloudException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));

    client.images().delete(saved.id());
    client.images().delete("debian-12", true);
    assertThat(cloud.images()).extracting(dev.flotilla.vm.Image::id).doesNotContain(saved.id(), "debian-12");
  }

  @Test
  void manyNodesCostOneCreateAndOneDescribePerPollRound(VmClient client, FakeCloud cloud, VirtualClock clock) {
    List<Instance> vms = client.start(nodes(4));

    assertThat(vms).allSatisfy(vm -> assertThat(vm).isRunning());
    assertThat(vms).extracting(vm -> vm.nodeName().orElseThrow()).containsExactly("web1", "web2", "web3", "web4");
    assertThat(cloud).hasCallCount("create", 1);
    // Every describe after the create is one poll round for all four VMs; rounds = pauses + 1.
    assertThat(cloud.calls()).filteredOn(c -> c.op() == FakeCloud.Op.DESCRIBE)
        .allSatisfy(c -> assertThat(c.ids()).hasSize(4));
    assertThat(cloud.callCount(FakeCloud.Op.DESCRIBE)).isEqualTo(clock.sleeps() + 1);
  }

  @Test
  void nodesWithDifferentSpecsAreCreatedInOneCallPerSpec(VmClient client, FakeCloud cloud) {
    client.start(List.of(node("a1"), node("a2"), node("b1").toBuilder().type("m1.large").build()));
    assertThat(cloud).hasCallCount("create", 2);
  }

  @Test
  void waitingBacksOffExponentiallyWithJitterOnTheVirtualClock(FakeCloud cloud, VirtualClock clock) {
    // Boot takes 20 s; polls pause 1, 1.5, 2.25, 3.375... s less half jitter at a draw of 0.5 (x0.75).
    VmClient client = cloud.clientBuilder().build();
    client.start(node("web1"));

    List<Long> pauses = cloud.calls().stream().filter(c -> c.op() == FakeCloud.Op.DESCRIBE).map(c -> c.at()
        .toEpochMilli())
        .toList();
    assertThat(pauses).hasSizeGreaterThan(4);
    long first = pauses.get(1) - pauses.get(0);
    long second = pauses.get(2) - pauses.get(1);
    long third = pauses.get(3) - pauses.get(2);
    assertThat(first).isEqualTo(750);
    assertThat(second).isEqualTo(1125);
    assertThat(third).isEqualTo(1687);
    assertThat(clock.slept()).isGreaterThanOrEqualTo(Duration.ofSeconds(20)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void aDeadlineEndsTheWaitWithTargetLastSeenStateAndElapsedTime(FakeCloud cloud) {
    VmClient client = cloud.clientBuilder().waitPolicy(WaitPolicy.DEFAULT.withTimeout(Duration.ofSeconds(5))).build();

    assertThatThrownBy(() -> client.start(node("slow")))
        .isInstanceOfSatisfying(WaitTimeoutException.class, e -> {
          assertThat(e.target()).isEqualTo("RUNNING");
          assertThat(e.lastSeen()).containsValue("PENDING");
          assertThat(e.elapsed()).isEqualTo(Duration.ofSeconds(5));
        })
        .hasMessageContaining("Timed out after 5000 ms").hasMessageContaining("RUNNING")
            .hasMessageContaining("PENDING");
    assertThat(client.record("slow").map(Node::isBound)).as("the binding is kept for a later wait").contains(true);
  }

  @Test
  void aVmGoingToErrorFailsTheWaitAtOnce(VmClient client, FakeCloud cloud, VirtualClock clock) {
    cloud.failNextBoots(1, "No valid host was found");
    var start = clock.instant();

    assertThatThrownBy(() -> client.start(nodes(3)))
        .isInstanceOfSatisfying(InstanceFailedException.class, e -> assertThat(e.instance()).isInError())
        .hasMessageContaining("web1").hasMessageContaining("No valid host was found")
        .hasMessageContaining("remove it with 'vm rm web1'");
    assertThat(Duration.between(start, clock.instant())).isLessThan(Duration.ofSeconds(30));
    assertThat(client.record("web1").flatMap(Node::vmId)).as("still recorded, so it can be destroyed").isPresent();
  }

  @Test
  void startRefusesAVmInErrorNamingWhatItAllows(VmClient client, FakeCloud cloud) {
    Instance vm = client.start(node("web1"));
    cloud.breakVm(vm.id(), "disk failure");

    assertThatThrownBy(() -> client.start(node("web1"))).isInstanceOf(ForbiddenTransitionException.class)
        .hasMessageContaining("Cannot start VM " + vm.id() + " of node web1: it is error (from error it can destroy).");
    client.destroy(node("web1"));
    assertThat(client.start(node("web1")).id()).isNotEqualTo(vm.id());
  }

  @Test
  void forbiddenActionsSayWhatTheStateAllows(VmClient client) {
    Node web = node("web1");
    client.start(web);
    client.stop(web);

    // in words, with the step that makes the action possible and the command that takes it
    assertThatThrownBy(() -> client.reboot(web)).isInstanceOf(ForbiddenTransitionException.class)
        .hasMessageContaining("Cannot reboot VM vm-000001 of node web1: it is stopped (from stopped it can start,"
            + " destroy, snapshot, revert, resize). Start it first: vm start web1");
    client.start(web);
    assertThatThrownBy(() -> client.resize(web, "m1.large")).isInstanceOf(ForbiddenTransitionException.class)
        .hasMessageContaining("Cannot resize VM vm-000001 of node web1: it is running")
        .hasMessageContaining("Stop it first: vm stop web1");
    // a call that needs a VM names itself, not another action
    assertThatThrownBy(() -> client.stop(node("never"))).isInstanceOf(ForbiddenTransitionException.class)
        .hasMessageContaining("Cannot stop node never: it has no VM").hasMessageContaining("vm start never");
    assertThatThrownBy(() -> client.console(node("never")).output()).isInstanceOf(ForbiddenTransitionException.class)
        .hasMessageContaining("Cannot read the console of node never: it has no VM");
  }

  @Test
  void aRefusalOffersOnlyWhatTheVmsCloudCanDo() {
    FakeCloud plain = FakeCloud.builder().without(Capability.SNAPSHOTS).build();
    VmClient client = plain.clientBuilder().build();
    Node web = node("web1");
    client.start(web);
    client.stop(web);

    assertThatThrownBy(() -> client.reboot(web)).isInstanceOf(ForbiddenTransitionException.class)
        .hasMessageContaining("(from stopped it can start, destroy, resize)");
  }

  @Test
  void destroyingAnUnboundOrDestroyedNodeIsANoOp(VmClient client, FakeCloud cloud) {
    client.destroy(node("never"));
    Node web = node("web1");
    client.start(web);
    client.destroy(web);
    client.destroy(web);
    assertThat(cloud).hasCallCount("terminate", 1).hasLiveVms(0);
  }

  @Test
  void newVmsHiddenFromDescribeAreWaitedForNotCreatedAgain(VmClient client, FakeCloud cloud) {
    cloud.hideNewVms(Duration.ofSeconds(8));

    List<Instance> vms = client.start(nodes(3));

    assertThat(vms).allSatisfy(vm -> assertThat(vm).isRunning());
    assertThat(cloud).hasCallCount("create", 1).hasLiveVms(3);
  }

  @Test
  void aVmThatStaysInvisibleBeyondTheGracePeriodIsReportedGone(FakeCloud cloud) {
    cloud.hideNewVms(Duration.ofMinutes(5));
    VmClient client = cloud.clientBuilder().build();

    assertThatThrownBy(() -> client.start(node("ghost"))).isInstanceOf(InstanceFailedException.class)
        .hasMessageContaining("no longer knows");
  }

  @Test
  void throttlingIsRetriedAndNeverMultipliesVms(FakeCloud cloud) {
    cloud.throttle(0.4);
    VmClient client = cloud.clientBuilder().retryPolicy(RetryPolicy.builder().maxAttempts(20).baseDelay(Duration
        .ofMillis(100)).maxDelay(Duration.ofSeconds(2)).build())
        .build();

    List<Instance> vms = client.start(nodes(10));

    assertThat(vms).hasSize(10).allSatisfy(vm -> assertThat(vm).isRunning());
    cloud.throttle(0);
    assertThat(cloud).hasLiveVms(10);
    assertThat(cloud.callCount(FakeCloud.Op.CREATE)).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aTransientCreateFailureIsRetriedWithTheSameToken(VmClient client, FakeCloud cloud) {
    cloud.failNext(FakeCloud.Op.CREATE, 2, Kind.TRANSIENT);

    client.start(nodes(2));

    assertThat(cloud).hasCallCount("create", 3).hasLiveVms(2);
  }

  @Test
  void authenticationErrorsAreNotRetried(VmClient client, FakeCloud cloud) {
    cloud.failNext(FakeCloud.Op.CREATE, 1, Kind.AUTHENTICATION);

    assertThatThrownBy(() -> client.start(node("web1"))).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION);
      assertThat(e.retryable()).isFalse();
      assertThat(e.code()).contains("AuthFailure");
    });
    assertThat(cloud).hasCallCount("create", 1).hasLiveVms(0);
  }

  @Test
  void retriesGiveUpAfterTheirBudget(FakeCloud cloud) {
    cloud.failNext(FakeCloud.Op.CREATE, 10, Kind.THROTTLED);
    VmClient client = cloud.clientBuilder().retryPolicy(RetryPolicy.builder().maxAttempts(3).baseDelay(Duration
        .ofMillis(100)).maxDelay(Duration.ofSeconds(1)).build())
        .build();

    assertThatThrownBy(() -> client.start(node("web1"))).isInstanceOf(CloudException.class)
        .hasMessageContaining("THROTTLED").hasMessageContaining("RequestLimitExceeded");
    assertThat(cloud).hasCallCount("create", 3);
  }

  @Test
  void restartingADestroyedNodeMakesANewVmDespiteTheSpentToken(VmClient client, FakeCloud cloud) {
    Node web = node("web1");
    Instance first = client.start(web);
    client.destroy(web);

    Instance second = client.start(web);

    assertThat(second.id()).isNotEqualTo(first.id());
    assertThat(second).isRunning();
    assertThat(cloud).hasLiveVms(1);
  }

  @Test
  void aStartThatAnotherCallStopsMeanwhileEndsInsteadOfWaitingForItsDeadline(FakeCloud cloud, VirtualClock clock) {
    InMemoryNodeStore store = new InMemoryNodeStore();
    VmClient other = cloud.clientBuilder().store(store).build();
    boolean[] stopped = {false};
    // boot takes 20 s: ten seconds into the wait, another caller stops the VM (vm stop marks the record first)
    VmClient client = cloud.clientBuilder().store(store).listener(new dev.flotilla.vm.VmListener() {
      @Override
      public void onProgress(Progress p) {
        if (!stopped[0] && p.done() == 0 && p.elapsed().toSeconds() >= 10) {
          stopped[0] = true;
          other.forceStop(node("web1"));
        }
      }
    }).build();
    java.time.Instant before = clock.instant();

    Instance vm = client.start(node("web1"));

    assertThat(stopped[0]).isTrue();
    assertThat(vm.state()).isEqualTo(State.STOPPED);
    assertThat(java.time.Duration.between(before, clock.instant())).as("not the wait's 10 minutes")
        .isLessThan(java.time.Duration.ofMinutes(1));
    assertThat(store.get("web1").flatMap(Node::vmId)).contains(vm.id());
  }

  @Test
  void aStopThatAnotherCallStartsMeanwhileEndsInsteadOfWaitingForItsDeadline(VirtualClock clock) {
    // stopping takes 20 s: ten seconds into the wait, another caller starts the VM again (which clears the mark)
    FakeCloud slow = FakeCloudExtension.defaults(clock).stopTime(java.time.Duration.ofSeconds(20)).build();
    InMemoryNodeStore store = new InMemoryNodeStore();
    VmClient other = slow.clientBuilder().store(store).build();
    other.start(node("web1"));
    boolean[] started = {false};
    VmClient client = slow.clientBuilder().store(store).listener(new dev.flotilla.vm.VmListener() {
      @Override
      public void onProgress(Progress p) {
        if (!started[0] && p.done() == 0 && p.elapsed().toSeconds() >= 10) {
          started[0] = true;
          clock.advance(java.time.Duration.ofSeconds(15)); // the stop has taken effect: the VM is STOPPED
          other.start(node("web1"));
        }
      }
    }).build();
    java.time.Instant before = clock.instant();

    Instance vm = client.stop(node("web1"));

    assertThat(started[0]).isTrue();
    assertThat(vm.state()).isEqualTo(State.RUNNING);
    assertThat(java.time.Duration.between(before, clock.instant())).as("not the wait's 10 minutes")
        .isLessThan(java.time.Duration.ofMinutes(2));
  }

  /** A client on {@code cloud} for which {@code race} happens once, after the call's first look and before its wait. */
  private static VmClient racing(FakeCloud cloud, VirtualClock clock, InMemoryNodeStore store, Runnable race) {
    int[] looks = {0};
    ForwardingProvider raced = new ForwardingProvider(cloud) {
      @Override
      public List<Instance> describe(java.util.Collection<String> ids) {
        if (++looks[0] == 2) {
          race.run();
        }
        return super.describe(ids);
      }
    };
    return VmClient.builder().provider(raced).store(store).clock(clock).sleeper(clock).random(() -> 0.5).build();
  }

  @Test
  void aStartThatClearedARacingStopsMarkBeforeThatStopActedStartsTheVmAgain(FakeCloud cloud, VirtualClock clock) {
    InMemoryNodeStore store = new InMemoryNodeStore();
    VmClient other = cloud.clientBuilder().store(store).build();
    Instance vm = other.start(node("web1"));
    // a racing vm stop has marked the record, and acts only after this start looked (found it running) and
    // cleared the mark, while the start waits: no mark says the stop was wanted, so the start wins
    store.update("web1", r -> r.withRecord(r.record().toBuilder().stoppedAt(clock.instant()).build()));
    boolean[] stopped = {false};
    VmClient client = racing(cloud, clock, store, () -> {
      stopped[0] = true;
      cloud.stop(List.of(vm.id()), true);
    });
    cloud.clearCalls();
    java.time.Instant before = clock.instant();

    Instance running = client.start(node("web1"));

    assertThat(stopped[0]).isTrue();
    assertThat(running).isRunning();
    assertThat(cloud).hasCallCount("start", 1).hasLiveVms(1);
    assertThat(store.get("web1").flatMap(Node::stoppedAt)).isEmpty();
    assertThat(java.time.Duration.between(before, clock.instant())).as("not the wait's 10 minutes")
        .isLessThan(java.time.Duration.ofMinutes(3));
  }

  @Test
  void aStopThatMarkedAfterARacingStartActedStopsTheVmAgain(FakeCloud cloud, VirtualClock clock) {
    InMemoryNodeStore store = new InMemoryNodeStore();
    VmClient other = cloud.clientBuilder().store(store).build();
    Instance vm = other.start(node("web1"));
    other.stop(node("web1"));
    store.update("web1", r -> r.withRecord(r.record().toBuilder().stoppedAt(null).build())); // a racing start cleared
    boolean[] started = {false};
    VmClient client = racing(cloud, clock, store, () -> { // lands after this stop saw it stopped and marked it
      started[0] = true;
      cloud.start(List.of(vm.id()));
    });
    cloud.clearCalls();

    Instance stopped = client.stop(node("web1"));

    assertThat(started[0]).isTrue();
    assertThat(stopped.state()).isEqualTo(State.STOPPED);
    assertThat(cloud).hasCallCount("stop", 1);
    assertThat(store.get("web1").flatMap(Node::stoppedAt)).isPresent();
  }

  @Test
  void theBindingIsRecordedBeforeWaitingAndAddressesAfter(FakeCloud cloud) {
    InMemoryNodeStore store = new InMemoryNodeStore();
    VmClient client = cloud.clientBuilder().store(store).listener(new dev.flotilla.vm.VmListener() {
      @Override
      public void onTransition(Transition t) {
        if (t.to() == State.PENDING) {
          assertThat(store.get(t.node()).flatMap(Node::vmId)).contains(t.vmId());
        }
      }
    }).build();

    Instance vm = client.start(node("web1"));

    Node record = store.get("web1").orElseThrow();
    assertThat(record.vmId()).contains(vm.id());
    assertThat(record.publicAddress()).isEqualTo(vm.publicAddress());
    assertThat(record.privateAddress()).isEqualTo(vm.privateAddress());
  }

  @Test
  void listenersHearEveryTransitionAndProgress(VmClient client, EventLog events) {
    client.start(nodes(2));

    assertThat(events.transitions()).extracting(t -> t.node() + ":" + t.to())
        .containsExactly("web1:PENDING", "web2:PENDING", "web1:RUNNING", "web2:RUNNING");
    // told when it changes, and every 10 s of a wait in which nothing does
    assertThat(events.progress()).startsWith("0/2 running").endsWith("2/2 running").containsOnly("0/2 running",
        "2/2 running");
    assertThat(events.progress()).as("a boot of 20 virtual seconds is told more than once").filteredOn(
        "0/2 running"::equals).hasSizeGreaterThan(1);
  }

  @Test
  void asyncCallsCompleteOnTheExecutor(FakeCloud cloud) throws Exception {
    VmClient client = cloud.clientBuilder().executor(Runnable::run).build();

    CompletableFuture<List<Instance>> started = client.startAsync(nodes(3));
    assertThat(started.get()).hasSize(3);
    assertThat(client.stopAsync(node("web1")).get()).isStopped();
    client.destroyAsync(nodes(3)).get();
    assertThat(cloud).hasLiveVms(0);

    cloud.failNext(FakeCloud.Op.CREATE, 1, Kind.INVALID_REQUEST);
    assertThat(client.startAsync(node("x1"))).isCompletedExceptionally();
  }

  @Test
  void bindAdoptsAnExistingVm(VmClient client, FakeCloud cloud) {
    Instance vm = client.start(node("old"));
    cloud.tag(vm.id(), Map.of(Instance.NODE_TAG, "")); // as a VM made outside Flotilla: no node name
    client.unbind(node("old"));

    Node adopted = client.bind(node("new"), vm.id());

    assertThat(adopted.vmId()).contains(vm.id());
    assertThat(client.status(node("new")).orElseThrow()).belongsTo("new");
    assertThatThrownBy(() -> client.bind(node("x"), "vm-999999")).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND)).hasMessageContaining("vm-999999");
  }

  @Test
  void snapshotsWaitUntilReadyAndFollowTheChain(VmClient client, FakeCloud cloud) {
    Node db = node("db1");
    client.start(db);

    Snapshot s1 = client.snapshots(db).take("before-upgrade", SnapshotOptions.WITH_MEMORY);
    assertThat(s1.status()).isEqualTo(Snapshot.Status.READY);
    assertThat(s1.includesMemory()).isTrue();
    client.snapshots(db).take("after-upgrade");

    Instance reverted = client.snapshots(db).revert("before-upgrade");
    assertThat(reverted).isRunning();
    assertThat(client.snapshots(db).chain().current().map(Snapshot::name)).contains("before-upgrade");

    Instance disk = client.snapshots(db).revert("after-upgrade");
    assertThat(disk).as("a disk-only snapshot comes back stopped").isStopped();

    client.snapshots(db).delete("before-upgrade");
    assertThat(client.snapshots(db).chain().roots()).extracting(Snapshot::name)
        .containsExactly("after-upgrade");
    assertThatThrownBy(() -> client.snapshots(db).revert("nope")).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("no snapshot 'nope'").hasMessageContaining("after-upgrade");
  }

  @Test
  void destroyingAVmTakesItsSnapshotsAlong(VmClient client, FakeCloud cloud) {
    Node db = node("db1");
    Instance vm = client.start(db);
    client.snapshots(db).take("s1");
    client.destroy(db);

    assertThat(cloud.snapshots().orElseThrow().chain(vm.id()).isEmpty()).isTrue();
  }

  @Test
  void aProviderWithoutACapabilitySaysWhichAndWhere(VirtualClock clock) {
    FakeCloud plain = FakeCloudExtension.defaults(clock).api("plain")
        .without(Capability.SNAPSHOTS, Capability.SNAPSHOT_MEMORY)
        .build();
    VmClient client = plain.clientBuilder().build();
    client.start(node("web1"));

    assertThatThrownBy(() -> client.snapshots(node("web1")).take("s1")).isInstanceOfSatisfying(
        UnsupportedCapabilityException.class, e -> {
          assertThat(e.capability()).isEqualTo(Capability.SNAPSHOTS);
          assertThat(e.provider()).isEqualTo("plain");
        }).hasMessageContaining("'plain' provider does not support VM snapshots");
  }

  /** Each operation's facet is its capability: taking one away takes the facet, the capability and the call. */
  @ParameterizedTest
  @EnumSource(value = Capability.class, names = {"SNAPSHOTS", "SNAPSHOT_TO_IMAGE", "RESIZE", "CREATE_STOPPED",
      "KEY_IMPORT", "FLOATING_IP", "CONSOLE_OUTPUT", "HARD_REBOOT"})
  void anOperationTheCloudLacksIsGoneEverywhereAndItsCallSaysSo(Capability lacking, VirtualClock clock) {
    FakeCloud full = FakeCloudExtension.defaults(clock).build();
    FakeCloud without = FakeCloudExtension.defaults(clock).api("plain").without(lacking).build();
    assertThat(dev.flotilla.vm.spi.Capabilities.of(full)).contains(lacking);
    assertThat(dev.flotilla.vm.spi.Capabilities.of(without)).doesNotContain(lacking);
    assertThat(full.traits()).as("operations are facets, never traits").noneMatch(Capability::operation);

    VmClient client = without.clientBuilder().build();
    Node web = node("web1");
    client.start(web);
    Map<Capability, Runnable> calls = Map.of(
        Capability.SNAPSHOTS, () -> client.snapshots(web).chain(),
        Capability.SNAPSHOT_TO_IMAGE, () -> client.images(web).save("golden"),
        Capability.RESIZE, () -> client.resize(web, "m1.large"),
        Capability.CREATE_STOPPED, () -> client.create(node("db1")),
        Capability.KEY_IMPORT, () -> client.keys().list(),
        Capability.FLOATING_IP, () -> client.addresses(web).list(),
        Capability.CONSOLE_OUTPUT, () -> client.console(web).output(),
        Capability.HARD_REBOOT, () -> client.forceReboot(web));
    assertThatThrownBy(calls.get(lacking)::run).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
        e -> assertThat(e.capability()).isEqualTo(lacking))
        .hasMessageContaining("'plain' provider does not support " + lacking.description());
    assertThat(client.capabilities(web)).doesNotContain(lacking);
  }

  @Test
  void nodesOnSeveralProvidersAreHandledInOneCall(VirtualClock clock) {
    FakeCloud east = FakeCloudExtension.defaults(clock).api("east").build();
    FakeCloud west = FakeCloudExtension.defaults(clock).api("west").build();
    VmClient client = VmClient.builder().provider(east).provider(west).clock(clock).sleeper(clock).build();

    List<Instance> vms = client.start(List.of(node("e1").toBuilder().profile("east").build(),
        node("w1").toBuilder().profile("west").build(), node("e2").toBuilder().profile("east").build()));

    assertThat(vms).extracting(vm -> vm.nodeName().orElseThrow()).containsExactly("e1", "w1", "e2");
    assertThat(east).hasLiveVms(2).hasCallCount("create", 1);
    assertThat(west).hasLiveVms(1).hasCallCount("create", 1);
    assertThatThrownBy(() -> client.start(node("x"))).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("names no profile and there are several: [east, west]")
        .hasMessageContaining("--auth");
    assertThatThrownBy(() -> client.start(node("x").toBuilder().profile("north").build()))
        .hasMessageContaining("profile 'north'").hasMessageContaining("[east, west]");
    VmClient westOnly = VmClient.builder().provider(east).provider(west).clock(clock).sleeper(clock).useProfile("west")
        .build();
    westOnly.start(node("e9").toBuilder().profile("east").build());
    assertThat(west).as("--auth wins over vm.auth").hasLiveVms(2);
    assertThat(east).hasLiveVms(2);
  }

  @Test
  void capacityAndAntiAffinityAreReal(VirtualClock clock) {
    FakeCloud small = FakeCloudExtension.defaults(clock).hosts(2, 2, 1024).build();
    VmClient client = small.clientBuilder().build();
    List<Node> group = List.of(node("db1").toBuilder().antiAffinityGroup("db").build(),
        node("db2").toBuilder().antiAffinityGroup("db").build());

    List<Instance> vms = client.start(group);
    assertThat(small.hostOf(vms.get(0).id())).isNotEqualTo(small.hostOf(vms.get(1).id()));

    assertThatThrownBy(() -> client.start(node("db3").toBuilder().antiAffinityGroup("db").build()))
        .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CAPACITY))
        .hasMessageContaining("anti-affinity group 'db'");
    client.start(List.of(node("w1"), node("w2")));
    assertThatThrownBy(() -> client.start(node("big").toBuilder().cpus(2).build()))
        .hasMessageContaining("InsufficientInstanceCapacity");
  }

  @Test
  void oneNodeTwiceInOneCallIsRefused(VmClient client) {
    assertThatThrownBy(() -> client.start(List.of(node("a"), node("a")))).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("node 'a' appears twice");
  }
}
