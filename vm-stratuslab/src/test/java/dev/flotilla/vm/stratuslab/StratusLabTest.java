package dev.flotilla.vm.stratuslab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceFailedException;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.UnsupportedCapabilityException;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.stratuslab.internal.OneErrors;
import dev.flotilla.vm.stratuslab.internal.OneStates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The StratusLab adapter's own behaviour, over HTTP to the OpenNebula test server. */
class StratusLabTest {
  private static final String IMAGE = StratusLabContractTest.IMAGE;
  private static final String MARKETPLACE_IMAGE = StratusLab3ContractTest.IMAGE;
  private OneServer server;

  private OneServer server(String version) throws IOException {
    server = OneServer.start(version);
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private Profile.Builder profile(String path) {
    return StratusLabContractTest.profile(server, path).toBuilder();
  }

  private Provider provider(Profile p) {
    return new StratusLabProviderFactory().open(p);
  }

  private VmClient client(Provider p) {
    return VmClient.builder().provider(p).waitPolicy(WaitPolicy.builder().timeout(Duration.ofSeconds(30))
        .initialDelay(Duration.ofMillis(5)).maxDelay(Duration.ofMillis(50)).jitter(0).visibilityGrace(Duration
            .ofSeconds(5)).build()).build();
  }

  @Test
  void theTemplateIsWhatStratusRunInstanceBuilds() throws IOException {
    server("3.2.1");
    Provider p = provider(profile("/RPC2").setting("public_key", "ssh-ed25519 AAAAC3Nza ops@lal").build());
    String cloudInit = "#include https://www.canfar.net/cloud-init/astro.yaml\n";

    client(p).start(Node.builder("web1").image(MARKETPLACE_IMAGE).type("c1.xlarge").memoryMb(4096).userData(cloudInit)
        .build());
    client(p).start(Node.builder("db1").image("https://example.org/db.img").type("m1.small").swapMb(0)
        .option("public_key", "ssh-rsa AAAAB3 db@lal").option("REQUIREMENTS", "HOSTNAME = \"node-1\"").build());

    Map<String, String> web = OneServer.attributes(server.templates.get(0));
    assertThat(web).containsEntry("NAME", "web1").containsEntry("CPU", "4").containsEntry("VCPU", "4")
        .containsEntry("MEMORY", "4096").containsEntry("INSTANCE_TYPE", "c1.xlarge");
    assertThat(web.get("DISK")).contains("SOURCE = \"https://marketplace.stratuslab.eu/metadata/" + MARKETPLACE_IMAGE + "\"")
        .contains("TYPE = \"swap\", SIZE = 2048");
    assertThat(web.get("NIC")).isEqualTo("[ NETWORK = \"public\" ]");
    assertThat(web.get("CONTEXT")).contains("PUBLIC_KEY = \"ssh-ed25519 AAAAC3Nza ops@lal\"")
        .contains("USER_DATA_ENCODING = \"base64\"");
    String encoded = web.get("CONTEXT").replaceAll(".*USER_DATA = \"([^\"]*)\".*", "$1");
    assertThat(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8))
        .as("the CANFAR #include reaches the cloud unchanged").isEqualTo(cloudInit);
    assertThat(web.get("FLOTILLA_TAGS")).contains("node_name=web1");

    Map<String, String> db = OneServer.attributes(server.templates.get(1));
    assertThat(db.get("DISK")).contains("SOURCE = \"https://example.org/db.img\"").doesNotContain("swap");
    assertThat(db.get("CONTEXT")).contains("ssh-rsa AAAAB3 db@lal");
    assertThat(db).containsEntry("REQUIREMENTS", "HOSTNAME = \"node-1\"");
  }

