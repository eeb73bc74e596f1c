package dev.flotilla.vm.cli;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Floating addresses: {@code vm ip-add, ip-rm, ips}. */
final class AddressCommands {
  private AddressCommands() {}

  @Command(name = "ip-add", description = "Give NODE a floating IP: ADDRESS if given, else a new one from the pool;"
      + " prints the address.")
  static final class IpAdd extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "ADDRESS", arity = "0..1")
    String address;

    @Option(names = "--pool", paramLabel = "POOL", description = "The pool (external network) to allocate from.")
    String pool;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        Node n = node.record(ws);
        // a node without a VM is refused before anything is allocated: an address left allocated is billed
        if (client.status(n).isEmpty()) {
          throw new dev.flotilla.vm.VmException("Cannot give a floating address to node " + node.name + ": it has no VM;"
              + " nothing was allocated. Start it first: vm start " + node.name);
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
        o.say(node.name + " (" + vm.id() + ") answers at " + ip);
        o.json(Output.fields("node", node.name, "address", ip));
      });
    }
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
  static final class IpRm extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "ADDRESS")
    String address;

    @Option(names = "--keep", description = "Keep the address allocated for later.")
    boolean keep;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        Node n = node.record(ws);
        boolean attached = client.addresses(n).list().stream()
            .anyMatch(f -> f.address().equals(address) && f.vm().isPresent() && f.vm().equals(n.vmId()));
        if (attached) {
          client.addresses(n).disassociate(address);
        }
        if (!keep) {
          client.addresses(n).release(address);
        }
        o.say((keep ? "took " : "released ") + address + (keep ? " off " : " from ") + node.name);
        o.json(Output.fields("node", node.name, "address", address, "released", !keep));
      });
    }
  }

  @Command(name = "ips", description = "List the floating IPs and the VMs they point at.")
  static final class IpList extends Subcommand {
    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        List<dev.flotilla.vm.FloatingAddress> all = client.addresses().list();
        for (dev.flotilla.vm.FloatingAddress f : all) {
          o.answer(f.address() + "  " + (f.pool() == null ? "-" : f.pool()) + "  " + f.vm().orElse("free"));
        }
        o.json(Output.fields("addresses", all.stream().map(f -> Output.fields("address", f.address(), "pool", f.pool(),
            "vm", f.vm().orElse(null))).toList()));
      });
    }
  }
}
