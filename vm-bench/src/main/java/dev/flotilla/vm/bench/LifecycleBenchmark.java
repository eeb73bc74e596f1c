package dev.flotilla.vm.bench;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.testkit.FakeCloud;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints what the core costs on the fake cloud: lifecycle operations per second through {@link VmClient},
 * and the time and heap to start and then destroy 10,000 nodes in one call each. Targets: under 1 s and
 * under 50 MB of heap. Not a test: it prints figures, and exits non-zero only if it fails to run.
 *
 * <p>Run with {@code mvn -B -q -Pbench -pl vm-bench -am verify}.
 */
public final class LifecycleBenchmark {
  private static final int NODES = 10_000;

  private LifecycleBenchmark() {}

  public static void main(String[] args) {
    System.out.printf(Locale.ROOT, "Flotilla core benchmark on the fake cloud (Java %s, %d cores, max heap %d MB)%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    opsPerSecond(1); // warm-up
    opsPerSecond(3);
    for (int i = 0; i < 3; i++) {
      startAndDestroy(NODES, i < 2); // two warm-up rounds, then the measured one
    }
  }

  /** Single-node start, stop, start, reboot, destroy cycles for {@code seconds}; prints calls per second. */
  private static void opsPerSecond(int seconds) {
    FakeCloud cloud = FakeCloud.create();
    VmClient client = VmClient.builder().provider(cloud).build();
    long ops = 0;
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long began = System.nanoTime();
    int n = 0;
    while (System.nanoTime() < end) {
      Node node = Node.builder("node" + (n++ % 1000)).build();
      client.start(node);
      client.stop(node);
      client.start(node);
      client.reboot(node);
      client.destroy(node);
      ops += 5;
      if (n % 1000 == 0) {
        cloud.clearCalls();
      }
    }
    double elapsed = (System.nanoTime() - began) / 1e9;
    if (seconds > 1) {
      System.out.printf(Locale.ROOT, "lifecycle operations: %,d in %.2f s = %,.0f ops/s (start, stop, start, reboot,"
          + " destroy of one node, each waiting for its settled state)%n", ops, elapsed, ops / elapsed);
    }
  }

  private static void startAndDestroy(int count, boolean warmUp) {
    List<Node> nodes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      nodes.add(Node.builder("node" + i).image("debian-12").type("m1.small").build());
    }
    FakeCloud cloud = FakeCloud.create();
    VmClient client = VmClient.builder().provider(cloud).build();
    long heapBefore = usedHeapAfterGc();
    resetPeaks();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();

    long t0 = System.nanoTime();
    List<Instance> vms = client.start(nodes);
    long t1 = System.nanoTime();
    long heapHolding = usedHeapAfterGc();
    long t2 = System.nanoTime();
    client.destroy(nodes);
    long t3 = System.nanoTime();

    long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
    long peak = peakHeap();
    if (vms.size() != count || cloud.liveCount() != 0) {
      throw new IllegalStateException("expected " + count + " VMs started and all destroyed; got " + vms.size()
          + " started and " + cloud.liveCount() + " left");
    }
    if (warmUp) {
      return;
    }
    System.out.printf(Locale.ROOT, "%,d nodes: start %.0f ms + destroy %.0f ms = %.0f ms (target < 1000 ms)%n", count,
        (t1 - t0) / 1e6, (t3 - t2) / 1e6, (t1 - t0 + t3 - t2) / 1e6);
    System.out.printf(Locale.ROOT, "%,d nodes: live heap while they run %.1f MB above the empty client (target < 50 MB);"
        + " peak heap %.1f MB; allocated %.1f MB in all%n", count, (heapHolding - heapBefore) / 1e6, peak / 1e6,
        allocated / 1e6);
    System.out.printf(Locale.ROOT, "%,d nodes: fake cloud calls: create %d, describe %d, terminate %d%n", count,
        cloud.callCount(FakeCloud.Op.CREATE), cloud.callCount(FakeCloud.Op.DESCRIBE), cloud.callCount(FakeCloud.Op.TERMINATE));
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        used += pool.getUsage().getUsed();
      }
    }
    return used;
  }

  private static void resetPeaks() {
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
