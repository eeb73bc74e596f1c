package dev.flotilla.vm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The snapshot history of one VM, as CloudStack defines VM snapshots: a tree in which each new snapshot
 * is a child of the current one. Reverting moves "current", so a snapshot taken after a revert starts a
 * new branch. Deleting a snapshot hands its children to its parent. With a maximum count, adding past it
 * removes the oldest snapshots first. Destroying the VM removes them all ({@link #cleared()}).
 *
 * <p>Immutable: every change returns a new chain. Snapshots are kept oldest first.
 */
public final class SnapshotChain {
  private static final SnapshotChain EMPTY = new SnapshotChain(List.of(), null, 0);

  private final List<Snapshot> snapshots;
  private final String currentId;
  private final int maxCount;

  private SnapshotChain(List<Snapshot> snapshots, String currentId, int maxCount) {
    this.snapshots = List.copyOf(snapshots);
    this.currentId = currentId;
    this.maxCount = maxCount;
  }

  /** An empty chain with no maximum. */
  public static SnapshotChain empty() {
    return EMPTY;
  }

  /**
   * An empty chain that keeps at most {@code maxCount} snapshots.
   *
   * @param maxCount the maximum, or 0 for no maximum
   */
  public static SnapshotChain empty(int maxCount) {
    if (maxCount < 0) {
      throw new ConfigurationException(null, "maxSnapshots", "must be 0 (no maximum) or more, got " + maxCount);
    }
    return maxCount == 0 ? EMPTY : new SnapshotChain(List.of(), null, maxCount);
  }

  /**
   * A chain as a provider reports it.
   *
   * @param snapshots every snapshot of the VM, in any order (kept oldest first)
   * @param currentId the snapshot the VM is now based on, or {@code null}
   * @param maxCount the maximum, or 0 for none
   * @throws ConfigurationException when a parent or the current id names no snapshot in the list, or ids
   *     repeat
   */
  public static SnapshotChain of(List<Snapshot> snapshots, String currentId, int maxCount) {
    List<Snapshot> sorted = new ArrayList<>(snapshots);
    sorted.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
    Map<String, Snapshot> byId = new HashMap<>();
    for (Snapshot s : sorted) {
      if (byId.put(s.id(), s) != null) {
        throw new ConfigurationException(null, "snapshots", "snapshot id '" + s.id() + "' appears twice");
      }
    }
    for (Snapshot s : sorted) {
      s.parentId().filter(p -> !byId.containsKey(p)).ifPresent(p -> {
        throw new ConfigurationException(null, "snapshots", "snapshot '" + s.id() + "' names parent '" + p
            + "', which is not in the chain");
      });
    }
    if (currentId != null && !byId.containsKey(currentId)) {
      throw new ConfigurationException(null, "current", "names snapshot '" + currentId + "', which is not in the chain");
    }
    return new SnapshotChain(sorted, currentId, empty(maxCount).maxCount);
  }

  /** Every snapshot, oldest first. */
  public List<Snapshot> snapshots() {
    return snapshots;
  }

  /** How many snapshots there are. */
  public int size() {
    return snapshots.size();
  }

  /** Whether there are none. */
  public boolean isEmpty() {
    return snapshots.isEmpty();
  }

  /** The maximum number of snapshots kept, or 0 for no maximum. */
  public int maxCount() {
    return maxCount;
  }

  /** The snapshot the VM is now based on: the last one taken, or the one last reverted to. */
  public Optional<Snapshot> current() {
    return currentId == null ? Optional.empty() : get(currentId);
  }

  /** The snapshot with this id. */
  public Optional<Snapshot> get(String id) {
    return snapshots.stream().filter(s -> s.id().equals(id)).findFirst();
  }

  /** The snapshot with this id, or else the newest with this name. */
  public Optional<Snapshot> find(String idOrName) {
    Optional<Snapshot> byId = get(idOrName);
    if (byId.isPresent()) {
      return byId;
    }
    Snapshot found = null;
    for (Snapshot s : snapshots) {
      if (s.name().equals(idOrName)) {
        found = s;
      }
    }
    return Optional.ofNullable(found);
  }

  /** The snapshots taken directly on top of {@code id}, oldest first. */
  public List<Snapshot> children(String id) {
    return snapshots.stream().filter(s -> s.parentId().filter(id::equals).isPresent()).toList();
  }

  /** The snapshots with no parent, oldest first. */
  public List<Snapshot> roots() {
    return snapshots.stream().filter(s -> s.parentId().isEmpty()).toList();
  }

  /** The parent of {@code id}, if it has one. */
  public Optional<Snapshot> parent(String id) {
    return get(id).flatMap(Snapshot::parentId).flatMap(this::get);
  }

  /**
   * The chain with {@code snapshot} added as a child of the current snapshot; it becomes current. If the
   * chain then holds more than its maximum, the oldest snapshots are removed (their children re-parented).
   *
   * @param snapshot a new snapshot; its own parent id is replaced by the current snapshot's id
   */
  public SnapshotChain add(Snapshot snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    if (get(snapshot.id()).isPresent()) {
      throw new ConfigurationException(null, "snapshot.id", "snapshot id '" + snapshot.id() + "' is already in the chain");
    }
    List<Snapshot> more = new ArrayList<>(snapshots);
    more.add(snapshot.withParent(currentId));
    SnapshotChain chain = new SnapshotChain(more, snapshot.id(), maxCount);
    while (chain.maxCount > 0 && chain.size() > chain.maxCount) {
      chain = chain.delete(chain.snapshots.get(0).id());
    }
    return chain;
  }

  /**
   * The chain after a revert to {@code id}: it becomes current, so the next snapshot starts a branch.
   *
   * @throws ConfigurationException when no snapshot has that id
   */
  public SnapshotChain revertTo(String id) {
    return new SnapshotChain(snapshots, require(id).id(), maxCount);
  }

  /**
   * The chain without snapshot {@code id}: its children now hang from its parent, and if it was current
   * its parent becomes current.
   *
   * @throws ConfigurationException when no snapshot has that id
   */
  public SnapshotChain delete(String id) {
    Snapshot gone = require(id);
    String newParent = gone.parentId().orElse(null);
    List<Snapshot> rest = new ArrayList<>(snapshots.size());
    for (Snapshot s : snapshots) {
      if (s.id().equals(id)) {
        continue;
      }
      rest.add(s.parentId().filter(id::equals).isPresent() ? s.withParent(newParent) : s);
    }
    return new SnapshotChain(rest, id.equals(currentId) ? newParent : currentId, maxCount);
  }

  /** The same chain with one snapshot replaced by a newer observation of it (such as READY). */
  public SnapshotChain replace(Snapshot updated) {
    require(updated.id());
    List<Snapshot> out = new ArrayList<>(snapshots.size());
    for (Snapshot s : snapshots) {
      out.add(s.id().equals(updated.id()) ? updated : s);
    }
    return new SnapshotChain(out, currentId, maxCount);
  }

  /** An empty chain with the same maximum: what is left when the VM is destroyed. */
  public SnapshotChain cleared() {
    return empty(maxCount);
  }

  private Snapshot require(String id) {
    return get(id).orElseThrow(() -> new ConfigurationException(null, "snapshot", "no snapshot with id '" + id
        + "'; the chain holds " + snapshots.stream().map(s -> s.id() + " (" + s.name() + ")").toList()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SnapshotChain c && snapshots.equals(c.snapshots) && Objects.equals(currentId, c.currentId)
        && maxCount == c.maxCount;
  }

  @Override
  public int hashCode() {
    return Objects.hash(snapshots, currentId, maxCount);
  }

  @Override
  public String toString() {
    return "SnapshotChain{" + snapshots.size() + " snapshots, current=" + currentId
        + (maxCount > 0 ? ", max=" + maxCount : "") + "}";
  }
}
