package dev.flotilla.vm.cli;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm run}: unnamed machines, as StratusLab's {@code stratus-run-instance} starts them. */
@Command(name = "run", description = "Start unnamed machines from IMAGE, as stratus-run-instance does; they are"
    + " recorded as run1, run2, ...")
final class RunCommand extends Subcommand {
  @Parameters(index = "0", paramLabel = "IMAGE")
  String image;

  @Option(names = {"-n", "--number"}, defaultValue = "1", description = "How many (default 1).")
  int count;

  @Option(names = {"-t", "--type"}, description = "The instance type (see 'vm types').")
  String type;

  @Option(names = "--cpu", description = "CPUs, overriding the type's.")
  Integer cpu;

  @Option(names = "--ram", description = "Memory in MB, overriding the type's.")
  Integer ram;

  @Option(names = "--swap", description = "Swap in MB, overriding the type's.")
  Integer swap;

  @Option(names = "--wait", description = "Wait until they run.")
  boolean wait;

  @Override
  public Integer call() {
    if (count < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-n must be 1 or more, got " + count);
    }
    Output o = out();
    Workspace ws = workspace(o);
    Node proto = Node.builder("run").image(image).type(type).cpus(cpu).memoryMb(ram).swapMb(swap).build();
    try (VmClient client = ws.client(wait)) {
      List<Node> nodes = claimRunNames(ws, proto, count);
      try {
        NodeCommands.report(o, nodes, () -> client.start(nodes), "started", "starting");
      } catch (RuntimeException e) {
        nodes.forEach(n -> NodeCommands.undoIfNothingWasMade(ws, n.name(), null));
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
}
