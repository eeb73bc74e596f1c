package dev.flotilla.vm.cli;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lease;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.store.NodeDefinitions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The lifecycle of nodes' VMs: {@code vm add, start, stop, reboot, rm} (and {@link RunCommand}). */
final class NodeCommands {
  private NodeCommands() {}

  @Command(name = "add", description = "Create the node record if missing (with LEAP seeds), create or find its VM, bind them.")
  static final class Add extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1..*", paramLabel = "SEED", description = "Such as services:webapp tags:seattle"
        + " vm.options.InstanceType:t2.small")
    List<String> seeds;

    @Option(names = "--wait", description = "Wait until it runs.")
    boolean wait;

    @Option(names = "--stopped", description = "Make the VM without starting it (CloudStack's startvm=false);"
        + " 'vm start' starts it later.")
    boolean stopped;

    @Option(names = "--lease", paramLabel = "DURATION", description = "How long its VM may live (90s, 15m, 2h, 7d):"
        + " 'vm reap' destroys it then (or stops it, with --on-expiry stop); the node's vm.lease.")
    String lease;

    @Option(names = "--on-expiry", paramLabel = "ACTION", description = "destroy (the default) or stop.")
    String onExpiry;

    @Override
    public Integer call() {
      Output o = out();
      Workspace ws = workspace(o);
      if (lease != null || onExpiry != null) {
        seeds = new ArrayList<>(seeds == null ? List.of() : seeds);
        if (lease != null) {
          seeds.add("vm.lease:" + Lease.words(Lease.duration(lease, "--lease")));
        }
        if (onExpiry != null) {
          seeds.add("vm.on_expiry:" + Lease.Expiry.of(onExpiry, "--on-expiry").word());
        }
      }
      Node before = ws.store().get(name).orElse(null);
      Node record = before;
      boolean added = record == null;
      try (VmClient client = ws.client(wait)) { // cloud.json and --auth are checked before anything is written
        String done = null; // said once the VM is there: a failed add leaves the record as it was, and says why
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
          List<Node> one = List.of(record);
          List<Instance> vms = stopped ? client.create(one) : client.start(one);
          if (done != null) {
            o.say(done);
          }
          report(o, one, vms, stopped ? "made" : "started", stopped ? "making" : "starting");
        } catch (RuntimeException e) {
          undoIfNothingWasMade(ws, name, before);
          throw e;
        }
      }
      return 0;
    }
  }

  /**
   * Puts back the record of node {@code name} as it was {@code before} a failed command (removes it, when
   * the command added it), where nothing of it reached the cloud (no VM, no create under way): a failed add
   * or run leaves no node behind that status would then ask to start, and no seed that the cloud refused.
   */
  static void undoIfNothingWasMade(Workspace ws, String name, Node before) {
    ws.store().update(name, old -> old != null && !old.isBound() && old.createIntent().isEmpty()
        && (before == null || !before.isBound()) ? before : old);
  }

  @Command(name = "start", description = "Start the VMs of the nodes FILTER names (all when none); create those that have none.")
  static final class Start extends Subcommand {
    @Parameters(paramLabel = "FILTER", arity = "0..*")
    List<String> filter;

    @Option(names = "--wait", description = "Wait until they run, showing progress.")
    boolean wait;

    @Override
    public Integer call() {
      return lifecycle(this, filter, wait, "start");
    }
  }

  @Command(name = "stop", description = "Stop the VMs of the nodes FILTER names (all when none); disks are kept.")
  static final class Stop extends Subcommand {
    @Parameters(paramLabel = "FILTER", arity = "0..*")
    List<String> filter;

    @Option(names = "--wait", description = "Wait until they are stopped.")
    boolean wait;

    @Option(names = "--hard", description = "Power off at once instead of shutting down (as reboot --hard resets).")
    boolean hard;

    @Override
    public Integer call() {
      return lifecycle(this, filter, wait, hard ? "force-stop" : "stop");
    }
  }

  @Command(name = "reboot", description = "Reboot the VMs of the nodes FILTER names (all when none).")
  static final class Reboot extends Subcommand {
    @Parameters(paramLabel = "FILTER", arity = "0..*")
    List<String> filter;

    @Option(names = "--wait", description = "Wait until they run again.")
    boolean wait;

    @Option(names = "--hard", description = "Reset the VMs instead of asking their guests (OpenStack's"
        + " reboot --hard); waits for each.")
    boolean hard;

    @Override
    public Integer call() {
      if (hard) {
        Output o = out();
        Workspace ws = workspace(o);
        try (VmClient client = ws.client(true)) {
          for (Node n : ws.select(filter)) {
            Instance vm = client.forceReboot(n);
            o.say("hard-rebooted " + n.name() + " (" + vm.id() + ")");
            o.json(Output.fields("vm", Output.vmJson(vm)));
          }
        }
        return 0;
      }
      return lifecycle(this, filter, wait, "reboot");
    }
  }

  @Command(name = "rm", description = "Destroy the VMs of the nodes FILTER names (all when none); the records stay."
      + " A FILTER that is the id of a VM no node is bound to (a duplicate, or one 'vm status' cannot attribute)"
      + " destroys that VM.")
  static final class Rm extends Subcommand {
    @Parameters(paramLabel = "FILTER", arity = "0..*")
    List<String> filter;

    @Option(names = "--wait", description = "Wait until they are gone.")
    boolean wait;

    @Override
    public Integer call() {
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
      return lifecycle(this, byNode, wait, "rm");
    }
  }

  private static int lifecycle(Subcommand command, List<String> filter, boolean wait, String verb) {
    Output o = command.out();
    Workspace ws = command.workspace(o);
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
        // a VM that carries another node's name is never "already" this node's: the call refuses it by name
        boolean theirs = vm != null && vm.nodeName().filter(owner -> !owner.equals(n.name())).isPresent();
        String why = theirs ? null : skipReason(verb, vm);
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
        case "start" -> report(o, act, () -> client.start(act), "started", "starting");
        case "stop" -> report(o, act, () -> client.stop(act), "stopped", "stopping");
        case "force-stop" -> report(o, act, () -> client.forceStop(act), "stopped", "stopping");
        case "reboot" -> report(o, act, () -> client.reboot(act), "rebooted", "rebooting");
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

  /**
   * Reports what {@code call} did; a call that failed for some nodes first reports the nodes it did not
   * fail for (the VMs it made, the VMs that got where they should), then its error is told.
   */
  static void report(Output o, List<Node> nodes, java.util.function.Supplier<List<Instance>> call, String done,
      String doing) {
    List<Instance> vms;
    try {
      vms = call.get();
    } catch (dev.flotilla.vm.IncompleteBatchException e) {
      report(o, null, e.made(), done, doing);
      throw e;
    } catch (dev.flotilla.vm.InstanceFailedException e) {
      report(o, null, e.settled(), done, doing);
      throw e;
    }
    report(o, nodes, vms, done, doing);
  }

  static void report(Output o, List<Node> nodes, List<Instance> vms, String done, String doing) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < vms.size(); i++) {
      Instance vm = vms.get(i);
      String node = vm.nodeName().orElse(nodes == null ? vm.id() : nodes.get(i).name());
      boolean settled = vm.state().isSettled();
      o.say((settled ? done : doing) + " " + node + " (" + vm.id() + ", " + o.state(vm.state(), vm.providerState())
          + vm.publicAddress().map(a -> ", " + a).orElse("") + ")");
      if (o.quiet()) {
        o.answer(vm.id() + ", " + vm.publicAddress().orElse("-"));
      }
      rows.add(Output.vmJson(vm));
    }
    o.json(Output.fields("vms", rows));
  }

}
