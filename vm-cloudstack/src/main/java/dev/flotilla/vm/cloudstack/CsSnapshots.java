package dev.flotilla.vm.cloudstack;

import com.google.gson.JsonObject;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.spi.Snapshots;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** VM snapshots, kept by CloudStack as a chain of parents with a current one. */
final class CsSnapshots implements Snapshots {
  private final CloudStackProvider p;

  CsSnapshots(CloudStackProvider p) {
    this.p = p;
  }

  /** createVMSnapshot: CloudStack makes it a child of the current snapshot, and then the current one. */
  @Override
  public Snapshot take(String id, String name, SnapshotOptions options) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("virtualmachineid", id);
    params.put("name", name);
    params.put("snapshotmemory", Boolean.toString(options.memory()));
    params.put("quiescevm", Boolean.toString(options.quiesce()));
    JsonObject answer = p.cs.call("createVMSnapshot", params);
    String job = CloudStackProvider.string(answer, "jobid");
    if (job != null) {
      p.snapshotSent(id, job);
    }
    // its parent is in the chain once CloudStack lists it; the client reads it there
    return Snapshot.of(CloudStackProvider.string(answer, "id"), name, null, options.memory(), Instant.now(), Snapshot.Status.CREATING);
  }

  /** listVMSnapshot: the chain as CloudStack keeps it, parents and the current one included. */
  @Override
  public SnapshotChain chain(String id) {
    List<JsonObject> listed = new ArrayList<>(p.list("listVMSnapshot", Map.of("virtualmachineid", id), "vmSnapshot"));
    java.util.Collections.reverse(listed); // newest first as listed; oldest first keeps order within a second
    List<Snapshot> out = new ArrayList<>();
    String current = null;
    for (JsonObject o : listed) {
      Snapshot.Status status = switch (String.valueOf(CloudStackProvider.string(o, "state"))) {
        case "Allocated", "Creating" -> Snapshot.Status.CREATING;
        case "Ready", "Reverting" -> Snapshot.Status.READY;
        case "Error" -> Snapshot.Status.ERROR;
        default -> null; // Expunging, Removed, Hidden: going or gone
      };
      if (status == null) {
        continue;
      }
      String name = CloudStackProvider.string(o, "displayname") != null ? CloudStackProvider.string(o, "displayname") : CloudStackProvider.string(o, "name");
      Instant created = CloudStackProvider.time(CloudStackProvider.string(o, "created"));
      out.add(Snapshot.of(CloudStackProvider.string(o, "id"), name, CloudStackProvider.string(o, "parent"), "DiskAndMemory".equals(CloudStackProvider.string(o, "type")),
          created == null ? Instant.EPOCH : created, status));
      if (o.has("current") && o.get("current").getAsBoolean()) {
        current = CloudStackProvider.string(o, "id");
      }
    }
    if (out.stream().noneMatch(sn -> sn.status() == Snapshot.Status.CREATING)) {
      p.snapshotsSettled(id);
    }
    java.util.Set<String> kept = new HashSet<>();
    out.forEach(sn -> kept.add(sn.id()));
    // a parent going away (Expunging) leaves its children to the one above it, as CloudStack will
    List<Snapshot> chain = out.stream().map(sn -> sn.parentId().filter(kept::contains).isPresent() ? sn
        : sn.withParent(null)).toList();
    return SnapshotChain.of(chain, kept.contains(current) ? current : null, maxSnapshots());
  }

  /**
   * How many VM snapshots a VM may have: the profile's {@code vm_snapshot_max} when it says, else the cloud's
   * {@code vmsnapshot.max} (listConfigurations, which CloudStack lets admins read), else CloudStack's default.
   */
  private int maxSnapshots() {
    Integer known = p.snapshotMax;
    if (known == null) {
      known = cloudSnapshotMax();
      p.snapshotMax = known;
    }
    return known;
  }

  private int cloudSnapshotMax() {
    if (!p.rootAdmin) {
      return p.DEFAULT_VM_SNAPSHOT_MAX; // only an admin may read it (a user's key is refused with 432)
    }
    try {
      return p.list("listConfigurations", Map.of("name", "vmsnapshot.max"), "configuration").stream()
          .filter(c -> "vmsnapshot.max".equals(CloudStackProvider.string(c, "name"))).map(c -> CloudStackProvider.string(c, "value"))
          .filter(v -> v != null && v.matches("[0-9]{1,6}")).map(Integer::parseInt).findFirst().orElse(p.DEFAULT_VM_SNAPSHOT_MAX);
    } catch (CloudException e) {
      if (e.kind() == Kind.AUTHENTICATION || e.kind() == Kind.INVALID_REQUEST) {
        return p.DEFAULT_VM_SNAPSHOT_MAX; // not an admin's key: the command is not available to it
      }
      throw e;
    }
  }

  /**
   * revertToVMSnapshot, waited for. CloudStack reverts a running VM only to a snapshot with memory, and a
   * stopped one only to a disk snapshot; a running VM reverted to a disk snapshot is stopped first.
   */
  @Override
  public void revert(String id, String snapshotId) {
    Snapshot target = chain(id).get(snapshotId).orElseThrow(() -> new CloudException(Kind.NOT_FOUND, p.api(), null,
        "VM " + id + " has no snapshot " + snapshotId));
    List<Instance> vm = p.describe(List.of(id));
    if (!target.includesMemory() && !vm.isEmpty() && vm.get(0).state() == State.RUNNING) {
      p.awaitJob(p.jc("stopVirtualMachine", a -> a.getVirtualMachineApi().stopVirtualMachine(id)), "stopVirtualMachine");
    }
    p.awaitJob(CloudStackProvider.string(p.cs.call("revertToVMSnapshot", Map.of("vmsnapshotid", snapshotId)), "jobid"), "revertToVMSnapshot");
  }

  /** deleteVMSnapshot, waited for: its children move to its parent. */
  @Override
  public void delete(String id, String snapshotId) {
    p.awaitJob(CloudStackProvider.string(p.cs.call("deleteVMSnapshot", Map.of("vmsnapshotid", snapshotId)), "jobid"), "deleteVMSnapshot");
  }
}
