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
   * Creates one VM per node of the request, tagged as {@link CreateRequest#tagsFor} says. Repeating a
   * request with the same client token returns the VMs the first call made instead of making more.
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
   * Saves VM {@code id} as an image new nodes can boot (EC2's CreateImage, OpenStack's createImage).
   * Needs {@link Capability#SNAPSHOT_TO_IMAGE}.
   */
  default Image createImage(String id, String name) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOT_TO_IMAGE, api());
  }

  /** Deletes (deregisters) an image made by {@link #createImage}. Needs {@link Capability#SNAPSHOT_TO_IMAGE}. */
  default void deleteImage(String imageId) {
    throw new UnsupportedCapabilityException(Capability.SNAPSHOT_TO_IMAGE, api());
  }

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
