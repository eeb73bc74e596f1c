package dev.flotilla.vm.openstack;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.FloatingAddress;
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
import dev.flotilla.vm.openstack.internal.Keystone;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.CloudConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenStack adapter's own behaviour, with real jclouds against a local Keystone and Nova. */
class OpenStackProviderTest {
  private NovaServer server;
  private Provider provider;
  private VmClient client;

  @BeforeEach
  void start() throws IOException {
    server = NovaServer.start();
    open(OpenStackContractTest.profile(server, 3));
  }

  private void open(Profile profile) {
    if (client != null) {
      client.close();
      provider.close();
    }
    provider = new OpenStackProviderFactory().open(profile);
    client = VmClient.builder().provider(profile.name(), provider).waitPolicy(WaitPolicy.builder().timeout(Duration
        .ofSeconds(30)).initialDelay(Duration.ofMillis(5)).maxDelay(Duration.ofMillis(50)).jitter(0.0)
            .visibilityGrace(Duration.ofSeconds(5)).build()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    provider.close();
    server.close();
  }

  private static Node node(String name) {
    return Node.builder(name).image(NovaServer.IMAGE).type("m1.tiny").build();
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void silentSlowAndAbsentEndpointsFailWithinTheProfilesDeadlines() throws Exception {
    dev.flotilla.vm.testkit.TransportChecks.assertDeadlinesHold("os-local", url -> new OpenStackProviderFactory().open(
        OpenStackContractTest.profile(server, 3).toBuilder().endpoint(url + "/v3").setting("idle_timeout", "0.5")
            .setting("request_timeout", "1.5").build()), Provider::list);
  }

  @Test
  void aServerNovaCouldPlaceOnNoHostIsDeletedAndMadeOnTheFallback() throws IOException {
    server.capacity = 0;
    try (NovaServer spare = NovaServer.start()) {
      Profile full = OpenStackContractTest.profile(server, 3).toBuilder().fallback(List.of("os-spare")).build();
      Profile other = OpenStackContractTest.profile(spare, 3);
      Profile.Builder renamed = Profile.builder("os-spare", "openstack").endpoint(other.endpoint().orElseThrow())
          .region(NovaServer.REGION).credentials(NovaServer.USER, Secret.of(NovaServer.PASSWORD));
      other.settings().forEach(renamed::setting);
      dev.flotilla.vm.testkit.EventLog events = new dev.flotilla.vm.testkit.EventLog();
      dev.flotilla.vm.store.InMemoryNodeStore store = new dev.flotilla.vm.store.InMemoryNodeStore();
      try (VmClient c = VmClient.builder().profiles(List.of(full, renamed.build())).useProfile("os-local").store(store)
          .waitPolicy(WaitPolicy.builder().timeout(Duration.ofSeconds(30)).initialDelay(Duration.ofMillis(5))
              .maxDelay(Duration.ofMillis(50)).jitter(0.0).visibilityGrace(Duration.ofSeconds(5)).build())
          .listener(events).build()) {
        Instance vm = c.start(node("web1"));

        assertThat(vm.tags()).containsEntry(Instance.PROFILE_TAG, "os-spare");
        assertThat(store.get("web1").flatMap(Node::placeOfVm).map(dev.flotilla.vm.Place::profile)).contains("os-spare");
        assertThat(server.serverCount()).as("the server in ERROR deleted").isZero();
        assertThat(server.requests()).as("its deletion seen at once, not waited for as a new server may be")
            .filteredOn(r -> r.startsWith("GET /v2.1/servers/") && !r.contains("detail")).hasSizeLessThan(20);
        assertThat(spare.serverCount()).isEqualTo(1);
        assertThat(events.moves()).singleElement().satisfies(m -> assertThat(m.describe())
            .isEqualTo("web1: os-local has no capacity for m1.tiny; trying os-spare"));
      }
    }
  }

  @Test
  void aReapOfExpiredLeasesIsOneListAndADeletePerServerNovaHavingNoBatchDelete() {
    try (VmClient earlier = VmClient.builder().provider(provider).clock(java.time.Clock.offset(java.time.Clock
        .systemUTC(), Duration.ofHours(-2))).build()) {
      earlier.start(List.of(node("tmp1").toBuilder().lease(Duration.ofHours(1)).build(),
          node("tmp2").toBuilder().lease(Duration.ofHours(1)).build()));
    }
    client.start(node("kept"));
    server.resetRequests();

    try (VmClient elsewhere = VmClient.builder().provider(provider).build()) { // no record of tmp1, tmp2
      assertThat(dev.flotilla.vm.Reaper.of(elsewhere).reap()).extracting(r -> r.node().orElseThrow())
          .containsExactlyInAnyOrder("tmp1", "tmp2");
    }
    assertThat(server.requests()).as("one list, then a delete per server")
        .filteredOn(r -> !r.startsWith("POST /v3/auth")).hasSize(3)
        .filteredOn(r -> r.startsWith("DELETE /v2.1/servers/")).hasSize(2);
    assertThat(server.serverCount()).isEqualTo(1);
  }

  @Test
  void answersThatAreNotNovasAreErrorsAndChangeNoRecord() {
    Node web = node("web1");
    Instance vm = client.start(web);
    List<String[]> junk = List.of(new String[] {"text/html", "<html><body>Gateway</body></html>"},
        new String[] {"application/json", "{}"}, new String[] {"application/json", "{\"servers\": [{\"id\": \"ab"},
        new String[] {"text/plain", "{\"servers\": []}"});
    for (String[] j : junk) {
      server.garbageNext("GET", "/v2.1/servers/detail", j[0], j[1]);
      assertThatThrownBy(provider::list).as(j[1]).isInstanceOfSatisfying(CloudException.class, e -> {
        assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN);
        assertThat(e.getMessage()).contains("nothing was concluded");
      });
      server.garbageNext("GET", "/v2.1/servers/" + vm.id(), j[0], j[1]);
      assertThatThrownBy(() -> provider.describe(List.of(vm.id()))).as(j[1]).isInstanceOf(CloudException.class);
      server.garbageNext("GET", "/v2.1/servers/detail", j[0], j[1]);
      assertThatThrownBy(client::reconcile).isInstanceOf(CloudException.class);
      assertThat(client.record("web1").flatMap(Node::vmId)).as("after " + j[1]).contains(vm.id());
    }
    server.garbageNext("POST", "/v2.1/servers", "text/html", "<html>Created?</html>");
    Instance second = client.start(node("web2"));
    assertThat(server.serverCount()).as("the garbled create's server was found and adopted, not made twice")
        .isEqualTo(2);
    assertThat(client.record("web2").flatMap(Node::vmId)).contains(second.id());
  }

  @Test
  void aCreateAnsweredWithAnotherNodesServerIsRefusedAndBindsNothing() {
    Instance web1 = client.start(node("web1"));
    server.createAnswersExisting = web1.id();
    assertThatThrownBy(() -> client.start(node("web2"))).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN);
      assertThat(e.getMessage()).contains("web2").contains(web1.id()).contains("refused");
    });
    assertThat(client.record("web2").flatMap(Node::vmId)).isEmpty();
    assertThat(client.record("web2").flatMap(Node::createIntent)).as("the intent stays").isPresent();
    assertThat(client.record("web1").flatMap(Node::vmId)).contains(web1.id());
    assertThat(provider.describe(List.of(web1.id()))).singleElement()
        .satisfies(vm -> assertThat(vm.nodeName()).contains("web1"));
    assertThat(server.requests()).noneMatch(r -> r.startsWith("DELETE") || r.contains("metadata"));
    Instance web2 = client.start(node("web2"));
    assertThat(web2.id()).isNotEqualTo(web1.id());
    assertThat(client.record("web1").flatMap(Node::vmId)).contains(web1.id());
  }

  @Test
  void aProxysHtml404ToAServerIsNotNovasNotFound() {
    Node web = node("web1");
    Instance vm = client.start(web);
    server.garbageNext(404, "GET", "/v2.1/servers/" + vm.id(), "text/html",
        "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>");
    assertThatThrownBy(() -> client.destroy(web)).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN);
      assertThat(e.getMessage()).contains("HTTP 404").contains("not an error of the cloud's own");
    });
    assertThat(server.requests()).noneMatch(r -> r.startsWith("DELETE"));
    assertThat(client.record("web1").flatMap(Node::vmId)).as("the VM is not forgotten").contains(vm.id());
    // Nova's own itemNotFound is a NOT_FOUND: the server is gone
    assertThat(provider.describe(List.of("00000000-0000-0000-0000-000000000000"))).isEmpty();
    client.destroy(web);
    assertThat(server.requests()).anyMatch(r -> r.startsWith("DELETE"));
  }

  @Test
  void aListOfServersWhoseNextLinksNeverEndIsRefusedAtTheProfilesBound() {
    open(OpenStackContractTest.profile(server, 3).toBuilder().setting("max_list_items", "50").build());
    client.start(node("web1"));
    server.endlessServerLinks = true;
    assertThatThrownBy(provider::list).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN);
      assertThat(e.getMessage()).contains("past 50").contains("max_list_items");
    });
    server.endlessServerLinks = false;
  }

  @Test
  void aProfilesDefaultOptionsReachNovaUnderTheNodesOwn() {
    Profile withDefaults = OpenStackContractTest.profile(server, 3).toBuilder().defaultOption("config_drive", "true")
        .build();
    try (VmClient c = VmClient.builder().profile(withDefaults).build()) {
      Instance plain = c.start(node("dflt1"));
      Instance own = c.start(node("dflt2").toBuilder().option("config_drive", "false").build());
      assertThat(server.server(plain.id()).get("config_drive").getAsString()).isEqualTo("True");
      assertThat(server.server(own.id()).get("config_drive").getAsString()).as("the node's own wins").isEmpty();
    }
  }

  @Test
  void keystoneV2CloudsWork() {
    open(OpenStackContractTest.profile(server, 2));

    assertThat(client.start(node("old-cloud"))).isRunning();
    assertThat(server.requests()).contains("POST /v2.0/tokens").doesNotContain("POST /v3/auth/tokens");
  }

  @Test
  void aProfileComesFromAnOpenStackRcFile(@TempDir Path dir) throws IOException {
    Path rc = dir.resolve("demo-openrc.sh");
    Files.writeString(rc, """
        export OS_AUTH_URL=%s
        export OS_PROJECT_NAME="%s"
        export OS_USER_DOMAIN_NAME="Default"
        export OS_PROJECT_DOMAIN_NAME="Default"
        export OS_USERNAME="%s"
        echo "Please enter your OpenStack Password for project $OS_PROJECT_NAME as user $OS_USERNAME: "
        read -sr OS_PASSWORD_INPUT
        export OS_PASSWORD=$OS_PASSWORD_INPUT
        export OS_REGION_NAME="RegionOne"
        export OS_IDENTITY_API_VERSION=3
        """.formatted(server.authUrl(3), NovaServer.PROJECT, NovaServer.USER));
    Profile p = CloudConfig.fromOpenRc(rc, Map.of("OS_PASSWORD_INPUT", NovaServer.PASSWORD)).profiles().get(0);
    open(p);

    assertThat(client.start(node("from-rc"))).isRunning();
  }

  /** The README's OpenStack example, as written there, against the local cloud. */
  @Test
  void theReadmeExampleRuns(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("demo-openrc.sh"), "export OS_AUTH_URL=" + server
        .authUrl(3) + "\nexport OS_PROJECT_NAME="
        + NovaServer.PROJECT + "\nexport OS_USERNAME=" + NovaServer.USER + "\nexport OS_PASSWORD=$OS_PASSWORD_INPUT\n");
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    client.keys().register("ops",
        RealOpenStackIT.sshRsa((java.security.interfaces.RSAPublicKey) g.generateKeyPair().getPublic()));
    Map<String, String> env = Map.of("OS_PASSWORD_INPUT", NovaServer.PASSWORD);

    CloudConfig rc = CloudConfig.fromOpenRc(dir.resolve("demo-openrc.sh"), env);
    try (VmClient client = VmClient.builder().profiles(rc.profiles()).build()) {
      Node web = Node.builder("web1").image("ubuntu-22.04").type("m1.small").keyPair("ops")
          .securityGroups("default", "web").userData("#include https://example.org/setup.sh\n").build();
      client.start(web);                                              // ACTIVE, or Nova's fault at once
      client.addresses(web).associate(client.addresses(web).allocate(null).address());

      assertThat(client.status(web).flatMap(Instance::publicAddress)).hasValueSatisfying(ip -> assertThat(ip)
          .startsWith("172.24.4."));
    }
  }

  @Test
  void aWrongPasswordIsAnAuthenticationErrorThatDoesNotShowThePassword() {
    open(OpenStackContractTest.profile(server, 3).toBuilder().credentials(NovaServer.USER,
        Secret.of("wrong-password-123")).build());

    assertThatThrownBy(() -> client.start(node("denied"))).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(CloudException.Kind.AUTHENTICATION);
      assertThat(e).hasMessageNotContaining("wrong-password-123");
    });
  }

  @Test
  void aServerInErrorFailsTheWaitAtOnceWithNovasFaultAndStaysRecorded() {
    Node a = node("spread-a").toBuilder().antiAffinityGroup("spread").build();
    Node b = node("spread-b").toBuilder().antiAffinityGroup("spread").build();
    assertThat(client.start(a)).isRunning();

    assertThatThrownBy(() -> client.start(b)).isInstanceOfSatisfying(InstanceFailedException.class,
        e -> assertThat(e).hasMessageContaining("No valid host was found").hasMessageContaining("remove it with"));

    Instance failed = client.status(b).orElseThrow();
    assertThat(failed.state()).isEqualTo(State.ERROR);
    assertThat(client.record(b.name()).flatMap(Node::vmId)).contains(failed.id());
    assertThat(server.requests().stream().filter(r -> r.equals("POST /v2.1/os-server-groups"))).hasSize(1);
    client.destroy(b);
    assertThat(server.serverCount()).isEqualTo(1);
  }

  @Test
  void userDataLikeCanfarsIncludeReachesNovaUnchanged() {
    String userData = "#include https://www.canfar.net/cloud-init/setup.sh\n";
    Instance vm = client.start(node("canfar").toBuilder().userData(userData).build());

    assertThat(server.userDataOf(vm.id())).isEqualTo(userData);
  }

  @Test
  void userDataNeverShowsInTheCreateOptionsJcloudsMayLog() {
    var options = new dev.flotilla.vm.openstack.internal.NovaCreateOptions("group-1");
    options.userData("#cloud-config\npassword: hunter2\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(options.toString()).doesNotContain("hunter2").contains("userData=32 bytes").contains("group-1");
  }

  @Test
  void describingManyServersIsOneListCall() {
    List<Instance> vms = client.start(List.of(node("m1"), node("m2"), node("m3")));
    server.resetRequests();

    assertThat(provider.describe(vms.stream().map(Instance::id).toList())).hasSize(3);
    assertThat(server.requests()).containsExactly("GET /v2.1/servers/detail");
  }

  @Test
  void serversAreCreatedSeveralAtATimeUpToTheProfilesBound() {
    open(OpenStackContractTest.profile(server, 3).toBuilder().setting("max_parallel", "3").build());
    List<Node> nodes = java.util.stream.IntStream.rangeClosed(1, 12).mapToObj(i -> node("p" + i)).toList();

    List<Instance> vms = client.start(nodes);

    assertThat(vms).extracting(vm -> vm.nodeName().orElseThrow()).containsExactlyElementsOf(nodes.stream()
        .map(Node::name).toList());
    assertThat(server.serverCount()).isEqualTo(12);
    assertThat(server.maxCreatesInFlight.get()).isBetween(1, 3);
    assertThatThrownBy(() -> new OpenStackProviderFactory().open(OpenStackContractTest.profile(server, 3).toBuilder()
        .setting("max_parallel", "lots").build())).hasMessageContaining("max_parallel").hasMessageContaining("1 to 64");
  }


  @Test
  void aCreateThatFailsMidwayIsRetriedWithoutMakingAnyServerTwice() {
    server.failLater("POST", "/v2.1/servers", 503, "The server is currently unavailable.", 2);

    List<Instance> vms = client.start(List.of(node("r1"), node("r2"), node("r3"), node("r4")));

    assertThat(vms).allSatisfy(vm -> assertThat(vm).isRunning());
    assertThat(vms.stream().map(Instance::id).distinct()).hasSize(4);
    assertThat(server.serverCount()).isEqualTo(4);
    assertThat(server.requests().stream().filter(r -> r.equals("POST /v2.1/servers"))).hasSize(5);
  }

  @Test
  void aStartRepeatedByAnotherProcessAdoptsTheServersOfTheFirstTry() {
    // the first process wrote its intents, sent the create and died before it recorded the servers
    dev.flotilla.vm.store.NodeStore store = new dev.flotilla.vm.store.InMemoryNodeStore();
    dev.flotilla.vm.CreateIntent intent = new dev.flotilla.vm.CreateIntent("flotilla-token-1", "os-local", "spec",
        List.of("c1", "c2"), java.time.Instant.now());
    dev.flotilla.vm.NodeRecord intended = dev.flotilla.vm.NodeRecord.builder().createIntent(intent).build();
    store.put(node("c1").withRecord(intended));
    store.put(node("c2").withRecord(intended));
    dev.flotilla.vm.spi.CreateRequest request = new dev.flotilla.vm.spi.CreateRequest(node("spec"), List.of("c1", "c2"),
        "flotilla-token-1", Map.of(Instance.PROFILE_TAG, "os-local", Instance.TOKEN_TAG, "flotilla-token-1"));
    List<Instance> first = provider.create(request);
    // a new provider has no memory of the first: as a process restarted after a crash
    Provider restarted = new OpenStackProviderFactory().open(OpenStackContractTest.profile(server, 3));
    try (VmClient again = VmClient.builder().provider("os-local", restarted).store(store).build()) {
      List<Instance> vms = again.start(List.of(node("c1"), node("c2"), node("c3")));

      assertThat(vms.subList(0, 2)).extracting(Instance::id)
          .containsExactlyElementsOf(first.stream().map(Instance::id).toList());
      assertThat(server.serverCount()).isEqualTo(3);
    } finally {
      restarted.close();
    }
  }

  @Test
  void reconcileAdoptsAServerThatCarriesTheNameOfANodeWithoutAVm() {
    dev.flotilla.vm.store.InMemoryNodeStore store = new dev.flotilla.vm.store.InMemoryNodeStore();
    try (VmClient c = VmClient.builder().provider("os-local", provider).store(store).build()) {
      store.put(Node.builder("web1").build());
      // made elsewhere (another client, LEAP): its metadata names node web1
      String id = provider.create(new dev.flotilla.vm.spi.CreateRequest(node("spec"), List.of("web1"), "elsewhere",
          Map.of())).get(0).id();

      assertThat(c.status().drift()).singleElement().satisfies(d -> assertThat(d.command())
          .isEqualTo("vm bind web1 " + id));
      assertThat(c.reconcile().applied()).containsExactly("adopted VM " + id + " for node web1");
      assertThat(store.get("web1").flatMap(Node::vmId)).contains(id);
    }
  }

  @Test
  void startResumesASuspendedServer() {
    Node n = node("sleepy");
    Instance vm = client.start(n);
    server.setStatus(vm.id(), "SUSPENDED");

    Instance resumed = client.start(n);

    assertThat(resumed).isRunning();
    assertThat(resumed.id()).isEqualTo(vm.id());
  }

  @Test
  void aServerGetsItsNodesKeyPairSecurityGroupsZoneAndMetadata() throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    client.keys().register("ops",
        RealOpenStackIT.sshRsa((java.security.interfaces.RSAPublicKey) g.generateKeyPair().getPublic()));
    Node n = node("web1").toBuilder().keyPair("ops").securityGroups(List.of("web", "ssh")).zone("nova-az2")
        .tags(java.util.Set.of("seattle")).build();

    Instance vm = client.start(n);

    com.google.gson.JsonObject s = server.server(vm.id());
    assertThat(s.get("name").getAsString()).isEqualTo("web1");
    assertThat(s.get("key_name").getAsString()).isEqualTo("ops");
    assertThat(s.get("security_groups").toString()).contains("\"web\"").contains("\"ssh\"");
    assertThat(s.get("OS-EXT-AZ:availability_zone").getAsString()).isEqualTo("nova-az2");
    com.google.gson.JsonObject metadata = s.getAsJsonObject("metadata");
    assertThat(metadata.get("node_name").getAsString()).isEqualTo("web1");
    assertThat(metadata.get("flotilla:profile").getAsString()).isEqualTo("os-local");
    assertThat(metadata.has("flotilla:tag:seattle")).isTrue();
    assertThat(vm.zone()).contains("nova-az2");
  }

  @Test
  void stopAndStartAreOsStopAndOsStartNotTheAdminOnlySuspend() {
    Node n = node("cycle");
    Instance vm = client.start(n);
    server.resetRequests();

    client.stop(n);
    client.start(n);
    client.reboot(n);
    client.forceReboot(n);

    String action = "POST /v2.1/servers/" + vm.id() + "/action ";
    assertThat(server.requests()).filteredOn(r -> r.startsWith(action))
        .containsExactly(action + "os-stop", action + "os-start", action + "reboot", action + "reboot");
  }

  @Test
  void stopShowsStoppingWhileNovaStillSaysActive() {
    Node n = node("stopping");
    Instance vm = client.start(n);
    provider.stop(List.of(vm.id()), false);

    Instance seen = provider.describe(List.of(vm.id())).get(0);

    assertThat(seen.state()).isEqualTo(State.STOPPING);
    assertThat(seen.providerState()).isEqualTo("ACTIVE (powering-off)");
    assertThat(client.stop(n)).isStopped();
  }

  @Test
  void whatTheCloudLacksIsAnUnsupportedCapabilityNotACrash() {
    server.extensions.remove("os-floating-ips");
    server.extensions.remove("os-server-groups");
    Node n = node("plain");
    client.start(n);

    assertThat(dev.flotilla.vm.spi.Capabilities.of(provider))
        .doesNotContain(Capability.FLOATING_IP, Capability.ANTI_AFFINITY)
        .contains(Capability.CONSOLE_OUTPUT);
    assertThatThrownBy(() -> client.addresses(n).allocate(null))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("floating IP");
    assertThatThrownBy(() -> client.start(node("grouped").toBuilder().antiAffinityGroup("g").build()))
        .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("anti-affinity");
    assertThat(client.console(n).output()).contains("plain login:");
  }

  @Test
  void floatingIpsFollowTheNode() {
    Node n = node("web");
    Instance vm = client.start(n);
    FloatingAddress ip = client.addresses(n).allocate(null);

    assertThat(client.addresses(n).associate(ip.address()).publicAddress()).contains(ip.address());
    assertThat(client.addresses(n).list()).containsExactly(new FloatingAddress(ip.address(), "public", vm.id()));
    client.addresses(n).disassociate(ip.address());
    assertThat(client.status(n).flatMap(Instance::publicAddress)).isEmpty();
    client.addresses(n).release(ip.address());
    assertThat(client.addresses(n).list()).isEmpty();
  }

  @Test
  void flavorsAreTypesAndNodesMayAskForASizeInstead() {
    assertThat(client.types()).contains(new InstanceType("m1.small", 1, 2048, 512, false, 20),
        new InstanceType("m1.large", 4, 8192, 0, false, 80));

    Instance vm = client.start(Node.builder("sized").image(NovaServer.IMAGE).cpus(2).memoryMb(1024).build());

    assertThat(vm.type()).contains("m1.large");
  }

  @Test
  void imagesComeFromGlanceWithTheirVisibilityPageAfterPage() {
    Instance vm = client.start(node("golden"));
    dev.flotilla.vm.Image saved = client.images(node("golden")).save("golden-image");

    assertThat(client.images().list()).containsExactly(new dev.flotilla.vm
        .Image(NovaServer.IMAGE_ID, NovaServer.IMAGE, "public"),
        new dev.flotilla.vm.Image("0b7e3c1a-1111-4c5e-9d1a-5a1f0c2d3e4f", "ubuntu-22.04", "public"),
        new dev.flotilla.vm.Image("0b7e3c1a-2222-4c5e-9d1a-5a1f0c2d3e4f", "canfar-batch", "shared"),
        new dev.flotilla.vm.Image(saved.id(), "golden-image", "project"));
    assertThat(server.requests().stream().filter(r -> r.equals("GET /glance/v2/images"))).hasSize(2);
    assertThat(vm.id()).isNotBlank();
  }

  @Test
  void namesThatTheCloudDoesNotKnowAreNamedInTheError() {
    assertThatThrownBy(() -> client.start(node("x").toBuilder().type("m9.huge").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("m9.huge").hasMessageContaining("m1.tiny");
    assertThatThrownBy(() -> client.start(node("y").toBuilder().image("centos-5").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("centos-5").hasMessageContaining("debian-12");
    assertThatThrownBy(() -> client.start(Node.builder("z").type("m1.tiny").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("default_image");
    assertThatThrownBy(() -> client.start(node("w").toBuilder().option("InstanceType", "t3.micro").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("vm.options.InstanceType");
    assertThat(server.serverCount()).isZero();
  }

  @Test
  void profilesWithMissingOrWrongSettingsAreNamed() {
    Profile good = OpenStackContractTest.profile(server, 3);
    Profile noProject = Profile.builder("p", "openstack").endpoint(server.authUrl(3))
        .credentials(NovaServer.USER, Secret.of(NovaServer.PASSWORD)).build();
    assertThatThrownBy(() -> new OpenStackProviderFactory().open(noProject))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("profiles.p.auth.project_name");
    assertThatThrownBy(() -> new OpenStackProviderFactory().open(good.toBuilder().setting("identity_api_version", "4")
        .build())).hasMessageContaining("identity_api_version").hasMessageContaining("'4'");
    assertThatThrownBy(() -> new OpenStackProviderFactory().open(good.toBuilder().setting("proxy", "nowhere").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("host:port");
  }

  @Test
  void keystoneVersionAndUrlComeFromTheProfileOrTheUrl() {
    Profile base = Profile.builder("p", "openstack").credentials("alice", Secret.of("x"))
        .setting("project_name", "science").build();

    Keystone v3 = Keystone.of(base.toBuilder().endpoint("https://keystone.example.org:5000").build());
    Keystone v2 = Keystone.of(base.toBuilder().endpoint("https://keystone.example.org:5000/v2.0/").build());

    assertThat(v3.endpoint()).isEqualTo("https://keystone.example.org:5000/v3");
    assertThat(v3.identity()).isEqualTo("Default:alice");
    assertThat(v3.overrides()).containsEntry("jclouds.keystone.scope", "project:science");
    assertThat(v2.endpoint()).isEqualTo("https://keystone.example.org:5000/v2.0");
    assertThat(v2.identity()).isEqualTo("science:alice");
  }

  @Test
  void anExpiredTokenIsRenewedWithoutTheCallerNoticing() {
    Node n = node("long-lived");
    client.start(n);
    server.expireToken();

    assertThat(client.stop(n)).isStopped();
    assertThat(server.requests().stream().filter(r -> r.equals("POST /v3/auth/tokens"))).hasSize(2);
  }

  @Test
  void throttlingAndOutagesAreRetriedByTheClient() {
    server.failNext("POST", "/v2.1/servers", 429, "Rate limit exceeded");
    server.failNext("GET", "/v2.1/servers", 503, "The server is currently unavailable.");

    assertThat(client.start(node("patient"))).isRunning();
    assertThat(server.serverCount()).isEqualTo(1);
  }

  @Test
  void anOpeningBuildsNothingUntilTheFirstCall() {
    Provider fresh = new OpenStackProviderFactory().open(OpenStackContractTest.profile(server, 3));
    try {
      assertThat(((OpenStackProvider) fresh).contextBuilt()).isFalse();
      fresh.list();
      assertThat(((OpenStackProvider) fresh).contextBuilt()).isTrue();
    } finally {
      fresh.close();
    }
  }
}
