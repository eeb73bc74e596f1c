package dev.flotilla.vm;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An action the VM's current state does not allow, such as rebooting a stopped VM. The message says it in
 * words, what the state allows, and, where one step makes the action possible, that step (with the {@code
 * vm} command to take when the node is known).
 */
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
    this(subject, null, state, action);
  }

  /**
   * @param subject what the VM is, for the message (such as {@code "VM i-123 of node web1"})
   * @param node the node whose VM it is, so that the message can name the command to run; or null
   * @param state the state it is in
   * @param action the action that was refused
   */
  public ForbiddenTransitionException(String subject, String node, Lifecycle.State state, Lifecycle.Action action) {
    this(subject, node, state, action, a -> true);
  }

  /** As above, naming among what the state allows only what the VM's cloud can do ({@code possible}). */
  ForbiddenTransitionException(String subject, String node, Lifecycle.State state, Lifecycle.Action action,
      java.util.function.Predicate<Lifecycle.Action> possible) {
    this(state, action, message(subject, node, state, action, possible));
  }

  /** With a message of the caller's: an operation that needs a VM, asked of a node that has none. */
  ForbiddenTransitionException(Lifecycle.State state, Lifecycle.Action action, String message) {
    super(message);
    this.state = state;
    this.action = action;
  }

  private static String message(String subject, String node, Lifecycle.State state, Lifecycle.Action action,
      java.util.function.Predicate<Lifecycle.Action> possible) {
    Set<Lifecycle.Action> allowed = state.allowedActions().stream().filter(possible)
        .collect(Collectors.toCollection(() -> java.util.EnumSet.noneOf(Lifecycle.Action.class)));
    String can = allowed.isEmpty() ? "it allows nothing until it settles; try again in a moment"
        : "from " + word(state) + " it can " + allowed.stream().map(ForbiddenTransitionException::word)
            .collect(Collectors.joining(", "));
    String first = step(state, action).map(s -> " " + capitalized(word(s)) + " it first"
        + (node == null ? "" : ": " + command(s, node) + " [in code: VmClient." + call(s) + "]")).orElse("");
    return "Cannot " + word(action) + " " + subject + ": it is " + word(state) + " (" + can + ")." + first;
  }

  /** An allowed action after which {@code action} is allowed, if there is one. */
  private static Optional<Lifecycle.Action> step(Lifecycle.State state, Lifecycle.Action action) {
    return state.allowedActions().stream().filter(s -> s != Lifecycle.Action.DESTROY || action == Lifecycle.Action.CREATE)
        .filter(s -> s.leadsTo(state).allows(action)).findFirst();
  }

  /** An action or state as people say it: {@code force-stop}, {@code running}. */
  static String word(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static String command(Lifecycle.Action a, String node) {
    return switch (a) {
      case CREATE, START -> "vm start " + node;
      case STOP -> "vm stop " + node;
      case FORCE_STOP -> "vm stop --hard " + node;
      case REBOOT -> "vm reboot " + node;
      case DESTROY -> "vm rm " + node;
      case SNAPSHOT -> "vm snapshot " + node + " NAME";
      case REVERT -> "vm revert " + node + " SNAPSHOT";
      case RESIZE -> "vm resize " + node + " TYPE";
    };
  }

  private static String call(Lifecycle.Action a) {
    return switch (a) {
      case CREATE, START -> "start";
      case FORCE_STOP -> "forceStop";
      case DESTROY -> "destroy";
      default -> word(a);
    };
  }

  /** The state the VM was in. */
  public Lifecycle.State state() {
    return state;
  }

  /** The action that was refused; null when the refused operation is not one of the lifecycle's (a console). */
  public Lifecycle.Action action() {
    return action;
  }
}
