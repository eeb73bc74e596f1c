package dev.flotilla.vm.aws;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.jclouds.ContextBuilder;
import org.jclouds.aws.ec2.AWSEC2ProviderMetadata;
import org.jclouds.compute.ComputeService;
import org.jclouds.compute.ComputeServiceContext;
import org.jclouds.compute.domain.Template;
import org.jclouds.compute.predicates.NodePredicates;

/**
 * Requests to start and then destroy N identical nodes on a local EC2 server: Flotilla's EC2 adapter
 * beside jclouds' portable ComputeService (createNodesInGroup, destroyNodesMatching), for N = 10 and 100;
 * and the time from building a VmClient to its first request leaving the process. Prints its figures.
 *
 * <p>Run with {@code mvn -B -q -Pbench -pl vm-aws -am verify -DskipTests}.
 */
public final class Ec2Benchmark {
  private Ec2Benchmark() {}

  /** A round trip to a nearby region. */
  private static final long LATENCY_MILLIS = 30;

  public static void main(String[] args) throws Exception {
    firstCall();
    Map<String, Long> padded = flotilla(100, i -> String.format(Locale.ROOT, "n%03d", i));
    System.out.printf(Locale.ROOT, "N=100 zero-padded names n001..n100, Flotilla start+destroy: %s%n", describe(padded));
    for (int n : List.of(10, 100)) {
      Map<String, Long> flotilla = flotilla(n, i -> "web" + i);
      System.out.printf(Locale.ROOT, "N=%d Flotilla start+destroy: %s%n", n, describe(flotilla));
      try {
        Map<String, Long> portable = portable(n);
        System.out.printf(Locale.ROOT, "N=%d jclouds ComputeService createNodesInGroup+destroyNodesMatching: %s%n", n,
            describe(portable));
      } catch (RuntimeException e) {
        System.out.printf(Locale.ROOT, "N=%d jclouds ComputeService: could not run against the local server: %s%n", n, e);
      }
    }
  }

  private static String describe(Map<String, Long> counts) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    return total + " requests " + counts;
  }

  private static Map<String, Long> snapshot(Ec2Server server) {
    Map<String, Long> out = new TreeMap<>();
    server.counts.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** The time from VmClient construction to the first request reaching the server, in this cold JVM. */
  private static void firstCall() throws Exception {
    try (Ec2Server server = Ec2Server.start()) {
      long[] first = new long[1];
      long t0 = System.nanoTime();
      VmClient client = VmClient.builder().profile(AwsContractTest.profile(server)).build();
      long built = System.nanoTime();
      server.onFirstRequest(() -> first[0] = System.nanoTime());
      client.list();
      System.out.printf(Locale.ROOT, "VmClient construction: %.1f ms (no jclouds context yet); construction to first"
          + " request leaving the process: %.0f ms (jclouds' context is built then, once, for the profile in use)%n",
          (built - t0) / 1e6, (first[0] - t0) / 1e6);
      client.close();
    }
  }

  private static Map<String, Long> flotilla(int n, java.util.function.IntFunction<String> name) throws Exception {
    try (Ec2Server server = Ec2Server.start()) {
      VmClient client = VmClient.builder().profile(AwsContractTest.profile(server))
          .waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(5)).initialDelay(Duration.ofMillis(50))
              .maxDelay(Duration.ofSeconds(1)).visibilityGrace(Duration.ofSeconds(30)).build()).build();
      List<Node> nodes = IntStream.rangeClosed(1, n).mapToObj(i -> Node.builder(name.apply(i)).type("t3.micro").build())
          .toList();
      client.list();
      server.resetCounts();
      server.latencyMillis = LATENCY_MILLIS;
      long t0 = System.nanoTime();
      client.start(nodes);
      long started = System.nanoTime();
      client.destroy(nodes);
      client.close();
      System.out.printf(Locale.ROOT, "N=%d Flotilla start until Running, each answer %d ms late: %.0f ms%n", n,
          LATENCY_MILLIS, (started - t0) / 1e6);
      return snapshot(server);
    }
  }

  private static Map<String, Long> portable(int n) throws Exception {
    try (Ec2Server server = Ec2Server.start()) {
      server.images.put("ami-0123456789abcdef0", "debian-12");
      Properties overrides = new Properties();
      overrides.setProperty("jclouds.ec2.ami-query", "owner-id=123456789012;state=available;image-type=machine");
      overrides.setProperty("jclouds.ec2.cc-ami-query", "");
      overrides.setProperty("jclouds.compute.timeout.node-running", "300000");
      overrides.setProperty("jclouds.regions", Ec2Server.REGION);
      ComputeServiceContext context = ContextBuilder.newBuilder(new AWSEC2ProviderMetadata())
          .credentials(Ec2Server.ACCESS_KEY, Ec2Server.SECRET_KEY).endpoint(server.url().toString())
              .overrides(overrides)
          .modules(List.of(new dev.flotilla.vm.aws.internal.LocalEndpointModule(Ec2Server.REGION, server.url())))
          .buildView(ComputeServiceContext.class);
      try {
        ComputeService compute = context.getComputeService();
        Template template = compute.templateBuilder().imageId(Ec2Server.REGION + "/ami-0123456789abcdef0")
            .hardwareId("t2.micro").build();
        server.resetCounts();
        compute.createNodesInGroup("web", n, template);
        compute.destroyNodesMatching(NodePredicates.inGroup("web"));
        return snapshot(server);
      } finally {
        context.close();
      }
    }
  }
}
