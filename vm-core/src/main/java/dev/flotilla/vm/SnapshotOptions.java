package dev.flotilla.vm;

/**
 * How to take a snapshot: with or without memory (CloudStack's {@code snapshotmemory}), and whether to
 * quiesce the guest's file systems first ({@code quiescevm}).
 *
 * @param memory include the VM's memory, so a revert resumes it running
 * @param quiesce ask the guest to flush and freeze its file systems while the disks are captured
 */
public record SnapshotOptions(boolean memory, boolean quiesce) {
  /** Disk only, not quiesced: what every snapshot-capable provider can do. */
  public static final SnapshotOptions DISK = new SnapshotOptions(false, false);
  /** Disk and memory. */
  public static final SnapshotOptions WITH_MEMORY = new SnapshotOptions(true, false);
}
