package dev.flotilla.vm.cloudstack;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.store.InMemoryNodeStore;
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
 * to create and destroy 10 nodes through jclouds' CloudStack ComputeService, on the same test server, whose
 * asynchronous jobs take about as long as a real cloud's.
 */
public final class CloudStackBenchmark {
  private CloudStackBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = 10;
    try (CsServer server = new CsServer()) {
      // jobs about as long as on a CloudStack 4.22 simulator zone (issue 26), each 25% longer or shorter at random
      server.jobMillis = 1000;
      server.jobMillisOf.putAll(Map.of("deployVirtualMachine", 4000L, "destroyVirtualMachine", 3000L,
          "createVMSnapshot", 2000L, "createTags", 500L));
      server.jobSpread = 0.25;
      server.otherListsEmpty = true;
      // the profile an operator writes (no job_millis: the provider's first guesses), the default wait policy
      Profile profile = Profile.builder("acs", "cloudstack").endpoint(server.url())
          .credentials(CsServer.API_KEY, Secret.of(CsServer.SECRET_KEY)).build();
      try (VmClient client = VmClient.builder().profile(profile).store(new InMemoryNodeStore()).build()) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          nodes.add(Node.builder("bench" + i).profile("acs").image("debian-12").type("Small Instance").build());
        }
        print(server, "Flotilla VmClient.start(" + n + " nodes), until Running", () -> client.start(nodes));
        print(server, "Flotilla VmClient.snapshot, " + n + " nodes, each until Ready", () -> nodes.forEach(
            node -> client.snapshots(node).take("before-upgrade", SnapshotOptions.DISK)));
        print(server, "Flotilla VmClient.destroy(" + n + " nodes), until gone", () -> client.destroy(nodes));
        List<Node> again = nodes.stream().map(node -> Node.builder(node.name() + "b").profile("acs")
            .image("debian-12").type("Small Instance").build()).toList();
        print(server, "the same client again: start(" + n + " nodes), job times learnt", () -> client.start(again));
        print(server, "the same client again: destroy(" + n + " nodes)", () -> client.destroy(again));
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
