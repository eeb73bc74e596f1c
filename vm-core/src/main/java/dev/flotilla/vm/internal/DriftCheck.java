package dev.flotilla.vm.internal;

import dev.flotilla.vm.CreateIntent;
import dev.flotilla.vm.Drift;
import dev.flotilla.vm.Drift.Kind;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Optional;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Compares node records with what the clouds list, and says how to fix each difference. Pure: no calls. */
public final class DriftCheck {
  private DriftCheck() {}

  /**
   * The disagreements between {@code records} and {@code vmsByProfile}. Each comes with a {@code vm}
   * command that fixes it as printed (several joined by {@code &&}, alternatives by {@code or}).
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
    Map<String, String> on = new HashMap<>(); // VM id -> the profile that lists it, for the fixes' --auth
    vmsByProfile.forEach((profile, vms) -> vms.forEach(vm -> on.putIfAbsent(vm.id(), profile)));
    Map<String, Map<String, Instance>> byId = new HashMap<>(); // profile -> id -> VM: one look-up per record
    vmsByProfile.forEach((profile, vms) -> {
      Map<String, Instance> ids = byId.computeIfAbsent(profile, k -> new HashMap<>());
      vms.forEach(vm -> ids.putIfAbsent(vm.id(), vm));
    });
    Map<String, Node> byName = new HashMap<>();
    Map<String, String> nodeOfVm = new HashMap<>();
    for (Node r : records) {
      byName.put(r.name(), r);
      r.vmId().ifPresent(id -> nodeOfVm.put(id, r.name()));
    }
    List<Drift> out = new ArrayList<>();

    tagged.forEach((name, vms) -> {
      if (!byName.containsKey(name)) {
        for (Instance vm : vms) {
          out.add(new Drift(Kind.VM_WITHOUT_RECORD, name, vm.id(), "VM " + vm.id() + " carries node name '" + name
              + "', but there is no record of node " + name + ".", bind(on, name, vm.id()) + " (adopts it) or "
              + rm(on, List.of(vm.id())), call(name, vm.id()) + ", or client.destroyVm(\"" + vm.id() + "\")"));
        }
      }
    });

    for (Node r : records) {
      String name = r.name();
      List<Instance> mine = tagged.getOrDefault(name, List.of());
      if (!r.isBound()) {
        if (!mine.isEmpty() || r.createIntent().isPresent() || r.removedAt().isEmpty()) {
          out.add(unbound(on, r, mine)); // a node removed on purpose, with nothing carrying its name, is as it should be
        }
        continue;
      }
      String id = r.vmId().get();
      Instance vm = Optional.ofNullable(byId.getOrDefault(profileOf.apply(r), Map.of()).get(id))
          .filter(DriftCheck::live).orElse(null);
      // other VMs with its name; one another record is bound to is that record's matter, reported there
      List<Instance> others = mine.stream().filter(i -> !i.id().equals(id) && !nodeOfVm.containsKey(i.id())).toList();
      if (vm == null) {
        Instance ended = byId.getOrDefault(profileOf.apply(r), Map.of()).get(id); // listed, but terminated
        String which = ended == null ? "which matches no VM" : "which is " + ended.state().name().toLowerCase(
            java.util.Locale.ROOT);
        if (r.removedAt().isPresent()) { // an rm marked it before it acted: its VM going is what was asked
          out.add(new Drift(Kind.VM_NOT_FOUND, name, id, "node " + name + " is being removed (vm rm): it records VM "
              + id + ", " + which + ".", "vm reconcile", "client.reconcile()"));
          continue;
        }
        out.add(others.size() == 1
            ? new Drift(Kind.VM_ID_MISMATCH, name, id, "node " + name + " records VM " + id + ", which is gone, but VM "
                + others.get(0).id() + " carries its name.", bind(on, name, others.get(0).id()), call(name, others.get(0).id()))
            : new Drift(Kind.VM_NOT_FOUND, name, id, "node " + name + " records VM " + id + ", " + which + ".",
                "vm reconcile && vm start " + name, "client.reconcile(), then client.start(node)"));
        continue;
      }
      String carried = vm.nodeName().orElse(null);
      if (carried != null && !carried.equals(name) && others.size() == 1) {
        out.add(new Drift(Kind.VM_OF_OTHER_NODE, name, id, "node " + name + " records VM " + id + ", which carries node"
            + " name '" + carried + "', while VM " + others.get(0).id() + " carries its name.", bind(on, name,
            others.get(0).id()), call(name, others.get(0).id())));
      } else if (carried != null && !carried.equals(name)) {
        boolean copied = id.equals(byName.containsKey(carried) ? byName.get(carried).vmId().orElse(null) : null);
        out.add(copied
            ? new Drift(Kind.VM_OF_OTHER_NODE, name, id, "node " + name + " records VM " + id + ", which is node " + carried
                + "'s (its name tag and " + carried + "'s record): " + name + "'s record looks copied.",
                "vm unbind " + name + " && vm start " + name, "client.unbind(node), then client.start(node)")
            : new Drift(Kind.VM_OF_OTHER_NODE, name, id, "node " + name + " records VM " + id + ", which carries node name '"
                + carried + "'.", "vm bind --force " + name + " " + id + auth(on, id) + " (it is " + name + "'s) or vm unbind " + name,
                "a client built with force(true): client.bind(node, \"" + id + "\"), or client.unbind(node)"));
      } else if (carried == null) {
        out.add(others.isEmpty()
            ? new Drift(Kind.UNTAGGED_VM, name, id, "VM " + id + " of node " + name + " carries no node name.",
                bind(on, name, id), call(name, id))
            : new Drift(Kind.VM_ID_MISMATCH, name, id, "node " + name + " records VM " + id + ", but VM "
                + others.get(0).id() + " carries its name.", bind(on, name, others.get(0).id()) + " or " + bind(on, name, id),
                call(name, others.get(0).id())));
      } else if (!others.isEmpty()) {
        out.add(new Drift(Kind.DUPLICATE_VMS, name, others.get(0).id(), "node " + name + " is bound to VM " + id
            + ", but " + ids(others) + " also carry its name.", rm(on, ids(others)),
            "client.destroyVm(id) for each of " + ids(others)));
      }
      if (vm.state() == State.RUNNING && !Objects.equals(vm.publicAddress().orElse(null), r.publicAddress().orElse(null))) {
        out.add(new Drift(Kind.ADDRESS_MISMATCH, name, id, "node " + name + " records address "
            + r.publicAddress().orElse("none") + ", but VM " + id + " has " + vm.publicAddress().orElse("none") + ".",
            "vm reconcile", "client.reconcile()"));
      }
    }
    out.addAll(strays(on, records, vmsByProfile, profileOf, nodeOfVm.keySet()));
    return out;
  }

  /**
   * VMs nothing attributes to a node (no node name, no record bound to them) that Flotilla made (their
   * token says so) or that an unfinished create may have made: reported with both ways out.
   */
  private static List<Drift> strays(Map<String, String> on, List<Node> records, Map<String, List<Instance>> vmsByProfile,
      java.util.function.Function<Node, String> profileOf, Collection<String> boundIds) {
    List<Drift> out = new ArrayList<>();
    vmsByProfile.forEach((profile, vms) -> {
      List<Node> unfinished = records.stream().filter(r -> !r.isBound() && r.createIntent().isPresent())
          .filter(r -> profile.equals(profileOf.apply(r))).toList();
      Map<String, List<String>> suspects = new LinkedHashMap<>();
      for (Node r : unfinished) {
        for (String id : unattributed(vms, r.createIntent().get(), boundIds)) {
          suspects.computeIfAbsent(id, k -> new ArrayList<>()).add(r.name());
        }
      }
      for (Instance vm : vms) {
        boolean ours = vm.tags().getOrDefault(Instance.TOKEN_TAG, "").startsWith(Tokens.PREFIX);
        if (live(vm) && vm.nodeName().isEmpty() && !boundIds.contains(vm.id()) && ours) {
          suspects.putIfAbsent(vm.id(), List.of());
        }
      }
      suspects.forEach((id, nodes) -> {
        String node = nodes.isEmpty() ? null : nodes.get(0);
        out.add(new Drift(Kind.UNATTRIBUTED_VM, node, id, "VM " + id + " carries no node name and no record is bound"
            + " to it" + (nodes.isEmpty() ? ", but Flotilla made it." : "; the create of node(s) " + nodes
            + " did not finish, so it may be theirs."), (node == null ? "" : bind(on, node, id) + " (it is " + node
            + "'s) or ") + rm(on, List.of(id)), (node == null ? "" : call(node, id) + ", or ") + "client.destroyVm(\"" + id
            + "\")"));
      });
    });
    return out;
  }

