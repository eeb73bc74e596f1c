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

    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    System.setProperty("flotilla.test.profile", "ci");
    System.setProperty("flotilla.test.cloud_json", cloudJson.toString());
    try {
      LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(OnTheCloud.class))
          .build(), summary);
    } finally {
      System.clearProperty("flotilla.test.profile");
      System.clearProperty("flotilla.test.cloud_json");
    }
    assertThat(summary.getSummary().getTestsSucceededCount()).as("%s", summary.getSummary().getFailures()).isEqualTo(1);

    try (VmClient look = VmClient.builder().profile(profile).build()) {
      List<Instance> live = look.list().stream()
          .filter(vm -> vm.state() != State.TERMINATED && vm.state() != State.TERMINATING).toList();
      assertThat(live).extracting(vm -> vm.nodeName().orElse("?")).as("the crashed run's VM reaped, the run's own"
          + " destroyed, the other run's kept").containsExactly("live1");
    }
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
