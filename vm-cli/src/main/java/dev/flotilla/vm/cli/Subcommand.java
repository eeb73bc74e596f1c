package dev.flotilla.vm.cli;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every {@code vm} subcommand shares: the root command's options (inherited by every subcommand), its
 * output and its workspace. A subcommand's {@link #call()} gives its exit status.
 */
abstract class Subcommand implements Callable<Integer> {
  @ParentCommand
  Cli cli;

  @Spec
  CommandSpec spec;

  Output out() {
    return cli.out();
  }

  Workspace workspace(Output o) {
    return cli.workspace(o);
  }

  /** Node {@code name}'s record; an error that says how to list the nodes when it has none. */
  static Node node(Workspace ws, String name) {
    return ws.store().get(name).orElseThrow(() -> new ConfigurationException(null, null,
        "there is no node " + name + "; 'vm status' lists the nodes"));
  }
}