  private static Drift unbound(Map<String, String> on, Node r, List<Instance> mine) {
    String name = r.name();
    String unfinished = r.createIntent().map(i -> "node " + name + "'s create of " + i.since() + " did not finish")
        .orElse(null);
    if (mine.isEmpty()) {
      return unfinished == null
          ? new Drift(Kind.RECORD_WITHOUT_VM, name, null, "node " + name + " has no VM id, and no VM carries its name.",
              "vm start " + name, "client.start(node)")
          : new Drift(Kind.UNFINISHED_CREATE, name, null, unfinished + ", and no VM carries its name.",
              "vm start " + name, "client.start(node)");
    }
    if (mine.size() == 1) {
      String id = mine.get(0).id();
      return new Drift(Kind.RECORD_WITHOUT_VM, name, id, (unfinished == null ? "node " + name + " has no VM id"
          : unfinished) + ", but VM " + id + " carries its name.", bind(on, name, id), call(name, id));
    }
    List<String> ids = ids(mine);
    return new Drift(Kind.DUPLICATE_VMS, name, ids.get(0), "node " + name + " has no VM id, and " + ids
        + " all carry its name.", bind(on, name, ids.get(0)) + " && " + rm(on, ids.subList(1, ids.size())),
        call(name, ids.get(0)) + ", then client.destroyVm(id) for the others");
  }

