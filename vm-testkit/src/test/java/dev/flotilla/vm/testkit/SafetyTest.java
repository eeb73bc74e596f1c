package dev.flotilla.vm.testkit;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CreateIntent;
import dev.flotilla.vm.Drift;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeRecord;
import dev.flotilla.vm.OwnershipException;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.VmException;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The safety invariants at the client: one VM per node whatever runs at once or crashed before, never
 * another node's VM, and "gone" only when proven. Processes and kills are the chaos test's (vm-cli); here
 * each rule is shown on its own.
 */
class SafetyTest {
  private final FakeCloud cloud = FakeCloud.builder().ignoreClientTokens().build();
  private final NodeStore store = new InMemoryNodeStore();

  private VmClient client() {
    return VmClient.builder().provider(cloud).store(store).build();
  }

  private static Node node(String name) {
    return Node.builder(name).image("debian-12").build();
  }

  private static List<Node> nodes(String... names) {
    return java.util.Arrays.stream(names).map(SafetyTest::node).toList();
  }

  private Map<String, List<String>> liveVmsByNode() {
    return cloud.list().stream().filter(vm -> vm.state() != State.TERMINATED && vm.state() != State.TERMINATING)
        .collect(Collectors.groupingBy(vm -> vm.nodeName().orElse("?"), Collectors.mapping(Instance::id,
            Collectors.toList())));
  }

  /** What a client that died right after its create call leaves: the VMs, and records with only the intent. */
  private List<Instance> createThenDie(List<String> names) {
    String token = "flotilla-dead-client";
    CreateIntent intent = new CreateIntent(token, "fake", "spec", names, cloud.clock().instant());
    names.forEach(n -> store.put(node(n).withRecord(NodeRecord.builder().createIntent(intent).build())));
    return cloud.create(new CreateRequest(node("spec"), names, token, Map.of(Instance.PROFILE_TAG, "fake",
        Instance.TOKEN_TAG, token)));
  }

  @Test
  @Timeout(60)
  void aBatchOverlappingOneBeingCreatedWaitsForItsNodesAndNeverCreatesThemAgain() throws Exception {
    java.util.concurrent.CountDownLatch firstLooking = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch secondDone = new java.util.concurrent.CountDownLatch(1);
    Thread[] first = new Thread[1];
    // the first batch holds its nodes' locks while it looks for their VMs; it looks until the second has tried
    ForwardingProvider slowLook = new ForwardingProvider(cloud) {
      @Override
      public List<Instance> list() {
        if (Thread.currentThread() == first[0]) {
          firstLooking.countDown();
          await(secondDone);
        }
        return super.list();
      }
    };
    Future<List<Instance>> one;
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> first[0] = new Thread(r));
    try {
      one = pool.submit(() -> VmClient.builder().provider(slowLook).store(store).build().start(nodes("n1", "n2", "n3")));
      await(firstLooking);
      VmClient impatient = VmClient.builder().provider(slowLook).store(store).lockWait(Duration.ZERO).build();
      assertThatThrownBy(() -> impatient.start(nodes("n2", "n3", "n4")))
          .isInstanceOfSatisfying(dev.flotilla.vm.NodeLockedException.class, e -> {
            assertThat(e.node()).isEqualTo("n2");
            assertThat(e.holder()).startsWith("another thread of this process (pid " + ProcessHandle.current().pid());
          });
      secondDone.countDown();
      assertThat(one.get()).hasSize(3);
    } finally {
      pool.shutdownNow();
    }
    client().start(nodes("n2", "n3", "n4"));

