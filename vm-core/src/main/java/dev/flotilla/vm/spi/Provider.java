package dev.flotilla.vm.spi;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.UnsupportedCapabilityException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One cloud account, as an adapter sees it. Every operation works on collections so that an adapter can
 * send one request for many VMs; none of them waits or polls (waiting, retrying and records belong to
 * {@link dev.flotilla.vm.VmClient}, so every provider behaves the same).
 *
 * <p>Errors are thrown as {@link dev.flotilla.vm.CloudException} with a {@link
 * dev.flotilla.vm.CloudException.Kind} so the client can tell a VM that is gone from a cloud that is
 * briefly unwell. Implementations must be thread-safe.
 */
public interface Provider extends AutoCloseable {
  /** The api id, as in {@link ProviderFactory#id()}. */
  String api();

  /** What this provider can do. */
  Set<Capability> capabilities();

  /**
   * Creates one VM per node of the request, tagged as {@link CreateRequest#tagsFor} says, at launch where
   * the cloud allows it (so that a client that dies before it records the VMs finds them by their tags).
   * Where the provider declares {@link Capability#IDEMPOTENT_CREATE}, repeating a request with the same
   * client token returns the VMs the first call made instead of making more.
   *
   * @return one observation per node, in the order of {@link CreateRequest#nodeNames()}
   */
  List<Instance> create(CreateRequest request);

  /**
   * Observes the given VMs in one round trip where the cloud allows it. VMs the cloud does not know
   * (gone long ago, or not yet visible) are left out of the answer; that is not an error.
   */
  List<Instance> describe(Collection<String> ids);

  /** Every VM the account can see, tagged by Flotilla or not, with its tags. */
  List<Instance> list();

  /** Starts (or resumes) the given VMs. */
  void start(Collection<String> ids);

  /** Stops the given VMs, gracefully or, with {@code force}, at once. */
  void stop(Collection<String> ids, boolean force);

  /** Reboots the given VMs. */
  void reboot(Collection<String> ids);

  /**
   * Reboots the given VMs; with {@code hard}, resets them without asking their guests (needs {@link
   * Capability#HARD_REBOOT}). The default handles the soft reboot only.
   */
  default void reboot(Collection<String> ids, boolean hard) {
    if (hard) {
      throw new UnsupportedCapabilityException(Capability.HARD_REBOOT, api());
    }
    reboot(ids);
  }

  /** Destroys the given VMs and their snapshots. Already-destroyed VMs are not an error. */
  void terminate(Collection<String> ids);

  /** Adds (or replaces) tags on one VM, as {@code bind} does to name the VM's node. */
  void tag(String id, Map<String, String> tags);

  /** The instance types this cloud offers, the default marked. */
  List<InstanceType> types();

  /** The images nodes can boot. */
  List<Image> images();

  /**
   * Registers an SSH public key (the text of an {@code id_*.pub} file) under {@code name}. Needs {@link
   * Capability#KEY_IMPORT}.
   */
  default dev.flotilla.vm.KeyPair importKey(String name, String publicKey) {
    throw new UnsupportedCapabilityException(Capability.KEY_IMPORT, api());
  }

  /** The SSH keys registered with the cloud. Needs {@link Capability#KEY_IMPORT}. */
  default List<dev.flotilla.vm.KeyPair> keys() {
    throw new UnsupportedCapabilityException(Capability.KEY_IMPORT, api());
  }

  /** Takes a snapshot of VM {@code id}; it becomes current. Needs {@link Capability#SNAPSHOTS}. */
  default Snapshot snapshot(String id, String name, SnapshotOptions options) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOTS, api());
  }

  /** The snapshots of VM {@code id}. Needs {@link Capability#SNAPSHOTS}. */
  default SnapshotChain snapshots(String id) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOTS, api());
  }

  /** Reverts VM {@code id} to a snapshot, which becomes current. Needs {@link Capability#SNAPSHOTS}. */
  default void revert(String id, String snapshotId) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOTS, api());
  }

  /** Deletes a snapshot; its children move to its parent. Needs {@link Capability#SNAPSHOTS}. */
  default void deleteSnapshot(String id, String snapshotId) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOTS, api());
  }

  /**
   * Saves VM {@code id} as an image new nodes can boot (EC2's CreateImage, OpenStack's createImage), with
   * {@code tags} on the image from the start (or, where the cloud cannot, before this returns: an image
   * left without them is deleted). Needs {@link Capability#SNAPSHOT_TO_IMAGE}.
   */
  default Image createImage(String id, String name, Map<String, String> tags) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOT_TO_IMAGE, api());
  }

  /**
   * Image {@code imageId} with its tags, or empty when the cloud does not know it. The default looks in
   * {@link #images()}; a provider whose list leaves out tags or the account's own images overrides it.
   */
  default java.util.Optional<Image> image(String imageId) {
    return images().stream().filter(i -> i.id().equals(imageId)).findFirst();
  }

  /**
   * Whether an image made by {@link #createImage} can boot nodes yet: CREATING while the cloud copies the
   * disk, READY, or ERROR; empty when the cloud no longer knows it. The default says READY at once, for
   * clouds whose create call returns a bootable image.
   */
  default java.util.Optional<Snapshot.Status> imageStatus(String imageId) {
    return java.util.Optional.of(Snapshot.Status.READY);
  }

  /** Deletes (deregisters) an image made by {@link #createImage}. Needs {@link Capability#SNAPSHOT_TO_IMAGE}. */
  default void deleteImage(String imageId) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOT_TO_IMAGE, api());
  }

  /** What VM {@code id} printed on its console. Needs {@link Capability#CONSOLE_OUTPUT}. */
  default String consoleOutput(String id) {
    throw new UnsupportedCapabilityException(Capability.CONSOLE_OUTPUT, api());
  }

  /** The floating addresses of the account. Needs {@link Capability#FLOATING_IP}. */
  default List<dev.flotilla.vm.FloatingAddress> addresses() {
    throw new UnsupportedCapabilityException(Capability.FLOATING_IP, api());
  }

  /**
   * Allocates a floating address from {@code pool} (the cloud's default pool when {@code null}). Needs
   * {@link Capability#FLOATING_IP}.
   */
  default dev.flotilla.vm.FloatingAddress allocateAddress(String pool) {
    throw new UnsupportedCapabilityException(Capability.FLOATING_IP, api());
  }

  /** Points a floating address at VM {@code id}. Needs {@link Capability#FLOATING_IP}. */
  default void associateAddress(String address, String id) {
    throw new UnsupportedCapabilityException(Capability.FLOATING_IP, api());
  }

  /** Takes a floating address off VM {@code id}; it stays allocated. Needs {@link Capability#FLOATING_IP}. */
  default void disassociateAddress(String address, String id) {
    throw new UnsupportedCapabilityException(Capability.FLOATING_IP, api());
  }

  /** Gives a floating address back to its pool. Needs {@link Capability#FLOATING_IP}. */
  default void releaseAddress(String address) {
    throw new UnsupportedCapabilityException(Capability.FLOATING_IP, api());
  }

  /**
   * Makes VMs without starting them, where the cloud can; the client's {@code create} uses it and reports
   * {@link Capability#CREATE_STOPPED} from it.
   */
  default java.util.Optional<StoppedCreation> stoppedCreation() {
    return java.util.Optional.empty();
  }

  /**
   * Changes instance types, where the cloud can; the client's {@code resize} uses it and reports
   * {@link Capability#RESIZE} from it.
   */
  default java.util.Optional<Resizing> resizing() {
    return java.util.Optional.empty();
  }

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
