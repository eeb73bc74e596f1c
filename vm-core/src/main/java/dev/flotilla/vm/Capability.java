package dev.flotilla.vm;

/** Something a provider may or may not be able to do. Providers declare theirs; core checks before calling. */
public enum Capability {
  /** Stop a VM and start it again, keeping its disks. */
  STOP_START("stopping and starting VMs"),
  /** Reboot a running VM. */
  REBOOT("rebooting VMs"),
  /** Take VM snapshots that can be listed, reverted to and deleted, kept as a {@link SnapshotChain}. */
  SNAPSHOTS("VM snapshots"),
  /** Snapshots that include the VM's memory, so a revert resumes it running. */
  SNAPSHOT_MEMORY("snapshots that include memory"),
  /** Save a VM as an image that new nodes can boot from. */
  SNAPSHOT_TO_IMAGE("saving a VM as an image"),
  /** Change a VM's instance type ({@code VmClient.resize}); a provider has it when it has the Resizing facet. */
  RESIZE("resizing VMs"),
  /**
   * Make a VM without starting it ({@code VmClient.create}); a provider has it when it has the StoppedCreation
   * facet.
   */
  CREATE_STOPPED("creating VMs without starting them"),
  /** Register a local SSH public key with the cloud. */
  KEY_IMPORT("importing SSH keys"),
  /** Pass cloud-init user data to new VMs. */
  USER_DATA("cloud-init user data"),
  /** Keep the VMs of one anti-affinity group on different hosts. */
  ANTI_AFFINITY("anti-affinity groups"),
  /** Public addresses that can be moved between VMs. */
  FLOATING_IP("floating IP addresses"),
  /** Create calls made idempotent by a client token, so a repeated call makes no second VM. */
  IDEMPOTENT_CREATE("idempotent create with a client token"),
  /** Key/value tags on VMs, searchable, so that VMs can be matched to their nodes. */
  TAGS("VM tags"),
  /** Read what a VM printed on its console (boot messages, cloud-init's output). */
  CONSOLE_OUTPUT("console output"),
  /** A hard reboot that resets the VM instead of asking its guest to restart. */
  HARD_REBOOT("hard reboots");

  private final String description;

  Capability(String description) {
    this.description = description;
  }

  /** A few words for messages, such as "VM snapshots". */
  public String description() {
    return description;
  }
}
