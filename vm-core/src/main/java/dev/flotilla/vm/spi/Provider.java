package dev.flotilla.vm.spi;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One cloud account, as an adapter sees it: the batched lifecycle every cloud has, and a facet for each
 * group of operations only some clouds have ({@link #snapshots()}, {@link #addresses()}...), empty where
 * the cloud cannot. The facet's presence is the capability: there is nothing else to keep in step. Where
 * presence depends on the cloud's version or extensions, the provider finds out once and remembers.
 *
 * <p>Every operation works on collections so that an adapter can send one request for many VMs; none of
 * them waits or polls (waiting, retrying and records belong to {@link dev.flotilla.vm.VmClient}, so every
 * provider behaves the same).
 *
 * <p>Errors are thrown as {@link dev.flotilla.vm.CloudException} with a {@link
 * dev.flotilla.vm.CloudException.Kind} so the client can tell a VM that is gone from a cloud that is
 * briefly unwell. Implementations must be thread-safe.
 */
public interface Provider extends AutoCloseable {
  /** The api id, as in {@link ProviderFactory#id()}. */
  String api();

  /**
   * What this provider's cloud does that is no operation of its own ({@link Capability#operation()} false):
   * tags, user data, anti-affinity, idempotent create, memory snapshots, stop and start, reboot. What it
   * can do beyond the lifecycle is said by its facets alone; {@link Capabilities#of} puts both together.
   */
  Set<Capability> traits();

  /**
   * Creates one VM per node of the request, tagged as {@link CreateRequest#tagsFor} says, at launch where
   * the cloud allows it (so that a client that dies before it records the VMs finds them by their tags).
   * Where the provider declares {@link Capability#IDEMPOTENT_CREATE}, a node's create repeated with the same
   * client token, in a request of the same nodes or of fewer, returns the VM the first call made for that node
   * instead of making another.
   *
   * @return one observation per node, in the order of {@link CreateRequest#nodeNames()}
   * @throws dev.flotilla.vm.ConfigurationException when the request names what the cloud does not have (a
   *     type, an image, a zone), found before anything was asked of the cloud: nothing was made
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

  /** Reboots the given VMs, asking their guests to restart ({@link #hardReboot()} resets them). */
  void reboot(Collection<String> ids);

  /** Destroys the given VMs and their snapshots. Already-destroyed VMs are not an error. */
  void terminate(Collection<String> ids);

  /** Adds (or replaces) tags on one VM, as {@code bind} does to name the VM's node. */
  void tag(String id, Map<String, String> tags);

  /** The instance types this cloud offers, the default marked. */
  List<InstanceType> types();

  /** The images nodes can boot. */
  List<Image> images();

  /** VM snapshots kept as a chain ({@link Capability#SNAPSHOTS}), where the cloud has them. */
  default Optional<Snapshots> snapshots() {
    return Optional.empty();
  }

  /** Saving VMs as images ({@link Capability#SNAPSHOT_TO_IMAGE}), where the cloud can. */
  default Optional<ImageSaving> imageSaving() {
    return Optional.empty();
  }

  /** Floating addresses ({@link Capability#FLOATING_IP}), where the cloud has them. */
  default Optional<Addresses> addresses() {
    return Optional.empty();
  }

  /** SSH keys registered with the cloud ({@link Capability#KEY_IMPORT}), where it keeps them. */
  default Optional<Keys> keys() {
    return Optional.empty();
  }

  /** Console output ({@link Capability#CONSOLE_OUTPUT}), where the cloud shows it. */
  default Optional<Console> console() {
    return Optional.empty();
  }

  /** Hard reboots ({@link Capability#HARD_REBOOT}), where the cloud can reset a VM. */
  default Optional<HardReboot> hardReboot() {
    return Optional.empty();
  }

  /** VMs made without being started ({@link Capability#CREATE_STOPPED}), where the cloud can. */
  default Optional<StoppedCreation> stoppedCreation() {
    return Optional.empty();
  }

  /** Changing instance types ({@link Capability#RESIZE}), where the cloud can. */
  default Optional<Resizing> resizing() {
    return Optional.empty();
  }

  /**
   * How long until the cloud's work on some of these VMs should be done, from what its jobs took before, so
   * that a wait asks again when there may be news instead of on a blind backoff; empty where the provider
   * cannot tell (or the work is overdue), and then the wait's backoff paces it. The default cannot tell.
   */
  default Optional<java.time.Duration> settlesIn(Collection<String> ids) {
    return Optional.empty();
  }

  /**
   * Whether VM {@code vm}, just made and now failed ({@link dev.flotilla.vm.Lifecycle.State#ERROR}), failed for
   * want of capacity in its place, in the cloud's own words (Nova's "No valid host was found", CloudStack's
   * failed deployment, a VM OpenNebula could place on no host): the client then destroys it and tries the
   * next place of its node. The default never says so.
   */
  default boolean failedForCapacity(dev.flotilla.vm.Instance vm) {
    return false;
  }

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}
}
