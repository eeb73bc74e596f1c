package dev.flotilla.vm.store;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.internal.NodeLocks;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;

/** A {@link NodeStore} in memory: the default of a client, and handy in tests. Thread-safe. */
public final class InMemoryNodeStore implements NodeStore {
  private final ConcurrentSkipListMap<String, Node> nodes = new ConcurrentSkipListMap<>();
  private final java.util.Map<String, java.util.concurrent.Semaphore> locks = NodeLocks.table();

  @Override
  public Optional<Node> get(String name) {
    return Optional.ofNullable(nodes.get(name));
  }

  @Override
  public List<Node> list() {
    return List.copyOf(nodes.values());
  }

  @Override
  public Optional<Node> update(String name, UnaryOperator<Node> change) {
    return Optional.ofNullable(nodes.compute(name, (k, old) -> {
      Node updated = change.apply(old);
      if (updated != null && !updated.name().equals(name)) {
        throw new ConfigurationException(null, "name", "the record of node '" + name + "' cannot be saved as node '"
            + updated.name() + "'; rename by adding the new record and removing the old one");
      }
      return updated;
    }));
  }

  /** Locks that threads of this JVM honour; the store lives in this JVM only. */
  @Override
  public Lock lock(java.util.Collection<String> names, java.time.Duration wait) {
    java.time.Instant start = java.time.Instant.now();
    return NodeLocks.takeAll(names, NodeLocks.deadline(wait),
        (name, deadline) -> NodeLocks.takeInJvm(locks, name, start, deadline));
  }

  @Override
  public String toString() {
    return "InMemoryNodeStore{" + nodes.size() + " nodes}";
  }
}
