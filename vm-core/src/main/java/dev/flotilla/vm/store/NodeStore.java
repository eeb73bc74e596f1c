package dev.flotilla.vm.store;

import dev.flotilla.vm.Node;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where a client keeps its records of nodes and the VMs they are bound to, so that it never forgets a VM
 * it created. Implementations must be thread-safe, and {@link #update} must be atomic: two writers never
 * lose each other's changes. {@link #lock} gives one writer per node across every client that shares the
 * store: threads, processes and, for a shared store, hosts.
 *
 * <p>{@link NodeStores#open} opens a store by its location: a directory ({@link FileNodeStore}) or a URL whose
 * scheme an installed {@link dev.flotilla.vm.spi.NodeStoreFactory} serves, such as {@code postgresql://host/db}
 * (module vm-store-postgresql). Close a store you opened; closing one that holds nothing open does nothing.
 */
public interface NodeStore extends AutoCloseable {
  /** Locks taken with {@link #lock}; closing releases them. */
  interface Lock extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes the locks of the nodes {@code names}, all of them or none. While a client holds a node's lock no
   * other client of this store takes it, so "look for the node's VM, create it, record it" happens once.
   * Locks are taken in name order, so clients locking overlapping sets never deadlock; a lock held by a
   * process that dies is released with it. Locks are not reentrant.
   *
   * @param wait how long to wait for locks that another client holds
   * @throws dev.flotilla.vm.NodeLockedException when a lock is still held after {@code wait}, naming the
   *     holder where the store can tell
   */
  Lock lock(Collection<String> names, Duration wait);

  /** The record of node {@code name}. */
  Optional<Node> get(String name);

  /** Every record, sorted by name. */
  List<Node> list();

  /**
   * The records of the nodes {@code names} that have one, by name: what a call on many nodes reads at once.
   * A store that can read them in fewer round trips than one {@link #get} each does so.
   */
  default java.util.Map<String, Node> get(Collection<String> names) {
    java.util.Map<String, Node> out = new java.util.LinkedHashMap<>();
    for (String name : names) {
      get(name).ifPresent(n -> out.put(name, n));
    }
    return out;
  }

  /** Saves {@code node}, replacing any record of the same name. */
  default Node put(Node node) {
    return update(node.name(), old -> node).orElseThrow();
  }

  /**
   * Atomically replaces the record of {@code name} with {@code change} applied to it. {@code change} gets
   * {@code null} when there is no record, and returns {@code null} to delete it.
   *
   * @return the new record, or empty when it was deleted
   */
  Optional<Node> update(String name, UnaryOperator<Node> change);

  /** Where the records are kept, for messages: a folder, or a database's URL (never with a password). */
  default String location() {
    return toString();
  }

  /** Where the record of {@code name} is kept, for messages: a file, or a row of {@link #location()}. */
  default String whereIs(String name) {
    return location() + ", record " + name;
  }

  /** Releases what the store holds open (connections, pools); records stay where they are. */
  @Override
  default void close() {}

  /** Deletes the record of {@code name}; returns whether there was one. */
  default boolean remove(String name) {
    boolean[] had = new boolean[1];
    update(name, old -> {
      had[0] = old != null;
      return null;
    });
    return had[0];
  }
}
