package dev.flotilla.vm.spi;

import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;

/**
 * A provider's facet for VM snapshots kept as a chain (CloudStack's VM snapshots, OpenNebula's system
 * snapshots). Present only where the cloud can; see {@link Provider#snapshots()}.
 */
public interface Snapshots {
  /** Takes a snapshot of VM {@code id}; it becomes current. */
  Snapshot take(String id, String name, SnapshotOptions options);

  /** The snapshots of VM {@code id}, as the cloud reports them. */
  SnapshotChain chain(String id);

  /** Reverts VM {@code id} to snapshot {@code snapshotId}, which becomes current. */
  void revert(String id, String snapshotId);

  /** Deletes a snapshot of VM {@code id}; its children move to its parent. */
  void delete(String id, String snapshotId);
}
