package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Lease;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Reaper;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.store.CloudConfig;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs a test class on a real cloud, as {@link FakeCloudExtension} runs one on the fake cloud, and leaves
 * nothing behind: every VM the class's tests make is leased briefly (the annotation's {@link RealCloud#lease},
 * 10 minutes by default) and marked with the run's session; the lease is renewed while the run lives, so a
 * long test keeps its VMs, and a run that dies leaves them for no longer than the lease. They are destroyed
 * when the class ends. Before the class starts, the VMs of earlier runs are reaped: those whose leases have
 * ended, and at once those of runs on this machine whose JVMs are gone (killed mid-test, a CI job cancelled).
 * Tests declare a {@link VmClient} parameter:
 *
 * <pre>{@code
 * @ExtendWith(RealCloudExtension.class)
 * @RealCloud(profile = "aws-ci", lease = "20m")
 * class OnEc2IT {
 *   @Test void starts(VmClient client) { client.start(Node.builder("it1").image("ami-...").build()); }
 * }
 * }</pre>
 *
 * <p>The profile is the annotation's, else the environment's {@code FLOTILLA_TEST_PROFILE} (or the system
 * property {@code flotilla.test.profile}); its {@code cloud.json} is the annotation's, else {@code
 * FLOTILLA_TEST_CLOUD_JSON} ({@code flotilla.test.cloud_json}), else {@code cloud.json} in the working
 * directory. With no profile named, the class is skipped: it never falls back to another cloud.
 */
public final class RealCloudExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RealCloudExtension.class);
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RealCloudExtension.class);

  /** Which cloud a class runs on, and how long its VMs may live. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  public @interface RealCloud {
    /** The profile, from {@code cloud.json}; empty for the environment's. */
    String profile() default "";

    /** The {@code cloud.json} to read; empty for the environment's. */
    String cloudJson() default "";

    /**
     * How long each VM may outlive its run if the run dies, as {@code vm add --lease} takes it; renewed every
     * third of it while the run lives.
     */
    String lease() default "10m";
  }

  /** One class's client, session and lease renewals; closed by JUnit when the class ends. */
  private record Run(VmClient client, String session, ScheduledExecutorService renewals)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws InterruptedException {
      renewals.shutdownNow();
      renewals.awaitTermination(1, TimeUnit.MINUTES); // no renewal outlives the class
      client.close();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    Optional<RealCloud> at = context.getTestClass().map(c -> c.getAnnotation(RealCloud.class));
    String profileName = at.map(RealCloud::profile).filter(p -> !p.isBlank())
        .or(() -> setting("FLOTILLA_TEST_PROFILE", "flotilla.test.profile")).orElse(null);
    Assumptions.assumeTrue(profileName != null, "no real cloud named: set FLOTILLA_TEST_PROFILE (or @RealCloud)");
    Path file = Path.of(at.map(RealCloud::cloudJson).filter(p -> !p.isBlank())
        .or(() -> setting("FLOTILLA_TEST_CLOUD_JSON", "flotilla.test.cloud_json")).orElse("cloud.json"));
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(file.toAbsolutePath() + " does not exist: the profile " + profileName
          + " is read from it (FLOTILLA_TEST_CLOUD_JSON names another)");
    }
    Profile profile = CloudConfig.load(file).profiles().stream().filter(p -> p.name().equals(profileName)).findFirst()
        .orElseThrow(() -> new IllegalStateException(file + " has no profile " + profileName + "; add it there, or"
            + " name one it has in FLOTILLA_TEST_PROFILE or @RealCloud(profile)"));
    Duration lease = Lease.duration(at.map(RealCloud::lease).orElse("10m"), "@RealCloud(lease)");
    String session = TestRunSession.next();
    NodeStore nodes = new InMemoryNodeStore();
    VmClient client = VmClient.builder().profile(profile.toBuilder().defaultLease(lease).build()).store(nodes)
        .session(session).build();
    Reaper reaper = Reaper.of(client);
    reaper.endSessions(TestRunSession::provedDead); // what runs on this machine left when their JVMs died
    reaper.reap(); // what other runs left whose leases have ended
    ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flotilla-lease-renewal");
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1, lease.toMillis() / 3);
    renewals.scheduleWithFixedDelay(() -> renew(client, nodes, lease), every, every, TimeUnit.MILLISECONDS);
    context.getStore(NAMESPACE).put(Run.class, new Run(client, session, renewals));
  }

  /**
   * Renews the lease of every VM of the run that ends within two thirds of {@code lease}; VMs of nodes that
   * asked for leases of their own (a test of expiry) are left to them.
   */
  private static void renew(VmClient client, NodeStore nodes, Duration lease) {
    Instant soon = Instant.now().plus(lease.multipliedBy(2).dividedBy(3));
    for (Node node : nodes.list()) {
      if (node.isBound() && node.lease().isEmpty() && node.leaseOfVm().map(l -> l.expiresAt().isBefore(soon)).orElse(false)) {
        try {
          client.renewLease(node, Instant.now().plus(lease));
        } catch (RuntimeException e) { // a VM the test removed meanwhile; the others are renewed all the same
          LOG.debug("the lease of node {} was not renewed: {}", node.name(), e.getMessage());
        }
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Run run = context.getStore(NAMESPACE).get(Run.class, Run.class);
    if (run != null) {
      Reaper.of(run.client()).endSession(run.session());
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == VmClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getStore(NAMESPACE).get(Run.class, Run.class).client();
  }

  private static Optional<String> setting(String variable, String property) {
    return Optional.ofNullable(System.getenv(variable)).or(() -> Optional.ofNullable(System.getProperty(property)))
        .filter(v -> !v.isBlank());
  }
}
