package dev.flotilla.vm;

/**
 * Another client is creating a VM for a node and kept the node's lock longer than this client would wait.
 * The message names the node and, where the store can tell, the process and host holding the lock. A
 * lock held by a process that died is released with it, so waiting and trying again is always safe.
 */
public class NodeLockedException extends VmException {
  private static final long serialVersionUID = 1L;

  private final String node;
  private final String holder;

  /**
   * @param node the node whose lock is held
   * @param holder who holds it, such as {@code pid 4242 on host ops-1 since 2026-12-01T10:15:30Z}
   * @param waited how long this client waited, for the message
   */
  public NodeLockedException(String node, String holder, java.time.Duration waited) {
    super("node " + node + " is locked by " + holder + ", which is creating its VM; waited "
        + waited.toSeconds() + " s. Try again when it is done; a lock held by a process that died is released"
        + " with it.");
    this.node = node;
    this.holder = holder;
  }

  /** The node whose lock is held. */
  public String node() {
    return node;
  }

  /** Who holds the lock, as the store can tell. */
  public String holder() {
    return holder;
  }
}
