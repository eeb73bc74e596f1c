package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.HaSupervisor;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.VmListener;
import dev.flotilla.vm.VmListener.HaEvent;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The high-availability supervisor: what it restarts, what it leaves alone, and two of them at once. */
class HaSupervisorTest {
  private final FakeCloud cloud = FakeCloud.builder().ignoreClientTokens().build();
  private final NodeStore store = new InMemoryNodeStore();
  private final List<HaEvent> heard = new CopyOnWriteArrayList<>();

  private VmClient client() {
    return VmClient.builder().provider(cloud).store(store).listener(new VmListener() {
      @Override
      public void onHa(HaEvent event) {
        heard.add(event);
      }
    }).build();
  }

  private static Node node(String name, boolean ha) {
    return Node.builder(name).image("debian-12").ha(ha).build();
  }

  private long live(String node) {
    return cloud.list().stream().filter(vm -> node.equals(vm.nodeName().orElse(null)))
        .filter(vm -> vm.state() != State.TERMINATED && vm.state() != State.TERMINATING).count();
  }

  @Test
  void aVmStoppedBehindFlotillasBackIsStartedAgainAndAPlainNodeIsNot() {
    VmClient client = client();
    String web = client.start(node("web1", true)).id();
    String db = client.start(node("db1", false)).id();
    cloud.stop(List.of(web, db), true); // someone else, outside Flotilla

    List<HaEvent> events = HaSupervisor.of(client).check();

    assertThat(events).extracting(HaEvent::kind).containsExactly(HaEvent.Kind.RESTARTING, HaEvent.Kind.RESTARTED);
    assertThat(events.get(0).node()).isEqualTo("web1");
    assertThat(heard).isEqualTo(events);
    assertThat(client.status(node("web1", true)).map(Instance::state)).contains(State.RUNNING);
    assertThat(client.status(node("web1", true)).map(Instance::id)).contains(web);
    assertThat(client.status(node("db1", false)).map(Instance::state)).contains(State.STOPPED);
  }

  @Test
  void aVmTheCloudStopsToSaveItsImageIsNotRestartedMeanwhile() {
    List<List<HaEvent>> duringTheCopy = new ArrayList<>();
    VmClient[] client = new VmClient[1];
    // as CloudStack does: the disk is copied from the stopped VM, which is started again afterwards
    dev.flotilla.vm.spi.ImageSaving saving = cloud.imageSaving().orElseThrow();
    Provider stopsToSave = new ForwardingProvider(cloud) {
      @Override
      public java.util.Optional<dev.flotilla.vm.spi.ImageSaving> imageSaving() {
        return java.util.Optional.of(new dev.flotilla.vm.spi.ImageSaving() {
          @Override
          public dev.flotilla.vm.Image save(String id, String name, java.util.Map<String, String> tags) {
            cloud.stop(List.of(id), false);
            duringTheCopy.add(HaSupervisor.of(client[0]).check());
            dev.flotilla.vm.Image image = saving.save(id, name, tags);
            cloud.start(List.of(id));
            return image;
          }

          @Override
          public java.util.Optional<dev.flotilla.vm.Image> image(String imageId) {
            return saving.image(imageId);
          }

          @Override
          public void delete(String imageId) {
            saving.delete(imageId);
          }
        });
      }
    };
    client[0] = VmClient.builder().provider(stopsToSave).store(store).build();
    Node web = node("web1", true);
    client[0].start(web);

    client[0].images(web).save("web-golden");

    assertThat(duringTheCopy).containsExactly(List.of());
    assertThat(store.get("web1").orElseThrow().stoppedAt()).as("the mark is gone with the save").isEmpty();
    cloud.stop(List.of(client[0].status(web).orElseThrow().id()), true); // someone else, afterwards
    assertThat(HaSupervisor.of(client[0]).check()).extracting(HaEvent::kind).contains(HaEvent.Kind.RESTARTED);
  }

  @Test
  void aVmStoppedOrRemovedByFlotillaIsLeftAloneUntilItIsStartedAgain() {
    VmClient client = client();
    Node web = node("web1", true);
    client.start(web);
    client.stop(web);
    assertThat(HaSupervisor.of(client).check()).isEmpty();

    client.start(web);
    String id = client.status(web).orElseThrow().id();
    cloud.stop(List.of(id), true);
    assertThat(HaSupervisor.of(client).check()).extracting(HaEvent::kind).contains(HaEvent.Kind.RESTARTED);

    client.destroy(web);
    assertThat(HaSupervisor.of(client).check()).isEmpty();
    assertThat(live("web1")).isZero();
  }

  @Test
  void aVmDestroyedBehindFlotillasBackIsReplacedByOne() {
    VmClient client = client();
    String old = client.start(node("web1", true)).id();
    cloud.terminate(List.of(old));

    List<HaEvent> events = HaSupervisor.of(client).check();

    assertThat(events).extracting(HaEvent::kind).containsExactly(HaEvent.Kind.RESTARTING, HaEvent.Kind.RESTARTED);
    assertThat(events.get(1).vmId()).isNotEqualTo(old);
    assertThat(live("web1")).isEqualTo(1);
  }

  @Test
  void aNodeThatKeepsGoingDownSpendsItsBudgetAndIsThenLeftAlone() {
    VmClient client = client();
    HaSupervisor supervisor = HaSupervisor.of(client).budget(2, Duration.ofHours(1));
    client.start(node("web1", true));
    List<HaEvent.Kind> last = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      cloud.stop(List.of(client.status(node("web1", true)).orElseThrow().id()), true);
      last = supervisor.check().stream().map(HaEvent::kind).toList();
    }
    assertThat(last).containsExactly(HaEvent.Kind.BUDGET_SPENT);
    assertThat(client.status(node("web1", true)).map(Instance::state)).contains(State.STOPPED);
  }

  @Test
  void aVmInErrorIsLeftForAPerson() {
    VmClient client = client();
    String id = client.start(node("web1", true)).id();
    cloud.breakVm(id, "disk failure");

    assertThat(HaSupervisor.of(client).check()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(HaEvent.Kind.NEEDS_ATTENTION);
      assertThat(e.message()).contains("disk failure").contains("vm rm web1");
    });
  }

  @Test
  void twoSupervisorsThatFindTheSameVmGoneMakeOneVm() throws Exception {
    VmClient first = client();
    String old = first.start(node("web1", true)).id();
    cloud.terminate(List.of(old));
    VmClient second = client();
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<List<HaEvent>>> done = new ArrayList<>();
      for (VmClient c : List.of(first, second)) {
        done.add(pool.submit(() -> {
          together.await(1, TimeUnit.MINUTES);
          try {
            return HaSupervisor.of(c).check();
          } catch (dev.flotilla.vm.VmException e) {
            return List.of();
          }
        }));
      }
      for (Future<List<HaEvent>> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(live("web1")).as("one VM for web1, whichever supervisor made it").isEqualTo(1);
    assertThat(cloud.list().stream().filter(vm -> vm.state() == State.RUNNING).map(Instance::id).toList())
        .containsExactly(store.get("web1").orElseThrow().vmId().orElseThrow());
  }
}
