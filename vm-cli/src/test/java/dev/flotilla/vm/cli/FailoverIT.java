package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.support.Failpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capacity failover from the command line, on two fake profiles being two clouds: profile a is full and falls
 * back to b. One VM for the node, on b, and nodes/web1.json says so; also when the first try is killed (as
 * kill -9 would) between the two placements.
 */
@Timeout(300)
class FailoverIT {
  @TempDir
  Path dir;

  private void twoClouds() throws Exception {
    Files.writeString(dir.resolve("cloud.json"), """
        {"a": {"api": "fake", "auth": {"capacity": "0"}, "default_image": "debian-12", "fallback": ["b"]},
         "b": {"api": "fake", "default_image": "debian-12"}}
        """);
  }

  /** The live VMs' lines of 'vm status' that name node {@code node}. */
  private List<String> vmsOf(String node) throws Exception {
    return VmCommand.ok(dir, "status").lines().filter(l -> l.matches("\\S+ +" + node + " .*"))
        .filter(l -> !l.contains("terminated")).toList();
  }

  @Test
  void aFullCloudsNodeGetsOneVmOnTheFallbackAndItsFileSaysWhere() throws Exception {
    twoClouds();

    String added = VmCommand.ok(dir, "add", "web1", "--auth", "a", "--wait");

    assertThat(added).contains("web1: a has no capacity").contains("; trying b").contains("started web1");
    assertThat(Files.readString(dir.resolve("nodes/web1.json"))).containsPattern("\"placed\": \\{\\s*\"profile\": \"b\"");
    String status = VmCommand.ok(dir, "status");
    assertThat(status).contains("PROFILE").containsPattern("web1 .* b\\R");
    assertThat(vmsOf("web1")).hasSize(1);
    assertThat(VmCommand.ok(dir, "stop", "web1", "--wait")).as("its calls go to b").contains("stopped web1");
    VmCommand.ok(dir, "rm", "web1", "--wait");
    assertThat(vmsOf("web1")).isEmpty();
  }

  @ParameterizedTest(name = "killed at {0}")
  @ValueSource(strings = {"after-intent:2", "after-create:1", "after-record:1"})
  void aRunKilledBetweenThePlacementsStillEndsWithOneVm(String failpoint) throws Exception {
    twoClouds();

    VmCommand.Result killed = VmCommand.run(dir, Map.of(Failpoints.ENV, failpoint), List.of("add", "web1", "--auth",
        "a", "--wait"));
    assertThat(killed.exit()).as(killed.err()).isEqualTo(Failpoints.HALT_STATUS);
    assertThat(killed.err()).contains("failpoint");

    String rerun = VmCommand.ok(dir, "start", "web1", "--auth", "a", "--wait");
    assertThat(rerun).contains("web1");
    assertThat(vmsOf("web1")).hasSize(1).allSatisfy(l -> assertThat(l).endsWith(" b"));
    assertThat(Files.readString(dir.resolve("nodes/web1.json"))).containsPattern("\"placed\": \\{\\s*\"profile\": \"b\"")
        .doesNotContain("\"intent\"");
  }
}
