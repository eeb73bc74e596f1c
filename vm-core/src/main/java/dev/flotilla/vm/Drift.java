package dev.flotilla.vm;

/**
 * One disagreement between the node records and the cloud, with the command and the call that fix it.
 *
 * @param kind what disagrees
 * @param node the node concerned
 * @param vmId the VM concerned, or {@code null}
 * @param message what is wrong, in a sentence
 * @param command the {@code vm} command that fixes it, such as {@code vm bind web1 i-0abc}
 * @param call the Java call that fixes it, such as {@code client.bind(web1, "i-0abc")}
 */
public record Drift(Kind kind, String node, String vmId, String message, String command, String call) {
  /** The disagreements {@code VmClient.status()} finds; those LEAP's {@code vm status} reports and a few more. */
  public enum Kind {
    /** A VM carries a node name that has no record. Never fixed automatically: adopt it or destroy it. */
    VM_WITHOUT_RECORD,
    /** A record has no VM id. Reconcile adopts the VM that carries its name when there is exactly one. */
    RECORD_WITHOUT_VM,
    /** A record's VM id differs from the VM that carries its name. Reconcile rebinds when the recorded VM is gone. */
    VM_ID_MISMATCH,
    /** A record's VM id matches no VM. Reconcile clears it, after asking the cloud about that id once more. */
    VM_NOT_FOUND,
    /** A record's VM does not carry the node's name. Reconcile tags it when it carries no node name at all. */
    UNTAGGED_VM,
    /** Several live VMs carry one node's name. Never fixed automatically: destroy the ones you do not want. */
    DUPLICATE_VMS,
    /** A running VM's public address differs from the record's. Reconcile records the VM's address. */
    ADDRESS_MISMATCH,
    /**
     * A create intent is still in a record: a create did not finish. Start finds what it made or makes the
     * VM; reconcile adopts what it made.
     */
    UNFINISHED_CREATE,
    /**
     * A record is bound to a VM that carries another node's name. Reconcile clears the binding when the
     * other node's record is bound to that VM too (a copied record).
     */
    VM_OF_OTHER_NODE,
    /**
     * A live VM nothing attributes to a node (no node name, no record bound to it) that Flotilla made or an
     * unfinished create may have made. Never fixed automatically: bind it to its node or destroy it by id.
     */
    UNATTRIBUTED_VM,
    /**
     * A record's VM is on a profile this client does not use (a fallback took it there): nothing of it was
     * checked, and reconcile leaves it be. Look with that profile.
     */
    ON_OTHER_PROFILE
  }

  @Override
  public String toString() {
    return kind + " " + node + (vmId == null ? "" : " (" + vmId + ")") + ": " + message + " Fix: " + command;
  }
}
