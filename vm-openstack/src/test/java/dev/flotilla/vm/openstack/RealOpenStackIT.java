package dev.flotilla.vm.openstack;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.flotilla.vm.Capability;
import dev.flotilla.vm.FloatingAddress;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceFailedException;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.support.SshKeys;
import dev.flotilla.vm.spi.Provider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What OpenStack users rely on, against a real OpenStack Zed: faults, user data, metadata, flavors,
 * images, key pairs, console output, floating IPs, reboots, suspended servers, server groups, and one
 * list call for many servers (counted by a proxy every request goes through).
 */
class RealOpenStackIT {
  private static CountingProxy proxy;
  private static Profile profile;
  private static NovaAdmin admin;

  private final String prefix = "os" + UUID.randomUUID().toString().substring(0, 6);
  private final List<Node> started = new ArrayList<>();
  private Provider provider;
  private VmClient client;

  @BeforeAll
  static void connect() throws Exception {
    proxy = CountingProxy.start();
    profile = RealCloud.profile("proxy", proxy.address());
    admin = new NovaAdmin(profile);
  }

  @AfterAll
  static void disconnect() {
    proxy.close();
  }

  @BeforeEach
  void open() {
    provider = new OpenStackProviderFactory().open(profile);
    client = VmClient.builder().provider(provider).waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(2))
        .initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1)).visibilityGrace(Duration.ofSeconds(30))
            .build()).build();
  }

  @AfterEach
  void cleanUp() {
    try {
      client.destroy(started);
    } finally {
      client.close();
      provider.close();
    }
  }

  private Node node(String suffix) {
    Node n = Node.builder(prefix + "-" + suffix).image(RealCloud.IMAGE).type(RealCloud.FLAVOR).build();
    started.add(n);
    return n;
  }

  @Test
  void aServerInErrorFailsTheWaitAtOnceWithNovasFaultAndStaysRecorded() {
    // one compute host: the second server of an anti-affinity group has nowhere to go
    String group = prefix + "-spread";
    Node a = node("a").toBuilder().antiAffinityGroup(group).build();
    Node b = node("b").toBuilder().antiAffinityGroup(group).build();
    started.clear();
    started.addAll(List.of(a, b));
    assertThat(client.start(a)).isRunning();

    assertThatThrownBy(() -> client.start(b)).isInstanceOfSatisfying(InstanceFailedException.class, e -> {
      assertThat(e.instance().state()).isEqualTo(State.ERROR);
      assertThat(e.instance().providerState()).startsWith("ERROR");
      assertThat(e.getMessage()).contains("No valid host was found");
    });
    Instance failed = client.status(b).orElseThrow();
    assertThat(failed.state()).isEqualTo(State.ERROR);
    assertThat(failed.fault()).hasValueSatisfying(f -> assertThat(f).contains("No valid host"));
    assertThat(client.record(b.name()).flatMap(Node::vmId)).contains(failed.id());

    client.destroy(b);
    assertThat(provider.describe(List.of(failed.id()))).isEmpty();
  }

  @Test
  void userDataLikeCanfarsIncludeReachesNovaUnchanged() {
    String userData = "#include https://www.canfar.net/cloud-init/setup.sh\n";
    Node n = node("canfar").toBuilder().userData(userData).build();
    started.set(started.size() - 1, n);
    Instance vm = client.start(n);

    JsonObject server = admin.get("/servers/" + vm.id(), "2.3").getAsJsonObject("server");
    String sent = new String(Base64.getDecoder().decode(server.get("OS-EXT-SRV-ATTR:user_data").getAsString()),
        StandardCharsets.UTF_8);
    assertThat(sent).isEqualTo(userData);
  }

  @Test
  void aServerIsNamedAfterItsNodeAndItsMetadataNamesNodeAndProfile() {
    Node n = node("named");
    Instance vm = client.start(n);

    JsonObject server = admin.get("/servers/" + vm.id(), "2.1").getAsJsonObject("server");
    assertThat(server.get("name").getAsString()).isEqualTo(n.name());
    JsonObject metadata = server.getAsJsonObject("metadata");
    assertThat(metadata.get(Instance.NODE_TAG).getAsString()).isEqualTo(n.name());
    assertThat(metadata.has(Instance.PROFILE_TAG)).isTrue();
    assertThat(vm.privateAddress()).hasValueSatisfying(ip -> assertThat(ip).startsWith("10.0.0."));
  }

  @Test
  void flavorsAreInstanceTypesWithCpusMemoryAndDisk() {
    assertThat(client.types()).contains(new InstanceType("m1.tiny", 1, 512, 0, false, 1),
        new InstanceType("m1.small", 1, 2048, 0, false, 20));
  }

  @Test
  void aNodeWithASizeButNoFlavorGetsTheSmallestFlavorThatFits() {
    Node n = Node.builder(prefix + "-sized").image(RealCloud.IMAGE).cpus(1).memoryMb(1024).build();
    started.add(n);

    assertThat(client.start(n).type()).contains("m1.small");
  }

  @Test
  void imagesListThePublicImageAndNodesNameImagesByName() {
    assertThat(client.images().list()).anySatisfy(i -> {
      assertThat(i.name()).isEqualTo(RealCloud.IMAGE);
      assertThat(i.owner()).isEqualTo("public");
    });
  }

  @Test
  void keyPairsAreImportedAndListedWithTheirFingerprints() throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    String publicKey = sshRsa((java.security.interfaces.RSAPublicKey) g.generateKeyPair().getPublic());
    String name = prefix + "-key";
    try {
      KeyPair imported = client.keys().register(name, publicKey);

      String expected = SshKeys.md5(publicKey).orElseThrow();
      assertThat(imported.fingerprint()).isEqualTo(expected);
      assertThat(client.keys().list()).contains(new KeyPair(name, expected));
      Node n = node("keyed").toBuilder().keyPair(name).build();
      started.set(started.size() - 1, n);
      client.start(n);
      assertThat(admin.get("/servers/" + client.record(n.name()).flatMap(Node::vmId).orElseThrow(), "2.1")
          .getAsJsonObject("server").get("key_name").getAsString()).isEqualTo(name);
    } finally {
      client.destroy(started);
      started.clear();
      admin.delete("/os-keypairs/" + name);
    }
  }

  @Test
  void consoleOutputIsWhatTheServerPrinted() {
    Node n = node("console");
    client.start(n);

    assertThat(client.console(n).output()).contains("FAKE CONSOLE OUTPUT");
  }

  @Test
  void floatingIpsAreAllocatedAssociatedDisassociatedAndReleased() {
    assertThat(dev.flotilla.vm.spi.Capabilities.of(provider)).contains(Capability.FLOATING_IP);
    Node n = node("public");
    client.start(n);
    FloatingAddress ip = client.addresses(n).allocate(null);
    try {
      assertThat(ip.pool()).isEqualTo("public");
      assertThat(ip.vm()).isEmpty();

      Instance vm = client.addresses(n).associate(ip.address());
      assertThat(client.addresses(n).list()).contains(new FloatingAddress(ip.address(), "public", vm.id()));
      assertThat(client.record(n.name()).flatMap(Node::publicAddress)).contains(ip.address());
      assertThat(client.status(n).flatMap(Instance::publicAddress)).contains(ip.address());

      client.addresses(n).disassociate(ip.address());
      assertThat(client.addresses(n).list()).contains(new FloatingAddress(ip.address(), "public", null));
    } finally {
      client.addresses(n).release(ip.address());
    }
    assertThat(client.addresses(n).list()).extracting(FloatingAddress::address).doesNotContain(ip.address());
  }

  @Test
  void softAndHardRebootsComeBackRunning() {
    Node n = node("reboots");
    Instance vm = client.start(n);

    assertThat(client.reboot(n)).isRunning();
    Instance hard = client.forceReboot(n);
    assertThat(hard).isRunning();
    assertThat(hard.id()).isEqualTo(vm.id());
  }

  @Test
  void startResumesASuspendedServer() throws InterruptedException {
    Node n = node("suspended");
    Instance vm = client.start(n);
    admin.action(vm.id(), "suspend");
    awaitState(n, State.SUSPENDED);

    Instance resumed = client.start(n);

    assertThat(resumed).isRunning();
    assertThat(resumed.id()).isEqualTo(vm.id());
  }

  @Test
  void describingManyServersIsOneListCall() {
    List<Instance> vms = client.start(List.of(node("m1"), node("m2"), node("m3")));
    List<String> ids = vms.stream().map(Instance::id).toList();
    proxy.reset();

    assertThat(provider.describe(ids)).extracting(Instance::id).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(proxy.requests()).containsExactly("GET /v2.1/servers/detail");
  }

  /** Polls, as an operator would, until Nova shows the server in {@code state}; fails after a minute. */
  private void awaitState(Node n, State state) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (client.status(n).map(Instance::state).orElse(State.TERMINATED) != state) {
      assertThat(System.nanoTime()).as("%s reaches %s within a minute", n.name(), state).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** The OpenSSH text of an RSA public key: "ssh-rsa" then base64 of (type, e, n) as SSH strings. */
  static String sshRsa(java.security.interfaces.RSAPublicKey key) throws java.io.IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream data = new java.io.DataOutputStream(out);
    for (byte[] part : List.of("ssh-rsa".getBytes(StandardCharsets.US_ASCII), key.getPublicExponent().toByteArray(),
        key.getModulus().toByteArray())) {
      data.writeInt(part.length);
      data.write(part);
    }
    return "ssh-rsa " + Base64.getEncoder().encodeToString(out.toByteArray()) + " flotilla-test";
  }
}
