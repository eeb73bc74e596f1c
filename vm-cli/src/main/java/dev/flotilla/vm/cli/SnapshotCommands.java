package dev.flotilla.vm.cli;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Snapshot chains: {@code vm snapshot, snapshots, revert, snapshot-rm}. */
final class SnapshotCommands {
  private SnapshotCommands() {}

  @Command(name = "snapshot", description = "Take a snapshot of NODE's VM called NAME; it becomes current.")
  static final class SnapshotTake extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "NAME")
    String snap;

    @Option(names = "--memory", description = "Include the VM's memory.")
    boolean memory;

    @Option(names = "--quiesce", description = "Quiesce the guest's file systems first.")
    boolean quiesce;

    @Override
    public Integer call() {
      return withClient(true, (o, ws, client) -> {
        Snapshot s = client.snapshots(node.record(ws)).take(snap, new SnapshotOptions(memory, quiesce));
        o.say("took snapshot " + s.name() + " (" + s.id() + (s.includesMemory() ? ", with memory" : "") + ") of " + node.name);
        o.json(Output.fields("snapshot", snapshotJson(s, true)));
      });
    }
  }

  @Command(name = "snapshots", description = "Draw NODE's snapshot tree; the current snapshot is marked *.")
  static final class SnapshotTree extends Subcommand {
    @Mixin
    NodeArgument node;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        SnapshotChain chain = client.snapshots(node.record(ws)).chain();
        String current = chain.current().map(Snapshot::id).orElse(null);
        if (chain.isEmpty()) {
          o.say("node " + node.name + " has no snapshots");
        }
        for (Snapshot root : chain.roots()) {
          draw(o, chain, root, "", "", current);
        }
        o.json(Output.fields("snapshots", chain.snapshots().stream().map(s -> snapshotJson(s, s.id().equals(current)))
            .toList()));
      });
    }
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
  static final class SnapshotRevert extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "SNAPSHOT")
    String snap;

    @Override
    public Integer call() {
      return withClient(true, (o, ws, client) -> {
        Instance vm = client.snapshots(node.record(ws)).revert(snap);
        o.say("reverted " + node.name + " to " + snap + "; it is " + vm.state().name().toLowerCase(Locale.ROOT));
        o.json(Output.fields("vm", Output.vmJson(vm)));
      });
    }
  }

  @Command(name = "snapshot-rm", description = "Delete NODE's snapshot SNAPSHOT (id or name); its children move to its parent.")
  static final class SnapshotRm extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "SNAPSHOT")
    String snap;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        client.snapshots(node.record(ws)).delete(snap);
        o.say("deleted snapshot " + snap + " of " + node.name);
        o.json(Output.fields("deleted", snap));
      });
    }
  }
}
