package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.store.NodeStores;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Rounds of chaos against the real {@code vm} jar, as separate processes sharing one directory and one
 * cloud. Each round starts four to six processes at once, each a start, stop, rm, reconcile, status or reap
 * of an overlapping set of nodes (half the nodes leased for longer than the run, one for a second, so a
 * reap may destroy only the latter's VMs); most starts are killed at a step of the create path (before the intent, after
 * it, the request sent but not answered, the answer in but nothing recorded, the record written) and a
 * third of the other processes at a random moment. The cloud ignores create tokens and answers some calls
 * with garbage while they run. After each round, with the cloud behaving again:
 *
 * <ul>
 *   <li>duplicates: a node with more than one live VM;
 *   <li>wrong destroys: a VM destroyed (or stopped) whose node no rm (or stop) of the round named;
 *   <li>orphans: a live VM Flotilla made that no record is bound to and {@code vm status} does not report;
 *   <li>broken fixes: a fix {@code vm status} prints that fails when run as printed;
 *   <li>then {@code vm reconcile} and {@code vm start} of every node must end with exactly one VM per node,
 *       bound to it, every record readable and no temporary file left.
 * </ul>
 */
final class Chaos {
  /** A cloud the processes run against, and a way to look at it that no fault touches. */
  interface Backend {
    String name();

    /** The environment of a {@code vm} process; with {@code chaos}, one that misbehaves. None by default. */
    default Map<String, String> env(boolean chaos, long seed) {
      return Map.of();
    }

    /** Turns the cloud's own misbehaviour (garbage answers) on or off. */
    void chaos(boolean on, long seed);

    /** The create-path failpoints this cloud's processes can be killed at. */
    List<String> failpoints();

    /** For a failpoint the server acts on (kills the sender of a request), how to arm it; else null. */
    Kill serverSideKill(String failpoint);

    /** Every VM of the cloud as it is. */
    List<Vm> vms();
  }

  /** Writes {@code json} as the cloud.json of {@code dir}, readable by its owner only, as credentials should be. */
  static void cloudJson(Path dir, String json) throws IOException {
    Files.writeString(dir.resolve("cloud.json"), json);
    Files.setPosixFilePermissions(dir.resolve("cloud.json"), java.nio.file.attribute.PosixFilePermissions
        .fromString("rw-------"));
  }

  /** What a server calls with a request's User-Agent, "... (pid N)": {@code kill} of that process. */
  static java.util.function.Consumer<String> senderOf(LongConsumer kill) {
    return userAgent -> {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(pid (\\d+)\\)").matcher(userAgent);
      if (m.find()) {
        kill.accept(Long.parseLong(m.group(1)));
      }
    };
  }

  /** Arms a kill that the server triggers with the pid of the process to kill. */
  interface Kill {
    void arm(LongConsumer killPid);
  }

  /** One VM: its node (by its tags), whether it holds resources, whether it is stopped, whether Flotilla made it. */
  record Vm(String id, String node, boolean live, boolean stopped, boolean ours, java.time.Instant leaseEnds,
      boolean unplaced) {
    Vm(String id, String node, boolean live, boolean stopped, boolean ours, Map<String, String> tags) {
      this(id, node, live, stopped, ours, tags, false);
    }

    /** With {@code unplaced}: it failed for want of capacity, and a start of its node may destroy it. */
    Vm(String id, String node, boolean live, boolean stopped, boolean ours, Map<String, String> tags,
        boolean unplaced) {
      this(id, node, live, stopped, ours, dev.flotilla.vm.Lease.fromTags(tags).map(dev.flotilla.vm.Lease::expiresAt)
          .orElse(null), unplaced);
    }

    /** Whether its lease had ended by {@code when}: a reaper may then have destroyed it. */
    boolean expiredBy(java.time.Instant when) {
      return leaseEnds != null && !when.isBefore(leaseEnds);
    }
  }

