package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.store.FileNodeStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** 8 threads here and 2 other processes update one record at once; no update is lost. */
class ConcurrentUpdatesTest {
  private static final int UPDATES = 60;

  @TempDir
  Path dir;

  /** A process that adds {@code count} tags named {@code prefix-i} to node "shared". */
  public static void main(String[] args) {
    FileNodeStore store = FileNodeStore.open(Path.of(args[0]));
    addTags(store, args[1], Integer.parseInt(args[2]));
    System.out.println("done");
  }

  static void addTags(FileNodeStore store, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      String tag = prefix + "-" + i;
      store.update("shared", n -> n.toBuilder().tag(tag).build());
    }
  }

  @Test
  @Timeout(120)
  void eightThreadsAndTwoProcessesLoseNoUpdate() throws Exception {
    FileNodeStore store = FileNodeStore.open(dir);
    store.put(Node.builder("shared").build());
    List<Process> processes = List.of(
        ChildJvm.start(ConcurrentUpdatesTest.class, dir.toString(), "p1", String.valueOf(UPDATES)),
        ChildJvm.start(ConcurrentUpdatesTest.class, dir.toString(), "p2", String.valueOf(UPDATES)));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      String prefix = "t" + t;
      threads.add(pool.submit(() -> addTags(FileNodeStore.open(dir), prefix, UPDATES)));
    }
    for (Future<?> f : threads) {
      f.get();
    }
    pool.shutdown();
    for (Process p : processes) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
    }

    Node shared = store.get("shared").orElseThrow();
    assertThat(shared.tags()).hasSize(10 * UPDATES);
    for (String prefix : List.of("p1", "p2", "t0", "t7")) {
      assertThat(shared.tags()).contains(prefix + "-0", prefix + "-" + (UPDATES - 1));
    }
  }
}
