package dev.flotilla.vm.spi;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.internal.Values;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request to create one VM for each of several nodes that share one launch specification (image,
 * type, key pair, user data...), so a provider can make them in a single call (EC2's
 * {@code MinCount = MaxCount = N}).
 *
 * @param spec the shared specification; its name and binding are not used
 * @param nodeNames the nodes to create a VM for, one VM each, in order
 * @param clientToken an idempotency token: the same token must never make VMs twice
 * @param tags tags every new VM carries, besides {@link Instance#NODE_TAG} naming its own node
 */
public record CreateRequest(Node spec, List<String> nodeNames, String clientToken, Map<String, String> tags) {
  /** Checks and copies the values. */
  public CreateRequest {
    Objects.requireNonNull(spec, "spec");
    nodeNames = Values.copy(nodeNames, "nodeNames");
    if (nodeNames.isEmpty()) {
      throw new ConfigurationException(null, "nodeNames", "a create request needs at least one node");
    }
    if (clientToken == null || clientToken.isBlank()) {
      throw new ConfigurationException(null, "clientToken", "a create request needs an idempotency token");
    }
    tags = Values.copy(tags, "tags");
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
