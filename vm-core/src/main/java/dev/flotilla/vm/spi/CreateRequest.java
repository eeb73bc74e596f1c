package dev.flotilla.vm.spi;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A request to create one VM for each of several nodes that share one launch specification (image,
 * type, key pair, user data...), so a provider can make them in a single call (EC2's
 * {@code MinCount = MaxCount = N}).
 *
 * @param spec the shared specification; its name and binding are not used
 * @param nodeNames the nodes to create a VM for, one VM each, in order
 * @param clientToken an idempotency token: the same token must never make VMs twice
 * @param tags tags every new VM carries, besides {@link Instance#NODE_TAG} naming its own node
 * @param taken ids of VMs that other nodes' records are bound to: a create answered with one of them is
 *     refused by {@link #checkNew}, never tagged or bound
 */
public record CreateRequest(Node spec, List<String> nodeNames, String clientToken, Map<String, String> tags,
    Set<String> taken) {
  /** Checks and copies the values. */
  public CreateRequest {
    Objects.requireNonNull(spec, "spec");
    nodeNames = nodeNames == null ? List.of() : List.copyOf(nodeNames);
    if (nodeNames.isEmpty()) {
      throw new ConfigurationException(null, "nodeNames", "a create request needs at least one node");
    }
    if (clientToken == null || clientToken.isBlank()) {
      throw new ConfigurationException(null, "clientToken", "a create request needs an idempotency token");
    }
    tags = tags == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tags));
    taken = taken == null ? Set.of() : java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(taken));
  }

  /** A request that knows of no VM bound elsewhere. */
  public CreateRequest(Node spec, List<String> nodeNames, String clientToken, Map<String, String> tags) {
    this(spec, nodeNames, clientToken, tags, Set.of());
  }

  /**
   * Refuses {@code id}, the id a create answered for node {@code nodeName}, when it is another node's VM:
   * a provider calls it before it writes anything to the VM (tags), and the client calls it again before it
   * binds. An answer that names an existing VM is a cloud's or a proxy's mistake (or worse), never a new VM.
   *
   * @param api the provider's api id, for the error
   * @throws CloudException of kind UNKNOWN when {@code id} is taken
   */
  public void checkNew(String api, String id, String nodeName) {
    if (taken.contains(id)) {
      throw new CloudException(CloudException.Kind.UNKNOWN, api, "ForeignId", "the create of node " + nodeName
          + " was answered with VM " + id + ", which another node's record is bound to; refused: nothing was"
          + " tagged or bound, and " + nodeName + " keeps its create intent ('vm status' shows what exists)");
    }
  }

  /** How many VMs to create. */
  public int count() {
    return nodeNames.size();
  }

  /** The tags the VM for {@code nodeName} must carry: the shared ones plus its node's name. */
  public Map<String, String> tagsFor(String nodeName) {
    Map<String, String> out = new LinkedHashMap<>(tags);
    out.put(Instance.NODE_TAG, nodeName);
    return out;
  }
}
