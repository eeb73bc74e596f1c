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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process starting 20 nodes with SIGKILL at many points, including between the create call and
 * the record write; after each kill a new process reconciles, and no VM is orphaned or duplicated; a
 * further run then finishes the job with every node bound to exactly one VM.
 */
class CrashTest {
  private static final int KILLS = 12;

  @TempDir
  Path root;

  @Test
  @Timeout(600)
  void everyKillPointRecoversWithNoOrphanAndNoDuplicate() throws Exception {
    Run full = run(root.resolve("dry"), "0");
    List<String> steps = full.lines.stream().filter(l -> l.startsWith("STEP ")).toList();
    assertThat(full.lines).last().asString().startsWith("DONE");
    int afterCreate = indexOf(steps, "after create");
    int firstBindingWrite = afterCreate + 1;
    assertThat(steps.get(firstBindingWrite - 1)).contains("wrote node");

    TreeSet<Integer> points = new TreeSet<>(List.of(afterCreate, afterCreate + 3, indexOf(steps, "before create")));
    Random random = new Random(20261122);
    while (points.size() < KILLS) {
      points.add(1 + random.nextInt(steps.size()));
    }

    List<String> report = new ArrayList<>();
    for (int point : points) {
      Path dir = root.resolve("kill-" + point);
      Run killed = run(dir, String.valueOf(point));
      assertThat(killed.stopped).as("the child reached step %d", point).isTrue();
      report.add(point + ": " + steps.get(point - 1).replaceFirst("STEP \\d+ ", ""));

      Run reconcile = run(dir, "reconcile");
      assertThat(reconcile.exit).as(String.join("\n", reconcile.lines)).isZero();
      assertNoOrphanNoDuplicate(dir, false);

      Run resume = run(dir, "0");
      assertThat(resume.exit).as(String.join("\n", resume.lines)).isZero();
      assertNoOrphanNoDuplicate(dir, true);
    }
    System.out.println("killed at " + points.size() + " points of " + steps.size() + ": " + report);
    assertThat(report).anySatisfy(r -> assertThat(r).endsWith("after create"));
  }

  private static int indexOf(List<String> steps, String what) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).endsWith(" " + what)) {
        return i + 1;
      }
    }
    throw new AssertionError("no step '" + what + "' in " + steps);
  }

  private static void assertNoOrphanNoDuplicate(Path dir, boolean allStarted) {
    FileNodeStore store = FileNodeStore.open(dir);
    FileBackedFakeCloud cloud = FileBackedFakeCloud.open(dir.resolve("cloud.json"));
    List<Instance> live = cloud.peek(FakeCloud::list).stream().filter(i -> i.state() != State.TERMINATED).toList();
    Map<String, List<String>> vmsOfNode = new HashMap<>();
    for (Instance vm : live) {
      vmsOfNode.computeIfAbsent(vm.nodeName().orElse("?"), k -> new ArrayList<>()).add(vm.id());
    }
    vmsOfNode.forEach((node, ids) -> {
      assertThat(ids).as("VMs carrying node %s in %s", node, dir).hasSize(1);
      assertThat(store.get(node).flatMap(Node::vmId)).as("node %s is bound to its VM", node).contains(ids.get(0));
    });
    for (Node record : store.list()) {
      record.vmId().ifPresent(id -> assertThat(vmsOfNode.get(record.name())).as("the VM of %s", record.name())
          .containsExactly(id));
    }
    if (allStarted) {
      assertThat(store.list()).hasSize(CrashChild.NODES).allSatisfy(n -> assertThat(n.isBound()).isTrue());
      assertThat(live).hasSize(CrashChild.NODES).allSatisfy(vm -> assertThat(vm.state()).isEqualTo(State.RUNNING));
    }
  }

  private record Run(List<String> lines, boolean stopped, int exit) {}

  /** Runs the child; when it says it stopped at its step, kills it with SIGKILL. */
  private static Run run(Path dir, String arg) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p = ChildJvm.start(CrashChild.class, dir.toString(), arg);
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
