package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.NodeLockedException;
import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The file store's per-node locks: honoured by other processes, named by their holder, freed when it dies. */
class NodeLockTest {
  @TempDir
  Path dir;

  /** A process that takes the locks of nodes {@code args[1..]}, says so, and holds them until it is killed. */
  public static void main(String[] args) throws Exception {
    FileNodeStore.open(Path.of(args[0])).lock(List.of(args).subList(1, args.length), Duration.ofSeconds(30));
    System.out.println("LOCKED");
    System.out.flush();
    System.in.read(); // holds the locks until the parent kills it (or closes its input)
  }

  @Test
  @Timeout(120)
  void aLockHeldByAnotherProcessNamesItAndIsFreedWhenItIsKilled() throws Exception {
    Process holder = ChildJvm.start(NodeLockTest.class, dir.toString(), "n2", "n3");
    try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("LOCKED");
      FileNodeStore store = FileNodeStore.open(dir);

      assertThatThrownBy(() -> store.lock(List.of("n1", "n2"), Duration.ofMillis(200)))
          .isInstanceOfSatisfying(NodeLockedException.class, e -> {
            assertThat(e.node()).isEqualTo("n2");
            assertThat(e.holder()).startsWith("pid " + holder.pid() + " on host ").contains(" since ");
          }).hasMessageContaining("node n2 is locked by pid " + holder.pid());
      try (NodeStore.Lock free = store.lock(List.of("n1", "n4"), Duration.ZERO)) {
        assertThat(free).as("nodes the other process does not hold, and n1 released after the failed try").isNotNull();
      }

      holder.destroyForcibly(); // SIGKILL: no finally block of the holder runs
      assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
      try (NodeStore.Lock taken = store.lock(List.of("n2", "n3"), Duration.ofSeconds(30))) {
        assertThat(taken).as("the dead holder's locks went with it").isNotNull();
        assertThatThrownBy(() -> store.lock(List.of("n3"), Duration.ZERO)).as("not reentrant, even in one thread")
            .isInstanceOf(NodeLockedException.class);
      }
    } finally {
      holder.destroyForcibly();
    }
  }
}