  private static String bind(Map<String, String> on, String name, String id) {
    return "vm bind " + name + " " + id + auth(on, id);
  }

  /** {@code vm rm} of {@code ids}, on the profile that lists them where there are several. */
  private static String rm(Map<String, String> on, List<String> ids) {
    return "vm rm " + String.join(" ", ids) + auth(on, ids.get(0));
  }

  /** Where several profiles list VMs, {@code --auth} of the one that lists VM {@code id}: the fix acts there. */
  private static String auth(Map<String, String> on, String id) {
    return on.containsKey(id) && on.values().stream().distinct().count() > 1 ? " --auth " + on.get(id) : "";
  }

  private static String call(String name, String id) {
    return "client.bind(node(\"" + name + "\"), \"" + id + "\")";
  }

  private static List<String> ids(List<Instance> vms) {
    return vms.stream().map(Instance::id).toList();
  }

  /**
   * The live VMs of {@code vms} that might be what an unfinished create made although nothing attributes
   * them to a node: no node name, no record bound to them, no other create's token, and launched (where
   * the cloud says when) no earlier than a few minutes before the create's intent was written.
   */
  public static List<String> unattributed(List<Instance> vms, CreateIntent intent, Collection<String> boundIds) {
    java.time.Instant earliest = intent.since().minus(java.time.Duration.ofMinutes(10)); // clocks disagree
    return vms.stream().filter(DriftCheck::live).filter(vm -> vm.nodeName().isEmpty())
        .filter(vm -> !boundIds.contains(vm.id()))
        .filter(vm -> Optional.ofNullable(vm.tags().get(Instance.TOKEN_TAG)).map(intent::madeVmTagged).orElse(true))
        .filter(vm -> vm.launchTime().map(t -> !t.isBefore(earliest)).orElse(true))
        .map(Instance::id).toList();
  }

  /** A VM that still holds resources: not terminated or being terminated. */
  public static boolean live(Instance vm) {
    return vm.state() != State.TERMINATED && vm.state() != State.TERMINATING;
  }

}
