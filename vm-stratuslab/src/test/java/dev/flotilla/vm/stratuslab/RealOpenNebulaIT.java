package dev.flotilla.vm.stratuslab;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.CreateIntent;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeRecord;
import dev.flotilla.vm.OwnershipException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.VmException;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.stratuslab.internal.OneStates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the StratusLab adapter claims for OpenNebula 4 and later, shown on a real {@code oned} 7.4 (dummy
 * drivers): stratus-run-instance's template, batched calls (counted by a proxy every call goes through),
 * every state oned passes through against the adapter's table, poweroff and resume, terminate and
 * terminate-hard, system snapshots with their chain kept on the VM, tags in the user template, and the
 * safety core's guarantees: an unfinished create adopted, never doubled; another node's or another user's
 * VM never touched; garbage never read as a gone VM.
 */
class RealOpenNebulaIT {
  /** Each state oned's VMs were seen in (its own names), and what Flotilla calls it. */
  private static final Map<String, State> TABLE = Map.ofEntries(Map.entry("PENDING", State.PENDING),
      Map.entry("HOLD", State.STOPPED), Map.entry("LCM_INIT", State.PENDING), Map.entry("PROLOG", State.PENDING),
      Map.entry("BOOT", State.PENDING), Map.entry("RUNNING", State.RUNNING), Map
          .entry("HOTPLUG_SNAPSHOT", State.RUNNING),
      Map.entry("HOTPLUG", State.RUNNING), Map.entry("SHUTDOWN_POWEROFF", State.STOPPING),
      Map.entry("POWEROFF", State.STOPPED), Map.entry("BOOT_POWEROFF", State.PENDING),
      Map.entry("SHUTDOWN", State.TERMINATING), Map.entry("CLEANUP_DELETE", State.TERMINATING),
      Map.entry("EPILOG", State.TERMINATING), Map.entry("DONE", State.TERMINATED));

  private static OneProxy proxy;
  private static Profile profile;

  private final String prefix = "on" + UUID.randomUUID().toString().substring(0, 6);
  private final NodeStore store = new InMemoryNodeStore();
  private final List<String> othersVms = new ArrayList<>();
  private Provider provider;
  private VmClient client;

  @BeforeAll
  static void connect() throws IOException {
    RealOne.image();
    proxy = OneProxy.start(RealOne.endpoint());
    profile = RealOne.profile(proxy.endpoint()).build();
  }

  @AfterAll
  static void disconnect() {
    proxy.close();
  }

  @BeforeEach
  void open() {
    provider = new StratusLabProviderFactory().open(profile);
    client = client(profile, provider);
    proxy.reset();
  }

