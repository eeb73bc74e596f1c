package dev.flotilla.vm;

/**
 * Something a provider may or may not be able to do. An operation (snapshots, floating addresses...) is
 * there when the provider has its facet ({@link dev.flotilla.vm.spi.Provider#snapshots()} and the like); a
 * trait (tags, user data...) when the provider declares it in {@link dev.flotilla.vm.spi.Provider#traits()}.
 * {@link dev.flotilla.vm.spi.Capabilities#of} derives the set from both.
 */
public enum Capability {
  /** Stop a VM and start it again, keeping its disks. */
  STOP_START("stopping and starting VMs", false),
  /** Reboot a running VM. */
  REBOOT("rebooting VMs", false),
  /** Take VM snapshots that can be listed, reverted to and deleted, kept as a {@link SnapshotChain}. */
  SNAPSHOTS("VM snapshots", true),
  /** Snapshots that include the VM's memory, so a revert resumes it running. */
  SNAPSHOT_MEMORY("snapshots that include memory", false),
  /** Save a VM as an image that new nodes can boot from. */
  SNAPSHOT_TO_IMAGE("saving a VM as an image", true),
  /** Change a VM's instance type ({@code VmClient.resize}). */
  RESIZE("resizing VMs", true),
  /** Make a VM without starting it ({@code VmClient.create}). */
  CREATE_STOPPED("creating VMs without starting them", true),
  /** Register a local SSH public key with the cloud. */
  KEY_IMPORT("importing SSH keys", true),
  /** Pass cloud-init user data to new VMs. */
  USER_DATA("cloud-init user data", false),
  /** Keep the VMs of one anti-affinity group on different hosts. */
  ANTI_AFFINITY("anti-affinity groups", false),
  /** Public addresses that can be moved between VMs. */
  FLOATING_IP("floating IP addresses", true),
  /**
   * Creates made idempotent by a client token, node by node: a node's create repeated with the same token
   * (alone, or with other nodes) is answered with the VM the first made for it, never a second one.
   */
  IDEMPOTENT_CREATE("idempotent create with a client token", false),
  /** Key/value tags on VMs, searchable, so that VMs can be matched to their nodes. */
  TAGS("VM tags", false),
  /** Read what a VM printed on its console (boot messages, cloud-init's output). */
  CONSOLE_OUTPUT("console output", true),
  /** A hard reboot that resets the VM instead of asking its guest to restart. */
  HARD_REBOOT("hard reboots", true);

  private final String description;
  private final boolean operation;

  Capability(String description, boolean operation) {
    this.description = description;
    this.operation = operation;
  }

  /** Whether a provider offers it as a facet of operations; otherwise it is a trait the provider declares. */
  public boolean operation() {
    return operation;
  }

  /** A few words for messages, such as "VM snapshots". */
  public String description() {
    return description;
  }
}
