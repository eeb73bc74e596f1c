package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.testkit.FakeCloud;
import dev.flotilla.vm.testkit.FileBackedFakeCloud;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process starting 20 nodes with SIGKILL at many points of the create path (before and after the
 * create intents are written, after the create call, between the bindings) and at random others; after
 * each kill a plain {@code start} of the same nodes, with no reconcile first, finishes the job with every
 * node bound to exactly one VM. Run on a cloud that keeps create tokens and on one that ignores them.
 */
class CrashTest {
  private static final int KILLS = 14;

  @TempDir
  Path root;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"keeps-tokens", "ignore-tokens"})
  @Timeout(600)
  void everyKillPointResumesWithPlainStartWithNoOrphanAndNoDuplicate(String cloud) throws Exception {
    Run full = run(root.resolve("dry"), "0", cloud);
    List<String> steps = full.lines.stream().filter(l -> l.startsWith("STEP ")).toList();
    assertThat(full.lines).last().asString().startsWith("DONE");
    int beforeCreate = indexOf(steps, "before create");
    int afterCreate = indexOf(steps, "after create");
    assertThat(steps.get(afterCreate)).as("the binding is written right after the create").contains("wrote node");
    assertThat(steps.get(beforeCreate - 2)).as("the intent is written before the create").contains("wrote node");

    TreeSet<Integer> points = new TreeSet<>(List.of(indexOf(steps, "locked 20 nodes"), beforeCreate - 10,
        beforeCreate - 1, beforeCreate, afterCreate, afterCreate + 1, afterCreate + 5, afterCreate + 10));
    Random random = new Random(20261201);
    while (points.size() < KILLS) {
      points.add(1 + random.nextInt(steps.size()));
    }

    List<String> report = new ArrayList<>();
    for (int point : points) {
      Path dir = root.resolve(cloud + "-kill-" + point);
      Run killed = run(dir, String.valueOf(point), cloud);
      assertThat(killed.stopped).as("the child reached step %d", point).isTrue();
      report.add(point + ": " + steps.get(point - 1).replaceFirst("STEP \\d+ ", ""));
      assertNoOrphanNoDuplicate(dir, false);

      Run resume = run(dir, "0", cloud);
      assertThat(resume.exit).as(String.join("\n", resume.lines)).isZero();
      assertNoOrphanNoDuplicate(dir, true);
    }
    System.out.println(cloud + ": killed at " + points.size() + " points of " + steps.size() + ": " + report);
  }

  private static int indexOf(List<String> steps, String what) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).endsWith(" " + what)) {
        return i + 1;
      }
    }
    throw new AssertionError("no step '" + what + "' in " + steps);
  }

  private static void assertNoOrphanNoDuplicate(Path dir, boolean allStarted) throws IOException {
    FileNodeStore store = FileNodeStore.open(dir);
    FileBackedFakeCloud cloud = FileBackedFakeCloud.open(dir.resolve("cloud.json"));
    List<Instance> live = cloud.peek(FakeCloud::list).stream().filter(i -> i.state() != State.TERMINATED).toList();
    Map<String, List<String>> vmsOfNode = new HashMap<>();
    for (Instance vm : live) {
      vmsOfNode.computeIfAbsent(vm.nodeName().orElse("?"), k -> new ArrayList<>()).add(vm.id());
    }
    vmsOfNode.forEach((node, ids) -> {
      assertThat(ids).as("VMs carrying node %s in %s", node, dir).hasSize(1);
      if (allStarted) {
        assertThat(store.get(node).flatMap(Node::vmId)).as("node %s is bound to its VM", node).contains(ids.get(0));
      }
    });
    assertThat(vmsOfNode).as("every VM carries its node's name").doesNotContainKey("?");
    for (Node record : store.list()) {
      record.vmId().ifPresent(id -> assertThat(vmsOfNode.get(record.name())).as("the VM of %s", record.name())
          .containsExactly(id));
    }
    if (allStarted) {
      assertThat(store.list()).hasSize(CrashChild.NODES).allSatisfy(n -> {
        assertThat(n.isBound()).isTrue();
        assertThat(n.createIntent()).as("%s's create is done", n.name()).isEmpty();
      });
      try (var files = Files.list(dir.resolve("nodes"))) {
        assertThat(files.map(f -> f.getFileName().toString())).as("no temporary file is left")
            .noneMatch(f -> f.endsWith(".tmp"));
      }
      assertThat(live).hasSize(CrashChild.NODES).allSatisfy(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
    }
  }

  private record Run(List<String> lines, boolean stopped, int exit) {}

  /** Runs the child; when it says it stopped at its step, kills it with SIGKILL. */
  private static Run run(Path dir, String arg, String cloud) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p = ChildJvm.start(CrashChild.class, dir.toString(), arg, cloud);
    List<String> lines = new ArrayList<>();
    boolean stopped = false;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        lines.add(line);
        if (line.startsWith("STOPPED ")) {
          stopped = true;
          p.destroyForcibly(); // SIGKILL on Linux
          break;
        }
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(lines, stopped, p.exitValue());
  }
}
