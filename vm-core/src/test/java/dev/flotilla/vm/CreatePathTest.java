package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.store.InMemoryNodeStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The create path on a cloud of its own: one VM per node, whatever the cloud answers or a crash left. */
class CreatePathTest {
  private final TinyCloud cloud = new TinyCloud();
  private final InMemoryNodeStore store = new InMemoryNodeStore();
  private final VmClient client = VmClient.builder().provider(cloud).store(store).sleeper(d -> { })
      .retryPolicy(RetryPolicy.builder().maxAttempts(3).build()).build();

  private Node record(String name) {
    return store.get(name).orElseThrow();
  }

  @Test
  void aCreateThatFailsAfterMakingItsVmsHasThemAdoptedNotMadeAgain() {
    cloud.answer = r -> {
      cloud.make(r);
      throw new CloudException(Kind.TRANSIENT, "tiny", "InternalError", "the answer was lost");
    };

    List<Instance> vms = client.start(List.of(Node.builder("a").build(), Node.builder("b").build()));

    assertThat(cloud.creates).hasSize(1);
    assertThat(cloud.live()).hasSize(2);
    assertThat(vms).extracting(Instance::id).containsExactlyElementsOf(cloud.live().stream().map(Instance::id).toList());
    assertThat(record("a").vmId()).contains(vms.get(0).id());
    assertThat(record("a").createIntent()).isEmpty();
  }

  @Test
  void theVmOfACreateThatACrashCutOffIsAdoptedByItsToken() {
    CreateIntent intent = new CreateIntent("tok-1", "tiny", "spec", List.of("a"), Instant.now().minusSeconds(60));
    store.put(Node.builder("a").build().intending(intent));
    Instance made = cloud.put(Instance.builder("i-made", State.RUNNING).tags(Map.of(Instance.NODE_TAG, "a",
        Instance.PROFILE_TAG, "tiny", Instance.TOKEN_TAG, "tok-1")).build());

    client.start(Node.builder("a").build());

    assertThat(cloud.creates).isEmpty();
    assertThat(record("a").vmId()).contains(made.id());
  }

  @Test
  void aVmThatCarriesTheShortFormOfTheCreatesTokenIsAdoptedAndOneOfAnotherCreateIsNot() {
    CreateIntent intent = new CreateIntent("flotilla-0123", "tiny", "spec", List.of("a"), Instant.now());
    store.put(Node.builder("a").build().withRecord(NodeRecord.builder().createIntent(intent).build()));
    cloud.put(Instance.builder("i-other", State.RUNNING).tags(Map.of(Instance.NODE_TAG, "a",
        Instance.TOKEN_TAG, CreateIntent.shortToken("flotilla-4567"))).build());
    assertThatThrownBy(() -> client.start(Node.builder("a").build())).hasMessageContaining("carry node a's name");

    cloud.vms.remove("i-other");
    Instance made = cloud.put(Instance.builder("i-made", State.RUNNING).tags(Map.of(Instance.NODE_TAG, "a",
        Instance.TOKEN_TAG, CreateIntent.shortToken("flotilla-0123"))).build());
    client.start(Node.builder("a").build());

    assertThat(cloud.creates).isEmpty();
    assertThat(record("a").vmId()).contains(made.id());
  }

  @Test
  void theShortFormOfATokenIsEightBase32CharactersOfItsDigest() {
    String s = CreateIntent.shortToken("flotilla-00ff");
    assertThat(s).matches("[a-z2-7]{8}").isEqualTo(CreateIntent.shortToken("flotilla-00ff"))
        .isNotEqualTo(CreateIntent.shortToken("flotilla-00fe"));
    assertThat(CreateIntent.names("flotilla-00ff", s)).isTrue();
    assertThat(CreateIntent.names("flotilla-00ff", "flotilla-00ff")).isTrue();
    assertThat(CreateIntent.names("flotilla-00ff", null)).isFalse();
    assertThat(CreateIntent.names("flotilla-00fe", s)).isFalse();
  }

  @Test
  void aVmThatCarriesTheNodesNameButNoCreateOfItsIsRefusedAndNothingIsMade() {
    cloud.put(Instance.builder("i-other", State.RUNNING).tags(Map.of(Instance.NODE_TAG, "a")).build());

    assertThatThrownBy(() -> client.start(Node.builder("a").build())).isInstanceOf(VmException.class)
        .hasMessageContaining("VM(s) [i-other] carry node a's name").hasMessageContaining("nothing was created");
    assertThat(cloud.creates).isEmpty();
    assertThat(store.get("a").flatMap(Node::vmId)).isEmpty();
  }

  @Test
  void anAnswerThatNamesAnotherNodesVmIsRefusedAndNothingIsBound() {
    client.start(Node.builder("b").build());
    String theirs = record("b").vmId().orElseThrow();
    cloud.answer = r -> List.of(cloud.vms.get(theirs));

    assertThatThrownBy(() -> client.start(Node.builder("a").build())).isInstanceOf(CloudException.class);

    assertThat(record("a").vmId()).isEmpty();
    assertThat(record("a").createIntent()).as("the intent stays, so the next look finds what exists").isPresent();
    assertThat(record("b").vmId()).contains(theirs);
  }

