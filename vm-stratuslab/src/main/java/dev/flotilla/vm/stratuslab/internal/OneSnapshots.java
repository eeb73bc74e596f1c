package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.stratuslab.internal.OneVm.OneSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A VM's system snapshots as a chain. OpenNebula keeps the snapshots; Flotilla keeps each one's parent and
 * the current one in the VM's user template ({@code FLOTILLA_SNAPSHOT_PARENTS = "2@TIME:0 ..."},
 * {@code FLOTILLA_SNAPSHOT_CURRENT = "2@TIME"}). Snapshot ids are per VM and reused once the newest is
 * deleted, so each entry carries its snapshot's time, and an entry whose snapshot is no longer the one it
 * was written for is ignored.
 */
public final class OneSnapshots {
  private OneSnapshots() {}

  /** The chain: OpenNebula's snapshots, with the parents and current one the user template keeps. */
  public static SnapshotChain chain(OneVm vm) {
    List<OneSnapshot> snaps = vm.snapshots();
    Map<String, String> parents = parents(vm);
    boolean actionsShown = snaps.stream().anyMatch(s -> s.action() != null);
    List<Snapshot> out = new ArrayList<>();
    for (int i = 0; i < snaps.size(); i++) {
      OneSnapshot s = snaps.get(i);
      // oned marks the snapshot being taken with ACTION=CREATE; servers that do not show actions are
      // taking the newest one while the VM is in HOTPLUG_SNAPSHOT
      boolean taking = actionsShown ? "CREATE".equals(s.action())
          : i == snaps.size() - 1 && vm.state == 3 && vm.lcm == OneStates.HOTPLUG_SNAPSHOT;
      out.add(Snapshot.of(s.id(), s.name() == null || s.name().isEmpty() ? "snapshot-" + s.id() : s.name(),
          parents.get(s.id()), true, s.time().plusNanos(i), taking ? Snapshot.Status.CREATING : Snapshot.Status.READY));
    }
    return SnapshotChain.of(out, current(vm), 0);
  }

  /** Each snapshot's parent, for the entries that still describe the VM's snapshots. */
  public static Map<String, String> parents(OneVm vm) {
    Map<String, OneSnapshot> byId = byId(vm);
    Map<String, String> out = new LinkedHashMap<>();
    String pairs = vm.attribute(OneVm.SNAPSHOT_PARENTS);
    if (pairs != null) {
      for (String pair : pairs.trim().split("\\s+")) {
        int colon = pair.indexOf(':');
        if (colon > 0) {
          OneSnapshot child = valid(pair.substring(0, colon), byId);
          OneSnapshot parent = byId.get(pair.substring(colon + 1));
          if (child != null && parent != null && !parent.time().isAfter(child.time()) && parent != child) {
            out.put(child.id(), parent.id());
          }
        }
      }
    }
    return out;
  }

  /** The current snapshot's id, if the user template names one that still exists. */
  static String current(OneVm vm) {
    String entry = vm.attribute(OneVm.SNAPSHOT_CURRENT);
    OneSnapshot s = entry == null ? null : valid(entry.trim(), byId(vm));
    return s == null ? null : s.id();
  }

  /**
   * The user-template attributes that record {@code parents} and {@code current} (or no current snapshot
   * when null) for the snapshots {@code vm} has.
   */
  public static Map<String, String> record(OneVm vm, Map<String, String> parents, String current) {
    Map<String, OneSnapshot> byId = byId(vm);
    StringBuilder sb = new StringBuilder();
    parents.forEach((child, parent) -> {
      if (byId.containsKey(child) && byId.containsKey(parent)) {
        sb.append(sb.length() == 0 ? "" : " ").append(key(byId.get(child))).append(':').append(parent);
      }
    });
    return Map.of(OneVm.SNAPSHOT_PARENTS, sb.toString(),
        OneVm.SNAPSHOT_CURRENT, current != null && byId.containsKey(current) ? key(byId.get(current)) : "");
  }

  private static String key(OneSnapshot s) {
    return s.id() + "@" + s.time().getEpochSecond();
  }

  /** The snapshot an entry ({@code ID} or {@code ID@TIME}) names, if it is still that snapshot. */
  private static OneSnapshot valid(String entry, Map<String, OneSnapshot> byId) {
    int at = entry.indexOf('@');
    OneSnapshot s = byId.get(at < 0 ? entry : entry.substring(0, at));
    if (s == null || at >= 0 && !entry.substring(at + 1).equals(Long.toString(s.time().getEpochSecond()))) {
      return null;
    }
    return s;
  }

  private static Map<String, OneSnapshot> byId(OneVm vm) {
    Map<String, OneSnapshot> out = new LinkedHashMap<>();
    vm.snapshots().forEach(s -> out.put(s.id(), s));
    return out;
  }
}
