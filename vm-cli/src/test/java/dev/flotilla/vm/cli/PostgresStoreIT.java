package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.store.NodeStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vm command with its records in PostgreSQL: chosen by --store, FLOTILLA_STORE or cloud.json, copied
 * to and from nodes/ exactly. Needs the database vm-store-postgresql/real-db/test.sh starts (it sets
 * FLOTILLA_TEST_STORE and PGPASSFILE); without one, these tests are skipped and say so.
 */
@Timeout(300)
class PostgresStoreIT {
  @TempDir
  Path dir;

  /** The test database's URL, or the test is skipped. */
  static String testStore() {
    String url = System.getenv("FLOTILLA_TEST_STORE");
    Assumptions.assumeTrue(url != null && !url.isBlank(), "no PostgreSQL to test with:"
        + " vm-store-postgresql/real-db/test.sh starts one and runs this");
    return url;
  }

  private static String freshStore() {
    return testStore() + "?schema=cli_" + Long.toHexString(System.nanoTime());
  }

  private VmCommand.Result vm(Path in, Map<String, String> env, String... args) throws Exception {
    return VmCommand.run(in, env, List.of(args));
  }

  private VmCommand.Result ok(Path in, Map<String, String> env, String... args) throws Exception {
    VmCommand.Result r = vm(in, env, args);
    assertThat(r.exit()).as("vm %s\n%s%s", String.join(" ", args), r.out(), r.err()).isZero();
    return r;
  }

  private static List<String> names(String store, Path base) {
    try (NodeStore s = NodeStores.open(store, base, System.getenv())) {
      return s.list().stream().map(Node::name).toList();
    }
  }

  @Test
  void theStoreIsChosenByTheFlagThenTheVariableThenCloudJson() throws Exception {
    String byFlag = freshStore();
    String byVariable = freshStore();
    String byFile = freshStore();
    ok(dir, Map.of(), "--store", byFlag, "add", "web1");
    ok(dir, Map.of(Workspace.STORE_VARIABLE, byVariable), "add", "web2");
    Files.writeString(dir.resolve("cloud.json"), "{\"store\": \"" + byFile + "\"}");
    ok(dir, Map.of(), "--mock", "add", "web3");
    VmCommand.Result flagWins = ok(dir, Map.of(Workspace.STORE_VARIABLE, byVariable), "--mock", "--store", byFlag, "status");

    assertThat(names(byFlag, dir)).containsExactly("web1");
    assertThat(names(byVariable, dir)).containsExactly("web2");
    assertThat(names(byFile, dir)).containsExactly("web3");
    assertThat(dir.resolve("nodes")).doesNotExist();
    assertThat(flagWins.out()).as("status reads --store's records, not FLOTILLA_STORE's")
        .contains("no record of node web2").doesNotContain("no record of node web1");
  }

  @Test
  void storeCopyMovesRecordsToTheDatabaseAndBackExactly() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    String db = freshStore();
    ok(a, Map.of(), "add", "base", "services:monitoring", "tags:seattle");
    ok(a, Map.of(), "add", "web1", "services:webapp", "vm.options.InstanceType:t2.small");
    // a child that inherits, as Flotilla writes it: only what differs from its parent
    Files.writeString(a.resolve("nodes/web2.json"), "{\n  \"services\": [\n    \"webapp\"\n  ],\n  \"inherit\": \"base\"\n}\n");

    VmCommand.Result there = ok(a, Map.of(), "store", "copy", "--from", a.toString(), "--to", db);
    assertThat(there.out()).contains("copied 3 record(s)");
    VmCommand.Result back = ok(b, Map.of(), "store", "copy", "--from", db, "--to", b.toString());
    assertThat(back.out()).contains("copied 3 record(s)");
    assertThat(files(b.resolve("nodes"))).isEqualTo(files(a.resolve("nodes")));

    // the database gets a web2 that differs from a's; copying a over it stops, and nothing is written
    Files.writeString(b.resolve("nodes/web2.json"), "{\n  \"inherit\": \"base\",\n  \"services\": [\"db\"]\n}\n");
    ok(b, Map.of(), "store", "copy", "--from", b.toString(), "--to", db, "--overwrite");
    VmCommand.Result refused = vm(a, Map.of(), "store", "copy", "--from", a.toString(), "--to", db);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("web2").contains("nothing was copied").contains("--overwrite");
    assertThat(refused.err().lines()).hasSize(1);
    try (NodeStore s = NodeStores.open(db, dir, System.getenv())) {
      assertThat(s.get("web2").orElseThrow().services()).as("not overwritten").containsExactly("db");
    }
    ok(a, Map.of(), "store", "copy", "--from", a.toString(), "--to", db, "--overwrite");
    try (NodeStore s = NodeStores.open(db, dir, System.getenv())) {
      assertThat(s.get("web2").orElseThrow().services()).containsExactly("webapp");
    }
  }

  @Test
  void aWrongPasswordIsOneLineWithoutThePassword() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PGPASSWORD", "wrong-password-3k");
    VmCommand.Result r = vm(dir, env, "--store", testStore(), "status");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").contains("refused user").doesNotContain("wrong-password-3k");
  }

  private static Map<String, String> files(Path folder) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.list(folder)) {
      for (Path p : all.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
        out.put(p.getFileName().toString(), Files.readString(p));
      }
    }
    return out;
  }
}
