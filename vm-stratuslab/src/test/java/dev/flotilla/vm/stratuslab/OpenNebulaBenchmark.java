package dev.flotilla.vm.stratuslab;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * Calls to start, snapshot and destroy 10 VMs on the real OpenNebula of real-cloud/test.sh, counted by the
 * proxy every call goes through, and the time each step took (the waits included: oned's scheduler places
 * a VM within its 1 s window). Prints its figures.
 *
 * <p>Run by {@code mvn -B -Popennebula -pl vm-stratuslab -am verify} (real-cloud/test.sh) after the ITs.
 */
public final class OpenNebulaBenchmark {
  private static final int N = 10;

  private OpenNebulaBenchmark() {}

  public static void main(String[] args) throws Exception {
    try (OneProxy proxy = OneProxy.start(RealOne.endpoint())) {
      Profile profile = RealOne.profile(proxy.endpoint()).build();
      String prefix = "bench" + UUID.randomUUID().toString().substring(0, 4);
      List<Node> nodes = IntStream.rangeClosed(1, N).mapToObj(i -> Node.builder(prefix + "-" + i).build()).toList();
      try (VmClient client = VmClient.builder().profile(profile).waitPolicy(WaitPolicy.builder().timeout(Duration
          .ofMinutes(5)).initialDelay(Duration.ofMillis(250)).maxDelay(Duration.ofSeconds(1)).jitter(0.2)
              .visibilityGrace(Duration.ofSeconds(30)).build()).build()) {
        proxy.reset();
        long t0 = System.nanoTime();
        client.start(nodes);
        long started = System.nanoTime();
        report("VmClient.start(10 nodes), until RUNNING", proxy.counts(), started - t0);
        proxy.reset();
        nodes.forEach(n -> client.snapshots(n).take("bench"));
        long snapped = System.nanoTime();
        report("VmClient.snapshot, 10 nodes, each until READY", proxy.counts(), snapped - started);
        proxy.reset();
        client.destroy(nodes);
        long destroyed = System.nanoTime();
        report("VmClient.destroy(10 nodes), until DONE", proxy.counts(), destroyed - snapped);
      }
    }
  }

  private static void report(String what, Map<String, Long> counts, long nanos) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(Locale.ROOT, "%-48s %4d calls in %5.1f s  %s%n", what, total, nanos / 1e9, counts);
  }
}
