package dev.flotilla.vm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The portable life of a VM: the states every provider's own states map to, the actions that move
 * between them, which actions each state allows, and the plan of actions from one state to another.
 *
 * <p>A node with no VM is treated as {@link State#TERMINATED}: the only way on from there is
 * {@link Action#CREATE}, which makes a new VM. Asking for what a VM already is (starting a running VM,
 * destroying a terminated one) is a no-op, not an error; see {@link #isNoOp}.
 */
public final class Lifecycle {
  private Lifecycle() {}

  /** Portable VM states. Settled states are worth waiting for; transient ones pass by themselves. */
  public enum State {
    /** Being created or started; becomes RUNNING. */
    PENDING(false),
    /** Up. */
    RUNNING(true),
    /** Shutting down gracefully; becomes STOPPED. */
    STOPPING(false),
    /** Off, disks kept; can be started again. */
    STOPPED(true),
    /** Restarting; becomes RUNNING. */
    REBOOTING(false),
    /** Paused with its memory kept (OpenStack SUSPENDED or PAUSED, OpenNebula SUSPENDED). */
    SUSPENDED(true),
    /** Being destroyed; becomes TERMINATED. */
    TERMINATING(false),
    /** Gone, or never created. */
    TERMINATED(true),
    /** Failed; it still holds resources until destroyed. */
    ERROR(true),
    /**
     * The provider cannot say, or the guest shut itself down while its resources are held (StratusLab's
     * Unknown). Settled: it will not change by itself, and it can be started or destroyed.
     */
    UNKNOWN(true);

    private final boolean settled;

    State(boolean settled) {
      this.settled = settled;
    }

    /** Whether the state lasts until an action changes it, so that it is worth waiting for. */
    public boolean isSettled() {
      return settled;
    }

    /** Whether the state passes by itself (the opposite of {@link #isSettled()}). */
    public boolean isTransient() {
      return !settled;
    }

    /** The actions this state allows, not counting no-ops. */
    public Set<Action> allowedActions() {
      return Collections.unmodifiableSet(ALLOWED.get(this));
    }

    /** Whether {@code action} may be taken in this state (no-ops are not counted as allowed). */
    public boolean allows(Action action) {
      return ALLOWED.get(this).contains(action);
    }

    /** For a transient state, the settled state it becomes by itself; for a settled state, itself. */
    public State settlesTo() {
      switch (this) {
        case PENDING:
        case REBOOTING:
          return RUNNING;
        case STOPPING:
          return STOPPED;
        case TERMINATING:
          return TERMINATED;
        default:
          return this;
      }
    }
  }

  /** Portable actions on a VM. */
  public enum Action {
    /** Make a new VM for the node. */
    CREATE,
    /** Start (or resume) a stopped, suspended or unknown VM. */
    START,
    /** Shut down gracefully. */
    STOP,
    /** Power off at once. */
    FORCE_STOP,
    /** Restart a running VM. */
    REBOOT,
    /** Destroy the VM and release its resources; its snapshots go with it. */
    DESTROY,
    /** Take a VM snapshot. */
    SNAPSHOT,
    /** Go back to a VM snapshot. */
    REVERT,
    /** Change the instance type. */
    RESIZE;

    /**
     * The settled state this action leads to when taken in {@code from}. SNAPSHOT, REVERT and RESIZE
     * keep the state (a revert to a memory snapshot may also leave a stopped VM running; that is the
     * provider's answer, not the plan's).
     */
    public State leadsTo(State from) {
      switch (this) {
        case CREATE:
        case START:
        case REBOOT:
          return State.RUNNING;
        case STOP:
        case FORCE_STOP:
          return State.STOPPED;
        case DESTROY:
          return State.TERMINATED;
        default:
          return from.settlesTo();
      }
    }
  }

  private static final Map<State, Set<Action>> ALLOWED = new EnumMap<>(State.class);
  private static final Map<State, Set<Action>> NO_OPS = new EnumMap<>(State.class);

  static {
    allow(State.PENDING, Action.FORCE_STOP, Action.DESTROY);
    allow(State.RUNNING, Action.STOP, Action.FORCE_STOP, Action.REBOOT, Action.DESTROY, Action.SNAPSHOT,
        Action.REVERT);
    allow(State.STOPPING, Action.FORCE_STOP, Action.DESTROY);
    allow(State.STOPPED, Action.START, Action.DESTROY, Action.SNAPSHOT, Action.REVERT, Action.RESIZE);
    allow(State.REBOOTING, Action.FORCE_STOP, Action.DESTROY);
    allow(State.SUSPENDED, Action.START, Action.FORCE_STOP, Action.DESTROY, Action.SNAPSHOT);
    allow(State.TERMINATING);
    allow(State.TERMINATED, Action.CREATE);
    allow(State.ERROR, Action.DESTROY);
    allow(State.UNKNOWN, Action.START, Action.FORCE_STOP, Action.REBOOT, Action.DESTROY);

    noOp(State.PENDING, Action.START, Action.CREATE);
    noOp(State.RUNNING, Action.START, Action.CREATE);
    noOp(State.STOPPING, Action.STOP);
    noOp(State.STOPPED, Action.STOP, Action.FORCE_STOP);
    noOp(State.REBOOTING, Action.REBOOT, Action.START);
    noOp(State.TERMINATING, Action.DESTROY);
    noOp(State.TERMINATED, Action.DESTROY);
  }

  private static void allow(State state, Action... actions) {
    Set<Action> set = EnumSet.noneOf(Action.class);
    Collections.addAll(set, actions);
    ALLOWED.put(state, set);
  }

  private static void noOp(State state, Action... actions) {
    Set<Action> set = EnumSet.noneOf(Action.class);
    Collections.addAll(set, actions);
    NO_OPS.put(state, set);
  }

  /**
   * Whether {@code action} in {@code state} asks for what already is or is already under way, so there is
   * nothing to do but, for a transient state, wait: starting a running or pending VM, stopping a stopped
   * one, destroying a terminated one.
   */
  public static boolean isNoOp(State state, Action action) {
    return NO_OPS.getOrDefault(state, Set.of()).contains(action);
  }

  /**
   * Checks that {@code action} may be taken in {@code state}.
   *
   * @param subject what the VM is, for the message, such as {@code "VM i-123 of node web1"}
   * @return {@code true} when the action is to be taken, {@code false} when it is a no-op
   * @throws ForbiddenTransitionException when the state forbids the action; the message names the state
   *     and the actions it allows
   */
  public static boolean check(String subject, State state, Action action) {
    if (isNoOp(state, action)) {
      return false;
    }
    if (!state.allows(action)) {
      throw new ForbiddenTransitionException(subject, state, action);
    }
    return true;
  }

  /**
   * The shortest list of actions that leads from {@code from} to the settled state {@code to}. A
   * transient {@code from} is first left to settle by itself (waiting costs no action and is gentler than
   * forcing), so {@code plan(PENDING, RUNNING)} is empty and {@code plan(STOPPING, RUNNING)} is
   * {@code [START]}. Among equally short plans the gentler action wins: STOP before FORCE_STOP.
   *
   * @return the actions, in order; empty when only waiting is needed; absent when {@code to} cannot be
   *     reached
   * @throws IllegalArgumentException when {@code to} is not a settled state, since nobody can wait for it
   */
  public static Optional<List<Action>> plan(State from, State to) {
    if (!to.isSettled()) {
      throw new IllegalArgumentException("Cannot plan towards " + to + ": it is transient. Plan towards one"
          + " of the settled states " + settledStates() + ".");
    }
    State start = from.settlesTo();
    Map<State, List<Action>> best = new EnumMap<>(State.class);
    Deque<State> queue = new ArrayDeque<>();
    best.put(start, List.of());
    queue.add(start);
    while (!queue.isEmpty()) {
      State s = queue.poll();
      List<Action> path = best.get(s);
      if (s == to) {
        return Optional.of(path);
      }
      for (Action a : ALLOWED.get(s)) { // EnumSet order: gentler actions are declared first
        State next = a.leadsTo(s);
        if (!best.containsKey(next)) {
          List<Action> longer = new ArrayList<>(path);
          longer.add(a);
          best.put(next, List.copyOf(longer));
          queue.add(next);
        }
      }
    }
    return Optional.empty();
  }

  /** The settled states, the ones worth waiting for. */
  public static Set<State> settledStates() {
    Set<State> out = EnumSet.noneOf(State.class);
    for (State s : State.values()) {
      if (s.isSettled()) {
        out.add(s);
      }
    }
    return Collections.unmodifiableSet(out);
  }
}