  private VmClient client(Profile p, Provider pr) {
    return VmClient.builder().profile(p, pr).store(store).waitPolicy(WaitPolicy.builder().timeout(Duration
        .ofMinutes(2)).initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(500)).visibilityGrace(Duration
            .ofSeconds(30)).build()).build();
  }

  @AfterEach
  void cleanUp() {
    try {
      List<String> left = provider.list().stream().filter(vm -> vm.nodeName().orElse("").startsWith(prefix))
          .map(Instance::id).toList();
      if (!left.isEmpty()) {
        provider.terminate(left);
      }
      for (String id : othersVms) {
        try {
          RealOne.call("one.vm.action", "terminate-hard", Integer.parseInt(id));
        } catch (IllegalStateException alreadyGoing) {
          // the list above took it for one of this test's VMs, and it is being destroyed
        }
      }
    } finally {
      client.close();
      provider.close();
    }
  }

  private Node node(String suffix) {
    return Node.builder(prefix + "-" + suffix).build();
  }

  private List<String> actions() {
    return proxy.calls().stream().filter(c -> c.startsWith("one.vm.action ")).map(c -> c.substring(14)).toList();
  }

  private static void await(String id, Predicate<int[]> condition, String what) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (!condition.test(RealOne.state(id))) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("VM " + id + " never became " + what);
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }

  // ---- the template and the calls -----------------------------------------------------------------------

  @Test
  void stratusRunInstancesTemplateBootsAndManyVmsAreOneCallEachToMakeAndOneToDescribe() {
    String cloudInit = "#include https://www.canfar.net/cloud-init/astro.yaml\n";
    List<Node> nodes = IntStream.rangeClosed(1, 5).mapToObj(i -> node("n" + i).toBuilder().type("m1.small")
        .userData(cloudInit).option("public_key", "ssh-ed25519 AAAAC3Nza ops@lal").build()).toList();

    List<Instance> vms = client.start(nodes);

    assertThat(proxy.counts()).containsEntry("one.vm.allocate", 5L).doesNotContainKey("one.vmpool.info");
    assertThat(vms).allSatisfy(vm -> {
      assertThat(vm).isRunning();
      assertThat(vm.image()).contains(RealOne.image());
      assertThat(vm.type()).contains("m1.small");
      assertThat(vm.publicAddress()).hasValueSatisfying(ip -> assertThat(RealOne.isLeasedFromPublicNetwork(ip))
          .as("%s is in the public network's range", ip).isTrue());
    });
    String xml = RealOne.vmXml(vms.get(0).id());
    assertThat(xml).contains("<CPU><![CDATA[0.1]]></CPU>", "<VCPU><![CDATA[1]]></VCPU>",
        "<MEMORY><![CDATA[128]]></MEMORY>", "<TYPE><![CDATA[swap]]></TYPE>", "<SIZE><![CDATA[1024]]></SIZE>",
        "<NETWORK><![CDATA[public]]></NETWORK>", "<PUBLIC_KEY><![CDATA[ssh-ed25519 AAAAC3Nza ops@lal]]></PUBLIC_KEY>",
        "<USER_DATA_ENCODING><![CDATA[base64]]></USER_DATA_ENCODING>");
    Matcher userData = Pattern.compile("<USER_DATA><!\\[CDATA\\[([^\\]]*)\\]\\]>").matcher(xml);
    assertThat(userData.find()).isTrue();
    assertThat(new String(Base64.getDecoder().decode(userData.group(1)), StandardCharsets.UTF_8)).isEqualTo(cloudInit);

    proxy.reset();
    List<Instance> described = provider.describe(vms.stream().map(Instance::id).toList());
    assertThat(proxy.calls()).containsExactly("one.vmpool.infoset");
    assertThat(described).hasSize(5).allSatisfy(vm -> assertThat(vm.nodeName()).isPresent());
  }

  @Test
  void tagsLiveInTheUserTemplateWhichOnlyTheExtendedPoolCallsShow() {
    Instance vm = client.start(node("tagged"));

    provider.tag(vm.id(), Map.of("role", "web"));

    assertThat(RealOne.vmXml(vm.id())).containsPattern("<USER_TEMPLATE>.*<FLOTILLA_TAGS><!\\[CDATA\\[[^\\]]*node_name="
        + prefix + "-tagged[^\\]]*role=web");
    String reduced = (String) RealOne.call("one.vmpool.info", -2, -1, -1, -1);
    assertThat(reduced).as("oned 7.4's one.vmpool.info leaves the user template out").doesNotContain("role=web");
    proxy.reset();
    assertThat(provider.list()).filteredOn(i -> i.id().equals(vm.id())).singleElement().satisfies(i -> {
      assertThat(i).belongsTo(prefix + "-tagged");
      assertThat(i.tags()).containsEntry("role", "web");
    });
    assertThat(proxy.calls()).containsExactly("one.vmpool.infoextended");
  }

  // ---- states and actions -------------------------------------------------------------------------------

  @Test
  void everyStateOnedPassesThroughHasItsNameAndIsOneTheTableMaps() throws Exception {
    assertThat(OneStates.stateNames()).as("STATE names, as oned's own Ruby OCA lists them")
        .isEqualTo(ocaNames("VM_STATE"));
    assertThat(OneStates.lcmStateNames()).as("LCM_STATE names, as oned's own Ruby OCA lists them")
        .isEqualTo(ocaNames("LCM_STATE"));

    Map<String, Set<String>> seen = new LinkedHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean recording = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread recorder = new Thread(() -> record(seen, recording), "state-recorder");
    recorder.setDaemon(true);
    recorder.start();
    try (VmClient graceful = client(profile.toBuilder().setting("destroy", "shutdown").build(),
        new StratusLabProviderFactory().open(profile.toBuilder().setting("destroy", "shutdown").build()))) {
      Node a = node("a");
      Node b = node("b");
      client.start(a);
      graceful.start(b);
      client.snapshots(a).take("s1");
      client.snapshots(a).take("s2");
      client.snapshots(a).revert("s1");
      client.snapshots(a).delete("s2");
      client.reboot(a);
      client.forceReboot(a);
      assertThat(client.stop(a)).isStopped();
      recordOnce(seen); // a settled state, seen here whatever the recorder's timing on a loaded machine
      assertThat(client.start(a)).isRunning();
      recordOnce(seen);
      assertThat(client.forceStop(a)).isStopped();
      client.start(a);
      client.destroy(a);
      graceful.destroy(b);
      recordOnce(seen);
    } finally {
      // a flag, not only an interrupt: an interrupt that lands inside an HTTP read can be swallowed there
      recording.set(false);
      recorder.interrupt();
      recorder.join(java.time.Duration.ofSeconds(30).toMillis());
    }
    assertThat(recorder.isAlive()).as("the state recorder stopped with its test").isFalse();
    System.out.println("states oned passed through, per VM: " + seen);
    Set<String> all = seen.values().stream().flatMap(Set::stream).collect(Collectors.toCollection(LinkedHashSet::new));
    assertThat(all).as("the recorder saw the VMs").contains("RUNNING", "POWEROFF", "DONE");
    for (String name : all) {
      assertThat(TABLE).as("a state oned passed through that the table does not list").containsKey(name);
      int[] pair = pair(name);
      assertThat(OneStates.state(pair[0], pair[1])).as(name).isEqualTo(TABLE.get(name));
    }
  }

  /** The names in {@code NAME=[...]} of oned's lib/ruby/opennebula/virtual_machine.rb. */
  private static List<String> ocaNames(String constant) throws IOException {
    String rb = Files.readString(RealOne.home().resolve("lib/ruby/opennebula/virtual_machine.rb"));
    Matcher m = Pattern.compile(constant + "\\s*=\\s*\\[([^\\]]*)\\]").matcher(rb);
    assertThat(m.find()).as(constant + " in the OCA").isTrue();
    List<String> out = new ArrayList<>();
    Matcher name = Pattern.compile("'([A-Z_]+)'").matcher(m.group(1));
    while (name.find()) {
      out.add(name.group(1));
    }
    return out;
  }

  private static int[] pair(String name) {
    int lcm = OneStates.lcmStateNames().indexOf(name); // an LCM state is the STATE ACTIVE's
    return lcm >= 0 ? new int[] {3, lcm} : new int[] {OneStates.stateNames().indexOf(name), 0};
  }

  /** Polls oned's own pool for this test's VMs until interrupted, writing down each new state by name. */
  private void record(Map<String, Set<String>> seen, java.util.concurrent.atomic.AtomicBoolean recording) {
    while (recording.get()) {
      try {
        recordOnce(seen);
      } catch (RuntimeException e) {
        // a look that failed (oned busy, the look interrupted) is a look missed; the settled points are recorded anyway
      }
      LockSupport.parkNanos(5_000_000L);
    }
  }

  /** One look at oned's pool, writing down the state of each of this test's VMs by name. */
  private void recordOnce(Map<String, Set<String>> seen) {
    Pattern vm = Pattern.compile("<VM><ID>(\\d+)</ID>.*?<NAME>" + prefix + "-([^<]*)</NAME>.*?<STATE>(\\d+)</STATE>"
        + "<LCM_STATE>(\\d+)</LCM_STATE>");
    Matcher m = vm.matcher((String) RealOne.call("one.vmpool.info", -2, -1, -1, -2));
    while (m.find()) {
      int state = Integer.parseInt(m.group(3));
      String name = OneStates.label(state, Integer.parseInt(m.group(4))).toUpperCase(java.util.Locale.ROOT);
      synchronized (seen) {
        seen.computeIfAbsent(m.group(2), k -> new LinkedHashSet<>()).add(name);
      }
    }
  }

  @Test
  void stopIsPoweroffStartIsResumeForcingIsTheHardActionAndDestroyKillsUnlessTheProfileSaysShutdown() {
    Node a = node("a");
    Instance vm = client.start(a);

    client.stop(a);
    client.start(a);
    client.forceStop(a);
    client.start(a);
    client.reboot(a);
    client.forceReboot(a);
    client.destroy(a);

    assertThat(actions()).containsExactly("poweroff", "resume", "poweroff-hard", "resume", "reboot", "reboot-hard",
        "terminate-hard");
    await(vm.id(), s -> s[0] == 6, "DONE");

    Profile graceful = profile.toBuilder().setting("destroy", "shutdown").build();
    try (VmClient c = client(graceful, new StratusLabProviderFactory().open(graceful))) {
      Node b = node("b");
      Instance vmB = c.start(b);
      proxy.reset();
      c.destroy(b);
      assertThat(actions()).containsExactly("terminate");
      await(vmB.id(), s -> s[0] == 6, "DONE");
    }
  }

  // ---- snapshots ----------------------------------------------------------------------------------------

  @Test
  void theSnapshotChainLivesOnTheVmAndSurvivesTheIdsOnedReuses() {
    Node n = node("snaps");
    Instance vm = client.start(n);
    Snapshot base = client.snapshots(n).take("base");
    Snapshot next = client.snapshots(n).take("next");

    SnapshotChain fresh = new StratusLabProviderFactory().open(profile).snapshots().orElseThrow()
        .chain(vm.id());
    assertThat(fresh.parent(next.id()).map(Snapshot::id)).as("the chain is on the VM, not in the adapter")
        .contains(base.id());
    assertThat(fresh.current().map(Snapshot::id)).contains(next.id());
    assertThat(RealOne.vmXml(vm.id())).containsPattern("<FLOTILLA_SNAPSHOT_PARENTS><!\\[CDATA\\[" + next.id() + "@\\d+:"
        + base.id() + "\\]\\]>");

    // deleted behind Flotilla's back, then oned gives the next snapshot the same id
    RealOne.call("one.vm.snapshotdelete", Integer.parseInt(vm.id()), Integer.parseInt(next.id()));
    await(vm.id(), s -> s[0] == 3 && s[1] == 3, "RUNNING");
    long deletedAt = next.createdAt().getEpochSecond();
    while (Instant.now().getEpochSecond() <= deletedAt) {
      LockSupport.parkNanos(50_000_000L); // oned stamps snapshots in seconds: the new one must differ
    }
    Object reused = RealOne.call("one.vm.snapshotcreate", Integer.parseInt(vm.id()), "outside");
    await(vm.id(), s -> s[0] == 3 && s[1] == 3, "RUNNING");
    assertThat(String.valueOf(reused)).isEqualTo(next.id());

    SnapshotChain chain = client.snapshots(n).chain();
    assertThat(chain.get(next.id())).hasValueSatisfying(s -> {
      assertThat(s.name()).isEqualTo("outside");
      assertThat(s.parentId()).as("the old snapshot's parent is not the new one's").isEmpty();
    });
    assertThat(chain.current()).as("the current snapshot was deleted").isEmpty();
    Snapshot after = client.snapshots(n).take("after");
    assertThat(client.snapshots(n).chain().parent(after.id())).isEmpty();
  }

  // ---- the safety core on a real server -----------------------------------------------------------------

  @Test
  void aStartAfterAClientDiedMidCreateAdoptsWhatItMadeAndMakesNoSecondVm() {
    List<String> names = List.of(prefix + "-a", prefix + "-b");
    String token = "flotilla-dead-" + prefix;
    CreateIntent intent = new CreateIntent(token, profile.name(), "spec", names, Instant.now());
    names.forEach(name -> store.put(Node.builder(name).build().withRecord(NodeRecord.builder().createIntent(intent).build())));
    Node spec = Node.builder("spec").image(RealOne.image()).option("CPU", "0.1").build();
    List<Instance> made = provider.create(new CreateRequest(spec, names, token, Map.of(Instance.PROFILE_TAG,
        profile.name(), Instance.TOKEN_TAG, token)));
    proxy.reset();

    List<Instance> vms = client.start(List.of(node("b"), node("c")));

    assertThat(vms.get(0).id()).isEqualTo(made.get(1).id());
    assertThat(proxy.counts()).containsEntry("one.vm.allocate", 1L); // c's
    assertThat(client.start(node("a")).id()).isEqualTo(made.get(0).id());
    Map<String, Long> perNode = provider.list().stream().filter(vm -> vm.nodeName().orElse("").startsWith(prefix))
        .collect(Collectors.groupingBy(vm -> vm.nodeName().orElseThrow(), Collectors.counting()));
    assertThat(perNode).containsOnly(Map.entry(prefix + "-a", 1L), Map.entry(prefix + "-b", 1L),
        Map.entry(prefix + "-c", 1L));
  }

  @Test
  void aVmThatOnlyCarriesTheNodesNameIsRefusedAndACopiedRecordNeverActsOnTheOtherNodesVm() {
    Object theirs = RealOne.call("one.vm.allocate", "NAME = \"" + prefix + "-web2\"\nCPU = \"0.1\"\nMEMORY = \"64\"\n"
        + "FLOTILLA_TAGS = \"node_name=" + prefix + "-web2\"\n", false);
    othersVms.add(String.valueOf(theirs));
    assertThatThrownBy(() -> client.start(node("web2"))).isInstanceOf(VmException.class)
        .hasMessageContaining(String.valueOf(theirs)).hasMessageContaining("nothing was created");
    assertThat(proxy.counts()).doesNotContainKey("one.vm.allocate");

    Instance web1 = client.start(node("web1"));
    store.put(node("web3").withRecord(NodeRecord.builder().vmId(web1.id()).build())); // cp nodes/web1.json nodes/web3.json
    assertThatThrownBy(() -> client.destroy(node("web3"))).isInstanceOf(OwnershipException.class)
        .hasMessageContaining(prefix + "-web1");
    assertThat(RealOne.state(web1.id())).containsExactly(3, 3);
    assertThat(actions()).isEmpty();
  }

  @Test
  void aVmOfAnotherOpenNebulaUserIsNeitherListedNorTouched() {
    Object theirs = RealOne.call("one.vm.allocate", "NAME = \"theirs\"\nCPU = \"0.1\"\nMEMORY = \"64\"\n", false);
    String id = String.valueOf(theirs);
    othersVms.add(id);
    Profile user = RealOne.profile(proxy.endpoint(), RealOne.OTHER_USER, RealOne.USER_PASSWORD)
        .setting("network", "none").build();
    Provider p = new StratusLabProviderFactory().open(user);
    try (VmClient c = client(user, p)) {
      store.put(node("mine").withRecord(NodeRecord.builder().vmId(id).build())); // a record naming oneadmin's VM

      assertThat(p.list()).extracting(Instance::id).doesNotContain(id);
      assertThatThrownBy(() -> c.destroy(node("mine"))).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION)).hasMessageContaining("Not authorized");
      assertThatThrownBy(() -> c.stop(node("mine"))).isInstanceOf(CloudException.class);
    }
    assertThat(store.get(prefix + "-mine").flatMap(Node::vmId)).as("the record is kept").contains(id);
    assertThat(RealOne.state(id)[0]).as("their VM is untouched").isNotEqualTo(6);
    assertThat(actions()).isEmpty();
  }

  @Test
  void garbageFromTheEndpointIsAnErrorNeverAGoneVm() {
    Node n = node("kept");
    Instance vm = client.start(n);
    for (String method : List.of("one.vm.info", "one.vmpool.infoset", "one.vmpool.infoextended")) {
      proxy.answer(method, "<html><body>maintenance</body></html>");
    }
    try {
      assertThatThrownBy(() -> client.status(n)).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.code()).contains("MalformedAnswer"));
      assertThatThrownBy(client::reconcile).isInstanceOf(CloudException.class);
      assertThatThrownBy(() -> client.destroy(n)).isInstanceOf(CloudException.class);
    } finally {
      List.of("one.vm.info", "one.vmpool.infoset", "one.vmpool.infoextended").forEach(proxy::forward);
    }
    assertThat(store.get(n.name()).flatMap(Node::vmId)).contains(vm.id());
    assertThat(client.status(n)).hasValueSatisfying(i -> assertThat(i).isRunning());
  }

  @Test
  void aQuotaIsCapacityInOnedsWordsAndTheBatchLeavesNothingBehind() {
    Profile limited = RealOne.profile(proxy.endpoint(), RealOne.QUOTA_USER, RealOne.USER_PASSWORD)
        .setting("network", "none").build();
    Provider p = new StratusLabProviderFactory().open(limited);
    try (VmClient c = client(limited, p)) {
      assertThatThrownBy(() -> c.start(List.of(node("q1"), node("q2")))).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.kind()).isEqualTo(Kind.CAPACITY)).hasMessageContaining("VMS quota")
          .hasMessageNotContaining("[one.vm.allocate]");
      assertThat(p.list()).as("the VM the batch made was killed").isEmpty();
      assertThat(store.list()).allSatisfy(r -> {
        assertThat(r.isBound()).isFalse();
        assertThat(r.createIntent()).isEmpty();
      });
    }
  }

  @Test
  void whatOnedRefusesIsOneLineInItsOwnWordsWithoutTheSecretAndLeavesNothing() {
    assertThatThrownBy(() -> client.start(node("x").toBuilder().image("no-such-image").build()))
        .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST))
        .hasMessageContaining("does not own an image with name: no-such-image")
        .hasMessageEndingWith("; 'vm images' lists the images you may use");
    assertThat(store.get(prefix + "-x")).hasValueSatisfying(r -> assertThat(r.createIntent()).isEmpty());

    String password = "wrong-" + UUID.randomUUID();
    Profile wrong = RealOne.profile(proxy.endpoint(), "oneadmin", password).build();
    assertThatThrownBy(() -> new StratusLabProviderFactory().open(wrong).list())
        .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION))
        .hasMessageContaining("couldn't be authenticated").hasMessageNotContaining(password)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
