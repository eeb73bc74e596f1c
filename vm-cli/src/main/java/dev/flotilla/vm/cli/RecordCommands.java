package dev.flotilla.vm.cli;

import dev.flotilla.vm.Drift;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lease;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Reconciliation;
import dev.flotilla.vm.StatusReport;
import dev.flotilla.vm.VmClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Records beside the cloud: {@code vm status, bind, unbind, reconcile, watch}. */
final class RecordCommands {
  private RecordCommands() {}

  @Command(name = "status", aliases = "ls", description = "List the VMs (of the nodes FILTER names, or with those"
      + " ids; all when none), then every disagreement between records and cloud with the command that fixes it.")
  static final class Status extends Subcommand {
    @Parameters(arity = "0..*", paramLabel = "FILTER", description = "Node names, name patterns (web*), tags,"
        + " services or VM ids.")
    List<String> filter;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
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
        boolean leased = vms.stream().anyMatch(vm -> Lease.fromTags(vm.tags()).isPresent());
        // where VMs are on several profiles, or a placement order chose where, each row says which
        boolean profiles = vms.stream().map(vm -> vm.tags().get(Instance.PROFILE_TAG)).distinct().count() > 1
            || ws.store().list().stream().anyMatch(n -> n.placeOfVm().isPresent());
        rows.add(Output.row("ID", "NODE", "STATE", "TYPE", "IP", "ZONE"));
        if (profiles) {
          rows.get(0).add("PROFILE");
        }
        if (leased) {
          rows.get(0).add("LEASE");
        }
        java.time.Instant now = java.time.Instant.now();
        for (Instance vm : vms) {
          List<String> row = Output.row(vm.id(), vm.nodeName().orElse(null), o.state(vm.state(), vm.providerState()),
              vm.type().orElse(null), vm.publicAddress().or(vm::privateAddress).orElse(null), // isolated: private
              vm.zone().orElse(null));
          if (profiles) {
            row.add(vm.tags().getOrDefault(Instance.PROFILE_TAG, "-"));
          }
          if (leased) {
            row.add(Lease.fromTags(vm.tags()).map(l -> leaseWords(l, now)).orElse("-"));
          }
          rows.add(row);
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
        o.json(Output.fields("vms", vms.stream().map(Output::vmJson).toList(), "drift", drift.stream()
            .map(RecordCommands::driftJson).toList()));
      });
    }
  }

  /** When a lease ends, for people: {@code destroy in 1h59m}, {@code stop, ended 5m ago}. */
  static String leaseWords(Lease l, java.time.Instant now) {
    java.time.Duration d = java.time.Duration.between(now, l.expiresAt());
    java.time.Duration abs = d.abs();
    String span = abs.toHours() > 0 ? abs.toHours() + "h" + abs.toMinutesPart() + "m"
        : abs.toMinutes() > 0 ? abs.toMinutes() + "m" : abs.toSeconds() + "s";
    return l.onExpiry().word() + (d.isNegative() ? ", ended " + span + " ago" : " in " + span);
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
  static final class Bind extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "VM_ID")
    String vmId;

    @Override
    public Integer call() {
      Output o = out();
      Workspace ws = workspace(o);
      Node record = ws.store().get(node.name).orElseGet(() -> Node.builder(node.name).build());
      try (VmClient client = ws.client(false)) {
        Node bound = client.bind(record, vmId);
        o.say("bound node " + node.name + " to VM " + vmId + bound.publicAddress().map(a -> " (" + a + ")").orElse(""));
        o.json(Output.fields("node", node.name, "vm_id", vmId));
      }
      return 0;
    }
  }

  @Command(name = "unbind", description = "Forget the VM that NODE's record names, without touching the VM: for a"
      + " record that names another node's VM. The next 'vm start NODE' makes or finds the node's own.")
  static final class Unbind extends Subcommand {
    @Parameters(paramLabel = "NODE", arity = "1..*")
    List<String> names;

    @Override
    public Integer call() {
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
  }

  @Command(name = "reconcile", description = "Apply the safe fixes 'vm status' suggests; VMs that cannot be"
      + " attributed are reported, never destroyed.")
  static final class Reconcile extends Subcommand {
    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        Reconciliation r = client.reconcile();
        r.applied().forEach(a -> o.say("fixed: " + a));
        if (r.applied().isEmpty()) {
          o.say("nothing to fix");
        }
        for (Drift d : r.remaining()) {
          o.warn("warning: " + d.message());
          o.warn("  fix: " + d.command());
        }
        o.json(Output.fields("applied", r.applied(), "remaining", r.remaining().stream().map(RecordCommands::driftJson).toList()));
      });
    }
  }

  @Command(name = "watch", description = "Keep the nodes marked \"ha\" running (vm add NAME vm.ha:true): restart a VM"
      + " found stopped or gone that no vm command stopped, within a budget of restarts, and reap the VMs whose lease"
      + " has ended (as vm reap), printing what it does; until Ctrl-C.")
  static final class Watch extends Subcommand {
    @Option(names = "--once", description = "Look once, act, and exit (for cron).")
    boolean once;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "30",
        description = "How long between looks (default 30).")
    int interval;

    @Override
    public Integer call() throws InterruptedException {
      Output o = out();
      try (VmClient client = workspace(o).client(true)) {
        dev.flotilla.vm.HaSupervisor supervisor = dev.flotilla.vm.HaSupervisor.of(client);
        List<String> watched = supervisor.watched();
        o.say("watching " + watched.size() + " HA node(s)" + (watched.isEmpty() ? " (mark one: vm add NAME vm.ha:true)"
            : ": " + String.join(", ", watched)) + (once ? "" : "; a look every " + interval + " s, Ctrl-C ends"));
        do {
          List<dev.flotilla.vm.VmListener.HaEvent> events;
          try {
            dev.flotilla.vm.Reaper.of(client).reap(); // leases that ended are ended as it watches, each told
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
  }
}
