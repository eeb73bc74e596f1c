package dev.flotilla.vm.store;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.support.NodeJson;
import dev.flotilla.vm.support.NodeLocks;
import dev.flotilla.vm.support.Records;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;

/**
 * A {@link NodeStore} in memory: the default of a client, and handy in tests. Thread-safe; updates run one
 * at a time, each change applied once. A record that names a parent keeps only what differs from it, and
 * inherits the rest, as in {@link FileNodeStore}.
 */
public final class InMemoryNodeStore implements NodeStore {
  /** Each record as it was written: with a parent, only what differs from it. */
  private final ConcurrentSkipListMap<String, Node> nodes = new ConcurrentSkipListMap<>();
  private final java.util.Map<String, java.util.concurrent.Semaphore> locks = NodeLocks.table();

  @Override
  public Optional<Node> get(String name) {
    Node raw = nodes.get(name);
    return raw == null ? Optional.empty() : Optional.of(resolve(raw, new LinkedHashSet<>()));
  }

  @Override
  public List<Node> list() {
    List<Node> out = new ArrayList<>();
    for (Node raw : nodes.values()) {
      out.add(resolve(raw, new LinkedHashSet<>()));
    }
    return out;
  }

  @Override
  public synchronized Optional<Node> update(String name, UnaryOperator<Node> change) {
    Node updated = change.apply(get(name).orElse(null));
    if (updated == null) {
      nodes.remove(name);
      return Optional.empty();
    }
    Node parent = Records.parentOf(name, updated, this::get, null, this::whereIs);
    nodes.put(name, parent == null ? updated : NodeJson.read(name, NodeJson.write(updated, parent), null));
    return Optional.of(updated);
  }

  private Node resolve(Node raw, Set<String> seen) {
    if (raw.parent().isEmpty()) {
      return raw;
    }
    if (!seen.add(raw.name())) {
      throw new ConfigurationException(null, "inherit", "inheritance loops back to itself: " + String.join(" -> ", seen)
          + " -> " + raw.name() + "; remove one 'inherit'");
    }
    String parentName = raw.parent().get();
    Node parent = nodes.get(parentName);
    if (parent == null) {
      throw new ConfigurationException(null, "inherit", "the record of node '" + raw.name() + "' names node '"
          + parentName + "', which has no record; create it or fix the name");
    }
    return NodeJson.resolve(raw, resolve(parent, seen));
  }

  /** Locks that threads of this JVM honour; the store lives in this JVM only. */
  @Override
  public Lock lock(java.util.Collection<String> names, java.time.Duration wait) {
    java.time.Instant start = java.time.Instant.now();
    return NodeLocks.takeAll(names, NodeLocks.deadline(wait),
        (name, deadline) -> NodeLocks.takeInJvm(locks, name, start, deadline));
  }

  @Override
  public String location() {
    return "memory";
  }

  @Override
  public String toString() {
    return "InMemoryNodeStore{" + nodes.size() + " nodes}";
  }
}
