package dev.flotilla.vm;

/**
 * Hears what a client sees while it works: every state change of a VM it waits on, and progress of a
 * wait ("2/4 running"). Called on the waiting thread; keep it quick.
 */
public interface VmListener {
  /** A VM was seen in a new state. */
  default void onTransition(Transition transition) {}

  /** A wait made progress. */
  default void onProgress(Progress progress) {}

  /**
   * A VM seen in a new state.
   *
   * @param node the node's name
   * @param vmId the VM's id
   * @param from the state it was last seen in, or {@code null} when first seen
   * @param to the state it is in now
   * @param providerState the provider's own word for it
   */
  record Transition(String node, String vmId, Lifecycle.State from, Lifecycle.State to, String providerState) {
    @Override
    public String toString() {
      return node + " (" + vmId + "): " + (from == null ? "" : from + " -> ") + to
          + (providerState.equals(to.name()) ? "" : " '" + providerState + "'");
    }
  }

  /**
   * How far a wait has come.
   *
   * @param target what is waited for, such as {@code RUNNING}
   * @param done how many VMs have reached it
   * @param total how many are waited on
   */
  record Progress(String target, int done, int total) {
    /** Such as {@code 2/4 running}. */
    @Override
    public String toString() {
      return done + "/" + total + " " + target.toLowerCase(java.util.Locale.ROOT);
    }
  }
}