  /** What the rounds found; every count after "overlaps" must be 0. */
  record Report(String backend, long seed, int rounds, int processes, int kills, Map<String, Integer> killsAt,
      int overlaps, int reaped, int duplicates, int orphans, int wrongDestroys, int brokenFixes, int convergenceFailures,
      int corruptRecords, int tempFilesLeft, List<String> problems) {
    void assertClean() {
      assertThat(problems).as("problems found on " + backend + " (replay with -Dchaos.seed=" + seed + ")").isEmpty();
      assertThat(List.of(duplicates, orphans, wrongDestroys, brokenFixes, convergenceFailures, corruptRecords,
          tempFilesLeft)).containsOnly(0);
    }

    @Override
    public String toString() {
      return "chaos on " + backend + ", seed " + seed + ": " + rounds + " rounds, " + processes + " processes, "
          + kills + " kills " + killsAt + ", " + overlaps + " overlapping pairs, " + reaped + " expired VMs reaped;"
          + " duplicates " + duplicates
          + ", orphans " + orphans + ", wrong destroys " + wrongDestroys + ", broken fixes " + brokenFixes
          + ", convergence failures " + convergenceFailures + ", corrupt records " + corruptRecords
          + ", temporary files left " + tempFilesLeft + (problems.isEmpty() ? "" : "\n  " + String.join("\n  ", problems));
    }
  }

  private static final List<String> NODES = ChaosIT.nodes();

  private final Backend backend;
  private final Path dir;
  /** Where the processes keep the records: null for dir/nodes, else a URL they all get as FLOTILLA_STORE. */
  private final String store;
  private final long seed;
  private final int rounds;
  private final ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
  private final List<String> problems = new ArrayList<>();
  private final Map<String, Integer> killsAt = new TreeMap<>();
  private int processes;
  private int kills;
  private int overlaps;
  private int duplicates;
  private int orphans;
  private int wrongDestroys;
  private int reaped;
  private int brokenFixes;
  private int convergenceFailures;
  private int corruptRecords;
  private int tempFilesLeft;
  private int commandNumber;

  Chaos(Backend backend, Path dir, long seed, int rounds) {
    this(backend, dir, null, seed, rounds);
  }

  Chaos(Backend backend, Path dir, String store, long seed, int rounds) {
    this.backend = backend;
    this.dir = dir;
    this.store = store;
    this.seed = seed;
    this.rounds = rounds;
  }

  Report run() throws Exception {
    try {
      for (String n : NODES) {
        // half the nodes are leased for longer than the run, which the reapers running beside must leave be;
        // the last one's VMs expire a second after they are made, for the reapers to end
        if (NODES.indexOf(n) % 2 == 0) {
          mustRun("add", n, "--lease", "12h");
        } else if (NODES.indexOf(n) == NODES.size() - 1) {
          mustRun("add", n, "--lease", "1s");
        } else {
          mustRun("add", n);
        }
      }
      for (int round = 1; round <= rounds; round++) {
        round(round, new Random(seed * 1_000_003L + round));
      }
    } finally {
      killer.shutdownNow();
    }
    return new Report(backend.name(), seed, rounds, processes, kills, killsAt, overlaps, reaped, duplicates, orphans,
        wrongDestroys, brokenFixes, convergenceFailures, corruptRecords, tempFilesLeft, problems);
  }

  private record Proc(String verb, List<String> nodes, String failpoint, Process process) {}

