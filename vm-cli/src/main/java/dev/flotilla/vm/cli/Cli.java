package dev.flotilla.vm.cli;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code vm} command: the options every subcommand inherits, and the subcommands, kept in rooms by what
 * they act on (nodes' VMs, records, machines, access, addresses, snapshots, the store).
 */
@Command(name = "vm", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "vm (Flotilla) 0.1.0",
    description = "Create, start, stop, snapshot and destroy virtual machines, as leap vm and stratus-* do.%n"
        + "Works in the directory that holds cloud.json and nodes/ (--dir); without cloud.json, on an embedded"
        + " fake cloud.",
    subcommands = {
        NodeCommands.Add.class, NodeCommands.Start.class, NodeCommands.Stop.class, NodeCommands.Reboot.class,
        NodeCommands.Rm.class, RunCommand.class,
        RecordCommands.Status.class, RecordCommands.Bind.class, RecordCommands.Unbind.class,
        RecordCommands.Reconcile.class, RecordCommands.Watch.class, LeaseCommands.Renew.class, LeaseCommands.Reap.class,
        MachineCommands.Types.class, MachineCommands.Resize.class, MachineCommands.ImageList.class,
        MachineCommands.ImageSave.class, MachineCommands.ImageRm.class,
        AccessCommands.KeyRegister.class, AccessCommands.KeyList.class, AccessCommands.Ssh.class,
        AccessCommands.ConsoleOutput.class,
        AddressCommands.IpAdd.class, AddressCommands.IpRm.class, AddressCommands.IpList.class,
        SnapshotCommands.SnapshotTake.class, SnapshotCommands.SnapshotTree.class,
        SnapshotCommands.SnapshotRevert.class, SnapshotCommands.SnapshotRm.class,
        StoreCommand.class, picocli.CommandLine.HelpCommand.class},
    sortOptions = false)
final class Cli {
  @Option(names = "--auth", scope = ScopeType.INHERIT, paramLabel = "PROFILE", defaultValue = "${env:FLOTILLA_AUTH}",
      description = "The cloud.json profile to use, or an OpenStack RC file (demo-openrc.sh); otherwise"
          + " $FLOTILLA_AUTH, the node's vm.auth, or the only profile.")
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

  Output out() {
    return new Output(System.out, quiet, json);
  }

  private Workspace workspace;

  Workspace workspace(Output o) {
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
}
