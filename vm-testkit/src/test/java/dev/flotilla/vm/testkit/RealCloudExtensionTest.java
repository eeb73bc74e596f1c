package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lease;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.store.CloudConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * The real-cloud extension on a cloud that outlives the test JVM's runs (the fake cloud kept in a file): a
 * class run reaps what an earlier, crashed run left once its lease ended, and leaves nothing of its own.
 */
class RealCloudExtensionTest {
  @TempDir
  Path dir;

  /** The class the extension runs: two VMs, the second left for the extension to remove. */
  @ExtendWith(RealCloudExtension.class)
  static class OnTheCloud {
    @Test
    void startsTwoVms(VmClient client) {
      client.start(Node.builder("it1").build());
      Instance vm = client.start(Node.builder("it2").build());
      assertThat(Lease.fromTags(vm.tags())).as("leased by the extension").isPresent();
    }
  }

  @Test
  void aRunReapsWhatACrashedRunLeftAndLeavesNothingOfItsOwn() throws Exception {
    Path cloudJson = dir.resolve("cloud.json");
    Files.writeString(cloudJson, """
        {"ci": {"api": "fake", "auth": {"state_file": "%s"}, "default_image": "debian-12"}}
        """.formatted(dir.resolve("cloud-state.json").toString().replace("\\\\", "/")));
    dev.flotilla.vm.Profile profile = CloudConfig.load(cloudJson).profiles().get(0);
    // an earlier run, killed before its end: its VM's 30-minute lease ended an hour ago; and a VM of a run
    // that is still going, whose lease has not ended
    try (VmClient crashed = VmClient.builder().profile(profile).session("junit-crashed")
        .clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-90))).build();
        VmClient other = VmClient.builder().profile(profile).session("junit-other").build()) {
      crashed.start(Node.builder("old1").lease(Duration.ofMinutes(30)).build());
      other.start(Node.builder("live1").lease(Duration.ofMinutes(30)).build());
    }

    SummaryGeneratingListener summary = runOn(cloudJson, OnTheCloud.class);
    assertThat(summary.getSummary().getTestsSucceededCount()).as("%s", summary.getSummary().getFailures()).isEqualTo(1);

    try (VmClient look = VmClient.builder().profile(profile).build()) {
      List<Instance> live = look.list().stream()
          .filter(vm -> vm.state() != State.TERMINATED && vm.state() != State.TERMINATING).toList();
      assertThat(live).extracting(vm -> vm.nodeName().orElse("?")).as("the crashed run's VM reaped, the run's own"
          + " destroyed, the other run's kept").containsExactly("live1");
    }
  }

  /** A class whose test outlives its VM's first lease: the run renews it. */
  @ExtendWith(RealCloudExtension.class)
  @RealCloudExtension.RealCloud(lease = "3s")
  static class OutlivesItsLease {
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void keepsItsVm(VmClient client) throws InterruptedException {
      Instance vm = client.start(Node.builder("long1").build());
      java.time.Instant first = Lease.fromTags(vm.tags()).orElseThrow().expiresAt();
      while (!lease(client).isAfter(first)) {
        Thread.sleep(50); // polled until the renewal lands
      }
      assertThat(client.reaper().preview()).as("never expired while the run lives").isEmpty();
    }

    private static java.time.Instant lease(VmClient client) {
      return Lease.fromTags(client.list().get(0).tags()).orElseThrow().expiresAt();
    }
  }

  /** The class a run that kills its own JVM runs: it halts while its VM boots, in the middle of the create. */
  @ExtendWith(RealCloudExtension.class)
  static class HaltsMidCreate {
    @Test
    void haltsWhileItsVmBoots(VmClient client) {
      Thread create = new Thread(() -> client.start(Node.builder("crash1").build()), "create");
      create.setDaemon(true);
      create.start();
      while (client.list().isEmpty()) { // until the cloud has made the VM; the start then waits for it to boot
        Thread.onSpinWait();
        Thread.yield(); // polled, bounded by the parent's three minutes: this JVM is killed then
      }
      Runtime.getRuntime().halt(137);
    }
  }

  /** A JVM that runs {@link HaltsMidCreate} on the profile {@code ci} of the cloud.json its argument names. */
  public static void main(String[] args) {
    System.setProperty("flotilla.test.profile", "ci");
    System.setProperty("flotilla.test.cloud_json", args[0]);
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(
        HaltsMidCreate.class)).build());
  }

  @Test
  @org.junit.jupiter.api.condition.EnabledOnOs(org.junit.jupiter.api.condition.OS.LINUX)
  void aRunThatKilledItsOwnJvmMidCreateLeavesNothingAfterTheNextRun() throws Exception {
    Path cloudJson = dir.resolve("cloud.json");
    String state = dir.resolve("cloud-state.json").toString();
    Files.writeString(cloudJson, """
        {"ci": {"api": "fake", "auth": {"state_file": "%s", "boot_seconds": "600"}, "default_image": "debian-12"}}
        """.formatted(state));
    Process crashing = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), RealCloudExtensionTest.class.getName(), cloudJson.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("crashing.log").toFile()).start();
    crashing.getOutputStream().close();
    if (!crashing.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)) {
      crashing.destroyForcibly();
    }
    assertThat(crashing.exitValue()).as(Files.readString(dir.resolve("crashing.log"))).isEqualTo(137);
    Files.writeString(cloudJson, """
        {"ci": {"api": "fake", "auth": {"state_file": "%s"}, "default_image": "debian-12"}}
        """.formatted(state));
    dev.flotilla.vm.Profile profile = CloudConfig.load(cloudJson).profiles().get(0);
    try (VmClient look = VmClient.builder().profile(profile).build()) {
      assertThat(look.list()).singleElement().satisfies(vm -> {
        assertThat(vm.state()).isEqualTo(State.PENDING);
        assertThat(Lease.fromTags(vm.tags()).orElseThrow().expiresAt()).as("its lease has minutes to go")
            .isAfter(java.time.Instant.now().plus(Duration.ofMinutes(5)));
      });
    }

    SummaryGeneratingListener summary = runOn(cloudJson, OnTheCloud.class);
    assertThat(summary.getSummary().getTestsSucceededCount()).as("%s", summary.getSummary().getFailures()).isEqualTo(1);
    try (VmClient look = VmClient.builder().profile(profile).build()) {
      assertThat(look.list()).as("the dead run's VM reaped at once, the run's own destroyed")
          .allSatisfy(vm -> assertThat(vm.state()).isIn(State.TERMINATED, State.TERMINATING));
    }
  }

  @Test
  void aRunRenewsTheLeasesOfItsVmsWhileItLives() throws Exception {
    Path cloudJson = dir.resolve("cloud.json");
    Files.writeString(cloudJson, """
        {"ci": {"api": "fake", "auth": {"state_file": "%s"}, "default_image": "debian-12"}}
        """.formatted(dir.resolve("cloud-state.json").toString()));
    SummaryGeneratingListener summary = runOn(cloudJson, OutlivesItsLease.class);
    assertThat(summary.getSummary().getTestsSucceededCount()).as("%s", summary.getSummary().getFailures()).isEqualTo(1);
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .as("no renewal outlives the class").doesNotContain("flotilla-lease-renewal");
  }

  /** Runs {@code testClass} on the profile {@code ci} of {@code cloudJson}, as a build would name it. */
  private static SummaryGeneratingListener runOn(Path cloudJson, Class<?> testClass) {
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    System.setProperty("flotilla.test.profile", "ci");
    System.setProperty("flotilla.test.cloud_json", cloudJson.toString());
    try {
      LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
          .build(), summary);
    } finally {
      System.clearProperty("flotilla.test.profile");
      System.clearProperty("flotilla.test.cloud_json");
    }
    return summary;
  }

  @Test
  void withNoCloudNamedTheClassIsSkippedNeverRunElsewhere() {
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(OnTheCloud.class))
        .build(), summary);
    assertThat(summary.getSummary().getContainersAbortedCount()).isEqualTo(1);
    assertThat(summary.getSummary().getTestsSucceededCount()).isZero();
  }
}