  @Test
  void anAnswerWithFewerVmsThanAskedBindsNoneAndKeepsTheIntents() {
    cloud.answer = r -> cloud.make(r).subList(0, 1);

    assertThatThrownBy(() -> client.start(List.of(Node.builder("a").build(), Node.builder("b").build())))
        .isInstanceOf(CloudException.class).hasMessageContaining("asked for 2 VMs and got 1");

    assertThat(List.of(record("a"), record("b"))).allSatisfy(n -> {
      assertThat(n.vmId()).isEmpty();
      assertThat(n.createIntent()).isPresent();
    });
  }

  @Test
  void aRequestTheCloudRefusedLeavesNoIntentBehind() {
    cloud.answer = r -> {
      throw new CloudException(Kind.INVALID_REQUEST, "tiny", "InvalidParameterValue", "no such image");
    };

    assertThatThrownBy(() -> client.start(Node.builder("a").build())).isInstanceOf(CloudException.class);

    assertThat(store.get("a").flatMap(Node::createIntent)).isEmpty();
    assertThat(cloud.creates).hasSize(1);
  }

  @Test
  void aRequestTheAdapterRefusesBeforeAskingTheCloudLeavesNoIntentBehind() {
    cloud.answer = r -> {
      throw new ConfigurationException(null, "vm.type", "the cloud has no service offering 'Huge'");
    };

    assertThatThrownBy(() -> client.start(Node.builder("a").type("Huge").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("Huge");

    assertThat(store.get("a").flatMap(Node::createIntent)).isEmpty();
  }

  @Test
  void aQuotaHitHalfwayLeavesTheVmsMadeRunningAndSaysWhichNodesGotNone() {
    cloud.answer = r -> { // room for two: a cloud that makes VMs one by one and stops at its limit
      List<Instance> made = cloud.make(new dev.flotilla.vm.spi.CreateRequest(r.spec(),
          r.nodeNames().subList(0, Math.min(2, r.count())), r.clientToken(), r.tags()));
      if (made.size() < r.count()) {
        throw new CloudException(Kind.CAPACITY, "tiny", "535", "Maximum number of resources of type 'user_vm'");
      }
      return made;
    };
    List<Node> nodes = List.of(Node.builder("a").build(), Node.builder("b").build(), Node.builder("c").build());

    assertThatThrownBy(() -> client.start(nodes)).isInstanceOfSatisfying(IncompleteBatchException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.CAPACITY);
      assertThat(e.unmade()).containsExactly("c");
      assertThat(e.made()).extracting(vm -> vm.nodeName().orElseThrow()).containsExactly("a", "b");
      assertThat(e.made()).allSatisfy(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
      assertThat(e.getMessage()).contains("node(s) c got no VM").contains("535").contains("a (i-1, running)");
    });
    assertThat(record("a").vmId()).isPresent();
    assertThat(record("c").vmId()).isEmpty();
    assertThat(record("c").createIntent()).as("refused: nothing of it exists").isEmpty();
  }

  @Test
  void aVmThatFailsToBootIsToldOnceTheOthersOfTheCallRun() {
    cloud.answer = r -> {
      List<Instance> made = cloud.make(r);
      cloud.vms.put(made.get(0).id(), TinyCloud.in(made.get(0), State.ERROR));
      return made;
    };

    assertThatThrownBy(() -> client.start(List.of(Node.builder("a").build(), Node.builder("b").build())))
        .isInstanceOfSatisfying(InstanceFailedException.class, e -> {
          assertThat(e.failed()).extracting(vm -> vm.nodeName().orElseThrow()).containsExactly("a");
          assertThat(e.settled()).extracting(vm -> vm.nodeName().orElseThrow()).containsExactly("b");
          assertThat(e.getMessage()).contains("went to ERROR").endsWith("; b is running.");
        });
    assertThat(record("b").vmId()).isPresent();
  }

  @Test
  void namesThatDifferOnlyInCaseAreRefusedBeforeTheCloudIsAsked() {
    store.put(Node.builder("Web").build());

    assertThatThrownBy(() -> client.start(Node.builder("web").build())).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("would have one host name");
    assertThat(cloud.creates).isEmpty();
  }

  @Test
  void aRepeatOfTheSameCreateKeepsItsTokenAndADifferentOneGetsItsOwn() {
    cloud.answer = r -> {
      throw new CloudException(Kind.UNKNOWN, "tiny", null, "the answer could not be read");
    };
    assertThatThrownBy(() -> client.start(Node.builder("a").build())).isInstanceOf(CloudException.class);
    Optional<CreateIntent> first = record("a").createIntent();
    assertThat(first).as("an answer nobody could read may have made VMs: the intent stays").isPresent();

    cloud.answer = cloud::make;
    client.start(Node.builder("a").build());

    assertThat(cloud.creates).extracting(r -> r.clientToken()).containsExactly(first.get().token(),
        first.get().token());
    assertThat(cloud.live()).hasSize(1);
  }
}