  @Test
  void badImagesTypesAndSettingsAreRefusedBeforeAnyCall() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").build());
    assertThatThrownBy(() -> client(p).start(Node.builder("a").image("ftp://example.org/a.img").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("'ftp://example.org/a.img' is not an image id,"
            + " name, Marketplace id or http(s) URL");
    assertThatThrownBy(() -> client(p).start(Node.builder("a").image(MARKETPLACE_IMAGE).build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("is a StratusLab Marketplace id, which"
            + " OpenNebula 6.8 cannot boot; give an image id or name from 'vm images'");
    assertThatThrownBy(() -> client(p).start(Node.builder("a").image(IMAGE).type("m9.huge").build()))
        .hasMessageContaining("'m9.huge' is not an instance type here");
    assertThatThrownBy(() -> client(p).start(Node.builder("a").build())).hasMessageContaining("no image given");
    assertThat(server.count("one.vm.allocate")).isZero();
    assertThatThrownBy(() -> provider(profile("/RPC2").setting("network", " ").build()))
        .hasMessageContaining("' ' is not a virtual network");
    assertThatThrownBy(() -> provider(profile("/RPC2").setting("instance_types", "m1.small 1 128").build()))
        .hasMessageContaining("is not 'NAME CPU RAM_MB SWAP_MB'");
  }

  @Test
  void theGuideTypesAreListedAndAProfileMayReplaceThem() throws IOException {
    server("6.8.0");
    assertThat(provider(profile("/RPC2").build()).types()).extracting(InstanceType::name)
        .containsExactly("c1.medium", "c1.xlarge", "m1.large", "m1.small", "m1.xlarge", "t1.micro");
    assertThat(provider(profile("/RPC2").build()).types()).contains(new InstanceType("m1.small", 1, 128, 1024, true));
    Provider custom = provider(profile("/RPC2").setting("instance_types", "s 2 2048 0 *, l 8 16384 4096").build());
    assertThat(custom.types()).containsExactly(new InstanceType("s", 2, 2048, 0, true), new InstanceType("l", 8, 16384, 4096, false));
    assertThat(custom.images()).extracting(i -> i.name()).containsExactly("ttylinux", "debian-12");
  }

  @Test
  void nMachinesAreNAllocatesSentConcurrentlyWithABound() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").setting("max_parallel", "3").build());
    List<Node> nodes = IntStream.rangeClosed(1, 12).mapToObj(i -> Node.builder("n" + i).image(IMAGE).build()).toList();

    List<Instance> vms = client(p).start(nodes);

    assertThat(vms).hasSize(12).allSatisfy(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
    assertThat(server.count("one.vm.allocate")).isEqualTo(12);
    assertThat(server.maxInFlight.get()).isBetween(1, 3);
    assertThat(vms).extracting(vm -> vm.nodeName().orElseThrow()).containsExactlyElementsOf(nodes.stream()
        .map(Node::name).toList());
  }

  @Test
  void anActionThatFailsOnOneVmLeavesTheOthersAlone() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").build());
    List<Instance> vms = client(p).start(List.of(Node.builder("a1").image(IMAGE).build(),
        Node.builder("a2").image(IMAGE).build()));
    List<String> ids = List.of(vms.get(0).id(), "999999", vms.get(1).id());

    assertThatThrownBy(() -> p.stop(ids, false)).isInstanceOf(dev.flotilla.vm.CloudException.class);

    assertThat(p.describe(List.of(vms.get(0).id(), vms.get(1).id()))).hasSize(2)
        .allSatisfy(vm -> assertThat(vm.state()).isIn(State.STOPPING, State.STOPPED));
    assertThat(server.actions).noneMatch(a -> a.startsWith("terminate") || a.startsWith("delete")
        || a.startsWith("finalize"));
  }

  @Test
  void aVmNoHostTakesWithinThePlacementTimeoutIsDestroyedAndMadeOnTheFallbackCloud() throws IOException {
    server("6.8.0").hostRoom = 0; // oned's scheduler finds no host: the VM stays PENDING
    // each cloud's own image: the node names none, so each profile's default_image is used
    Profile full = profile("/RPC2").setting("placement_timeout", "1").defaultImage(IMAGE).fallback(List.of("spare"))
        .build();
    Profile spare = Profile.builder("spare", "fake").defaultImage("debian-12").build();
    dev.flotilla.vm.testkit.EventLog events = new dev.flotilla.vm.testkit.EventLog();
    try (VmClient client = VmClient.builder().profiles(List.of(full, spare)).useProfile("lal")
        .waitPolicy(WaitPolicy.builder().timeout(Duration.ofSeconds(30)).initialDelay(Duration.ofMillis(50))
            .maxDelay(Duration.ofMillis(200)).build()).listener(events).build()) {
      Instance vm = client.start(Node.builder("web1").build());

      assertThat(vm.tags()).containsEntry(Instance.PROFILE_TAG, "spare");
      assertThat(server.calls).contains("one.vm.allocate").contains("one.vm.action");
      assertThat(events.moves()).singleElement().satisfies(m -> {
        assertThat(m.describe()).isEqualTo("web1: lal has no capacity; trying spare");
        assertThat(m.reason()).contains("placement_timeout");
      });
      assertThat(client.list()).filteredOn(i -> i.state() != State.TERMINATED).extracting(i -> i.tags()
          .get(Instance.PROFILE_TAG)).containsExactly("spare");
    }
  }

  @Test
  void aReapOfExpiredLeasesIsOneListAndATerminatePerVm() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").build());
    try (VmClient earlier = VmClient.builder().provider(p).clock(java.time.Clock.offset(java.time.Clock.systemUTC(),
        Duration.ofHours(-2))).build()) {
      earlier.start(List.of(Node.builder("tmp1").image(IMAGE).lease(Duration.ofHours(1)).build(),
          Node.builder("tmp2").image(IMAGE).lease(Duration.ofHours(1)).build()));
    }
    client(p).start(Node.builder("kept").image(IMAGE).build());
    server.calls.clear();

    assertThat(dev.flotilla.vm.Reaper.of(VmClient.builder().provider(p).build()).reap())
        .extracting(r -> r.node().orElseThrow()).containsExactlyInAnyOrder("tmp1", "tmp2");
    assertThat(server.calls).as("one list, a terminate per VM").containsExactly("one.vmpool.infoextended",
        "one.vm.action", "one.vm.action");
  }

  @ParameterizedTest
  @CsvSource({"7.4.0, one.vmpool.infoset, one.vmpool.infoextended", "5.12.0, one.vmpool.infoextended,"
      + " one.vmpool.infoextended", "4.14.2, one.vmpool.info, one.vmpool.info"})
  void fewIdsAreDescribedOneByOneAndManyWithOneCallThatKeepsTheTags(String version, String describeCall,
      String listCall) throws IOException {
    server(version);
    Provider p = provider(profile("/RPC2").build());
    String image = version.startsWith("4") ? MARKETPLACE_IMAGE : IMAGE;
    List<Instance> vms = client(p).start(IntStream.rangeClosed(1, 5).mapToObj(i -> Node.builder("n" + i).image(image)
        .build()).toList());
    server.calls.clear();

    p.describe(List.of(vms.get(0).id(), vms.get(1).id()));
    assertThat(server.calls).containsExactly("one.vm.info", "one.vm.info");
    server.calls.clear();
    List<Instance> many = p.describe(vms.stream().map(Instance::id).toList());
    List<Instance> all = p.list();
    assertThat(server.calls).as("since 5.10 one.vmpool.info leaves the user template, and so the tags, out")
        .containsExactly(describeCall, listCall);
    assertThat(many).hasSize(5).allSatisfy(vm -> assertThat(vm.nodeName()).isPresent());
    assertThat(all).hasSize(5).allSatisfy(vm -> assertThat(vm.nodeName()).isPresent());
  }

  @Test
  void onOpenNebulaTheDiskIsAnImageByIdOrNameAndTheNicAnyNetworkOrNone() throws IOException {
    server("7.4.0");
    Provider ids = provider(profile("/RPC2").setting("network", "2").build());
    Provider none = provider(profile("/RPC2").setting("network", "none").build());
    client(ids).start(Node.builder("a1").image("0").build());
    client(none).start(Node.builder("a2").image("debian-12").build());
    client(none).start(Node.builder("a3").image("alice/debian-12").swapMb(0).build());

    Map<String, String> a1 = OneServer.attributes(server.templates.get(0));
    assertThat(a1.get("DISK")).startsWith("[ IMAGE_ID = \"0\" ]");
    assertThat(a1.get("NIC")).isEqualTo("[ NETWORK_ID = \"2\" ]");
    Map<String, String> a2 = OneServer.attributes(server.templates.get(1));
    assertThat(a2.get("DISK")).startsWith("[ IMAGE = \"debian-12\" ]");
    assertThat(a2).doesNotContainKey("NIC");
    assertThat(OneServer.attributes(server.templates.get(2)).get("DISK"))
        .isEqualTo("[ IMAGE = \"debian-12\", IMAGE_UNAME = \"alice\" ]");
    assertThat(ids.list()).filteredOn(vm -> vm.nodeName().orElse("").equals("a1")).singleElement()
        .satisfies(vm -> assertThat(vm.image()).contains("0")).satisfies(vm -> assertThat(vm.privateAddress())
            .isPresent());
  }

  @Test
  void whatOnedRefusesIsOneClearLineAndLeavesNothing() throws IOException {
    server("7.4.0");
    Provider p = provider(profile("/RPC2").setting("network", "dmz").build());
    assertThatThrownBy(() -> client(p).start(Node.builder("b1").image("0").build()))
        .isInstanceOfSatisfying(dev.flotilla.vm.CloudException.class, e -> assertThat(e.kind())
            .isEqualTo(dev.flotilla.vm.CloudException.Kind.INVALID_REQUEST))
        .hasMessageContaining("one.vm.allocate: User 0 does not own a network with name: dmz")
        .hasMessageEndingWith("; set the profile's network to a virtual network's name or id, or to none")
        .hasMessageNotContaining("[one");
    Provider q = provider(profile("/RPC2").build());
    server.vmQuota = 1;
    client(q).start(Node.builder("b2").image("0").build());
    assertThatThrownBy(() -> client(q).start(Node.builder("b3").image("0").build()))
        .isInstanceOfSatisfying(dev.flotilla.vm.CloudException.class, e -> assertThat(e.kind())
            .isEqualTo(dev.flotilla.vm.CloudException.Kind.CAPACITY)).hasMessageContaining("VMS quota");
    assertThat(q.list()).extracting(vm -> vm.nodeName().orElseThrow()).containsExactly("b2");
  }

  @Test
  void onedsErrorsAreClassifiedByWhatTheyMeanNotOnlyByTheirCode() {
    assertThat(OneErrors.classify("stratuslab", "one.vm.snapshotcreate", 0x800, "[one.vm.snapshotcreate] Could not"
        + " create a new snapshot for VM 3, wrong state HOTPLUG_SNAPSHOT.").kind()).as("busy for a moment")
        .isEqualTo(Kind.TRANSIENT);
    assertThat(OneErrors.classify("stratuslab", "one.vm.action", 0x800, "[one.vm.action] Error performing action"
        + " \"resume\": This action is not available for state RUNNING").kind()).isEqualTo(Kind.INVALID_REQUEST);
    assertThat(OneErrors.classify("stratuslab", "one.vm.allocate", 0x200, "[one.vm.allocate] User [2] : user [2]"
        + " limit of 1 reached for VMS quota in VM.").kind()).isEqualTo(Kind.CAPACITY);
    assertThat(OneErrors.classify("stratuslab", "one.vm.allocate", 0x200, "[one.vm.allocate] User [2] : Not"
        + " authorized to perform USE IMAGE [0].").kind()).isEqualTo(Kind.AUTHENTICATION);
    CloudException template = OneErrors.classify("stratuslab", "one.vm.allocate", 0x2000, "[one.vm.allocate] DISK 0:"
        + " Unknown disk type ");
    assertThat(template.kind()).as("oned's INTERNAL is a template it cannot use: not worth a retry")
        .isEqualTo(Kind.INVALID_REQUEST);
    assertThat(template).hasMessageContaining("one.vm.allocate: DISK 0: Unknown disk type")
        .hasMessageNotContaining("[");
    assertThat(OneErrors.noSuchMethod(OneErrors.classify("stratuslab", "one.vmpool.infoset", -506,
        "Method 'one.vmpool.infoset' not defined"))).isTrue();
  }

  @Test
  void everyStateMapsToALifecycleStateAndTheStratusLabLabel() {
    assertThat(OneStates.label(1, 0)).isEqualTo("Pending");
    assertThat(OneStates.label(3, 3)).isEqualTo("Running");
    assertThat(OneStates.label(3, 16)).isEqualTo("Unknown");
    assertThat(OneStates.label(6, 0)).isEqualTo("Done");
    assertThat(OneStates.label(7, 0)).isEqualTo("Failed");
    assertThat(OneStates.label(3, 2)).isEqualTo("Boot");
    assertThat(OneStates.label(8, 0)).isEqualTo("Poweroff");
    assertThat(OneStates.label(3, 71)).isEqualTo("Restore");
    assertThat(OneStates.label(3, 99)).isEqualTo("Lcm_99");
    Map<State, List<int[]>> expected = Map.of(
        State.PENDING, List.of(new int[] {0, 0}, new int[] {1, 0}, new int[] {10, 0}, new int[] {3, 0},
            new int[] {3, 1}, new int[] {3, 2}, new int[] {3, 20}),
        State.RUNNING, List.of(new int[] {3, 3}, new int[] {3, 4}, new int[] {3, 17}, new int[] {3, 24},
            new int[] {3, 57}, new int[] {3, 66}, new int[] {3, 69}),
        State.STOPPING, List.of(new int[] {3, 5}, new int[] {3, 18}, new int[] {3, 29}, new int[] {3, 33},
            new int[] {3, 51}, new int[] {3, 63}, new int[] {3, 70}, new int[] {3, 71}),
        State.STOPPED, List.of(new int[] {2, 0}, new int[] {4, 0}, new int[] {8, 0}, new int[] {9, 0}),
        State.SUSPENDED, List.of(new int[] {5, 0}, new int[] {3, 54}),
        State.TERMINATING, List.of(new int[] {3, 11}, new int[] {3, 12}, new int[] {3, 23}),
        State.TERMINATED, List.of(new int[] {6, 0}),
        State.ERROR, List.of(new int[] {7, 0}, new int[] {11, 0}, new int[] {3, 14}, new int[] {3, 36}, new int[] {3, 50},
            new int[] {3, 61}),
        State.UNKNOWN, List.of(new int[] {3, 16}, new int[] {42, 0}));
    expected.forEach((state, pairs) -> pairs.forEach(p -> assertThat(OneStates.state(p[0], p[1]))
        .as("STATE %d LCM_STATE %d", p[0], p[1]).isEqualTo(state)));
  }

  @Test
  void killAndShutdownUseTheActionNamesOfTheServersVersionAskedOnce() throws IOException {
    for (String version : List.of("3.2.1", "6.8.0")) {
      server(version);
      Provider p = provider(profile("/RPC2").build());
      VmClient c = client(p);
      c.start(Node.builder("k1").image(IMAGE).build());
      c.destroy(Node.builder("k1").build());
      Provider graceful = provider(profile("/RPC2").setting("destroy", "shutdown").build());
      VmClient g = VmClient.builder().provider(graceful).waitPolicy(WaitPolicy.builder().timeout(Duration
          .ofSeconds(30)).initialDelay(Duration.ofMillis(5)).maxDelay(Duration.ofMillis(50)).jitter(0)
              .visibilityGrace(Duration.ofSeconds(5)).build()).build();
      g.start(Node.builder("k2").image(IMAGE).build());
      g.destroy(Node.builder("k2").build());

      boolean old = version.startsWith("3");
      assertThat(server.actions).containsExactly((old ? "finalize" : "terminate-hard") + " 0", (old ? "shutdown" : "terminate") + " 1");
      assertThat(server.count("one.system.version")).as("asked once per provider").isEqualTo(2);
      server.close();
    }
    server("6.8.0");
    provider(profile("/RPC2").setting("opennebula_version", "6.8").build()).describe(List.of("1", "2", "3"));
    assertThat(server.count("one.system.version")).as("a version in the profile is not asked").isZero();
  }

  @Test
  void stopAndStartArePoweroffAndResumeAndAGuestShutdownCanBeStarted() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").build());
    VmClient c = client(p);
    Node web = Node.builder("web1").image(IMAGE).build();
    Instance vm = c.start(web);

    assertThat(c.stop(web).providerState()).isEqualTo("Poweroff");
    assertThat(c.start(web).state()).isEqualTo(State.RUNNING);
    c.forceStop(web);
    server.guestShutdown(Integer.parseInt(vm.id()));
    c.start(web);
    server.guestShutdown(Integer.parseInt(vm.id()));
    assertThat(c.status(web).orElseThrow().state()).isEqualTo(State.UNKNOWN);
    assertThat(c.start(web).state()).as("start is allowed from Unknown").isEqualTo(State.RUNNING);
    assertThat(server.actions).containsExactly("poweroff " + vm.id(), "resume " + vm.id(), "poweroff-hard " + vm.id(),
        "resume " + vm.id(), "resume " + vm.id());
  }