    assertThat(liveVmsByNode()).allSatisfy((node, ids) -> assertThat(ids).as(node).hasSize(1)).hasSize(4);
    assertThat(cloud.callCount(FakeCloud.Op.CREATE)).isEqualTo(2);
  }

  private static void await(java.util.concurrent.CountDownLatch latch) {
    try {
      assertThat(latch.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the other client got there").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void aStartAfterAClientDiedMidCreateAdoptsWhatItMadeEvenWhenTheCloudIgnoresTokens() {
    List<Instance> made = createThenDie(List.of("n1", "n2"));
    cloud.clearCalls();

    List<Instance> vms = client().start(nodes("n2", "n3"));

    assertThat(vms.get(0).id()).isEqualTo(made.get(1).id());
    assertThat(store.get("n2").orElseThrow().createIntent()).as("adopting ends the create").isEmpty();
    assertThat(store.get("n1").orElseThrow().createIntent()).as("n1 was not in the batch").isPresent();
    assertThat(cloud).hasCallCount("create", 1); // n3's
    client().start(node("n1"));
    assertThat(liveVmsByNode()).allSatisfy((node, ids) -> assertThat(ids).hasSize(1)).hasSize(3);
    assertThat(store.get("n1").flatMap(Node::vmId)).contains(made.get(0).id());
  }

  @Test
  void aVmThatOnlyCarriesTheNodesNameIsNeverTakenByStartNorDoubled() {
    // another directory's web1, on the same account: same name, no record here, not this client's create
    Instance theirs = cloud.create(new CreateRequest(node("spec"), List.of("web1"), "elsewhere", Map.of())).get(0);

    assertThatThrownBy(() -> client().start(node("web1"))).isInstanceOf(VmException.class)
        .hasMessageContaining(theirs.id()).hasMessageContaining("web1").hasMessageContaining("nothing was created");
    assertThat(cloud.liveCount()).isEqualTo(1);
    Drift d = client().status().drift().get(0);
    assertThat(d.command()).isEqualTo("vm bind web1 " + theirs.id() + " (adopts it) or vm rm " + theirs.id());

    client().bind(node("web1"), theirs.id());
    assertThat(client().start(node("web1")).id()).isEqualTo(theirs.id());
  }

  @Test
  void removingANodeWhoseCreateDidNotFinishDestroysWhatItMadeOrEndsTheCreate() {
    List<Instance> made = createThenDie(List.of("n1"));
    CreateIntent nothingMade = new CreateIntent("flotilla-other", "fake", "spec", List.of("n2"), cloud.clock().instant());
    store.put(node("n2").withRecord(NodeRecord.builder().createIntent(nothingMade).build()));

    client().destroy(nodes("n1", "n2"));

    assertThat(cloud.describe(List.of(made.get(0).id()))).singleElement()
        .satisfies(vm -> assertThat(vm.state()).isEqualTo(State.TERMINATED));
    assertThat(store.list()).allSatisfy(n -> {
      assertThat(n.isBound()).as(n.name()).isFalse();
      assertThat(n.createIntent()).as(n.name()).isEmpty();
    });
    assertThat(client().status().drift()).extracting(Drift::kind).containsOnly(Drift.Kind.RECORD_WITHOUT_VM);
  }

  @Test
  void aVmNothingAttributesStopsTheCreateOfANodeWhoseCreateDidNotFinish() {
    Instance stray = createThenDie(List.of("n1")).get(0);
    cloud.tag(stray.id(), Map.of(Instance.NODE_TAG, "")); // as a cloud that dropped the tags at launch

    assertThatThrownBy(() -> client().start(node("n1"))).isInstanceOf(VmException.class)
        .hasMessageContaining(stray.id()).hasMessageContaining("n1");
    assertThat(cloud.liveCount()).as("nothing was created").isEqualTo(1);
    assertThat(client().status().drift()).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Drift.Kind.UNATTRIBUTED_VM);
      assertThat(d.command()).isEqualTo("vm bind n1 " + stray.id() + " (it is n1's) or vm rm " + stray.id());
    });

    client().bind(node("n1"), stray.id());
    assertThat(client().start(node("n1")).id()).isEqualTo(stray.id());
  }

  @Test
  void aCopiedRecordNeverActsOnTheOtherNodesVm() {
    Instance web1 = client().start(node("web1"));
    store.put(node("web3").withRecord(NodeRecord.builder().vmId(web1.id()).build())); // cp nodes/web1.json nodes/web3.json

    for (Runnable call : List.<Runnable>of(() -> client().destroy(node("web3")), () -> client().stop(node("web3")),
        () -> client().start(node("web3")), () -> client().reboot(node("web3")))) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(OwnershipException.class, e -> {
        assertThat(e.owner()).isEqualTo("web1");
        assertThat(e.node()).contains("web3");
      }).hasMessageContaining("web1").hasMessageContaining("web3");
    }
    assertThat(cloud.describe(List.of(web1.id()))).singleElement().satisfies(vm -> assertThat(vm).isRunning());
    Drift d = client().status().drift().get(0);
    assertThat(d.kind()).isEqualTo(Drift.Kind.VM_OF_OTHER_NODE);
    assertThat(d.command()).isEqualTo("vm unbind web3 && vm start web3");

    assertThat(client().reconcile().applied()).containsExactly("cleared node web3's binding to VM " + web1.id()
        + ", which is node web1's");
    assertThat(client().start(node("web3")).id()).isNotEqualTo(web1.id());
    assertThat(liveVmsByNode()).allSatisfy((node, ids) -> assertThat(ids).hasSize(1)).hasSize(2);
  }

  @Test
  void forcingActsOnAnotherNodesVm() {
    Instance web1 = client().start(node("web1"));
    store.put(node("web3").withRecord(NodeRecord.builder().vmId(web1.id()).build()));

    try (VmClient forcing = VmClient.builder().provider(cloud).store(store).force(true).build()) {
      forcing.destroy(node("web3"));
    }
    assertThat(cloud.liveCount()).isZero();
  }

  @Test
  void aVmIsDestroyedByIdOnlyWhenNoRecordIsBoundToIt() {
    Instance web1 = client().start(node("web1"));
    Instance duplicate = cloud.create(new CreateRequest(node("spec"), List.of("web1"), "t2", Map.of())).get(0);

    assertThatThrownBy(() -> client().destroyVm(web1.id())).isInstanceOf(OwnershipException.class)
        .hasMessageContaining("node web1's").hasMessageContaining("vm rm web1");
    assertThat(client().status().drift()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(Drift.Kind.DUPLICATE_VMS);
      assertThat(d.command()).isEqualTo("vm rm " + duplicate.id());
    });
    client().destroyVm(duplicate.id());
    assertThat(liveVmsByNode()).containsExactly(Map.entry("web1", List.of(web1.id())));
    assertThatThrownBy(() -> client().destroyVm("vm-999999")).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.kind()).isEqualTo(CloudException.Kind.NOT_FOUND));
  }

  @Test
  void reconcileTakesAVmForGoneOnlyWhenASecondLookSomeTimeLaterMissesItToo() {
    VirtualClock clock = VirtualClock.create();
    FakeCloud lagging = FakeCloud.builder().clock(clock).build();
    lagging.hideNewVms(Duration.ofSeconds(3)); // listed only 3 s after launch, as eventual consistency does
    Instance vm = lagging.create(new CreateRequest(node("spec"), List.of("web1"), "t1", Map.of())).get(0);
    store.put(node("web1").withRecord(NodeRecord.builder().vmId(vm.id()).build()));

    VmClient patient = lagging.clientBuilder().store(store).build();
    assertThat(patient.reconcile().applied()).isEmpty();
    assertThat(store.get("web1").flatMap(Node::vmId)).as("seen again 5 s later: kept").contains(vm.id());

    Instance late = lagging.create(new CreateRequest(node("spec"), List.of("web2"), "t2", Map.of())).get(0);
    store.put(node("web2").withRecord(NodeRecord.builder().vmId(late.id()).build()));
    VmClient hasty = lagging.clientBuilder().store(store).confirmGoneAfter(Duration.ZERO).build();
    assertThat(hasty.reconcile().applied()).as("without the second look later, a lagging list clears it")
        .contains("cleared node web2's binding to VM " + late.id() + ", which is gone");
  }

  @Test
  void answersThatCannotBeReadChangeNoRecord() {
    client().start(nodes("web1", "web2"));
    Map<String, Node> before = store.list().stream().collect(Collectors.toMap(Node::name, n -> n));
    cloud.garbage(1.0);

    for (Runnable call : List.<Runnable>of(() -> client().reconcile(), () -> client().status(),
        () -> client().start(node("web3")), () -> client().destroy(node("web1")))) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN));
    }
    cloud.garbage(0);
    assertThat(store.list().stream().filter(n -> before.containsKey(n.name())))
        .allSatisfy(n -> assertThat(n).isEqualTo(before.get(n.name())));
    assertThat(cloud.liveCount()).isEqualTo(2);
  }

  @Test
  void aCreateWhoseAnswerCannotBeReadIsFollowedByALookNotASecondCreate() {
    int[] creates = {0};
    ForwardingProvider garbling = new ForwardingProvider(cloud) {
      @Override
      public List<Instance> create(CreateRequest request) {
        super.create(request);
        if (creates[0]++ == 0) {
          throw new CloudException(CloudException.Kind.TRANSIENT, "fake", null, "the answer broke off");
        }
        throw new AssertionError("a second create for the same node");
      }
    };
    Instance vm = VmClient.builder().provider(garbling).store(store).build().start(node("web1"));

    assertThat(cloud.liveCount()).isEqualTo(1);
    assertThat(store.get("web1").flatMap(Node::vmId)).contains(vm.id());
    assertThat(store.get("web1").orElseThrow().createIntent()).isEmpty();
  }

  @Test
  void tokensBelongToTheNodesCreateNeverToTheBatch() {
    FakeCloud keeping = FakeCloud.create();
    VmClient c = VmClient.builder().provider(keeping).store(store).build();
    c.start(nodes("a1", "a2"));
    String first = store.get("a1").flatMap(Node::vmId).orElseThrow();
    c.destroy(nodes("a1", "a2"));
    c.start(nodes("a1", "a2"));

    assertThat(store.get("a1").flatMap(Node::vmId)).as("a new life, a new token: a new VM").isNotEqualTo(
        java.util.Optional.of(first));
    assertThat(keeping.calls()).filteredOn(call -> call.op() == FakeCloud.Op.CREATE).hasSize(2);
    List<Instance> live = keeping.list().stream().filter(vm -> vm.state() == State.RUNNING).toList();
    assertThat(live).hasSize(2).allSatisfy(vm -> assertThat(vm.tags()).containsKey(Instance.TOKEN_TAG));
    assertThat(live.stream().map(vm -> vm.tags().get(Instance.TOKEN_TAG)).distinct()).hasSize(1);
  }

  @Test
  void aVmByIdIsDestroyedOnlyWhenNoNodeClaimsIt() {
    VmClient client = client();
    Instance web2 = client.start(node("web2"));
    client.unbind(node("web2")); // no record is bound, but its tag still names web2, which has a record
    assertThatThrownBy(() -> client.destroyVm(web2.id())).isInstanceOf(OwnershipException.class)
        .hasMessageContaining("node web2's").hasMessageContaining("nothing was done");
    assertThat(cloud.describe(List.of(web2.id()))).singleElement().satisfies(vm -> assertThat(vm).isRunning());

    // a VM with no node name while a create is unfinished may be what that create made
    store.put(node("dslow").withRecord(NodeRecord.builder().createIntent(new CreateIntent("tok-1", "fake", "spec",
        List.of("dslow"), cloud.clock().instant())).build()));
    Instance unnamed = cloud.create(new CreateRequest(node("spec"), List.of("x"), "tok-2", Map.of())).get(0);
    cloud.tag(unnamed.id(), Map.of(Instance.NODE_TAG, "")); // an empty tag is no name
    assertThatThrownBy(() -> client.destroyVm(unnamed.id())).isInstanceOf(OwnershipException.class)
        .hasMessageContaining("dslow's create is unfinished");

    VmClient forced = VmClient.builder().provider(cloud).store(store).force(true).build();
    forced.destroyVm(web2.id());
    assertThat(cloud.describe(List.of(web2.id()))).allSatisfy(vm -> assertThat(vm.state())
        .isIn(State.TERMINATING, State.TERMINATED));
  }

  @Test
  void anAddressOnAnotherNodesVmIsNeitherMovedNorReleased() {
    VmClient client = client();
    client.start(node("web1"));
    client.start(node("web2"));
    String address = client.addresses(node("web2")).allocate(null).address();
    client.addresses(node("web2")).associate(address);
    assertThatThrownBy(() -> client.addresses(node("web1")).associate(address)).isInstanceOf(OwnershipException.class)
        .hasMessageContaining("node web2's");
    assertThatThrownBy(() -> client.addresses(node("web1")).disassociate(address)).isInstanceOf(OwnershipException.class);
    assertThatThrownBy(() -> client.addresses(node("web1")).release(address)).isInstanceOf(OwnershipException.class);
    assertThat(client.addresses().list()).filteredOn(a -> a.address().equals(address)).singleElement()
        .satisfies(a -> assertThat(a.vm()).isEqualTo(store.get("web2").flatMap(Node::vmId)));
    client.addresses(node("web2")).disassociate(address);
    client.addresses(node("web1")).release(address); // free: anyone may give it back
    assertThat(client.addresses().list()).noneMatch(a -> a.address().equals(address));
  }

  @Test
  void namesThatDifferOnlyInCaseNeverGetTwoVms() {
    VmClient client = client();
    client.start(node("web1"));
    store.put(node("WEB1"));
    assertThatThrownBy(() -> client.start(node("WEB1"))).hasMessageContaining("one host name")
        .hasMessageContaining("nothing was created");
    assertThat(liveVmsByNode()).hasSize(1);
  }
}
