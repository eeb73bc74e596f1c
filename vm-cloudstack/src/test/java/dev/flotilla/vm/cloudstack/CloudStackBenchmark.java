package dev.flotilla.vm.cloudstack;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.store.InMemoryNodeStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.jclouds.ContextBuilder;
import org.jclouds.compute.ComputeService;
import org.jclouds.compute.ComputeServiceContext;
import org.jclouds.compute.predicates.NodePredicates;
import org.jclouds.logging.slf4j.config.SLF4JLoggingModule;

/**
 * Prints the CloudStack commands it takes to start, snapshot and destroy 10 VMs through {@link VmClient}, and
 * to create and destroy 10 nodes through jclouds' CloudStack ComputeService, on the same test server.
 */
public final class CloudStackBenchmark {
  private CloudStackBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = 10;
    try (CsServer server = new CsServer()) {
      server.jobMillis = 50;
      server.otherListsEmpty = true;
      try (VmClient client = VmClient.builder().profile(CloudStackContractTest.profile(server))
          .store(new InMemoryNodeStore()).waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(5))
              .initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1)).jitter(0.2)
                  .visibilityGrace(Duration.ofSeconds(10)).build()).build()) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          nodes.add(Node.builder("bench" + i).profile("acs").image("debian-12").type("Small Instance").build());
        }
        print(server, "Flotilla VmClient.start(" + n + " nodes), until Running", () -> client.start(nodes));
        print(server, "Flotilla VmClient.snapshot, " + n + " nodes, each until Ready", () -> nodes.forEach(
            node -> client.snapshots(node).take("before-upgrade", SnapshotOptions.DISK)));
        print(server, "Flotilla VmClient.destroy(" + n + " nodes), until gone", () -> client.destroy(nodes));
      }
      Properties overrides = new Properties();
      overrides.setProperty("jclouds.max-retries", "0");
      try (ComputeServiceContext jclouds = ContextBuilder.newBuilder("cloudstack").endpoint(server.url())
          .credentials(CsServer.API_KEY, CsServer.SECRET_KEY).overrides(overrides)
          .modules(List.of(new SLF4JLoggingModule())).buildView(ComputeServiceContext.class)) {
        ComputeService compute = jclouds.getComputeService();
        print(server, "jclouds ComputeService.createNodesInGroup(" + n + ")", () -> {
          try {
            compute.createNodesInGroup("jclouds", n, compute.templateBuilder().imageId(CsServer.TEMPLATE)
                .hardwareId(CsServer.OFFERINGS.get("Small Instance"))
                .options(org.jclouds.cloudstack.compute.options.CloudStackTemplateOptions.Builder.setupStaticNat(false))
                .build());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        print(server, "jclouds ComputeService.destroyNodesMatching(group)", () ->
            compute.destroyNodesMatching(NodePredicates.inGroup("jclouds")));
      }
    }
  }

  private static void print(CsServer server, String what, Runnable run) {
    server.clearCalls();
    long start = System.nanoTime();
    run.run();
    Map<String, Integer> calls = server.calls();
    int total = calls.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf("%-60s %4d requests in %5.1f s  %s%n", what, total, (System.nanoTime() - start) / 1e9, calls);
  }
}
