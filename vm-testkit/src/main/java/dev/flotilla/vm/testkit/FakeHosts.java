package dev.flotilla.vm.testkit;

import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.testkit.FakeCloud.Host;
import dev.flotilla.vm.testkit.internal.FakeVm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the fake cloud puts VMs: on its hosts, within their CPUs and memory, one VM of an anti-affinity group
 * a host; a cloud without hosts has room for everything and a host of its own for each VM of a group.
 */
final class FakeHosts {
  private final String api;
  private final List<Host> hosts;

  FakeHosts(String api, List<Host> hosts) {
    this.api = api;
    this.hosts = List.copyOf(hosts);
  }

  /** Hosts for {@code count} VMs, all or none; anti-affinity puts each VM of a group on a host of its own. */
  List<String> place(Collection<FakeVm> vms, Instant now, int count, int cpus, int memory, String group) {
    if (hosts.isEmpty()) {
      return group == null ? java.util.Collections.nCopies(count, null) : unlimitedAntiAffinity(vms, count, group);
    }
    List<String> out = new ArrayList<>(count);
    Map<String, int[]> used = new HashMap<>();
    Set<String> groupHosts = new HashSet<>();
    for (FakeVm vm : vms) {
      vm.settle(now);
      if (vm.host != null) {
        int[] u = used.computeIfAbsent(vm.host, k -> new int[2]);
        u[0] += vm.cpus;
        u[1] += vm.memoryMb;
        if (group != null && group.equals(vm.antiAffinityGroup)) {
          groupHosts.add(vm.host);
        }
      }
    }
    for (int i = 0; i < count; i++) {
      String chosen = null;
      for (Host h : hosts) {
        int[] u = used.computeIfAbsent(h.name(), k -> new int[2]);
        if (u[0] + cpus <= h.cpus() && u[1] + memory <= h.memoryMb() && !groupHosts.contains(h.name())) {
          chosen = h.name();
          u[0] += cpus;
          u[1] += memory;
          if (group != null) {
            groupHosts.add(h.name());
          }
          break;
        }
      }
      if (chosen == null) {
        throw FakeFaults.error(api, Kind.CAPACITY, "InsufficientInstanceCapacity", "no host has room for " + count + " VM(s) of "
            + cpus + " CPU and " + memory + " MB" + (group == null ? "" : " in anti-affinity group '" + group + "'"));
      }
      out.add(chosen);
    }
    return out;
  }

  private static List<String> unlimitedAntiAffinity(Collection<FakeVm> vms, int count, String group) {
    Set<String> taken = new HashSet<>();
    for (FakeVm vm : vms) {
      if (vm.host != null && group.equals(vm.antiAffinityGroup)) {
        taken.add(vm.host);
      }
    }
    List<String> out = new ArrayList<>(count);
    for (int i = 0; out.size() < count; i++) {
      if (!taken.contains("host-" + i)) {
        out.add("host-" + i);
      }
    }
    return out;
  }
}