  @Test
  void aVmMadeWithoutStartingWaitsOnHoldAndStartReleasesIt() throws IOException {
    server("7.4.0");
    VmClient c = client(provider(profile("/RPC2").build()));
    Node web = Node.builder("web1").image(IMAGE).build();

    Instance made = c.create(web);

    assertThat(made.state()).isEqualTo(State.STOPPED);
    assertThat(made.providerState()).isEqualTo("Hold");
    assertThat(c.start(web).state()).isEqualTo(State.RUNNING);
    assertThat(server.actions).containsExactly("release " + made.id());
  }

  @Test
  void onOpenNebula32AVmCannotBeMadeWithoutStarting() throws IOException {
    server("3.2.1");
    VmClient c = client(provider(profile("/RPC2").build()));
    assertThatThrownBy(() -> c.create(Node.builder("web1").image(MARKETPLACE_IMAGE).build()))
        .isInstanceOf(dev.flotilla.vm.UnsupportedCapabilityException.class);
    assertThat(server.count("one.vm.allocate")).isZero();
  }

  @Test
  void onOpenNebula32StopIsAnUnsupportedCapability() throws IOException {
    server("3.2.1");
    Provider p = provider(profile("/RPC2").build());
    Node web = Node.builder("web1").image(IMAGE).build();
    VmClient c = client(p);
    c.start(web);
    assertThatThrownBy(() -> c.stop(web)).isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("'stratuslab (OpenNebula 3.2)' provider does not support stopping and starting VMs");
  }

