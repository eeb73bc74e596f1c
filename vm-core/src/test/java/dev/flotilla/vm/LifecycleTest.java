package dev.flotilla.vm;

import static dev.flotilla.vm.Lifecycle.Action.CREATE;
import static dev.flotilla.vm.Lifecycle.Action.DESTROY;
import static dev.flotilla.vm.Lifecycle.Action.FORCE_STOP;
import static dev.flotilla.vm.Lifecycle.Action.REBOOT;
import static dev.flotilla.vm.Lifecycle.Action.RESIZE;
import static dev.flotilla.vm.Lifecycle.Action.REVERT;
import static dev.flotilla.vm.Lifecycle.Action.SNAPSHOT;
import static dev.flotilla.vm.Lifecycle.Action.START;
import static dev.flotilla.vm.Lifecycle.Action.STOP;
import static dev.flotilla.vm.Lifecycle.State.ERROR;
import static dev.flotilla.vm.Lifecycle.State.PENDING;
import static dev.flotilla.vm.Lifecycle.State.REBOOTING;
import static dev.flotilla.vm.Lifecycle.State.RUNNING;
import static dev.flotilla.vm.Lifecycle.State.STOPPED;
import static dev.flotilla.vm.Lifecycle.State.STOPPING;
import static dev.flotilla.vm.Lifecycle.State.SUSPENDED;
import static dev.flotilla.vm.Lifecycle.State.TERMINATED;
import static dev.flotilla.vm.Lifecycle.State.TERMINATING;
import static dev.flotilla.vm.Lifecycle.State.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LifecycleTest {
  /** The whole table, written out once more so that any change to it is a deliberate one. */
  private static final Map<State, Set<Action>> ALLOWED = new EnumMap<>(State.class);
  private static final Map<State, Set<Action>> NO_OPS = new EnumMap<>(State.class);

  static {
    ALLOWED.put(PENDING, EnumSet.of(FORCE_STOP, DESTROY));
    ALLOWED.put(RUNNING, EnumSet.of(STOP, FORCE_STOP, REBOOT, DESTROY, SNAPSHOT, REVERT));
    ALLOWED.put(STOPPING, EnumSet.of(FORCE_STOP, DESTROY));
    ALLOWED.put(STOPPED, EnumSet.of(START, DESTROY, SNAPSHOT, REVERT, RESIZE));
    ALLOWED.put(REBOOTING, EnumSet.of(FORCE_STOP, DESTROY));
    ALLOWED.put(SUSPENDED, EnumSet.of(START, FORCE_STOP, DESTROY, SNAPSHOT));
    ALLOWED.put(TERMINATING, EnumSet.noneOf(Action.class));
    ALLOWED.put(TERMINATED, EnumSet.of(CREATE));
    ALLOWED.put(ERROR, EnumSet.of(DESTROY));
    ALLOWED.put(UNKNOWN, EnumSet.of(START, FORCE_STOP, REBOOT, DESTROY));
    NO_OPS.put(PENDING, EnumSet.of(START, CREATE));
    NO_OPS.put(RUNNING, EnumSet.of(START, CREATE));
    NO_OPS.put(STOPPING, EnumSet.of(STOP));
    NO_OPS.put(STOPPED, EnumSet.of(STOP, FORCE_STOP));
    NO_OPS.put(REBOOTING, EnumSet.of(REBOOT, START));
    NO_OPS.put(TERMINATING, EnumSet.of(DESTROY));
    NO_OPS.put(TERMINATED, EnumSet.of(DESTROY));
  }

  private static String word(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  @ParameterizedTest
  @EnumSource(State.class)
  void everyTransitionIsAllowedANoOpOrRefusedWithTheAllowedActionsNamed(State state) {
    assertThat(state.allowedActions()).isEqualTo(ALLOWED.get(state));
    for (Action action : Action.values()) {
      boolean noOp = NO_OPS.getOrDefault(state, Set.of()).contains(action);
      assertThat(Lifecycle.isNoOp(state, action)).as("%s in %s is a no-op", action, state).isEqualTo(noOp);
      if (noOp) {
        assertThat(Lifecycle.check("VM i-1", state, action)).isFalse();
      } else if (ALLOWED.get(state).contains(action)) {
        assertThat(Lifecycle.check("VM i-1", state, action)).isTrue();
      } else {
        assertThatThrownBy(() -> Lifecycle.check("VM i-1 of node web1", state, action))
            .isInstanceOfSatisfying(ForbiddenTransitionException.class, e -> {
              assertThat(e.state()).isEqualTo(state);
              assertThat(e.action()).isEqualTo(action);
            })
            .hasMessageContaining("Cannot " + word(action) + " VM i-1 of node web1")
            .hasMessageContaining("it is " + word(state))
            .hasMessageContaining(ALLOWED.get(state).isEmpty() ? "allows nothing until it settles"
                : "it can " + String.join(", ", ALLOWED.get(state).stream().map(LifecycleTest::word).toList()));
      }
    }
  }

  @Test
  void startingARunningVmOrDestroyingATerminatedOneIsANoOp() {
    assertThat(Lifecycle.check("x", RUNNING, START)).isFalse();
    assertThat(Lifecycle.check("x", TERMINATED, DESTROY)).isFalse();
  }

  @Test
  void settledAndTransientStates() {
    assertThat(Lifecycle.settledStates()).containsExactlyInAnyOrder(RUNNING, STOPPED, SUSPENDED, TERMINATED, ERROR, UNKNOWN);
    for (State s : State.values()) {
      assertThat(s.isTransient()).isEqualTo(!Lifecycle.settledStates().contains(s));
      assertThat(s.settlesTo().isSettled()).isTrue();
    }
    assertThat(PENDING.settlesTo()).isEqualTo(RUNNING);
    assertThat(REBOOTING.settlesTo()).isEqualTo(RUNNING);
    assertThat(STOPPING.settlesTo()).isEqualTo(STOPPED);
    assertThat(TERMINATING.settlesTo()).isEqualTo(TERMINATED);
  }

  @Test
  void plansLeadToTheWantedState() {
    assertThat(Lifecycle.plan(TERMINATED, RUNNING)).contains(List.of(CREATE));
    assertThat(Lifecycle.plan(STOPPED, RUNNING)).contains(List.of(START));
    assertThat(Lifecycle.plan(RUNNING, RUNNING)).contains(List.of());
    assertThat(Lifecycle.plan(PENDING, RUNNING)).contains(List.of());
    assertThat(Lifecycle.plan(STOPPING, RUNNING)).contains(List.of(START));
    assertThat(Lifecycle.plan(RUNNING, STOPPED)).contains(List.of(STOP));
    assertThat(Lifecycle.plan(PENDING, STOPPED)).contains(List.of(STOP));
    assertThat(Lifecycle.plan(SUSPENDED, RUNNING)).contains(List.of(START));
    assertThat(Lifecycle.plan(UNKNOWN, RUNNING)).contains(List.of(START));
    assertThat(Lifecycle.plan(ERROR, RUNNING)).contains(List.of(DESTROY, CREATE));
    assertThat(Lifecycle.plan(TERMINATED, STOPPED)).contains(List.of(CREATE, STOP));
    assertThat(Lifecycle.plan(RUNNING, TERMINATED)).contains(List.of(DESTROY));
    assertThat(Lifecycle.plan(TERMINATING, RUNNING)).contains(List.of(CREATE));
  }

  @ParameterizedTest
  @EnumSource(State.class)
  void everyPlanIsMadeOfAllowedStepsThatReachTheTarget(State from) {
    for (State to : Lifecycle.settledStates()) {
      var plan = Lifecycle.plan(from, to);
      if (plan.isEmpty()) {
        assertThat(to).as("only these are out of reach").isIn(SUSPENDED, ERROR, UNKNOWN);
        continue;
      }
      State at = from.settlesTo();
      for (Action a : plan.get()) {
        assertThat(at.allows(a)).as("%s allows %s in plan %s -> %s", at, a, from, to).isTrue();
        at = a.leadsTo(at);
      }
      assertThat(at).isEqualTo(to);
    }
  }

  @Test
  void cannotPlanTowardsATransientState() {
    assertThatThrownBy(() -> Lifecycle.plan(RUNNING, PENDING)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PENDING").hasMessageContaining("transient");
  }
}
