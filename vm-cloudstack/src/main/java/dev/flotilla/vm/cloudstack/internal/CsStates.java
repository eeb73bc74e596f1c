package dev.flotilla.vm.cloudstack.internal;

import dev.flotilla.vm.Lifecycle.State;

/**
 * CloudStack's VirtualMachine.State as a {@link State}; the word itself is kept as the provider state. A VM
 * listed with a job still running is in transition, whatever its state says: a new VM shows Stopped until
 * its deploy job starts it.
 */
public final class CsStates {
  private CsStates() {}

  /** The state of a VM CloudStack lists as {@code state}, with a pending job or not. */
  public static State state(String state, boolean jobPending) {
    State s = switch (state == null ? "" : state) {
      case "Starting", "Migrating", "Restoring" -> State.PENDING;
      case "Running" -> State.RUNNING;
      case "Stopping" -> State.STOPPING;
      case "Stopped", "Shutdown", "Shutdowned" -> State.STOPPED;
      case "Destroyed" -> State.TERMINATED;
      case "Expunging" -> State.TERMINATING;
      case "Error" -> State.ERROR;
      default -> State.UNKNOWN;
    };
    return jobPending && s == State.STOPPED ? State.PENDING : s;
  }
}