  @Test
  void aFailedBootFailsTheWaitWithOpenNebulasMessage() throws IOException {
    server("6.8.0");
    server.failBoots = true;
    Provider p = provider(profile("/RPC2").build());
    assertThatThrownBy(() -> client(p).start(Node.builder("web1").image(IMAGE).build()))
        .isInstanceOf(InstanceFailedException.class).hasMessageContaining("provider state 'Failure'")
            .hasMessageContaining("no space left");
  }

  @Test
  void bareHostsMeanTheStratusLabProxy() {
    Profile p = Profile.builder("x", "stratuslab").endpoint("cloud.lal.stratuslab.eu").build();
    assertThat(StratusLabProviderFactory.endpoint(p, false))
        .hasToString("https://cloud.lal.stratuslab.eu:2634/pswd/xmlrpc");
    assertThat(StratusLabProviderFactory.endpoint(p, true))
        .hasToString("https://cloud.lal.stratuslab.eu:2634/cert/xmlrpc");
    Profile port = Profile.builder("x", "stratuslab").endpoint("one.example.org:8443").build();
    assertThat(StratusLabProviderFactory.endpoint(port, false)).hasToString("https://one.example.org:8443/pswd/xmlrpc");
    Profile url = Profile.builder("x", "stratuslab").endpoint("http://one.example.org:2633/RPC2").build();
    assertThat(StratusLabProviderFactory.endpoint(url, false)).hasToString("http://one.example.org:2633/RPC2");
    assertThatThrownBy(() -> StratusLabProviderFactory.endpoint(Profile.builder("x", "stratuslab").build(), false))
        .hasMessageContaining("profiles.x.endpoint");
  }

