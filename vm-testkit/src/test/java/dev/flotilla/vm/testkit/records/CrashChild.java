package dev.flotilla.vm.testkit.records;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.testkit.FakeCloud;
import dev.flotilla.vm.testkit.FakeCloudBuilder;
import dev.flotilla.vm.testkit.FileBackedFakeCloud;
import dev.flotilla.vm.testkit.ForwardingProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A process that records 20 nodes and starts them on a fake cloud kept in a file. It counts every step
 * that touches the cloud or the records; asked to stop at step K, it says so and waits to be killed.
 *
 * <p>Usage: {@code CrashChild DIR K [ignore-tokens]} (K = 0: never stop) or {@code CrashChild DIR reconcile}.
 * With {@code ignore-tokens} the cloud makes new VMs for a repeated create token, as some EC2-compatible
 * services do.
 */
public final class CrashChild {
  static final int NODES = 20;
  private static int step;
  private static int stopAt;

  private CrashChild() {}

  static List<Node> nodes() {
    List<Node> out = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      out.add(Node.builder("node" + i).type(i <= NODES / 2 ? "m1.small" : "m1.large").build());
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    FakeCloudBuilder fake = FakeCloud.builder();
    if (args.length > 2 && args[2].equals("ignore-tokens")) {
      fake.ignoreClientTokens();
    }
    Provider cloud = new Steps(FileBackedFakeCloud.open(dir.resolve("cloud.json"), fake));
    NodeStore store = new StepStore(FileNodeStore.open(dir));
    VmClient client = VmClient.builder().provider(cloud).store(store).build();
    if (args[1].equals("reconcile")) {
      client.reconcile().applied().forEach(a -> System.out.println("APPLIED " + a));
      System.out.println("DONE " + step);
      return;
    }
    stopAt = Integer.parseInt(args[1]);
    for (Node n : nodes()) {
      if (store.get(n.name()).isEmpty()) {
        store.put(n);
      }
    }
    client.start(nodes());
    System.out.println("DONE " + step);
  }

  /** One step: printed; at the chosen one, the process waits to be killed with SIGKILL. */
  static void step(String what) {
    step++;
    System.out.println("STEP " + step + " " + what);
    System.out.flush();
    if (step == stopAt) {
      System.out.println("STOPPED " + step);
      System.out.flush();
      try {
        while (true) {
          Thread.sleep(Long.MAX_VALUE); // waits for the parent's SIGKILL; no timing depends on it
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static <T> T around(String op, Supplier<T> call) {
    step("before " + op);
    T result = call.get();
    step("after " + op);
    return result;
  }

  private static void around(String op, Runnable call) {
    around(op, () -> {
      call.run();
      return null;
    });
  }

  /** The cloud, with a step before and after each call that reaches it. */
  private static final class Steps extends ForwardingProvider {
    Steps(Provider cloud) {
      super(cloud);
    }

    @Override
    public List<Instance> create(CreateRequest request) {
      return around("create", () -> delegate().create(request));
    }

    @Override
    public List<Instance> describe(Collection<String> ids) {
      return around("describe", () -> delegate().describe(ids));
    }

    @Override
    public List<Instance> list() {
      return around("list", delegate()::list);
    }

    @Override
    public void start(Collection<String> ids) {
      around("start", () -> delegate().start(ids));
    }

    @Override
    public void tag(String id, Map<String, String> tags) {
      around("tag", () -> delegate().tag(id, tags));
    }
  }

  /** The records, with a step after each write. */
  private record StepStore(NodeStore store) implements NodeStore {
    @Override
    public Optional<Node> get(String name) {
      return store.get(name);
    }

    @Override
    public List<Node> list() {
      return store.list();
    }

    @Override
    public Optional<Node> update(String name, UnaryOperator<Node> change) {
      Optional<Node> out = store.update(name, change);
      step("wrote " + name);
      return out;
    }

    @Override
    public Lock lock(java.util.Collection<String> names, java.time.Duration wait) {
      Lock lock = store.lock(names, wait);
      step("locked " + names.size() + " nodes");
      return lock;
    }
  }
}
