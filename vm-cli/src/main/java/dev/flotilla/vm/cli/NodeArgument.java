package dev.flotilla.vm.cli;

import dev.flotilla.vm.Node;
import picocli.CommandLine.Parameters;

/** The NODE that commands acting on one node take first, shared as a picocli mixin. */
final class NodeArgument {
  @Parameters(index = "0", paramLabel = "NODE", description = "The node, by name.")
  String name;

  /** The node's record; an error that says how to list the nodes when it has none. */
  Node record(Workspace ws) {
    return Subcommand.node(ws, name);
  }
}
