package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.spi.Capabilities;
import dev.flotilla.vm.spi.Provider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The snapshots of one node's VM, kept by the cloud as a chain (CloudStack's VM snapshots, OpenNebula's system
 * snapshots): {@code client.snapshots(node)}. Every call observes the node first, as every {@link VmClient}
 * call does, and fails with {@link UnsupportedCapabilityException} where the cloud has no snapshots.
 */
public final class Snapshots {
  private final Engine engine;
  private final Node node;

  Snapshots(Engine engine, Node node) {
    this.engine = engine;
    this.node = node;
  }

  /**
   * Takes a snapshot of the VM and waits until it is ready. It becomes the current snapshot, a child of the
   * one that was current.
   *
   * @throws UnsupportedCapabilityException when the provider has no snapshots, or none with memory and
   *     {@code options.memory()} was asked
   */
  public Snapshot take(String name, SnapshotOptions options) {
    Engine.Target t = engine.single(node, "snapshot", Action.SNAPSHOT);
    dev.flotilla.vm.spi.Snapshots snapshots = facet(t);
    if (options.memory() && !Capabilities.has(t.provider, Capability.SNAPSHOT_MEMORY)) {
      throw new UnsupportedCapabilityException(Capability.SNAPSHOT_MEMORY, t.provider.api());
    }
    Engine.check(t, Action.SNAPSHOT);
    Snapshot taken = engine.backoff.retry(() -> snapshots.take(t.vmId(), name, options));
    return awaitReady(t, snapshots, taken.id());
  }

  /** Takes a disk-only snapshot; see {@link #take(String, SnapshotOptions)}. */
  public Snapshot take(String name) {
    return take(name, SnapshotOptions.DISK);
  }

  /** The chain as the cloud reports it now: parents, branches and the current snapshot. */
  public SnapshotChain chain() {
    Engine.Target t = engine.single(node, "list the snapshots of", null);
    return chain(t, facet(t));
  }

  /**
   * Reverts the VM to a snapshot, named by id or name, and waits until the VM settles. The snapshot becomes
   * current, so the next snapshot starts a new branch.
   *
   * @return the VM after the revert: running for a memory snapshot, usually stopped otherwise
   */
  public Instance revert(String snapshot) {
    Engine.Target t = engine.single(node, "revert", Action.REVERT);
    dev.flotilla.vm.spi.Snapshots snapshots = facet(t);
    Engine.check(t, Action.REVERT);
    Snapshot s = find(t, snapshots, snapshot);
    engine.backoff.retry(() -> snapshots.revert(t.vmId(), s.id()));
    // A memory snapshot resumes running; a disk-only one settles where the provider leaves it.
    List<Map<String, Instance>> seen = s.includesMemory() ? engine.waiter.await(List.of(t.group()), State.RUNNING)
        : engine.waiter.await(List.of(t.group()), st -> st.isSettled() && st != State.ERROR
            && st != State.TERMINATED, "settled");
    return seen.get(0).get(t.vmId());
  }

  /** Deletes a snapshot, named by id or name; its children move to its parent. */
  public void delete(String snapshot) {
    Engine.Target t = engine.single(node, "delete a snapshot of", null);
    dev.flotilla.vm.spi.Snapshots snapshots = facet(t);
    Snapshot s = find(t, snapshots, snapshot);
    engine.backoff.retry(() -> snapshots.delete(t.vmId(), s.id()));
  }

  private Snapshot find(Engine.Target t, dev.flotilla.vm.spi.Snapshots snapshots, String idOrName) {
    SnapshotChain chain = chain(t, snapshots);
    return chain.find(idOrName).orElseThrow(() -> new ConfigurationException(null, "snapshot", "node '"
        + t.node.name() + "' has no snapshot '" + idOrName + "'; it has "
        + chain.snapshots().stream().map(Snapshot::name).toList()));
  }

  private Snapshot awaitReady(Engine.Target t, dev.flotilla.vm.spi.Snapshots snapshots, String snapshotId) {
    Map<String, String> lastSeen = new LinkedHashMap<>();
    return engine.waiter.until(() -> {
      Optional<Snapshot> s = chain(t, snapshots).get(snapshotId);
      lastSeen.put(snapshotId, s.map(x -> x.status().name()).orElse("not listed"));
      if (s.isPresent() && s.get().status() == Snapshot.Status.ERROR) {
        throw new CloudException(CloudException.Kind.UNKNOWN, t.provider.api(), null, "snapshot '" + s.get().name()
            + "' of " + t.subject() + " failed; delete it with 'vm snapshot-rm " + t.node.name() + " "
            + s.get().name() + "' and try again [in code: client.snapshots(node).delete(name)]");
      }
      return s.filter(x -> x.status() == Snapshot.Status.READY);
    }, () -> t.provider.settlesIn(List.of(t.vmId())), elapsed -> new WaitTimeoutException("snapshot READY", lastSeen,
        elapsed));
  }

  private SnapshotChain chain(Engine.Target t, dev.flotilla.vm.spi.Snapshots snapshots) {
    return engine.backoff.retry(() -> snapshots.chain(t.vmId()));
  }

  private static dev.flotilla.vm.spi.Snapshots facet(Engine.Target t) {
    return Engine.facet(t.provider, Capability.SNAPSHOTS, Provider::snapshots);
  }
}
