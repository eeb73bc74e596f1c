package dev.flotilla.vm.cloudstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceFailedException;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.cloudstack.internal.CsClient;
import dev.flotilla.vm.cloudstack.internal.CsStates;
import dev.flotilla.vm.store.InMemoryNodeStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CloudStackTest {
  private CsServer server;

  @BeforeEach
  void start() throws Exception {
    server = new CsServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private VmClient client(Profile profile) {
    return client(profile, new InMemoryNodeStore());
  }

  private VmClient client(Profile profile, InMemoryNodeStore store) {
    return VmClient.builder().profile(profile).store(store)
        .waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(1)).initialDelay(Duration.ofMillis(50))
            .maxDelay(Duration.ofMillis(400)).jitter(0.2).visibilityGrace(Duration.ofSeconds(10)).build()).build();
  }

  private static Node node(String name) {
    return Node.builder(name).profile("acs").image("debian-12").type("Small Instance").build();
  }

  @Test
  void theSignatureIsHmacSha1OfTheSortedEncodedLowerCasedQuery() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("command", "createTags");
    params.put("tags[0].value", "web 1~*");
    params.put("tags[0].key", "node_name");
    params.put("Zone", "Z");
    params.put("apikey", "Key");
    // names sorted as sent, case-sensitively ("Zone" before "apikey"), then the whole string lower-cased;
    // values URL-encoded with spaces as %20 and ~ as %7E; names not encoded
    String expected = "zone=z&apikey=key&command=createtags&tags[0].key=node_name&tags[0].value=web%201%7e*";
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    assertThat(CsClient.sign(params, "s3cret"))
        .isEqualTo(Base64.getEncoder().encodeToString(mac.doFinal(expected.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aWrongSecretKeyIsRefusedAsCredentialsWithoutShowingIt() {
    Profile wrong = Profile.builder("acs", "cloudstack").endpoint(server.url())
        .credentials(CsServer.API_KEY, Secret.of("not-the-secret-42")).build();
    try (VmClient client = client(wrong)) {
      assertThatThrownBy(() -> client.start(node("web1")))
          .isInstanceOf(CloudException.class)
          .satisfies(e -> assertThat(((CloudException) e).kind()).isEqualTo(CloudException.Kind.AUTHENTICATION))
          .hasMessageContaining("api_key and secret_key").hasMessageNotContaining("not-the-secret-42");
    }
    assertThat(server.liveVms()).isZero();
  }

  @Test
  void jcloudsCommandsAreSignedByFlotillaWithAnExpiryAndPostedWhenTheyChangeThings() {
    server.enforcePostAndTimestamps = true; // what such a cloud refuses: a GET that changes things, no expiry
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      client.start(node("web1"));
      client.stop(node("web1"));
      client.start(node("web1"));
      assertThat(client.types()).isNotEmpty();
    }
    // jclouds sent these, Flotilla's own client the deploy and the lists of VMs
    assertThat(server.methods).containsEntry("startVirtualMachine", "POST v3")
        .containsEntry("stopVirtualMachine", "POST v3").containsEntry("createTags", "POST v3")
        .containsEntry("listServiceOfferings", "GET v3").containsEntry("listTemplates", "GET v3")
        .containsEntry("deployVirtualMachine", "POST v3").containsEntry("listVirtualMachines", "GET v3");
  }

  @Test
  void plainJcloudsIsRefusedByACloudThatEnforcesPostAndTimestamps() throws Exception {
    server.enforcePostAndTimestamps = true;
    try (org.jclouds.cloudstack.CloudStackApi plain = org.jclouds.ContextBuilder.newBuilder("cloudstack")
        .endpoint(server.url()).credentials(CsServer.API_KEY, CsServer.SECRET_KEY)
        .buildApi(org.jclouds.cloudstack.CloudStackApi.class)) {
      // refused with 401 (jclouds 2.7 itself then loses the answer's text: "stream is closed")
      assertThatThrownBy(() -> plain.getZoneApi().listZones()).isInstanceOf(RuntimeException.class);
    }
    assertThat(server.calls("listZones")).isPositive(); // jclouds retried it, to no avail
    assertThat(server.methods).doesNotContainKey("listZones");
  }

  @Test
  void aStartWhoseJobFailsIsAnErrorWithCloudStacksTextAtOnceAndTheVmIsKept() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      String id = client.start(node("web1")).id();
      client.stop(node("web1"));
      server.failNextStartJob = 533;

      // told by the job as soon as the VM settles back in Stopped, not after the wait's minute
      assertThatThrownBy(() -> client.start(node("web1")))
          .isInstanceOf(InstanceFailedException.class)
          .hasMessageContaining("insufficient capacity")
          .hasMessageContaining("startVirtualMachine failed");

      assertThat(client.status(node("web1")).orElseThrow().id()).isEqualTo(id);
      assertThat(client.status(node("web1")).orElseThrow().state())
          .isEqualTo(State.STOPPED); // the failure was told once
      assertThat(client.start(node("web1")).state()).isEqualTo(State.RUNNING);
      assertThat(server.liveVms()).isEqualTo(1);
    }
  }

  @Test
  void aJobTheCloudHasPurgedIsNoErrorAndTheVmShowsAsItIs() {
    server.jobMillis = 0; // every job ends at the server's next request
    dev.flotilla.vm.spi.Provider p = new CloudStackProviderFactory().open(CloudStackContractTest.profile(server));
    String id = p.stoppedCreation().orElseThrow().createStopped(new dev.flotilla.vm.spi.CreateRequest(node("web1"),
        List.of("web1"), "flotilla-test-token-1", Map.of())).get(0).id();
    server.failNextStartJob = 533;
    p.start(List.of(id));
    server.purgeFinishedJobs(); // the start job failed, and CloudStack has since forgotten it

    assertThat(p.describe(List.of(id))).singleElement().satisfies(vm -> {
      assertThat(vm.state()).isEqualTo(State.STOPPED);
      assertThat(vm.fault()).isEmpty();
    });
  }

  @Test
  void aGarbageAnswerToAJcloudsCommandIsAnErrorNotAnEmptyList() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      server.garbage = true;
      assertThatThrownBy(() -> client.types())
          .isInstanceOf(CloudException.class)
          .satisfies(e -> assertThat(((CloudException) e).kind()).isEqualTo(CloudException.Kind.UNKNOWN))
          .hasMessageContaining("listServiceOfferings");
    }
  }

  @Test
  void theSnapshotLimitIsTheClouds() {
    server.vmSnapshotMax = 3;
    server.admin = true; // an admin's key may read vmsnapshot.max
    InMemoryNodeStore store = new InMemoryNodeStore();
    try (VmClient client = client(CloudStackContractTest.profile(server), store)) {
      client.start(node("web1"));
      assertThat(client.snapshots(node("web1")).chain().maxCount()).isEqualTo(3);
    }
    server.admin = false; // a user's may not: CloudStack's default, or the profile's own word
    try (VmClient client = client(CloudStackContractTest.profile(server), store)) {
      assertThat(client.snapshots(node("web1")).chain().maxCount()).isEqualTo(10);
    }
    Profile said = Profile.builder("acs", "cloudstack").endpoint(server.url())
        .credentials(CsServer.API_KEY, Secret.of(CsServer.SECRET_KEY)).setting("vm_snapshot_max", "3").build();
    try (VmClient client = client(said, store)) {
      assertThat(client.snapshots(node("web1")).chain().maxCount()).isEqualTo(3);
    }
  }

  @Test
  void aBadNumberInTheProfileIsNamedWhenItOpens() {
    Profile bad = Profile.builder("acs", "cloudstack").endpoint(server.url())
        .credentials(CsServer.API_KEY, Secret.of(CsServer.SECRET_KEY)).setting("max_parallel", "eight").build();
    assertThatThrownBy(() -> new CloudStackProviderFactory().open(bad))
        .isInstanceOf(dev.flotilla.vm.ConfigurationException.class)
        .hasMessageContaining("profiles.acs.auth.max_parallel").hasMessageContaining("'eight'");
  }

  @Test
  void tenNodesAreTenDeploysThenOneListPerPollRound() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      List<Node> nodes = new ArrayList<>();
      for (int i = 1; i <= 10; i++) {
        nodes.add(node("web" + i));
      }
      client.start(nodes);
      assertThat(server.liveVms()).isEqualTo(10);
      assertThat(server.calls("deployVirtualMachine")).isEqualTo(10);
      assertThat(server.calls("createTags")).as("one createTags for the ten").isEqualTo(1);
      assertThat(server.lastParams("createTags").get("resourceids").split(",")).hasSize(10);
      int rounds = server.calls("listVirtualMachines");
      assertThat(rounds).as("describe is one listVirtualMachines ids=... per poll round").isBetween(1, 40);
      server.clearCalls();
      client.destroy(nodes);
      assertThat(server.calls("destroyVirtualMachine")).isEqualTo(10);
      assertThat(server.liveVms()).isZero();
      System.out.println("CloudStack test server, start and destroy 10 nodes: " + server.calls());
    }
  }

  @Test
  void aCloudWithSmallerPagesIsAskedForItsOwnSizeFromThenOnAndEveryPageIsRead() {
    server.maxPageSize(2); // a real cloud's default.page.size may be 100, not 500
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      List<Node> nodes = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        nodes.add(node("web" + i));
      }
      client.start(nodes);
      assertThat(server.liveVms()).isEqualTo(5);
      server.clearCalls();

      dev.flotilla.vm.StatusReport report = client.status();

      assertThat(report.vms()).hasSize(5);
      assertThat(report.drift()).isEmpty();
      assertThat(server.calls("listVirtualMachines")).as("pages of 2, none refused any more").isEqualTo(3);
      client.start(nodes);
      assertThat(server.liveVms()).isEqualTo(5);
    }
  }

  @Test
  void aNodeRemovedIsMadeAgainAtOnceWhileItsDestroyedVmStillHoldsItsOldHostName() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      String first = client.start(node("web1")).id();
      client.destroy(node("web1"));
      String second = client.start(node("web1")).id(); // a user's key: the old VM is Destroyed, not expunged

      assertThat(second).isNotEqualTo(first);
      List<CsServer.Listed> all = server.instances();
      assertThat(all).extracting(CsServer.Listed::state).containsExactlyInAnyOrder("Destroyed", "Running");
      assertThat(all).extracting(CsServer.Listed::node).containsOnly("web1");
      assertThat(server.hostNames()).allMatch(n -> n.matches("web1-[a-z2-7]{8}")).doesNotHaveDuplicates();
    }
  }

  @Test
  void anHaNodeWhoseVmWasDestroyedInTheCloudsUiIsMadeAgainUnderAHostNameOfItsOwn() {
    InMemoryNodeStore store = new InMemoryNodeStore();
    try (VmClient client = client(CloudStackContractTest.profile(server), store)) {
      Node web = node("web1").toBuilder().ha(true).build();
      String first = client.start(web).id();
      server.destroyOutOfBand(first);

      List<dev.flotilla.vm.VmListener.HaEvent> events = dev.flotilla.vm.HaSupervisor.of(client).check();

      assertThat(events).extracting(e -> e.kind().name()).contains("RESTARTED");
      assertThat(server.liveVms()).isEqualTo(1);
      assertThat(server.hostNames()).hasSize(2).doesNotHaveDuplicates();
    }
  }

  @Test
  void aDeployWhoseAnswerIsLostIsAdoptedByTheTokenItsHostNameCarries() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      server.dropNextDeployAnswer();

      client.start(node("k1"));

      assertThat(server.calls("deployVirtualMachine")).isEqualTo(1);
      assertThat(server.liveVms()).isEqualTo(1);
      assertThat(client.status().drift()).isEmpty();
    }
  }

  @Test
  void namesThatAreNoHostNamesGetOneAndKeepTheirOwnAsTheDisplayName() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      client.start(List.of(node("1web"), node("db.prod")));
      assertThat(server.hostNames()).anyMatch(n -> n.matches("n1web-[a-z2-7]{8}"))
          .anyMatch(n -> n.matches("db-prod-[a-z2-7]{8}"));
      assertThat(client.status().vms()).extracting(vm -> vm.nodeName().orElseThrow())
          .containsExactlyInAnyOrder("1web", "db.prod");
    }
  }

  @Test
  void destroyedVmsAreExpungedWhereTheAccountMayAndOtherwiseLeftDestroyed() {
    server.vmLimit = 2;
    InMemoryNodeStore store = new InMemoryNodeStore();
    try (VmClient client = client(CloudStackContractTest.profile(server), store)) {
      client.start(node("a"));
      client.destroy(node("a"));
      client.start(node("a"));
      assertThatThrownBy(() -> client.start(node("b"))).isInstanceOfSatisfying(CloudException.class, e -> {
        assertThat(e.kind()).isEqualTo(CloudException.Kind.CAPACITY);
        assertThat(e.getMessage()).contains("535").contains("not yet expunged count too");
      });
    }
    assertThat(server.calls("listCapabilities")).as("a user's profile that does not ask never asks").isZero();
    server.allowUserExpunge = true; // allow.user.expunge.recover.vm
    server.vmLimit = 3;
    Profile expunging = CloudStackContractTest.profile(server).toBuilder().setting("expunge", "true").build();
    try (VmClient client = client(expunging, store)) {
      client.destroy(node("a"));
      client.start(node("a"));
      client.start(node("b"));
      for (int i = 0; i < 3; i++) { // removed and made again: each destroyed VM is expunged, so the limit holds
        client.destroy(node("a"));
        client.start(node("a"));
      }
      assertThat(server.liveVms()).isEqualTo(2);
      assertThat(server.hostNames()).as("a, b, and the VM destroyed before expunging was allowed").hasSize(3);
    }
  }

  @Test
  void aDestroyWhoseExpungeIsRefusedIsSentAgainWithoutAndTheVmIsDestroyed() {
    server.claimedUserExpunge = true; // listCapabilities says yes, the destroy job says no
    Profile expunging = CloudStackContractTest.profile(server).toBuilder().setting("expunge", "true").build();
    try (VmClient client = client(expunging)) {
      String id = client.start(node("web1")).id();

      client.destroy(node("web1"));

      assertThat(server.instances()).filteredOn(l -> l.id().equals(id)).singleElement()
          .satisfies(l -> assertThat(l.state()).isEqualTo("Destroyed"));
      assertThat(server.calls("destroyVirtualMachine")).isEqualTo(2);
      assertThat(client.status().drift()).isEmpty();
    }
  }

  @Test
  void anAdminsKeyListsItsOwnAccountsVmsUnlessTheProfileAsksForAll() {
    server.admin = true;
    server.foreignVm("theirs");
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      client.start(node("web1"));
      assertThat(client.status().vms()).extracting(vm -> vm.nodeName().orElse("-")).containsExactly("web1");
      assertThat(client.status().drift()).isEmpty();
    }
    Profile all = CloudStackContractTest.profile(server).toBuilder().setting("list_all", "true").build();
    InMemoryNodeStore store = new InMemoryNodeStore();
    try (VmClient client = client(all, store)) {
      client.start(node("web2"));
      assertThat(client.status().vms()).hasSize(3);
      server.clearCalls();
      client.destroy(node("web2"));
      assertThat(server.hostNames()).as("an admin's destroy expunges").noneMatch(n -> n.startsWith("web2-"));
      assertThat(server.calls("listCapabilities")).as("an admin's key is known by its full view").isZero();
    }
  }

  @Test
  void pollsFollowHowLongTheJobsTakeNotTheWaitPolicysBackoff() {
    server.jobMillis = 100;
    server.jobMillisOf.put("deployVirtualMachine", 1500L);
    server.jobMillisOf.put("destroyVirtualMachine", 1000L);
    // no first guess in the profile: a deploy is expected to take 4 s, a destroy 3 s
    Profile plain = Profile.builder("acs", "cloudstack").endpoint(server.url())
        .credentials(CsServer.API_KEY, Secret.of(CsServer.SECRET_KEY)).build();
    // a wait policy that alone would poll every 50 ms
    try (VmClient client = VmClient.builder().profile(plain).store(new InMemoryNodeStore())
        .waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(1)).initialDelay(Duration.ofMillis(50))
            .multiplier(1).maxDelay(Duration.ofSeconds(30)).jitter(0).build()).build()) {
      List<Node> nodes = List.of(node("p1"), node("p2"), node("p3"));
      client.start(nodes);
      assertThat(server.calls("listVirtualMachines")).as("the list before the create, one poll when due")
          .isEqualTo(2);
      server.clearCalls();

      client.destroy(nodes);
      assertThat(server.calls("listVirtualMachines")).as("the look before the destroy, one poll when due")
          .isEqualTo(2);
      assertThat(server.liveVms()).isZero();
    }
  }

  @Test
  void aDeploymentThePlannerCannotPlaceIsDestroyedAndMadeOnTheFallback() throws Exception {
    server.hostCapacity = 0; // the zone's hosts are full: deployments fail in their jobs, as CloudStack's do
    try (CsServer other = new CsServer()) {
      Profile full = CloudStackContractTest.profile(server).toBuilder().fallback(List.of("acs2")).build();
      Profile spare = Profile.builder("acs2", "cloudstack").endpoint(other.url())
          .credentials(CsServer.API_KEY, dev.flotilla.vm.Secret.of(CsServer.SECRET_KEY)).build();
      InMemoryNodeStore store = new InMemoryNodeStore();
      dev.flotilla.vm.testkit.EventLog events = new dev.flotilla.vm.testkit.EventLog();
      try (VmClient client = VmClient.builder().profiles(List.of(full, spare)).useProfile("acs").store(store)
          .waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(1)).initialDelay(Duration.ofMillis(50))
              .maxDelay(Duration.ofMillis(400)).jitter(0.2).visibilityGrace(Duration.ofSeconds(10)).build())
          .listener(events).build()) {
        server.clearCalls();
        Instance vm = client.start(node("web1"));

        assertThat(vm.tags()).containsEntry(Instance.PROFILE_TAG, "acs2");
        assertThat(store.get("web1").flatMap(Node::placeOfVm).map(dev.flotilla.vm.Place::profile)).contains("acs2");
        assertThat(server.liveVms()).as("the failed deployment destroyed").isZero();
        assertThat(other.liveVms()).isEqualTo(1);
        assertThat(events.moves()).singleElement().satisfies(m -> assertThat(m.reason())
            .contains("Unable to create a deployment"));
        assertThat(server.calls("deployVirtualMachine")).isEqualTo(1);
        assertThat(server.calls("destroyVirtualMachine")).isEqualTo(1);
      }
    }
  }

  @Test
  void aReapOfExpiredLeasesIsOneListAndADestroyPerVmCloudStackHavingNoBatchDestroy() {
    Profile acs = CloudStackContractTest.profile(server);
    try (VmClient earlier = VmClient.builder().profile(acs).store(new InMemoryNodeStore())
        .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofHours(-2))).build();
        VmClient now = VmClient.builder().profile(acs).store(new InMemoryNodeStore()).build()) {
      earlier.start(List.of(node("tmp1").toBuilder().lease(Duration.ofHours(1)).build(),
          node("tmp2").toBuilder().lease(Duration.ofHours(1)).build()));
      now.start(node("kept"));
      server.clearCalls();

      assertThat(dev.flotilla.vm.Reaper.of(now).reap()).hasSize(2);
      assertThat(server.calls()).containsOnlyKeys("listVirtualMachines", "destroyVirtualMachine")
          .containsEntry("listVirtualMachines", 1).containsEntry("destroyVirtualMachine", 2);
    }
  }

  @Test
  void aRebootIsWaitedForUntilItsJobEndsThoughTheVmReadsRunningAllThrough() {
    server.jobMillis = 600;
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      String id = client.start(node("web1")).id();

      List<dev.flotilla.vm.Instance> rebooted = client.reboot(List.of(node("web1")));

      assertThat(rebooted).singleElement().satisfies(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
      assertThat(server.jobRunning(id)).as("done only once CloudStack's job is").isFalse();
    }
  }

  @Test
  void aTemplateNameThatNamesTwoTemplatesIsRefusedWithTheirIds() {
    server.addTemplate("debian-12", "someone");
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      assertThatThrownBy(() -> client.start(node("web1"))).isInstanceOfSatisfying(
          dev.flotilla.vm.ConfigurationException.class, e -> assertThat(e.getMessage()).contains("names 2 templates")
              .contains("give the id"));
      assertThat(server.calls("deployVirtualMachine")).isZero();
    }
  }

  @Test
  void aStartThatHitsTheAccountsLimitHalfwayRunsWhatItMadeAndSaysWhichNodesGotNone() {
    server.vmLimit = 2;
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      assertThatThrownBy(() -> client.start(List.of(node("q1"), node("q2"), node("q3"))))
          .isInstanceOfSatisfying(dev.flotilla.vm.IncompleteBatchException.class, e -> {
            assertThat(e.kind()).isEqualTo(CloudException.Kind.CAPACITY);
            assertThat(e.unmade()).hasSize(1);
            assertThat(e.made()).hasSize(2).allSatisfy(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
            assertThat(e.getMessage()).contains("535").contains("got no VM").contains("have theirs");
          });
      assertThat(server.liveVms()).isEqualTo(2);
      assertThat(client.status().drift()).as("the node that got none is to be started again, nothing else")
          .singleElement().satisfies(d -> assertThat(d.command()).startsWith("vm start q"));
    }
  }

  @Test
  void aDeployThatFailsIsAnErrorWithCloudStacksReason() {
    server.failNextDeployJob = 533;
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      assertThatThrownBy(() -> client.start(node("web1"))).isInstanceOf(InstanceFailedException.class)
          .hasMessageContaining("Unable to create a deployment");
    }
  }

  @Test
  void aGarbageAnswerIsAnErrorThatChangesNoRecord() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      server.garbage = true;
      assertThatThrownBy(() -> client.start(node("web1"))).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN));
      server.garbage = false;
      assertThat(client.record("web1").flatMap(Node::vmId)).isEmpty();
      assertThat(server.liveVms()).isZero();
    }
  }

  @Test
  void aCountWithoutItsListOrACountThatIsNoNumberProvesNothing() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      String id = client.start(node("web1")).id();
      server.nextHostile.set(new CsServer.Hostile("listVirtualMachines", "count-no-list"));
      assertThatThrownBy(client::reconcile).isInstanceOfSatisfying(CloudException.class, e -> {
        assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN);
        assertThat(e.getMessage()).contains("counts 3 but holds no list");
      });
      assertThat(client.record("web1").flatMap(Node::vmId)).contains(id);
      server.nextHostile.set(new CsServer.Hostile("listVirtualMachines", "count-lots"));
      assertThatThrownBy(() -> client.status(node("web1"))).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.getMessage()).contains("count 'lots', which is not a number").doesNotContain("Number"
              + "FormatException"));
      assertThat(client.start(node("web1")).id()).isEqualTo(id);
      assertThat(server.liveVms()).isEqualTo(1);
    }
  }

  @Test
  void aProxysHtml404NeitherEndsARecordNorSkipsADestroy() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      String id = client.start(node("web1")).id();
      server.nextHostile.set(new CsServer.Hostile("listVirtualMachines", "foreign-404"));
      assertThatThrownBy(() -> client.destroy(node("web1"))).isInstanceOfSatisfying(CloudException.class,
          e -> assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN));
      assertThat(client.record("web1").flatMap(Node::vmId)).contains(id);
      assertThat(server.liveVms()).isEqualTo(1);
    }
  }

  @Test
  void aListingThatNeverEndsIsRefusedAtTheProfilesBound() {
    Profile bounded = CloudStackContractTest.profile(server).toBuilder().setting("max_list_items", "2000").build();
    try (VmClient client = client(bounded)) {
      client.start(node("web1"));
      server.endlessPages = true;
      assertThatThrownBy(client::reconcile).isInstanceOfSatisfying(CloudException.class, e -> {
        assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN);
        assertThat(e.getMessage()).contains("more than 2000").contains("max_list_items");
      });
    }
  }

  @Test
  void aDeployAnsweredWithAnotherNodesVmIsRefusedAndThatVmKeepsItsTags() {
    server.jobMillis = 0; // the tag job ends at the next request, so web1's tags are whole when read below
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      String web1 = client.start(node("web1")).id();
      Map<String, String> tagsBefore = server.instances().stream().filter(l -> l.id().equals(web1)).findFirst()
          .orElseThrow().tags();
      server.deployAnswersId = web1;
      assertThatThrownBy(() -> client.start(node("dnew"))).isInstanceOfSatisfying(CloudException.class, e -> {
        assertThat(e.kind()).isEqualTo(CloudException.Kind.UNKNOWN);
        assertThat(e.getMessage()).contains("dnew").contains(web1).contains("refused");
      });
      assertThat(server.instances()).filteredOn(l -> l.id().equals(web1)).singleElement()
          .satisfies(l -> {
            assertThat(l.node()).isEqualTo("web1");
            assertThat(l.tags()).isEqualTo(tagsBefore).containsKey("flotilla:token");
          });
      assertThat(client.record("dnew").flatMap(Node::vmId)).isEmpty();
      assertThat(client.record("web1").flatMap(Node::vmId)).contains(web1);
    }
  }

  @Test
  void aClientWithoutTheRecordSeesTheVmByItsNameAndGroupAndMakesNoSecond() {
    try (VmClient one = client(CloudStackContractTest.profile(server));
        VmClient other = client(CloudStackContractTest.profile(server))) {
      String first = one.start(node("web1")).id();
      // another client, with records of its own, knows the VM as web1's from its name and group alone
      assertThatThrownBy(() -> other.start(node("web1"))).hasMessageContaining(first)
          .hasMessageContaining("carry node web1's name").hasMessageContaining("nothing was created");
      assertThat(server.liveVms()).isEqualTo(1);
    }
  }

  @Test
  void aKeyIsRegisteredWithItsMd5FingerprintAndListed() {
    String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example";
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      dev.flotilla.vm.KeyPair registered = client.keys().register("ops", key);
      assertThat(registered.fingerprint()).matches("([0-9a-f]{2}:){15}[0-9a-f]{2}");
      assertThat(client.keys().list()).containsExactly(registered);
      assertThatThrownBy(() -> client.keys().register("ops", key)).hasMessageContaining("already exists");
    }
  }

  @Test
  void anAntiAffinityGroupIsMadeOnFirstUseAndServesEveryNode() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      List<Node> nodes = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        nodes.add(node("db" + i).toBuilder().antiAffinityGroup("spread-db").build());
      }
      client.start(nodes);
      client.start(node("db4").toBuilder().antiAffinityGroup("spread-db").build());
      assertThat(server.calls("createAffinityGroup")).isEqualTo(1);
      assertThat(server.liveVms()).isEqualTo(4);
    }
  }

  @Test
  void aRunningVmIsScaledWhereTheCloudAllowsItAndOtherwiseRefusedWithItsReason() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      Node web = node("web1");
      client.start(web);
      assertThatThrownBy(() -> client.resize(web, "Medium Instance")).isInstanceOfSatisfying(CloudException.class,
          e -> {
            assertThat(e.code()).as("CloudStack's own code").contains("530");
            assertThat(e.getMessage()).contains("scaleVirtualMachine").contains("dynamic scaling")
                .contains("{\"memory\": 512, \"cpuNumber\": 1}");
          });
      assertThat(client.record("web1").flatMap(Node::type)).contains("Small Instance");
    }
  }

  @Test
  void serviceOfferingsAreInstanceTypesWithTheirSizeAndHaFlag() {
    try (VmClient client = client(CloudStackContractTest.profile(server))) {
      assertThat(client.types(node("web1"))).containsExactly(
          new dev.flotilla.vm.InstanceType("Medium Instance", 2, 1024, 0, false, 0, true),
          new dev.flotilla.vm.InstanceType("Small Instance", 1, 512, 0, false, 0, false));
    }
  }

  @Test
  void everyCloudStackStateHasItsLifecycleState() {
    assertThat(CsStates.state("Starting", false)).isEqualTo(State.PENDING);
    assertThat(CsStates.state("Running", false)).isEqualTo(State.RUNNING);
    assertThat(CsStates.state("Stopping", false)).isEqualTo(State.STOPPING);
    assertThat(CsStates.state("Stopped", false)).isEqualTo(State.STOPPED);
    assertThat(CsStates.state("Stopped", true)).as("deployed, its job about to start it").isEqualTo(State.PENDING);
    assertThat(CsStates.state("Destroyed", false)).isEqualTo(State.TERMINATED);
    assertThat(CsStates.state("Expunging", false)).isEqualTo(State.TERMINATING);
    assertThat(CsStates.state("Migrating", false)).isEqualTo(State.PENDING);
    assertThat(CsStates.state("Error", false)).isEqualTo(State.ERROR);
    assertThat(CsStates.state("Unknown", false)).isEqualTo(State.UNKNOWN);
    assertThat(CsStates.state("Shutdown", false)).isEqualTo(State.STOPPED);
  }
}
