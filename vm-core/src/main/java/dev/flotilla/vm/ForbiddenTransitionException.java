package dev.flotilla.vm;

import java.util.Set;

/** An action the VM's current state does not allow, such as rebooting a stopped VM. */
public class ForbiddenTransitionException extends VmException {
  private static final long serialVersionUID = 1L;

  private final Lifecycle.State state;
  private final Lifecycle.Action action;

  /**
   * @param subject what the VM is, for the message (such as {@code "VM i-123 of node web1"})
   * @param state the state it is in
   * @param action the action that was refused
   */
  public ForbiddenTransitionException(String subject, Lifecycle.State state, Lifecycle.Action action) {
    super(message(subject, state, action));
    this.state = state;
    this.action = action;
  }

  private static String message(String subject, Lifecycle.State state, Lifecycle.Action action) {
    Set<Lifecycle.Action> allowed = state.allowedActions();
    return "Cannot " + action + " " + subject + ": it is " + state + ", which allows "
        + (allowed.isEmpty() ? "no action (wait until it settles)" : allowed.toString()) + ".";
  }

  /** The state the VM was in. */
  public Lifecycle.State state() {
    return state;
  }

  /** The action that was refused. */
  public Lifecycle.Action action() {
    return action;
  }
}
