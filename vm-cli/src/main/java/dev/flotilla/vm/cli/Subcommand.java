package dev.flotilla.vm.cli;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
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

  /** What a subcommand does with the workspace's client. */
  interface ClientAction {
    void run(Output o, Workspace ws, VmClient client);
  }

  /**
   * Runs {@code action} with the workspace's client, waiting for the clouds' answers to settle or not, and
   * closes the client after it; the exit status is 0 when {@code action} returns.
   */
  int withClient(boolean wait, ClientAction action) {
    Output o = out();
    Workspace ws = workspace(o);
    try (VmClient client = ws.client(wait)) {
      action.run(o, ws, client);
    }
    return 0;
  }

  /** Node {@code name}'s record; an error that says how to list the nodes when it has none. */
  static Node node(Workspace ws, String name) {
    return ws.store().get(name).orElseThrow(() -> new ConfigurationException(null, null,
        "there is no node " + name + "; 'vm status' lists the nodes"));
  }
}