  @Test
  void theProxyPathNeedsBasicCredentialsAndTheSessionNeedsTheRightPassword() throws IOException {
    server("6.8.0");
    Provider anonymous = provider(Profile.builder("x", "stratuslab").endpoint(server.url("/pswd/xmlrpc").toString())
        .build());
    assertThatThrownBy(anonymous::list).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION);
      assertThat(e.code()).contains("HTTP 401");
    });
    Provider wrong = provider(profile("/RPC2").credentials(OneServer.USER, Secret.of("guess")).build());
    assertThatThrownBy(wrong::list).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION);
      assertThat(e.code()).contains("0x100");
      assertThat(e.getMessage()).contains("User couldn't be authenticated").doesNotContain("guess");
    });
  }

  @Test
  void everyXmlHazardIsRefused() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").setting("opennebula_version", "6.8").setting("max_answer_bytes", "4096")
        .build());
    String envelope = "<?xml version=\"1.0\"?><methodResponse><params><param><value>%s</value></param></params></methodResponse>";

    server.answerNext(200, "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2"
        + " \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><methodResponse><params><param><value>&lol2;</value>"
        + "</param></params></methodResponse>");
    assertRefused(p, "DOCTYPE");
    server.answerNext(200, "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        + "<methodResponse><params><param><value>&xxe;</value></param></params></methodResponse>");
    assertRefused(p, "DOCTYPE");
    server.answerNext(200, envelope.formatted("<string>" + "x".repeat(5000) + "</string>"));
    assertThatThrownBy(p::list).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.code()).contains("AnswerTooLarge")).hasMessageContaining("more than 4096 bytes");
    server.answerNext(200, envelope.formatted("<array><data><value><boolean>1</boolean></value><value><int>abc</int>"
        + "</value><value><int>0</int></value></data></array>"));
    assertRefused(p, "<int> holds 'abc', which is not a number");
    server.answerNext(200, envelope.formatted("<array><data><value><boolean>yes</boolean></value></data></array>"));
    assertRefused(p, "<boolean> holds 'yes'");
    server.answerNext(200, envelope.formatted("<array><data><value><boolean>1</boolean></value><value><int>7</int>"
        + "</value><value><int>0</int></value></data></array>"));
    assertRefused(p, "holds Integer where XML text belongs");
    server.answerNext(200, "<methodResponse><params><param><value><string>unclosed</value></param></params>");
    assertRefused(p, "not acceptable XML");
    server.answerNext(200, "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1024</int>"
        + "</value></member><member><name>faultString</name><value><string>no such VM</string></value></member>"
        + "</struct></value></fault></methodResponse>");
    assertThatThrownBy(p::list).isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.kind())
        .isEqualTo(Kind.NOT_FOUND));
    server.answerNext(200, envelope.formatted("<array><data><value><boolean>0</boolean></value><value><string>Wrong"
        + " state</string></value><value><i8>2048</i8></value><value><i8>9000000000</i8></value></data></array>"));
    assertThatThrownBy(p::list).as("<i8> is understood").isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST);
      assertThat(e.code()).contains("0x800");
    });
    server.answerNext(503, "busy");
    assertThatThrownBy(p::list).isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.retryable()).isTrue());
    assertThat(p.list()).as("the next answer is normal again").isEmpty();
  }

  @Test
  void aProfilesDefaultOptionsReachTheTemplateUnderTheNodesOwn() throws IOException {
    server("6.8.0");
    Profile withDefaults = profile("/RPC2").setting("opennebula_version", "6.8")
        .defaultOption("public_key", "ssh-ed25519 AAAAC3Nza profile@lal").build();
    try (VmClient c = VmClient.builder().profile(withDefaults).build()) {
      c.start(Node.builder("dflt1").image(IMAGE).build());
      c.start(Node.builder("dflt2").image(IMAGE).option("public_key", "ssh-ed25519 AAAAC3Nza node@lal").build());
    }
    assertThat(server.templates.get(0)).contains("profile@lal");
    assertThat(server.templates.get(1)).contains("node@lal").doesNotContain("profile@lal");
  }

  @Test
  void anOptionNamingATemplateAttributeReplacesWhatFlotillaWritesButNeverTheBinding() throws IOException {
    server("7.4.0");
    Profile fractional = profile("/RPC2").defaultOption("CPU", "0.1").build();
    try (VmClient c = VmClient.builder().profile(fractional).build()) {
      c.start(Node.builder("o1").image(IMAGE).option("disk", "[ IMAGE = \"debian-12\" ]").build());
      for (String reserved : List.of("name", "FLOTILLA_TAGS")) {
        assertThatThrownBy(() -> c.start(Node.builder("o2").image(IMAGE).option(reserved, "x").build()))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("vm.options." + reserved)
            .hasMessageContaining("is written by Flotilla");
      }
      assertThatThrownBy(() -> c.start(Node.builder("o3").image(IMAGE).option("CONTEXT", "[ A = 1 ]\nNAME = \"x\"")
          .build())).hasMessageContaining("vm.options.CONTEXT").hasMessageContaining("holds a line break");
    }
    Map<String, String> o1 = OneServer.attributes(server.templates.get(0));
    assertThat(o1).containsEntry("CPU", "0.1").containsEntry("VCPU", "1")
        .containsEntry("DISK", "[ IMAGE = \"debian-12\" ]")
        .containsEntry("NAME", "o1");
    assertThat(server.templates).hasSize(1);
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void silentSlowAndAbsentEndpointsFailWithinTheProfilesDeadlines() throws Exception {
    server("6.8.0");
    dev.flotilla.vm.testkit.TransportChecks.assertDeadlinesHold("lal", url -> new StratusLabProviderFactory().open(
        profile("/RPC2").endpoint(url + "/RPC2").setting("opennebula_version", "6.8").setting("idle_timeout", "0.5")
            .setting("request_timeout", "1.5").build()), Provider::list);
  }

  @Test
  void answersThatAreNotOpenNebulasAreErrorsAndChangeNoRecord() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").build());
    VmClient client = client(p);
    Instance vm = client.start(Node.builder("web1").image(IMAGE).build());
    String envelope = "<?xml version=\"1.0\"?><methodResponse><params><param><value><array><data><value><boolean>1"
        + "</boolean></value><value><string>%s</string></value><value><int>0</int></value></data></array></value>"
        + "</param></params></methodResponse>";
    List<String> junk = List.of("<html><body>Gateway</body></html>", "{}",
        "<?xml version=\"1.0\"?><methodResponse><params><param><value><arr",
        envelope.formatted(xmlText("<html><body>not a pool</body></html>")), envelope.formatted(""));
    for (String j : junk) {
      server.answerNext(200, j);
      assertThatThrownBy(p::list).as(j).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.kind()).isEqualTo(Kind.UNKNOWN));
      server.answerNext(200, j);
      assertThatThrownBy(() -> p.describe(List.of(vm.id()))).as(j).isInstanceOf(CloudException.class);
      server.answerNext(200, j);
      assertThatThrownBy(client::reconcile).isInstanceOf(CloudException.class);
      assertThat(client.record("web1").flatMap(Node::vmId)).as("after " + j).contains(vm.id());
    }
  }

  /** XML text escaping, for an inner document carried in an XML-RPC string. */
  private static String xmlText(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static void assertRefused(Provider p, String why) {
    assertThatThrownBy(p::list).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.UNKNOWN);
      assertThat(e.code()).contains("MalformedAnswer");
    }).hasMessageContaining(why);
  }

  @Test
  void snapshotsAreOpenNebulaSystemSnapshotsWithTheirChainKeptOnTheVm() throws IOException {
    server("6.8.0");
    Provider p = provider(profile("/RPC2").build());
    VmClient c = client(p);
    Node db = Node.builder("db1").image(IMAGE).build();
    c.start(db);
    c.snapshots(db).take("s1");
    c.snapshots(db).take("s2");
    c.snapshots(db).revert("s1");
    c.snapshots(db).take("s3");
    c.snapshots(db).delete("s1");

    assertThat(server.count("one.vm.snapshotcreate")).isEqualTo(3);
    assertThat(server.count("one.vm.snapshotrevert")).isEqualTo(1);
    assertThat(server.count("one.vm.snapshotdelete")).isEqualTo(1);
    var chain = c.snapshots(db).chain();
    assertThat(chain.roots()).extracting(s -> s.name()).containsExactly("s2", "s3");
    assertThat(chain.current().map(s -> s.name())).contains("s3");
    assertThat(chain.snapshots()).allSatisfy(s -> assertThat(s.includesMemory()).isTrue());
    assertThat(dev.flotilla.vm.spi.Capabilities.of(p)).contains(Capability.SNAPSHOTS, Capability.SNAPSHOT_MEMORY);
  }
}
