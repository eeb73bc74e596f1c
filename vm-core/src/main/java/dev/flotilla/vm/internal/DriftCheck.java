package dev.flotilla.vm.internal;

import dev.flotilla.vm.Drift;
import dev.flotilla.vm.Drift.Kind;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Compares node records with what the clouds list, and says how to fix each difference. Pure: no calls. */
public final class DriftCheck {
  private DriftCheck() {}

  /**
   * The disagreements between {@code records} and {@code vmsByProfile}.
   *
   * @param records every node record, each with its profile resolved (see {@code profileOf})
   * @param vmsByProfile every VM each profile's provider lists
   * @param profileOf the profile a record runs on
   */
  public static List<Drift> check(List<Node> records, Map<String, List<Instance>> vmsByProfile,
      java.util.function.Function<Node, String> profileOf) {
    Map<String, List<Instance>> tagged = new LinkedHashMap<>();
    vmsByProfile.values().forEach(vms -> vms.stream().filter(DriftCheck::live)
        .forEach(vm -> vm.nodeName().ifPresent(n -> tagged.computeIfAbsent(n, k -> new ArrayList<>()).add(vm))));
    Map<String, Node> byName = new HashMap<>();
    records.forEach(r -> byName.put(r.name(), r));
    List<Drift> out = new ArrayList<>();

    tagged.forEach((name, vms) -> {
      if (!byName.containsKey(name)) {
        for (Instance vm : vms) {
          out.add(new Drift(Kind.VM_WITHOUT_RECORD, name, vm.id(), "VM " + vm.id() + " carries node name '" + name
              + "', but there is no record of node " + name + ".", "vm add " + name + " (to adopt it) or vm rm " + vm.id(),
              "client.bind(Node.builder(\"" + name + "\").build(), \"" + vm.id() + "\")"));
        }
      }
    });

    for (Node r : records) {
      String name = r.name();
      List<Instance> mine = tagged.getOrDefault(name, List.of());
      if (!r.isBound()) {
        out.add(unbound(name, mine));
        continue;
      }
      String id = r.vmId().get();
      Instance vm = vmsByProfile.getOrDefault(profileOf.apply(r), List.of()).stream().filter(i -> i.id().equals(id))
          .findFirst().filter(DriftCheck::live).orElse(null);
      List<Instance> others = mine.stream().filter(i -> !i.id().equals(id)).toList();
      if (vm == null) {
        out.add(others.size() == 1
            ? new Drift(Kind.VM_ID_MISMATCH, name, id, "node " + name + " records VM " + id + ", which is gone, but VM "
                + others.get(0).id() + " carries its name.", bind(name, others.get(0).id()), call(name, others.get(0).id()))
            : new Drift(Kind.VM_NOT_FOUND, name, id, "node " + name + " records VM " + id + ", which matches no VM.",
                "vm reconcile (clears the id), then vm start " + name, "client.reconcile()"));
        continue;
      }
      String carried = vm.nodeName().orElse(null);
      if (!name.equals(carried)) {
        out.add(others.isEmpty()
            ? new Drift(Kind.UNTAGGED_VM, name, id, "VM " + id + " of node " + name + (carried == null
                ? " carries no node name." : " carries node name '" + carried + "'."), bind(name, id), call(name, id))
            : new Drift(Kind.VM_ID_MISMATCH, name, id, "node " + name + " records VM " + id + ", but VM "
                + others.get(0).id() + " carries its name.", bind(name, others.get(0).id()) + " or " + bind(name, id),
                call(name, others.get(0).id())));
      } else if (!others.isEmpty()) {
        out.add(new Drift(Kind.DUPLICATE_VMS, name, others.get(0).id(), "node " + name + " is bound to VM " + id
            + ", but " + ids(others) + " also carry its name.", "vm rm " + String.join(" ", ids(others)),
            "client.list() to look, then destroy the VMs you do not want"));
      }
      if (vm.state() == State.RUNNING && !Objects.equals(vm.publicAddress().orElse(null), r.publicAddress().orElse(null))) {
        out.add(new Drift(Kind.ADDRESS_MISMATCH, name, id, "node " + name + " records address "
            + r.publicAddress().orElse("none") + ", but VM " + id + " has " + vm.publicAddress().orElse("none") + ".",
            "vm reconcile", "client.reconcile()"));
      }
    }
    return out;
  }

  private static Drift unbound(String name, List<Instance> mine) {
    if (mine.isEmpty()) {
      return new Drift(Kind.RECORD_WITHOUT_VM, name, null, "node " + name + " has no VM id, and no VM carries its name.",
          "vm start " + name, "client.start(node)");
    }
    if (mine.size() == 1) {
      String id = mine.get(0).id();
      return new Drift(Kind.RECORD_WITHOUT_VM, name, id, "node " + name + " has no VM id, but VM " + id
          + " carries its name.", bind(name, id), call(name, id));
    }
    return new Drift(Kind.DUPLICATE_VMS, name, mine.get(0).id(), "node " + name + " has no VM id, and " + ids(mine)
        + " all carry its name.", bind(name, mine.get(0).id()) + ", then vm rm the others",
        "client.bind(node, id) for the one to keep, then destroy the others");
  }

  private static String bind(String name, String id) {
    return "vm bind " + name + " " + id;
  }

  private static String call(String name, String id) {
    return "client.bind(node(\"" + name + "\"), \"" + id + "\")";
  }

  private static List<String> ids(List<Instance> vms) {
    return vms.stream().map(Instance::id).toList();
  }

  /** A VM that still holds resources: not terminated or being terminated. */
  public static boolean live(Instance vm) {
    return vm.state() != State.TERMINATED && vm.state() != State.TERMINATING;
  }

  /** The kinds reconcile may fix. */
  public static final Set<Kind> FIXABLE = Set.of(Kind.RECORD_WITHOUT_VM, Kind.VM_ID_MISMATCH, Kind.VM_NOT_FOUND,
      Kind.UNTAGGED_VM, Kind.ADDRESS_MISMATCH);
}
