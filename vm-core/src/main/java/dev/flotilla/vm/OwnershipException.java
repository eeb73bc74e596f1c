package dev.flotilla.vm;

import java.util.Optional;

/**
 * A call would act on a VM that is not the node's: the VM's node tag names another node, or another
 * node's record is bound to it. Flotilla refuses rather than stop, destroy, revert or re-bind another
 * node's VM; the message names both nodes and how to go on. A client built with {@link
 * VmClient.Builder#force(boolean)} acts anyway where forcing makes sense.
 */
public class OwnershipException extends VmException {
  private static final long serialVersionUID = 1L;

  private final String node;
  private final String vmId;
  private final String owner;

  /**
   * @param node the node the call was for, or {@code null} for a call on a VM by id
   * @param vmId the VM
   * @param owner the node the VM belongs to
   * @param message what was refused and how to go on
   */
  public OwnershipException(String node, String vmId, String owner, String message) {
    super(message);
    this.node = node;
    this.vmId = vmId;
    this.owner = owner;
  }

  /** The node the call was for, if it was for a node. */
  public Optional<String> node() {
    return Optional.ofNullable(node);
  }

  /** The VM the call would have acted on. */
  public String vmId() {
    return vmId;
  }

  /** The node the VM belongs to. */
  public String owner() {
    return owner;
  }
}
