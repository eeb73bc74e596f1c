package dev.flotilla.vm.cli;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Drift;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Reconciliation;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.StatusReport;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.support.SshKeys;
import dev.flotilla.vm.store.NodeDefinitions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/** The {@code vm} command and its subcommands. */
@Command(name = "vm", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "vm (Flotilla) 0.1.0",
    description = "Create, start, stop, snapshot and destroy virtual machines, as leap vm and stratus-* do.%n"
        + "Works in the directory that holds cloud.json and nodes/ (--dir); without cloud.json, on an embedded"
        + " fake cloud.",
    subcommands = {picocli.CommandLine.HelpCommand.class, StoreCommand.class}, sortOptions = false)
final class Cli {
  @Option(names = "--auth", scope = ScopeType.INHERIT, paramLabel = "PROFILE",
      description = "The cloud.json profile to use, or an OpenStack RC file (demo-openrc.sh); otherwise the node's"
          + " vm.auth, or the only profile.")
  String auth;

  @Option(names = "--dir", scope = ScopeType.INHERIT, paramLabel = "DIR", defaultValue = ".",
      description = "The directory that holds cloud.json and nodes/ (default: the current one).")
  Path dir;

  @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "STORE",
      description = "Where node records are kept: a directory, or postgresql://USER@HOST:PORT/DB for records a team"
          + " shares (password from PGPASSWORD or ~/.pgpass). Default: $FLOTILLA_STORE, else cloud.json's \"store\","
          + " else DIR/nodes.")
  String store;

  @Option(names = "--mock", scope = ScopeType.INHERIT, description = "Use the embedded fake cloud even if there is a cloud.json.")
  boolean mock;

  @Option(names = "--force", scope = ScopeType.INHERIT, description = "Act on a VM even though it carries another node's"
      + " name (rm, stop, start, reboot, bind), or delete an image Flotilla did not save (image-rm); without it such a"
      + " VM or image is left alone with an error that names it.")
  boolean force;

  @Option(names = "-v", scope = ScopeType.INHERIT, description = "More detail: -v, -vv, -vvv (stack traces).")
  boolean[] verbose;

  @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "Print only the answers (ids, addresses).")
  boolean quiet;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON, for scripts.")
  boolean json;

  private Output out() {
    return new Output(System.out, quiet, json);
  }

  private Workspace workspace;

  private Workspace workspace(Output o) {
    if (workspace == null) {
      workspace = new Workspace(dir, auth, mock, force, store, o);
    }
    return workspace;
  }

  /** Closes what the command opened: the store's connections. */
  void close() {
    if (workspace != null) {
      workspace.close();
    }
  }

  // ---- nodes -------------------------------------------------------------------------------------------------

  @Command(name = "add", description = "Create the node record if missing (with LEAP seeds), create or find its VM, bind them.")
  int add(@Parameters(index = "0", paramLabel = "NAME") String name,
      @Parameters(index = "1..*", paramLabel = "SEED", description = "Such as services:webapp tags:seattle"
          + " vm.options.InstanceType:t2.small") List<String> seeds,
      @Option(names = "--wait", description = "Wait until it runs.") boolean wait,
      @Option(names = "--stopped", description = "Make the VM without starting it (CloudStack's startvm=false);"
          + " 'vm start' starts it later.") boolean stopped) {
    Output o = out();
    Workspace ws = workspace(o);
    Node record = ws.store().get(name).orElse(null);
    boolean added = record == null;
    try (VmClient client = ws.client(wait)) { // cloud.json and --auth are checked before anything is written
      String done = null; // said once the VM is there: a failed add keeps no record, and says only why
      if (added) {
        record = NodeDefinitions.seed(Node.builder(name).build(), seeds == null ? List.of() : seeds);
        ws.store().put(record);
        done = "added node " + name + " (" + ws.store().whereIs(name) + ")";
      } else if (seeds != null && !seeds.isEmpty()) {
        record = NodeDefinitions.seed(record, seeds);
        ws.store().put(record);
        done = "updated node " + name;
      }
      try {
        List<Instance> vms = stopped ? client.create(List.of(record)) : client.start(List.of(record));
        if (done != null) {
          o.say(done);
        }
        if (stopped) {
          report(o, List.of(record), vms, "made", "making");
        } else {
          report(o, List.of(record), vms, "started", "starting");
        }
      } catch (RuntimeException e) {
        if (added) {
          forgetIfNothingWasMade(ws, List.of(name));
        }
        throw e;
      }
    }
    return 0;
  }

  /**
   * Removes the records a failed command added, where nothing of them reached the cloud (no VM, no create
   * under way): a failed add or run leaves no node behind that status would then ask to start.
   */
  private static void forgetIfNothingWasMade(Workspace ws, List<String> names) {
    for (String n : names) {
      ws.store().update(n, old -> old != null && !old.isBound() && old.createIntent().isEmpty() ? null : old);
    }
  }

  @Command(name = "start", description = "Start the VMs of the nodes FILTER names (all when none); create those that have none.")
  int start(@Parameters(paramLabel = "FILTER", arity = "0..*") List<String> filter,
      @Option(names = "--wait", description = "Wait until they run, showing progress.") boolean wait) {
    return lifecycle(filter, wait, "start");
  }

  @Command(name = "stop", description = "Stop the VMs of the nodes FILTER names (all when none); disks are kept.")
  int stop(@Parameters(paramLabel = "FILTER", arity = "0..*") List<String> filter,
      @Option(names = "--wait", description = "Wait until they are stopped.") boolean wait,
      @Option(names = "--hard", description = "Power off at once instead of shutting down (as reboot --hard resets).")
      boolean hard) {
    return lifecycle(filter, wait, hard ? "force-stop" : "stop");
  }

  @Command(name = "reboot", description = "Reboot the VMs of the nodes FILTER names (all when none).")
  int reboot(@Parameters(paramLabel = "FILTER", arity = "0..*") List<String> filter,
      @Option(names = "--wait", description = "Wait until they run again.") boolean wait,
      @Option(names = "--hard", description = "Reset the VMs instead of asking their guests (OpenStack's"
          + " reboot --hard); waits for each.") boolean hard) {
    if (hard) {
      Output o = out();
      Workspace ws = workspace(o);
      try (VmClient client = ws.client(true)) {
        for (Node n : ws.select(filter)) {
          Instance vm = client.forceReboot(n);
          o.say("hard-rebooted " + n.name() + " (" + vm.id() + ")");
          o.json(Output.fields("vm", vmJson(vm)));
        }
      }
      return 0;
    }
    return lifecycle(filter, wait, "reboot");
  }

  @Command(name = "rm", description = "Destroy the VMs of the nodes FILTER names (all when none); the records stay."
      + " A FILTER that is the id of a VM no node is bound to (a duplicate, or one 'vm status' cannot attribute)"
      + " destroys that VM.")
  int rm(@Parameters(paramLabel = "FILTER", arity = "0..*") List<String> filter,
      @Option(names = "--wait", description = "Wait until they are gone.") boolean wait) {
    List<String> byNode = new ArrayList<>();
    List<String> vmIds = new ArrayList<>();
    Output o = out();
    Workspace ws = workspace(o);
    for (String word : filter == null ? List.<String>of() : filter) {
      (ws.matchesNode(word) ? byNode : vmIds).add(word);
    }
    if (!vmIds.isEmpty()) {
      try (VmClient client = ws.client(wait)) {
        for (String id : vmIds) {
          try {
            client.destroyVm(id);
          } catch (dev.flotilla.vm.CloudException e) {
            if (e.kind() != dev.flotilla.vm.CloudException.Kind.NOT_FOUND) {
              throw e;
            }
            throw new ConfigurationException(null, "FILTER", "no node, name pattern, tag, service or VM id matches '"
                + id + "'; 'vm status' lists the nodes and VMs");
          }
          o.say("removed VM " + id);
        }
      }
      o.json(Output.fields("removed_vms", vmIds));
      if (byNode.isEmpty()) {
        return 0;
      }
    }
    return lifecycle(byNode, wait, "rm");
  }

  @Command(name = "unbind", description = "Forget the VM that NODE's record names, without touching the VM: for a"
      + " record that names another node's VM. The next 'vm start NODE' makes or finds the node's own.")
  int unbind(@Parameters(paramLabel = "NODE", arity = "1..*") List<String> names) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      for (String name : names) {
        Node record = node(ws, name);
        client.unbind(record);
        o.say("node " + name + " is bound to no VM" + record.vmId().map(id -> " (it was " + id + ", which is left as it is)")
            .orElse(""));
      }
    }
    o.json(Output.fields("unbound", names));
    return 0;
  }

  private int lifecycle(List<String> filter, boolean wait, String verb) {
    Output o = out();
    Workspace ws = workspace(o);
    List<Node> nodes = ws.select(filter);
    if (nodes.isEmpty()) {
      o.say("no nodes; add one with 'vm add NAME'");
      return 0;
    }
    try (VmClient client = ws.client(wait)) {
      Map<String, Instance> vms = Workspace.byId(client.list());
      List<Node> act = new ArrayList<>();
      List<Node> already = new ArrayList<>();
      List<Map<String, String>> skipped = new ArrayList<>();
      for (Node n : nodes) {
        Instance vm = n.vmId().map(vms::get).filter(i -> i.state() != State.TERMINATED).orElse(null);
        String why = skipReason(verb, vm);
        if (why == null) {
          act.add(n);
        } else {
          o.say("skipping " + n.name() + (vm == null ? "" : " (" + vm.id() + ")") + ": " + why);
          skipped.add(Map.of("node", n.name(), "reason", why));
          if (ALREADY.contains(why)) {
            already.add(n);
          }
        }
      }
      // nothing to do on the cloud, but the user's word is recorded all the same: HA obeys it (first, and on
      // its own: a wait that spanned these too would wait on VMs that other callers may stop meanwhile)
      o.withoutProgress(() -> recordIntent(client, verb, already));
      if (act.isEmpty()) {
        o.json(Output.fields("vms", List.of(), "skipped", skipped));
        return 0;
      }
      switch (verb) {
        case "start" -> report(o, act, client.start(act), "started", "starting");
        case "stop" -> report(o, act, client.stop(act), "stopped", "stopping");
        case "force-stop" -> report(o, act, client.forceStop(act), "stopped", "stopping");
        case "reboot" -> report(o, act, client.reboot(act), "rebooted", "rebooting");
        default -> {
          client.destroy(act);
          act.forEach(n -> o.say("removed " + n.name() + " (" + n.vmId().orElse("") + ")"));
          o.json(Output.fields("removed", act.stream().map(Node::name).toList(), "skipped", skipped));
        }
      }
    }
    return 0;
  }

  /** The skip reasons that mean the node already is as the command wants it. */
  private static final java.util.Set<String> ALREADY = java.util.Set.of("already running", "already stopped",
      "already removed", "already being removed");

  /**
   * The command's call for nodes already as it wants them: a start clears a stop mark, a stop sets one, an
   * rm marks the record removed (and resumes an rm that was cut off), so HA never undoes what was asked.
   */
  private static void recordIntent(VmClient client, String verb, List<Node> nodes) {
    if (nodes.isEmpty()) {
      return;
    }
    switch (verb) {
      case "start" -> client.start(nodes);
      case "stop" -> client.stop(nodes);
      case "force-stop" -> client.forceStop(nodes);
      case "rm" -> client.destroy(nodes);
      default -> { }
    }
  }

  /** Why a node is left alone, as LEAP says it; null when it is to be acted on. */
  private static String skipReason(String verb, Instance vm) {
    State s = vm == null ? State.TERMINATED : vm.state();
    return switch (verb) {
      case "start" -> s == State.RUNNING ? "already running" : s == State.TERMINATING ? "being destroyed" : null;
      case "stop", "force-stop" -> vm == null ? "no VM" : s == State.STOPPED ? "already stopped"
          : s == State.TERMINATING ? "being destroyed" : null;
      case "reboot" -> vm == null ? "no VM" : s != State.RUNNING ? s.name().toLowerCase(Locale.ROOT) + ", not running" : null;
      default -> vm == null ? "already removed" : s == State.TERMINATING ? "already being removed" : null;
    };
  }

  private static void report(Output o, List<Node> nodes, List<Instance> vms, String done, String doing) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < vms.size(); i++) {
      Instance vm = vms.get(i);
      String node = vm.nodeName().orElse(nodes.get(i).name());
      boolean settled = vm.state().isSettled();
      o.say((settled ? done : doing) + " " + node + " (" + vm.id() + ", " + o.state(vm.state(), vm.providerState())
          + vm.publicAddress().map(a -> ", " + a).orElse("") + ")");
      if (o.quiet()) {
        o.answer(vm.id() + ", " + vm.publicAddress().orElse("-"));
      }
      rows.add(vmJson(vm));
    }
    o.json(Output.fields("vms", rows));
  }

  private static Map<String, Object> vmJson(Instance vm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", vm.id());
    m.put("node", vm.nodeName().orElse(null));
    m.put("state", vm.state().name());
    m.put("provider_state", vm.providerState());
    m.put("type", vm.type().orElse(null));
    m.put("ip", vm.publicAddress().orElse(null));
    m.put("private_ip", vm.privateAddress().orElse(null));
    m.put("zone", vm.zone().orElse(null));
    return m;
  }

  @Command(name = "status", aliases = "ls", description = "List the VMs (of the nodes FILTER names, or with those"
      + " ids; all when none), then every disagreement between records and cloud with the command that fixes it.")
  int status(@Parameters(arity = "0..*", paramLabel = "FILTER", description = "Node names, name patterns (web*), tags,"
      + " services or VM ids.") List<String> filter) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      StatusReport report = client.status();
      List<Instance> vms = report.vms();
      List<Drift> drift = report.drift();
      if (filter != null && !filter.isEmpty()) {
        // a word may also be the id of a VM no record names, as stratus-describe-instance takes ids
        java.util.Set<String> ids = new java.util.HashSet<>(filter);
        java.util.Set<String> listed = new java.util.HashSet<>();
        vms.forEach(vm -> listed.add(vm.id()));
        List<String> words = filter.stream().filter(w -> !listed.contains(w) || ws.matchesNode(w)).toList();
        java.util.Set<String> names = new java.util.HashSet<>();
        if (!words.isEmpty()) {
          ws.select(words).forEach(n -> names.add(n.name()));
        }
        vms = vms.stream().filter(vm -> ids.contains(vm.id()) || vm.nodeName().filter(names::contains).isPresent())
            .toList();
        drift = drift.stream().filter(d -> names.contains(d.node()) || ids.contains(d.vmId())).toList();
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(Output.row("ID", "NODE", "STATE", "TYPE", "IP", "ZONE"));
      for (Instance vm : vms) {
        rows.add(Output.row(vm.id(), vm.nodeName().orElse(null), o.state(vm.state(), vm.providerState()),
            vm.type().orElse(null), vm.publicAddress().orElse(null), vm.zone().orElse(null)));
        if (o.quiet()) {
          o.answer(vm.id() + ", " + vm.publicAddress().orElse("-"));
        }
      }
      if (vms.isEmpty()) {
        o.say("no VMs");
      } else if (!o.quiet()) {
        o.table(rows);
        o.say(count(vms));
      }
      for (Drift d : drift) {
        o.warn("warning: " + d.message());
        o.warn("  fix: " + d.command());
      }
      o.json(Output.fields("vms", vms.stream().map(Cli::vmJson).toList(), "drift", drift.stream()
          .map(Cli::driftJson).toList()));
    }
    return 0;
  }

  /** {@code 3 VMs: 2 running, 1 stopped}, states in lifecycle order. */
  private static String count(List<Instance> vms) {
    Map<State, Long> byState = new java.util.EnumMap<>(State.class);
    vms.forEach(vm -> byState.merge(vm.state(), 1L, Long::sum));
    return vms.size() + (vms.size() == 1 ? " VM: " : " VMs: ") + String.join(", ", byState.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase(Locale.ROOT)).toList());
  }

  private static Map<String, Object> driftJson(Drift d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", d.kind().name());
    m.put("node", d.node());
    m.put("vm_id", d.vmId());
    m.put("message", d.message());
    m.put("fix", d.command());
    return m;
  }

  @Command(name = "bind", description = "Bind node NODE to the existing VM VM_ID: tag the VM, record its id (making"
      + " NODE's record if it has none). A VM that carries another node's name needs --force, and then leaves it.")
  int bind(@Parameters(index = "0", paramLabel = "NODE") String name, @Parameters(index = "1", paramLabel = "VM_ID") String vmId) {
    Output o = out();
    Workspace ws = workspace(o);
    Node record = ws.store().get(name).orElseGet(() -> Node.builder(name).build());
    try (VmClient client = ws.client(false)) {
      Node bound = client.bind(record, vmId);
      o.say("bound node " + name + " to VM " + vmId + bound.publicAddress().map(a -> " (" + a + ")").orElse(""));
      o.json(Output.fields("node", name, "vm_id", vmId));
    }
    return 0;
  }

  @Command(name = "reconcile", description = "Apply the safe fixes 'vm status' suggests; VMs that cannot be"
      + " attributed are reported, never destroyed.")
  int reconcile() {
    Output o = out();
    try (VmClient client = workspace(o).client(false)) {
      Reconciliation r = client.reconcile();
      r.applied().forEach(a -> o.say("fixed: " + a));
      if (r.applied().isEmpty()) {
        o.say("nothing to fix");
      }
      for (Drift d : r.remaining()) {
        o.warn("warning: " + d.message());
        o.warn("  fix: " + d.command());
      }
      o.json(Output.fields("applied", r.applied(), "remaining", r.remaining().stream().map(Cli::driftJson).toList()));
    }
    return 0;
  }

  // ---- unnamed machines, types, images ------------------------------------------------------------------------

  @Command(name = "run", description = "Start unnamed machines from IMAGE, as stratus-run-instance does; they are"
      + " recorded as run1, run2, ...")
  int run(@Parameters(index = "0", paramLabel = "IMAGE") String image,
      @Option(names = {"-n", "--number"}, defaultValue = "1", description = "How many (default 1).") int count,
      @Option(names = {"-t", "--type"}, description = "The instance type (see 'vm types').") String type,
      @Option(names = "--cpu", description = "CPUs, overriding the type's.") Integer cpu,
      @Option(names = "--ram", description = "Memory in MB, overriding the type's.") Integer ram,
      @Option(names = "--swap", description = "Swap in MB, overriding the type's.") Integer swap,
      @Option(names = "--wait", description = "Wait until they run.") boolean wait) {
    if (count < 1) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "-n must be 1 or more, got " + count);
    }
    Output o = out();
    Workspace ws = workspace(o);
    Node proto = Node.builder("run").image(image).type(type).cpus(cpu).memoryMb(ram).swapMb(swap).build();
    try (VmClient client = ws.client(wait)) {
      List<Node> nodes = claimRunNames(ws, proto, count);
      try {
        report(o, nodes, client.start(nodes), "started", "starting");
      } catch (RuntimeException e) {
        forgetIfNothingWasMade(ws, nodes.stream().map(Node::name).toList());
        throw e;
      }
    }
    return 0;
  }

  /**
   * The next {@code count} free names run1, run2, ..., each claimed by writing its record only where none is:
   * one write per name under the store's record lock, so runs at once never share a node.
   */
  private static List<Node> claimRunNames(Workspace ws, Node proto, int count) {
    List<Node> out = new ArrayList<>();
    for (int i = 1; out.size() < count; i++) {
      Node fresh = proto.toBuilder().name("run" + i).build();
      boolean[] claimed = {false};
      ws.store().update(fresh.name(), old -> {
        claimed[0] = old == null;
        return old == null ? fresh : old;
      });
      if (claimed[0]) {
        out.add(fresh);
      }
    }
    return out;
  }

  @Command(name = "types", description = "List the instance types; the default is marked *.")
  int types() {
    Output o = out();
    try (VmClient client = workspace(o).client(false)) {
      List<InstanceType> types = client.types();
      List<List<String>> rows = new ArrayList<>();
      // StratusLab's columns; OpenStack's flavors add their disk, CloudStack's offerings their HA flag
      boolean disks = types.stream().anyMatch(t -> t.diskGb() > 0);
      boolean ha = types.stream().anyMatch(InstanceType::highAvailability);
      List<String> header = new ArrayList<>(Output.row("", "TYPE", "CPU", "RAM(MB)", "SWAP(MB)"));
      if (disks) {
        header.add("DISK(GB)");
      }
      if (ha) {
        header.add("HA");
      }
      rows.add(header);
      for (InstanceType t : types) {
        List<String> row = new ArrayList<>(Output.row(t.isDefault() ? "*" : " ", t.name(), "" + t.cpus(),
            "" + t.memoryMb(), "" + t.swapMb()));
        if (disks) {
          row.add("" + t.diskGb());
        }
        if (ha) {
          row.add(t.highAvailability() ? "yes" : "no");
        }
        rows.add(row);
      }
      o.table(rows);
      o.json(Output.fields("types", types));
    }
    return 0;
  }

  @Command(name = "images", description = "List the images nodes can boot.")
  int images() {
    Output o = out();
    try (VmClient client = workspace(o).client(false)) {
      List<Image> images = client.images().list();
      List<List<String>> rows = new ArrayList<>();
      rows.add(Output.row("ID", "NAME", "OWNER"));
      images.forEach(i -> rows.add(Output.row(i.id(), i.name(), i.owner())));
      o.table(rows);
      o.json(Output.fields("images", images));
    }
    return 0;
  }

  // ---- keys --------------------------------------------------------------------------------------------------

  @Command(name = "key-register", description = "Register an SSH public key for new VMs (default ~/.ssh/id_ed25519.pub"
      + " or ~/.ssh/id_rsa.pub).")
  int keyRegister(@Parameters(arity = "0..1", paramLabel = "FILE") Path file,
      @Option(names = "--name", description = "The name to register it under (default flotilla_USER).") String name) {
    Output o = out();
    Path key = file != null ? file : defaultKey().orElseThrow(() -> new ConfigurationException(null, "FILE",
        "no ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub; give the public key file, or make one with ssh-keygen"));
    String text = read(key);
    if (SshKeys.md5(text).isEmpty()) {
      throw new ConfigurationException(key, null, "is not an OpenSSH public key (a line such as 'ssh-ed25519 AAAA..."
          + " you@host'); give the .pub file, not the private key");
    }
    try (VmClient client = workspace(o).client(false)) {
      KeyPair k = client.keys().register(name != null ? name : "flotilla_" + System.getProperty("user.name"), text.trim());
      o.say("registered key " + k.name() + " (" + k.fingerprint() + ") from " + key);
      o.json(Output.fields("key", k));
      remember(key);
    }
    return 0;
  }

  /** Where registered keys came from, so key-list finds them wherever they lie: one path a line. */
  private Path registeredKeys() {
    return dir.toAbsolutePath().normalize().resolve(".flotilla/registered-keys");
  }

  private void remember(Path key) {
    try {
      Path list = registeredKeys();
      Files.createDirectories(list.getParent());
      String path = key.toAbsolutePath().normalize().toString();
      if (!Files.exists(list) || dev.flotilla.vm.support.Json.readFile(list, 1 << 20).lines().noneMatch(path::equals)) {
        Files.writeString(list, path + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      // key-list then matches it only if it lies where ssh looks
    }
  }

  @Command(name = "key-list", description = "List the registered SSH keys, their fingerprints, and which local key matches.")
  int keyList() {
    Output o = out();
    Map<String, Path> local = localKeys();
    try (VmClient client = workspace(o).client(false)) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (KeyPair k : client.keys().list()) {
        Path match = local.get(k.fingerprint());
        o.answer(k.name());
        o.say("  fingerprint: " + k.fingerprint());
        o.say(match == null ? "  matches no local key" : "  matches local key: " + match);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", k.name());
        m.put("fingerprint", k.fingerprint());
        m.put("local_key", match == null ? null : match.toString());
        rows.add(m);
      }
      o.json(Output.fields("keys", rows));
    }
    return 0;
  }

  private Optional<Path> defaultKey() {
    Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
    return Stream.of("id_ed25519.pub", "id_rsa.pub", "id_ecdsa.pub").map(ssh::resolve).filter(Files::exists).findFirst();
  }

  /**
   * Local public keys by every fingerprint a cloud may show (SSH's MD5, EC2's MD5 of RSA keys, SHA-256): the
   * files key-register registered, where ssh looks (~/.ssh/*.pub and the IdentityFile lines of
   * ~/.ssh/config, with .pub), and DIR/keys/*.pub.
   */
  private Map<String, Path> localKeys() {
    Path home = Path.of(System.getProperty("user.home"));
    java.util.Set<Path> candidates = new java.util.LinkedHashSet<>();
    try {
      if (Files.exists(registeredKeys())) {
        dev.flotilla.vm.support.Json.readFile(registeredKeys(), 1 << 20).lines().filter(l -> !l.isBlank())
            .map(Path::of).forEach(candidates::add);
      }
    } catch (IOException e) {
      // the list is a convenience: the folders below are still searched
    }
    try {
      Path config = home.resolve(".ssh/config");
      if (Files.isRegularFile(config)) {
        for (String line : dev.flotilla.vm.support.Json.readFile(config, 256 * 1024).lines().toList()) {
          String[] words = line.strip().split("\\s+", 2);
          if (words.length == 2 && words[0].equalsIgnoreCase("IdentityFile")) {
            String f = words[1].replace("\"", "").replaceFirst("^~", home.toString());
            candidates.add(Path.of(f.endsWith(".pub") ? f : f + ".pub"));
          }
        }
      }
    } catch (IOException | ConfigurationException e) {
      // an unreadable ssh config names no keys
    }
    for (Path folder : List.of(home.resolve(".ssh"), dir.toAbsolutePath().normalize().resolve("keys"))) {
      if (Files.isDirectory(folder)) {
        try (Stream<Path> files = Files.list(folder)) {
          files.filter(p -> p.toString().endsWith(".pub")).sorted().forEach(candidates::add);
        } catch (IOException e) {
          // an unreadable folder holds no keys we can match
        }
      }
    }
    Map<String, Path> out = new LinkedHashMap<>();
    for (Path p : candidates) {
      try {
        String text = dev.flotilla.vm.support.Json.readFile(p, 64 * 1024);
        SshKeys.fingerprints(text).forEach(f -> out.putIfAbsent(f, p));
      } catch (IOException | ConfigurationException e) {
        // a missing, unreadable or oversized key file matches nothing
      }
    }
    return out;
  }

  private static String read(Path file) {
    try {
      return dev.flotilla.vm.support.Json.readFile(file, 64 * 1024);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ConfigurationException(file, null, "there is no such file; give the .pub file of your key");
    }
  }

  // ---- snapshots ---------------------------------------------------------------------------------------------

  private Node node(Workspace ws, String name) {
    return ws.store().get(name).orElseThrow(() -> new ConfigurationException(null, null,
        "there is no node " + name + "; 'vm status' lists the nodes"));
  }

  @Command(name = "resize", description = "Give NODE's VM the instance type TYPE (a service offering, flavor or"
      + " EC2 type); stop it first, unless the cloud resizes running VMs. The record keeps the new type.")
  int resize(@Parameters(index = "0", paramLabel = "NODE") String name,
      @Parameters(index = "1", paramLabel = "TYPE") String type) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(true)) {
      Instance vm = client.resize(node(ws, name), type);
      o.say("resized " + name + " (" + vm.id() + ", " + o.state(vm.state(), vm.providerState()) + ") to " + type);
      o.json(Output.fields("vm", vmJson(vm)));
    }
    return 0;
  }

  @Command(name = "watch", description = "Keep the nodes marked \"ha\" running (vm add NAME vm.ha:true): restart a VM"
      + " found stopped or gone that no vm command stopped, within a budget of restarts, printing what it does;"
      + " until Ctrl-C.")
  int watch(@Option(names = "--once", description = "Look once, act, and exit (for cron).") boolean once,
      @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "30",
          description = "How long between looks (default 30).") int interval) throws InterruptedException {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(true)) {
      dev.flotilla.vm.HaSupervisor supervisor = dev.flotilla.vm.HaSupervisor.of(client);
      List<String> watched = supervisor.watched();
      o.say("watching " + watched.size() + " HA node(s)" + (watched.isEmpty() ? " (mark one: vm add NAME vm.ha:true)"
          : ": " + String.join(", ", watched)) + (once ? "" : "; a look every " + interval + " s, Ctrl-C ends"));
      do {
        List<dev.flotilla.vm.VmListener.HaEvent> events;
        try {
          events = supervisor.check();
        } catch (dev.flotilla.vm.VmException e) {
          if (once) {
            throw e;
          }
          // a look that failed concluded nothing; the next look tries again
          o.warn("warning: " + Main.oneLine(e.getMessage()) + "; looking again in " + interval + " s");
          events = List.of();
        }
        for (dev.flotilla.vm.VmListener.HaEvent e : events) {
          o.say(e.toString());
          o.json(Output.fields("node", e.node(), "vm", e.vmId(), "event", e.kind().name(), "message", e.message()));
        }
        if (!once) {
          Thread.sleep(java.time.Duration.ofSeconds(Math.max(1, interval)).toMillis());
        }
      } while (!once);
    }
    return 0;
  }

  @Command(name = "ssh", description = "Run ssh to NODE's address, as stratus-connect-instance does: the node's login"
      + " user, and the private key of its key pair from ~/.ssh (NAME or NAME.pem) when there is one.")
  int ssh(@Parameters(index = "0", paramLabel = "NODE") String name,
      @Parameters(index = "1..*", paramLabel = "COMMAND", description = "What to run there (after --); a shell"
          + " when none.") List<String> command,
      @Option(names = "--print", description = "Print the ssh command instead of running it.") boolean print)
      throws java.io.IOException, InterruptedException {
    Output o = out();
    Workspace ws = workspace(o);
    Node node = node(ws, name);
    String address = node.publicAddress().or(node::privateAddress).orElseThrow(() -> new ConfigurationException(null,
        null, "node " + name + " has no address yet: start it (vm start " + name + "), or see 'vm status'"));
    // a bounded connect, and the destination after "--": nothing from a record or a cloud is read as an option
    List<String> cmd = new ArrayList<>(List.of("ssh", "-o", "ConnectTimeout=" + SSH_CONNECT_SECONDS));
    node.keyPair().flatMap(Cli::privateKeyOf).ifPresent(k -> cmd.addAll(List.of("-i", k.toString())));
    loginUser(ws, node).ifPresent(u -> cmd.addAll(List.of("-l", u)));
    cmd.add("--");
    cmd.add(address);
    if (command != null) {
      cmd.addAll(command);
    }
    if (print) {
      o.answer(String.join(" ", cmd.stream().map(Cli::shellQuoted).toList()));
      return 0;
    }
    if (ws.embedded()) {
      System.err.println("warning: node " + name + "'s VM is on the embedded fake cloud, whose VMs have no network:"
          + " ssh will not connect (it gives up after " + SSH_CONNECT_SECONDS + " s)");
    }
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    return p.waitFor();
  }

  /** The record's login user, else the one of its image's distribution (the record's image, else its VM's). */
  private static Optional<String> loginUser(Workspace ws, Node node) {
    if (node.loginUser().isPresent()) {
      return node.loginUser();
    }
    Optional<String> image = node.image();
    if (image.isEmpty()) {
      try (VmClient client = ws.client(false)) {
        image = client.status(node).flatMap(Instance::image);
      }
    }
    return image.flatMap(Cli::imageUser);
  }

  /** The login user cloud images of a distribution have, from the image's name or id; none when unknown. */
  private static Optional<String> imageUser(String image) {
    String i = image.toLowerCase(Locale.ROOT);
    return Stream.of("debian", "ubuntu", "alpine", "fedora", "centos", "rocky", "almalinux").filter(i::startsWith)
        .findFirst().or(() -> i.startsWith("amzn") || i.startsWith("al2023") ? Optional.of("ec2-user")
            : Optional.empty());
  }

  /** How long ssh may take to connect before it gives up. */
  static final int SSH_CONNECT_SECONDS = 15;

  /**
   * The private key of key pair {@code name} in ~/.ssh, as EC2 and CloudStack users keep them; none for a
   * name that is not a plain file name there.
   */
  private static Optional<Path> privateKeyOf(String name) {
    if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.@+=,-]*")) {
      return Optional.empty();
    }
    Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
    return java.util.stream.Stream.of(ssh.resolve(name), ssh.resolve(name + ".pem")).filter(Files::isRegularFile)
        .findFirst();
  }

  private static String shellQuoted(String word) {
    return word.matches("[A-Za-z0-9@%+=:,./_-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  @Command(name = "console", description = "Print what NODE's VM printed on its console (boot, cloud-init).")
  int console(@Parameters(index = "0", paramLabel = "NODE") String name) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      String text = client.console(node(ws, name)).output();
      o.answer(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
      o.json(Output.fields("node", name, "output", text));
    }
    return 0;
  }

  @Command(name = "image-save", description = "Save NODE's VM as image NAME that new nodes can boot (OpenStack's"
      + " server image create); prints the new image's id.")
  int imageSave(@Parameters(index = "0", paramLabel = "NODE") String name,
      @Parameters(index = "1", paramLabel = "NAME") String imageName) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(true)) {
      dev.flotilla.vm.Image image = client.images(node(ws, name)).save(imageName);
      if (o.quiet()) {
        o.answer(image.id());
      }
      o.say("saved " + name + " as image " + image.name() + "; boot it with vm.image " + image.id());
      o.json(Output.fields("id", image.id(), "name", image.name()));
    }
    return 0;
  }

  @Command(name = "image-rm", description = "Delete image IMAGE_ID, one 'vm image-save' made (its flotilla:saved-from"
      + " tag says so); an image Flotilla did not save needs --force.")
  int imageRm(@Parameters(index = "0", paramLabel = "IMAGE_ID") String imageId) {
    Output o = out();
    try (VmClient client = workspace(o).client(false)) {
      client.images().delete(imageId, force);
      o.say("deleted image " + imageId);
      o.json(Output.fields("deleted", imageId));
    }
    return 0;
  }

  @Command(name = "ip-add", description = "Give NODE a floating IP: ADDRESS if given, else a new one from the pool;"
      + " prints the address.")
  int ipAdd(@Parameters(index = "0", paramLabel = "NODE") String name,
      @Parameters(index = "1", paramLabel = "ADDRESS", arity = "0..1") String address,
      @Option(names = "--pool", paramLabel = "POOL", description = "The pool (external network) to allocate from.")
      String pool) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      Node n = node(ws, name);
      // a node without a VM is refused before anything is allocated: an address left allocated is billed
      if (client.status(n).isEmpty()) {
        throw new dev.flotilla.vm.VmException("Cannot give a floating address to node " + name + ": it has no VM;"
            + " nothing was allocated. Start it first: vm start " + name);
      }
      String ip = address != null ? address : client.addresses(n).allocate(pool).address();
      Instance vm;
      try {
        vm = client.addresses(n).associate(ip);
      } catch (RuntimeException e) {
        throw address == null ? released(client, n, ip, e) : e;
      }
      if (o.quiet()) {
        o.answer(ip);
      }
      o.say(name + " (" + vm.id() + ") answers at " + ip);
      o.json(Output.fields("node", name, "address", ip));
    }
    return 0;
  }

  /** Gives back an address this command allocated and could not use; the error says whether it could. */
  private static RuntimeException released(VmClient client, Node n, String ip, RuntimeException failed) {
    try {
      client.addresses(n).release(ip);
      return new dev.flotilla.vm.VmException(failed.getMessage() + "; the address " + ip + " it allocated was"
          + " released", failed);
    } catch (RuntimeException alsoFailed) {
      failed.addSuppressed(alsoFailed);
      return new dev.flotilla.vm.VmException(failed.getMessage() + "; the address " + ip + " it allocated could not be"
          + " released either: release it with 'vm ip-rm " + n.name() + " " + ip + "'", failed);
    }
  }

  @Command(name = "ip-rm", description = "Take floating IP ADDRESS off NODE and release it (--keep: keep it allocated).")
  int ipRm(@Parameters(index = "0", paramLabel = "NODE") String name,
      @Parameters(index = "1", paramLabel = "ADDRESS") String address,
      @Option(names = "--keep", description = "Keep the address allocated for later.") boolean keep) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      Node n = node(ws, name);
      boolean attached = client.addresses(n).list().stream()
          .anyMatch(f -> f.address().equals(address) && f.vm().isPresent() && f.vm().equals(n.vmId()));
      if (attached) {
        client.addresses(n).disassociate(address);
      }
      if (!keep) {
        client.addresses(n).release(address);
      }
      o.say((keep ? "took " : "released ") + address + (keep ? " off " : " from ") + name);
      o.json(Output.fields("node", name, "address", address, "released", !keep));
    }
    return 0;
  }

  @Command(name = "ips", description = "List the floating IPs and the VMs they point at.")
  int ips() {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      List<dev.flotilla.vm.FloatingAddress> all = client.addresses().list();
      for (dev.flotilla.vm.FloatingAddress f : all) {
        o.answer(f.address() + "  " + (f.pool() == null ? "-" : f.pool()) + "  " + f.vm().orElse("free"));
      }
      o.json(Output.fields("addresses", all.stream().map(f -> Output.fields("address", f.address(), "pool", f.pool(),
          "vm", f.vm().orElse(null))).toList()));
    }
    return 0;
  }

  @Command(name = "snapshot", description = "Take a snapshot of NODE's VM called NAME; it becomes current.")
  int snapshot(@Parameters(index = "0", paramLabel = "NODE") String name, @Parameters(index = "1", paramLabel = "NAME") String snap,
      @Option(names = "--memory", description = "Include the VM's memory.") boolean memory,
      @Option(names = "--quiesce", description = "Quiesce the guest's file systems first.") boolean quiesce) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(true)) {
      Snapshot s = client.snapshots(node(ws, name)).take(snap, new SnapshotOptions(memory, quiesce));
      o.say("took snapshot " + s.name() + " (" + s.id() + (s.includesMemory() ? ", with memory" : "") + ") of " + name);
      o.json(Output.fields("snapshot", snapshotJson(s, true)));
    }
    return 0;
  }

  @Command(name = "snapshots", description = "Draw NODE's snapshot tree; the current snapshot is marked *.")
  int snapshots(@Parameters(index = "0", paramLabel = "NODE") String name) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      SnapshotChain chain = client.snapshots(node(ws, name)).chain();
      String current = chain.current().map(Snapshot::id).orElse(null);
      if (chain.isEmpty()) {
        o.say("node " + name + " has no snapshots");
      }
      for (Snapshot root : chain.roots()) {
        draw(o, chain, root, "", "", current);
      }
      o.json(Output.fields("snapshots", chain.snapshots().stream().map(s -> snapshotJson(s, s.id().equals(current)))
          .toList()));
    }
    return 0;
  }

  private static void draw(Output o, SnapshotChain chain, Snapshot s, String lead, String childLead, String current) {
    o.answer(lead + s.id() + " " + s.name() + (s.includesMemory() ? " (memory)" : "")
        + (s.status() == Snapshot.Status.READY ? "" : " [" + s.status() + "]") + (s.id().equals(current) ? " *" : ""));
    List<Snapshot> children = chain.children(s.id());
    for (int i = 0; i < children.size(); i++) {
      boolean last = i == children.size() - 1;
      draw(o, chain, children.get(i), childLead + (last ? "└── " : "├── "), childLead + (last ? "    " : "│   "), current);
    }
  }

  private static Map<String, Object> snapshotJson(Snapshot s, boolean current) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("name", s.name());
    m.put("parent", s.parentId().orElse(null));
    m.put("memory", s.includesMemory());
    m.put("status", s.status().name());
    m.put("current", current);
    return m;
  }

  @Command(name = "revert", description = "Revert NODE's VM to SNAPSHOT (id or name); it becomes current.")
  int revert(@Parameters(index = "0", paramLabel = "NODE") String name, @Parameters(index = "1", paramLabel = "SNAPSHOT") String snap) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(true)) {
      Instance vm = client.snapshots(node(ws, name)).revert(snap);
      o.say("reverted " + name + " to " + snap + "; it is " + vm.state().name().toLowerCase(Locale.ROOT));
      o.json(Output.fields("vm", vmJson(vm)));
    }
    return 0;
  }

  @Command(name = "snapshot-rm", description = "Delete NODE's snapshot SNAPSHOT (id or name); its children move to its parent.")
  int snapshotRm(@Parameters(index = "0", paramLabel = "NODE") String name, @Parameters(index = "1", paramLabel = "SNAPSHOT") String snap) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(false)) {
      client.snapshots(node(ws, name)).delete(snap);
      o.say("deleted snapshot " + snap + " of " + name);
      o.json(Output.fields("deleted", snap));
    }
    return 0;
  }

}