  private void round(int round, Random r) throws Exception {
    // some nodes start the round without a VM, so that the starts of the round create
    List<String> rm = new ArrayList<>(List.of("rm", "--wait"));
    rm.addAll(subset(r));
    mustRun(rm.toArray(String[]::new));
    Map<String, Vm> before = byId(backend.vms());
    backend.chaos(true, r.nextLong());
    int count = 4 + r.nextInt(3);
    boolean serverKillArmed = false;
    List<Proc> procs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String verb = pick(r, "start", "start", "start", "start", "start", "start", "stop", "rm", "rm", "reconcile", "status",
          "reap");
      List<String> nodes = subset(r);
      Map<String, String> env = new HashMap<>(backend.env(true, r.nextLong()));
      String failpoint = null;
      long killAfter = -1;
      if (verb.equals("start") && r.nextDouble() < 0.6) {
        failpoint = backend.failpoints().get(r.nextInt(backend.failpoints().size()));
        Kill serverKill = backend.serverSideKill(failpoint);
        if (serverKill != null) {
          if (serverKillArmed) {
            failpoint = null;
          } else {
            serverKillArmed = true;
            String armed = failpoint;
            serverKill.arm(pid -> killPid(pid, armed));
          }
        } else {
          env.put("FLOTILLA_TEST_FAILPOINT", failpoint);
        }
      } else if (r.nextDouble() < 0.3) {
        killAfter = r.nextInt(1200);
      }
      List<String> args = new ArrayList<>(List.of(verb));
      if (!verb.equals("reconcile") && !verb.equals("status") && !verb.equals("reap")) {
        args.addAll(nodes);
        if (r.nextBoolean()) {
          args.add("--wait");
        }
      }
      Process p = start(env, args);
      processes++;
      if (killAfter >= 0) {
        killer.schedule(() -> {
          if (p.isAlive()) {
            p.destroyForcibly(); // SIGKILL
            count("random moment");
          }
        }, killAfter, TimeUnit.MILLISECONDS);
      }
      procs.add(new Proc(verb, verb.equals("reconcile") || verb.equals("status") || verb.equals("reap") ? NODES : nodes,
          failpoint, p));
    }
    for (Proc p : procs) {
      if (!p.process.waitFor(300, TimeUnit.SECONDS)) {
        problems.add("round " + round + ": a vm " + p.verb + " " + p.nodes + " did not end in 300 s; its threads: "
            + threadDump(p.process));
        p.process.destroyForcibly().waitFor();
      }
      if (p.process.exitValue() == dev.flotilla.vm.support.Failpoints.HALT_STATUS && p.failpoint != null
          && !p.failpoint.startsWith("server:")) {
        count(p.failpoint);
      }
      journal("round " + round + ": vm " + p.verb + " " + p.nodes + (p.failpoint == null ? "" : " failpoint "
          + p.failpoint) + " exit " + p.process.exitValue());
    }
    for (int i = 0; i < procs.size(); i++) {
      for (int j = i + 1; j < procs.size(); j++) {
        if (procs.get(i).nodes.stream().anyMatch(procs.get(j).nodes::contains)) {
          overlaps++;
        }
      }
    }
    backend.chaos(false, 0);
    check(round, before, procs);
  }

  /** A line in target/chaos-BACKEND.journal: what ran, how it was killed, how it ended. */
  /** Where a process that did not end was stuck: its threads, as jstack prints them, in a file under target/. */
  private static String threadDump(Process stuck) throws IOException, InterruptedException {
    Path file = Path.of("target", "chaos-stuck-" + stuck.pid() + ".txt").toAbsolutePath();
    Process jstack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
        Long.toString(stuck.pid())).redirectErrorStream(true).redirectOutput(file.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    if (!jstack.waitFor(60, TimeUnit.SECONDS)) {
      jstack.destroyForcibly().waitFor();
    }
    return file.toString();
  }

  private void journal(String line) throws IOException {
    Path file = Path.of("target", "chaos-" + backend.name().replaceAll("[^A-Za-z0-9]+", "-") + ".journal");
    Files.writeString(file, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private synchronized void count(String how) {
    kills++;
    killsAt.merge(how, 1, Integer::sum);
  }

  /** Kills the process {@code pid} (the server holds its request's answer meanwhile). */
  private void killPid(long pid, String failpoint) {
    ProcessHandle.of(pid).ifPresent(h -> {
      h.destroyForcibly();
      h.onExit().orTimeout(60, TimeUnit.SECONDS).join();
      count(failpoint);
    });
  }

  // ---- after a round ----------------------------------------------------------------------------------------

  private void check(int round, Map<String, Vm> before, List<Proc> procs) throws Exception {
    String at = "round " + round + ": ";
    List<Vm> after = backend.vms();
    duplicates += duplicates(at, after);
    wrongDestroys(at, before, after, procs);
    Set<String> bound = bound(at);

    // every live VM Flotilla made is bound to a record, or status reports it with a fix
    List<JsonObject> drift = status(at);
    for (Vm vm : after) {
      if (vm.live() && vm.ours() && !bound.contains(vm.id()) && drift.stream().noneMatch(d -> mentions(d, vm.id()))) {
        orphans++;
        problems.add(at + "VM " + vm.id() + " (node " + vm.node() + ") is bound to no record and status does not report it");
      }
    }
    runFixes(at);

    // reconcile, then start, converge on one VM per node
    if (run(Map.of(), List.of("reconcile")) != 0) {
      convergenceFailures++;
      problems.add(at + "vm reconcile failed after the fixes");
    }
    List<String> start = new ArrayList<>(List.of("start", "--wait"));
    start.addAll(NODES);
    if (run(Map.of(), start) != 0) {
      convergenceFailures++;
      problems.add(at + "vm start --wait of every node failed after reconcile");
    }
    List<Vm> end = backend.vms();
    Map<String, String> bindings = new HashMap<>();
    for (Node n : records()) {
      bindings.put(n.name(), n.vmId().orElse(null));
    }
    for (String node : NODES) {
      List<Vm> mine = end.stream().filter(v -> v.live() && node.equals(v.node())).toList();
      if (mine.size() != 1 || !mine.get(0).id().equals(bindings.get(node))) {
        convergenceFailures++;
        problems.add(at + "after reconcile and start, node " + node + " is bound to " + bindings.get(node)
            + " and has live VMs " + mine.stream().map(Vm::id).toList());
      }
    }
    Set<String> boundNow = new HashSet<>(bindings.values());
    for (Vm vm : end) {
      if (vm.live() && vm.ours() && !boundNow.contains(vm.id())) {
        orphans++;
        problems.add(at + "after reconcile and start, VM " + vm.id() + " (node " + vm.node() + ") is bound to no record");
      }
    }
    if (store != null) {
      return; // no files: each record is written in one transaction
    }
    try (Stream<Path> files = Files.list(dir.resolve("nodes"))) {
      List<String> temp = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".tmp")).toList();
      if (!temp.isEmpty()) {
        tempFilesLeft += temp.size();
        problems.add(at + "temporary files left: " + temp);
      }
    }
  }

  private int duplicates(String at, List<Vm> vms) {
    Map<String, List<String>> byNode = new TreeMap<>();
    vms.stream().filter(v -> v.live() && v.node() != null)
        .forEach(v -> byNode.computeIfAbsent(v.node(), k -> new ArrayList<>()).add(v.id()));
    int found = 0;
    for (Map.Entry<String, List<String>> e : byNode.entrySet()) {
      if (e.getValue().size() > 1) {
        found += e.getValue().size() - 1;
        problems.add(at + "node " + e.getKey() + " has " + e.getValue().size() + " live VMs " + e.getValue());
      }
    }
    return found;
  }

  /** A VM destroyed whose node no rm of the round named, or stopped whose node no stop named. */
  private void wrongDestroys(String at, Map<String, Vm> before, List<Vm> after, List<Proc> procs) {
    Set<String> removed = new HashSet<>();
    Set<String> stopped = new HashSet<>();
    Set<String> started = new HashSet<>();
    for (Proc p : procs) {
      (p.verb.equals("rm") ? removed : p.verb.equals("stop") ? stopped : p.verb.equals("start") ? started
          : new HashSet<String>()).addAll(p.nodes);
    }
    // a reap of the round may destroy a VM whose lease had ended, and no other
    boolean reapedThisRound = procs.stream().anyMatch(p -> p.verb.equals("reap"));
    java.time.Instant now = java.time.Instant.now();
    for (Vm vm : after) {
      Vm was = before.get(vm.id());
      boolean destroyed = !vm.live() && (was == null || was.live());
      boolean newlyStopped = vm.live() && vm.stopped() && (was == null || !was.stopped());
      boolean expired = reapedThisRound && vm.expiredBy(now);
      // a start moves its node off a VM that failed for want of capacity: it destroys that VM, and no other
      boolean moved = vm.unplaced() && started.contains(vm.node());
      if (destroyed && !removed.contains(vm.node()) && expired) {
        reaped++;
      }
      if (destroyed && !removed.contains(vm.node()) && !expired && !moved
          || newlyStopped && !stopped.contains(vm.node())) {
        wrongDestroys++;
        problems.add(at + "VM " + vm.id() + " of node " + vm.node() + " was " + (destroyed ? "destroyed" : "stopped")
            + ", but no " + (destroyed ? "rm" : "stop") + " named that node");
      }
    }
  }

  /** The VM ids the records are bound to; a record that cannot be read counts as corrupt. */
  private Set<String> bound(String at) {
    Set<String> out = new HashSet<>();
    try {
      for (Node n : records()) {
        n.vmId().ifPresent(out::add);
      }
    } catch (RuntimeException e) {
      corruptRecords++;
      problems.add(at + "a record cannot be read: " + e.getMessage());
    }
    return out;
  }

  /** Every record, read as another host would. */
  private List<Node> records() {
    if (store == null) {
      return FileNodeStore.open(dir).list();
    }
    try (NodeStore s = NodeStores.open(store, dir, System.getenv())) {
      return s.list();
    }
  }

  private List<JsonObject> status(String at) throws Exception {
    Path out = dir.resolve("status.out");
    int exit = run(Map.of(), List.of("--json", "status"), out);
    if (exit != 0) {
      problems.add(at + "vm status failed: " + Files.readString(out));
      return List.of();
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    List<JsonObject> drift = new ArrayList<>();
    for (JsonElement d : JsonParser.parseString(text).getAsJsonObject().getAsJsonArray("drift")) {
      drift.add(d.getAsJsonObject());
    }
    return drift;
  }

  private static boolean mentions(JsonObject drift, String vmId) {
    return drift.get("vm_id") != null && !drift.get("vm_id").isJsonNull() && drift.get("vm_id").getAsString().equals(vmId)
        || drift.get("message").getAsString().contains(vmId);
  }

  /**
   * Runs the fix of the first disagreement status reports, as printed (its first alternative), until
   * status reports none; a fix that fails, or disagreements that do not go away, count as broken fixes.
   */
  private void runFixes(String at) throws Exception {
    for (int i = 0; i < 30; i++) {
      List<JsonObject> drift = status(at);
      if (drift.isEmpty()) {
        return;
      }
      String fix = drift.get(0).get("fix").getAsString().split(" or ")[0].replaceAll("\\([^)]*\\)", "").trim();
      for (String command : fix.split("&&")) {
        List<String> words = new ArrayList<>(List.of(command.trim().split("\\s+")));
        if (!words.remove(0).equals("vm") || run(Map.of(), words) != 0) {
          brokenFixes++;
          problems.add(at + "the fix '" + fix + "' of '" + drift.get(0).get("message").getAsString() + "' failed");
          return;
        }
      }
    }
    brokenFixes++;
    problems.add(at + "status still reports disagreements after 30 fixes: " + status(at));
  }

  // ---- processes --------------------------------------------------------------------------------------------

  private void mustRun(String... args) throws Exception {
    assertThat(run(Map.of(), List.of(args))).as("vm " + String.join(" ", args)).isZero();
  }

  private int run(Map<String, String> env, List<String> args) throws Exception {
    return run(env, args, null);
  }

  private int run(Map<String, String> env, List<String> args, Path out) throws Exception {
    Map<String, String> all = new HashMap<>(backend.env(false, 0));
    all.putAll(env);
    Process p = start(all, args, out);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      problems.add("vm " + String.join(" ", args) + " did not end in 300 s; its threads: " + threadDump(p));
      p.destroyForcibly().waitFor();
      return -1;
    }
    return p.exitValue();
  }

  private Process start(Map<String, String> env, List<String> args) throws IOException {
    return start(env, args, null);
  }

  /** A {@code vm} process with no terminal and no input; its output goes to a file of its own. */
  private Process start(Map<String, String> env, List<String> args, Path out) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", System.getProperty("vm.jar"), "--dir", dir.toString()));
    cmd.addAll(args);
    Path log = out != null ? out : dir.resolve("logs").resolve(String.format("%05d-%s.log", ++commandNumber, args.get(0)
        .replace("-", "")));
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(out == null).redirectOutput(log.toFile());
    if (out != null) {
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    pb.environment().putAll(env);
    if (store != null) {
      pb.environment().put(Workspace.STORE_VARIABLE, store);
    }
    return pb.start();
  }

  private static Map<String, Vm> byId(List<Vm> vms) {
    Map<String, Vm> out = new LinkedHashMap<>();
    vms.forEach(v -> out.put(v.id(), v));
    return out;
  }

  private static String pick(Random r, String... options) {
    return options[r.nextInt(options.length)];
  }

  private static List<String> subset(Random r) {
    List<String> out = new ArrayList<>(NODES);
    java.util.Collections.shuffle(out, r);
    return new ArrayList<>(new TreeSet<>(out.subList(0, 2 + r.nextInt(3))));
  }
}
