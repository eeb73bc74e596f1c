package dev.flotilla.vm.cli;

import dev.flotilla.vm.Lease;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Reaper;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Leases: {@code vm lease} renews one, {@code vm reap} ends those that ran out. */
final class LeaseCommands {
  private LeaseCommands() {}

  @Command(name = "lease", description = "Renew the lease of NODE's VM: +1h moves its end an hour on, 2h makes it"
      + " end two hours from now (s, m, h, d). A VM made without a lease gets one.")
  static final class Renew extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "DURATION")
    String duration;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        Node record = node.record(ws);
        java.time.Duration d = Lease.duration(duration, "DURATION");
        Lease lease = duration.trim().startsWith("+") ? client.extendLease(record, d)
            : client.renewLease(record, Instant.now().plus(d));
        o.say("the lease of " + node.name + " ends at " + lease.expiresAt() + " (then: " + lease.onExpiry().word() + ")");
        o.json(Output.fields("node", node.name, "expires", lease.expiresAt().toString(), "on_expiry",
            lease.onExpiry().word()));
      });
    }
  }

  @Command(name = "reap", description = "Destroy (or stop, where their lease says so) the VMs whose lease has ended,"
      + " on every profile, found by their tags also when their records are gone; never a VM Flotilla did not make,"
      + " one whose record holds a later lease, or one of a create that has not finished.")
  static final class Reap extends Subcommand {
    @Option(names = "--dry-run", description = "Say what would be reaped, and do nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
      return withClient(true, (o, ws, client) -> { // each VM is told as it is reaped (Output's listener)
        List<Reaper.Reaped> reaped = dryRun ? Reaper.of(client).preview() : Reaper.of(client).reap();
        if (reaped.isEmpty()) {
          o.say("no lease has ended");
        }
      });
    }
  }
}
