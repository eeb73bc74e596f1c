package dev.flotilla.vm.cli;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.store.CloudConfig;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.store.NodeStores;
import dev.flotilla.vm.testkit.FakeCloud;
import dev.flotilla.vm.testkit.FakeCloudBuilder;
import dev.flotilla.vm.testkit.FileBackedFakeCloud;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The directory the command works in: {@code cloud.json} and {@code nodes/}, as LEAP keeps them. Without
 * a {@code cloud.json}, or with {@code --mock}, the embedded fake cloud kept in {@code .flotilla/} is used.
 * The records live in {@code nodes/} unless {@code --store}, {@code FLOTILLA_STORE} or cloud.json's
 * {@code "store"} (in that order) name another place, such as {@code postgresql://db.example.org/flotilla}.
 */
final class Workspace implements AutoCloseable {
  /** The variable that names where records are kept, when --store does not. */
  static final String STORE_VARIABLE = "FLOTILLA_STORE";

  /** Where the embedded fake cloud is kept, under the directory. */
  static final String FAKE_CLOUD = ".flotilla/fake-cloud.json";

  private final Path dir;
  private final String auth;
  private final boolean mock;
  private final boolean force;
  private final Output output;
  private final NodeStore store;
  private CloudConfig cloudConfig;

  Workspace(Path dir, String auth, boolean mock, boolean force, String storeOption, Output output) {
    this.dir = dir.toAbsolutePath().normalize();
    this.auth = auth;
    this.mock = mock;
    this.force = force;
    this.output = output;
    if (!Files.isDirectory(this.dir)) {
      throw new ConfigurationException(this.dir, "--dir", "there is no such directory; point --dir at the directory"
          + " that holds cloud.json and nodes/, or make it first (mkdir -p " + this.dir + ")");
    }
    this.store = NodeStores.open(storeLocation(storeOption), this.dir, System.getenv());
    if (auth != null && !mock && !Files.exists(this.dir.resolve("cloud.json")) && openRc() == null) {
      throw new ConfigurationException(this.dir.resolve("cloud.json"), "--auth", "names profile '" + auth + "', but"
          + " there is no cloud.json in " + this.dir + " to find it in; create cloud.json with that profile, give an"
          + " OpenStack RC file (--auth demo-openrc.sh), or leave --auth out to use the embedded fake cloud");
    }
    if (embedded() && !Files.exists(this.dir.resolve(FAKE_CLOUD))) { // said once, when it is made
      output.say("Using the embedded fake cloud in " + this.dir.resolve(FAKE_CLOUD) + (mock ? " (--mock)."
          : " (no cloud.json in " + this.dir + ")."));
    }
  }

  /** Where the records are: --store, else FLOTILLA_STORE, else cloud.json's "store", else this directory. */
  private String storeLocation(String option) {
    if (option != null && !option.isBlank()) {
      return option;
    }
    String variable = System.getenv(STORE_VARIABLE);
    if (variable != null && !variable.isBlank()) {
      return variable;
    }
    if (Files.exists(dir.resolve("cloud.json"))) {
      java.util.Optional<String> inFile = cloudConfig().store();
      if (inFile.isPresent()) {
        return inFile.get();
      }
    }
    return ".";
  }

  /** cloud.json, read once per command. */
  private CloudConfig cloudConfig() {
    if (cloudConfig == null) {
      cloudConfig = CloudConfig.load(dir.resolve("cloud.json"));
    }
    return cloudConfig;
  }

  NodeStore store() {
    return store;
  }

  @Override
  public void close() {
    store.close();
  }

  /**
   * A fake profile that names no state file is kept in {@code .flotilla/fake-NAME.json} here, so that its VMs
   * outlive the command as the embedded cloud's do.
   */
  private dev.flotilla.vm.Profile kept(dev.flotilla.vm.Profile p) {
    if (!p.api().equals("fake") || p.setting("state_file").isPresent()) {
      return p;
    }
    return p.toBuilder().setting("state_file", dir.resolve(".flotilla/fake-" + p.name() + ".json").toString()).build();
  }

  boolean embedded() {
    return mock || !Files.exists(dir.resolve("cloud.json")) && openRc() == null;
  }

  /** The OpenStack RC file {@code --auth} names ({@code --auth demo-openrc.sh}), or null. */
  private Path openRc() {
    if (auth == null || !(auth.endsWith(".sh") || auth.contains("/"))) {
      return null;
    }
    Path rc = dir.resolve(auth);
    if (!Files.isRegularFile(rc)) {
      throw new ConfigurationException(rc, null, "--auth names an RC file that does not exist; download it from the"
          + " dashboard's API Access page, or name a cloud.json profile");
    }
    return rc;
  }

  /**
   * A client for this directory; with {@code wait} it waits until VMs settle, printing progress,
   * otherwise it returns once the requests are sent.
   */
  VmClient client(boolean wait) {
    VmClient.Builder b = VmClient.builder().store(store).force(force)
        .waitPolicy(wait ? WaitPolicy.DEFAULT.withTimeout(Duration.ofMinutes(30)) : WaitPolicy.NO_WAIT)
        .listener(wait ? output.progress() : output.events());
    if (embedded()) {
      // the embedded cloud's behaviour, for demos and crash tests: boot and stop times, a cloud that ignores
      // create tokens, and a share of answers that cannot be read (drawn from a seed)
      FakeCloudBuilder fake = FakeCloud.builder().bootTime(Duration.ofSeconds(env("FLOTILLA_FAKE_BOOT_SECONDS")))
          .stopTime(Duration.ofSeconds(env("FLOTILLA_FAKE_STOP_SECONDS"))).seed(env("FLOTILLA_FAKE_SEED"));
      if (env("FLOTILLA_FAKE_IGNORE_TOKENS") == 1) {
        fake.ignoreClientTokens();
      }
      FileBackedFakeCloud cloud = FileBackedFakeCloud.open(dir.resolve(FAKE_CLOUD), fake);
      String garbage = System.getenv("FLOTILLA_FAKE_GARBAGE");
      if (garbage != null && !garbage.isBlank()) {
        cloud.garbage(Double.parseDouble(garbage.trim()));
      }
      // its answers are never late or wrong, so a VM missing from one is gone: no second look some time later
      return b.provider(cloud).useProfile("fake").confirmGoneAfter(Duration.ZERO).build();
    }
    Path rc = openRc();
    if (rc != null) {
      CloudConfig config = CloudConfig.fromOpenRc(rc, System.getenv());
      config.warnings().forEach(w -> System.err.println("warning: " + w));
      return b.profiles(config.profiles()).useProfile(config.profiles().get(0).name()).build();
    }
    CloudConfig config = cloudConfig();
    config.warnings().forEach(w -> System.err.println("warning: " + w));
    b.profiles(config.profiles().stream().map(this::kept).toList());
    if (auth != null) {
      if (config.profile(auth).isEmpty()) {
        throw new ConfigurationException(dir.resolve("cloud.json"), auth, "--auth names profile '" + auth
            + "', which cloud.json does not have; it has " + config.profiles().stream().map(p -> p.name()).toList());
      }
      b.useProfile(auth);
    }
    return b.build();
  }

  private static long env(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? 0 : Long.parseLong(v.trim());
  }

  /**
   * The records a filter names: node names, name patterns ({@code web*}), tags, services or VM ids. No
   * filter means every node.
   */
  List<Node> select(List<String> filter) {
    List<Node> all = store.list();
    if (filter == null || filter.isEmpty()) {
      return all;
    }
    Map<String, Node> picked = new LinkedHashMap<>();
    for (String word : filter) {
      List<Node> matched = all.stream().filter(n -> matches(n, word)).toList();
      if (matched.isEmpty()) {
        throw new ConfigurationException(null, "FILTER", "no node, name pattern, tag, service or VM id matches '"
            + word + "'; 'vm status' lists the nodes");
      }
      matched.forEach(n -> picked.put(n.name(), n));
    }
    return new ArrayList<>(picked.values());
  }

  /** Whether {@code word} names at least one node record (see {@link #select}). */
  boolean matchesNode(String word) {
    return store.list().stream().anyMatch(n -> matches(n, word));
  }

  private static boolean matches(Node n, String word) {
    PathMatcher glob = word.contains("*") || word.contains("?")
        ? FileSystems.getDefault().getPathMatcher("glob:" + word) : null;
    return n.name().equals(word) || glob != null && glob.matches(Path.of(n.name())) || n.tags().contains(word)
        || n.services().contains(word) || n.vmId().filter(word::equals).isPresent();
  }

  /** The VMs of the nodes by id, from one listing. */
  static Map<String, Instance> byId(List<Instance> vms) {
    Map<String, Instance> out = new LinkedHashMap<>();
    vms.forEach(vm -> out.put(vm.id(), vm));
    return out;
  }
}
