package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.CreateIntent;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeRecord;
import dev.flotilla.vm.NodeLockedException;
import dev.flotilla.vm.store.NodeStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link NodeStore} must do, stated once: records kept exactly (LEAP's keys, bindings, create
 * intents), inheritance, atomic read-modify-write that never loses an update, and per-node locks that exclude
 * other clients, all or none. In-memory, file and PostgreSQL stores run it; extend it to prove a store of your
 * own.
 *
 * <p>A test gets an empty store from {@link #openStore()} and, for what two processes or hosts would see,
 * a second client of the same records from {@link #openAgain()}.
 */
public abstract class NodeStoreContract {
  private final List<NodeStore> opened = new ArrayList<>();
  private NodeStore store;

  /** A new, empty store; called before each test. */
  protected abstract NodeStore openStore();

  /**
   * Another client of the records of the last {@link #openStore()}, as another process would open it; the
   * same object for a store that lives in one JVM only.
   */
  protected abstract NodeStore openAgain();

  /** The store under test. */
  protected final NodeStore store() {
    return store;
  }

  private NodeStore again() {
    NodeStore other = openAgain();
    if (other != store) {
      opened.add(other);
    }
    return other;
  }

  @BeforeEach
  final void openContractStore() {
    store = openStore();
    opened.add(store);
  }

  @AfterEach
  final void closeContractStores() {
    opened.forEach(NodeStore::close);
  }

  private static Node full(String name) {
    return Node.builder(name).profile("aws-prod").image("ami-98e114f8").type("t3.small").cpus(2).memoryMb(2048)
        .region("us-west-2").zone("us-west-2a").keyPair("ops").loginUser("admin").tag("seattle", "web")
        .service("webapp").service("couchdb").securityGroups("default", "web").antiAffinityGroup("spread-web")
        .userData("#cloud-config\npackages: [nginx]\n").option("InstanceType", "t3.small")
        .option("SubnetId", "subnet-0abc").ha(true).build()
        .withRecord(NodeRecord.builder().vmId("i-0abc").publicAddress("203.0.113.7").privateAddress("10.0.0.7")
            .stoppedAt(Instant.parse("2026-12-01T10:15:30Z")).haRestarts(List.of(Instant.parse("2026-12-01T09:00:00Z")))
            .build());
  }

  @Test
  void aRecordComesBackExactlyAsItWasPut() {
    Node web = full("web1");
    store.put(web);
    assertThat(store.get("web1")).contains(web);
    assertThat(again().get("web1")).contains(web);
  }

  @Test
  void aCreateIntentIsKeptUntilItIsCleared() {
    CreateIntent intent = new CreateIntent("tok-7f3a", "aws-prod", "spec-1", List.of("web1", "web2"),
        Instant.parse("2026-12-01T10:15:30Z"));
    store.put(Node.builder("web1").build().withRecord(NodeRecord.builder().createIntent(intent).build()));
    assertThat(again().get("web1").flatMap(Node::createIntent)).contains(intent);
    store.update("web1", n -> n.withRecord(NodeRecord.builder().vmId("i-0abc").build()));
    assertThat(again().get("web1").flatMap(Node::createIntent)).isEmpty();
    assertThat(again().get("web1").flatMap(Node::vmId)).contains("i-0abc");
  }

  @Test
  void manyRecordsReadAtOnceAreTheRecordsReadOneByOne() {
    store.put(Node.builder("base").image("debian-12").build());
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= 40; i++) { // enough for a store to read them in one go
      Node n = Node.builder("web" + i).parent("base").type("m1.small").build()
          .withRecord(NodeRecord.builder().vmId("i-" + i).build());
      store.put(n);
      names.add(n.name());
    }
    names.add("nothing");

    java.util.Map<String, Node> many = again().get(names);

    assertThat(many).hasSize(40).doesNotContainKey("nothing");
    for (String name : names.subList(0, 40)) {
      assertThat(many.get(name)).isEqualTo(again().get(name).orElseThrow());
    }
    assertThat(many.get("web7").image()).as("inherited").contains("debian-12");
    assertThat(again().get(List.of("web1", "nothing"))).containsOnlyKeys("web1");
  }

  @Test
  void aMissingRecordIsEmptyAndListIsSortedByName() {
    assertThat(store.get("nothing")).isEmpty();
    assertThat(store.list()).isEmpty();
    for (String n : List.of("web10", "db1", "web2")) {
      store.put(Node.builder(n).build());
    }
    assertThat(again().list()).extracting(Node::name).containsExactly("db1", "web10", "web2");
  }

  @Test
  void updateSeesNullForANewRecordAndDeletesWhenItReturnsNull() {
    List<Node> seen = new ArrayList<>();
    store.update("web1", old -> {
      seen.add(old);
      return Node.builder("web1").build().withRecord(NodeRecord.builder().vmId("i-1").build());
    });
    assertThat(seen).containsExactly((Node) null);
    assertThat(store.update("web1", old -> null)).isEmpty();
    assertThat(again().get("web1")).isEmpty();
    assertThat(store.remove("web1")).isFalse();
    store.put(Node.builder("web1").build());
    assertThat(store.remove("web1")).isTrue();
  }

  @Test
  void aChangeThatFailsChangesNothing() {
    store.put(full("web1"));
    assertThatThrownBy(() -> store.update("web1", old -> {
      throw new IllegalStateException("the change failed half-way");
    })).hasMessageContaining("half-way");
    assertThat(again().get("web1")).contains(full("web1"));
    assertThatThrownBy(() -> store.update("web1", old -> Node.builder("web2").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("web2");
    assertThat(again().get("web1")).contains(full("web1"));
    assertThat(again().get("web2")).isEmpty();
  }

  @Test
  void aRecordInheritsWhatItDoesNotSetFromItsParent() {
    store.put(Node.builder("base").image("debian-12").type("m1.small").service("monitoring").build());
    store.put(Node.builder("web1").parent("base").type("m1.large").build());
    Node web = again().get("web1").orElseThrow();
    assertThat(web.image()).contains("debian-12");
    assertThat(web.type()).contains("m1.large");
    assertThat(web.parent()).contains("base");
    store.update("base", b -> b.toBuilder().image("debian-13").build());
    assertThat(again().get("web1").flatMap(Node::image)).as("a change of the parent reaches the child")
        .contains("debian-13");
    assertThatThrownBy(() -> store.put(Node.builder("web2").parent("nobody").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("nobody");
    assertThat(store.get("web2")).isEmpty();
  }

  @Test
  void concurrentUpdatesOfOneRecordLoseNothing() throws Exception {
    store.put(Node.builder("counter").option("n", "0").build());
    NodeStore other = again();
    int threads = 8;
    int each = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        NodeStore s = t % 2 == 0 ? store : other;
        done.add(pool.submit((Callable<Void>) () -> {
          for (int i = 0; i < each; i++) {
            s.update("counter", n -> n.toBuilder()
                .option("n", Integer.toString(Integer.parseInt(n.options().get("n")) + 1)).build());
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.get("counter").map(n -> n.options().get("n"))).contains(Integer.toString(threads * each));
  }

  @Test
  void aNodeLockExcludesOtherClientsUntilItIsClosed() {
    NodeStore other = again();
    try (NodeStore.Lock held = store.lock(List.of("web1"), Duration.ZERO)) {
      assertThatThrownBy(() -> other.lock(List.of("web1"), Duration.ofMillis(200)))
          .isInstanceOf(NodeLockedException.class).hasMessageContaining("web1");
      try (NodeStore.Lock unrelated = other.lock(List.of("web2"), Duration.ZERO)) {
        assertThat(unrelated).isNotNull();
      }
    }
    try (NodeStore.Lock after = other.lock(List.of("web1"), Duration.ofSeconds(5))) {
      assertThat(after).isNotNull();
    }
  }

  @Test
  void locksAreTakenAllOrNone() {
    NodeStore other = again();
    try (NodeStore.Lock held = store.lock(List.of("web2"), Duration.ZERO)) {
      assertThatThrownBy(() -> other.lock(List.of("web1", "web2", "web3"), Duration.ofMillis(100)))
          .isInstanceOf(NodeLockedException.class).hasMessageContaining("web2");
      try (NodeStore.Lock notLeft = store.lock(List.of("web1", "web3"), Duration.ZERO)) {
        assertThat(notLeft).as("the failed lock left web1 and web3 free").isNotNull();
      }
    }
  }

  @Test
  void aLockOfManyNodesAndALockOfOneOfThemExcludeEachOther() {
    NodeStore other = again();
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      many.add("web" + i);
    }
    try (NodeStore.Lock batch = store.lock(many, Duration.ZERO)) {
      assertThatThrownBy(() -> other.lock(List.of("web500"), Duration.ofMillis(100)))
          .isInstanceOf(NodeLockedException.class);
    }
    try (NodeStore.Lock one = other.lock(List.of("web7"), Duration.ZERO)) {
      assertThatThrownBy(() -> store.lock(many, Duration.ofMillis(100))).isInstanceOf(NodeLockedException.class);
    }
    try (NodeStore.Lock again = store.lock(many, Duration.ofSeconds(5))) {
      assertThat(again).as("free once both let go").isNotNull();
    }
  }

  @Test
  void aWaitingLockIsGrantedWhenTheHolderLetsGo() throws Exception {
    NodeStore other = again();
    NodeStore.Lock held = store.lock(List.of("web1"), Duration.ZERO);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Boolean> waiter = pool.submit(() -> {
        try (NodeStore.Lock l = other.lock(List.of("web1"), Duration.ofMinutes(2))) {
          return l != null;
        }
      });
      held.close();
      assertThat(waiter.get(2, TimeUnit.MINUTES)).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void optionsAndTagsWithAwkwardCharactersSurvive() {
    Node odd = Node.builder("web1").option("note", "quotes \" and \\ backslashes, ünïcode, tab\t, line\nbreak")
        .option("empty", "").tag("a:b").build();
    store.put(odd);
    assertThat(again().get("web1")).contains(odd);
    assertThat(again().get("web1").map(Node::options)).get().isEqualTo(Map.copyOf(odd.options()));
  }
}
