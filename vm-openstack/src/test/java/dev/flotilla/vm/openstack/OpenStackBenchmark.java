package dev.flotilla.vm.openstack;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.openstack.internal.Keystone;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.jclouds.Constants;
import org.jclouds.ContextBuilder;
import org.jclouds.compute.ComputeService;
import org.jclouds.compute.ComputeServiceContext;
import org.jclouds.compute.domain.Template;
import org.jclouds.compute.predicates.NodePredicates;
import org.jclouds.openstack.nova.v2_0.NovaApiMetadata;

/**
 * Requests to start and then destroy 10 servers on the real OpenStack of real-cloud/up.sh: Flotilla's
 * adapter beside jclouds' portable ComputeService (createNodesInGroup, destroyNodesMatching), both
 * through one counting proxy, so Keystone, Nova and Glance calls all count. Prints its figures.
 *
 * <p>Run by {@code mvn -B -Popenstack -pl vm-openstack -am verify} (real-cloud/test.sh) after the ITs.
 */
public final class OpenStackBenchmark {
  private static final int N = 10;

  private OpenStackBenchmark() {}

  public static void main(String[] args) throws Exception {
    try (CountingProxy proxy = CountingProxy.start()) {
      Profile profile = RealCloud.profile("proxy", proxy.address());
      flotilla(proxy, profile);
      proxy.reset();
      portable(proxy, profile);
    }
  }

  private static void flotilla(CountingProxy proxy, Profile profile) {
    List<Node> nodes = IntStream.rangeClosed(1, N).mapToObj(i -> Node.builder("bench-flotilla" + i)
        .image(RealCloud.IMAGE).type(RealCloud.FLAVOR).build()).toList();
    long built = System.nanoTime();
    try (VmClient client = VmClient.builder().profile(profile).waitPolicy(WaitPolicy.builder().timeout(Duration
        .ofMinutes(5)).initialDelay(Duration.ofMillis(500)).maxDelay(Duration.ofSeconds(2)).jitter(0.2)
            .visibilityGrace(Duration.ofSeconds(30)).build()).build()) {
      long t0 = System.nanoTime();
      client.start(nodes);
      System.out.printf(Locale.ROOT, "VmClient construction %.1f ms; construction to first request %.0f ms (jclouds'"
          + " context is built then, once)%n", (t0 - built) / 1e6, (proxy.firstRequestAt() - built) / 1e6);
      long started = System.nanoTime();
      Map<String, Long> start = proxy.byKind();
      proxy.reset();
      client.destroy(nodes);
      long destroyed = System.nanoTime();
      report("Flotilla VmClient.start(10 nodes)", start, started - t0);
      report("Flotilla VmClient.destroy(10 nodes)", proxy.byKind(), destroyed - started);
    }
  }

  private static void portable(CountingProxy proxy, Profile profile) throws org.jclouds.compute.RunNodesException {
    Keystone keystone = Keystone.of(profile);
    Properties overrides = new Properties();
    overrides.putAll(keystone.overrides());
    String[] hostPort = proxy.address().split(":");
    overrides.setProperty(Constants.PROPERTY_PROXY_HOST, hostPort[0]);
    overrides.setProperty(Constants.PROPERTY_PROXY_PORT, hostPort[1]);
    try (ComputeServiceContext context = ContextBuilder.newBuilder(new NovaApiMetadata())
        .endpoint(keystone.endpoint()).credentials(keystone.identity(), profile.secret().orElseThrow().reveal())
        .overrides(overrides).buildView(ComputeServiceContext.class)) {
      ComputeService compute = context.getComputeService();
      String region = profile.region().orElse("RegionOne");
      String image = compute.listImages().stream().filter(i -> RealCloud.IMAGE.equals(i.getName())).findFirst()
          .orElseThrow().getId();
      String flavor = compute.listHardwareProfiles().stream().filter(h -> RealCloud.FLAVOR.equals(h.getName()))
          .findFirst().orElseThrow().getId();
      proxy.reset();
      long t0 = System.nanoTime();
      Template template = compute.templateBuilder().imageId(image).hardwareId(flavor).locationId(region).build();
      compute.createNodesInGroup("bench-jclouds", N, template);
      long started = System.nanoTime();
      Map<String, Long> start = proxy.byKind();
      proxy.reset();
      compute.destroyNodesMatching(NodePredicates.inGroup("bench-jclouds"));
      long destroyed = System.nanoTime();
      report("jclouds ComputeService.createNodesInGroup(10)", start, started - t0);
      report("jclouds ComputeService.destroyNodesMatching(10)", proxy.byKind(), destroyed - started);
    } catch (RuntimeException e) {
      System.out.printf(Locale.ROOT, "jclouds ComputeService could not run against this cloud: %s%n", e);
    }
  }

  private static void report(String what, Map<String, Long> counts, long nanos) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(Locale.ROOT, "%-48s %4d requests in %6.1f s  %s%n", what, total, nanos / 1e9, counts);
  }
}
