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

  /** The high-availability supervisor found a node down, restarted it, or gave up on it. */
  default void onHa(HaEvent event) {}

  /** A reaper found a VM whose lease has ended, and destroyed or stopped it (or, in a dry run, would). */
  default void onReap(Reaper.Reaped reaped) {}

  /** A create found no capacity in one place and goes on to the next of its node's placement order. */
  default void onMove(Move move) {}

  /**
   * A node's create moving on from a place that had no capacity, the place before resolved (nothing of its
   * create is left there).
   *
   * @param node the node's name
   * @param from the place without capacity
   * @param to the place tried next
   * @param type the instance type asked for, or null for the cloud's default
   * @param reason what the cloud answered
   */
  record Move(String node, Place from, Place to, String type, String reason) {
    /** One line for people: {@code web1: us-east-1a has no capacity for t3.large; trying us-east-1b}. */
    public String describe() {
      boolean sameProfile = from.profile().equals(to.profile()) && from.zone() != null && to.zone() != null;
      return node + ": " + (sameProfile ? from.zone() : from) + " has no capacity" + (type == null ? "" : " for "
          + type) + "; trying " + (sameProfile ? to.zone() : to);
    }
  }

  /**
   * What the high-availability supervisor ({@link HaSupervisor}) did about one node.
   *
   * @param node the node's name
   * @param vmId its VM, or {@code null} when it had none
   * @param kind what happened
   * @param message the details, for people
   */
  record HaEvent(String node, String vmId, HaEvent.Kind kind, String message) {
    /** What happened. */
    public enum Kind {
      /** Found stopped or gone with no Flotilla call behind it: being restarted. */
      RESTARTING,
      /** Running again. */
      RESTARTED,
      /** The restart failed; it is tried again after a pause that grows each time. */
      FAILED,
      /** It went down more often than the restart budget allows; left alone until someone starts it. */
      BUDGET_SPENT,
      /** In a state no restart mends (ERROR): left for a person to look at. */
      NEEDS_ATTENTION
    }

    @Override
    public String toString() {
      return node + (vmId == null ? "" : " (" + vmId + ")") + ": " + kind.name().toLowerCase(java.util.Locale.ROOT)
          .replace('_', ' ') + (message == null || message.isEmpty() ? "" : ", " + message);
    }
  }

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
   * @param elapsed how long the wait has lasted (on the client's clock)
   */
  record Progress(String target, int done, int total, java.time.Duration elapsed) {
    /** Progress at the start of a wait. */
    public Progress(String target, int done, int total) {
      this(target, done, total, java.time.Duration.ZERO);
    }

    /** Such as {@code 2/4 running}. */
    @Override
    public String toString() {
      return done + "/" + total + " " + target.toLowerCase(java.util.Locale.ROOT);
    }
  }
}
