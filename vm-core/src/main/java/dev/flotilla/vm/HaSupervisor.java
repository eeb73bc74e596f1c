package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.VmListener.HaEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * High availability, opt-in, as CloudStack offers it: watches the nodes whose records say {@code "ha": true}
 * and restarts a VM found stopped or gone that no Flotilla call stopped or removed ({@code vm stop} and
 * {@code vm rm} mark the record first). Restarts go through {@link VmClient#start(java.util.Collection)}, so
 * they keep the safety core's rules: the node's lock and create intent make two supervisors, on one host or
 * several sharing a store, agree on one VM per node.
 *
 * <p>A node restarted more than {@code budget} times within {@code window} is left alone, with an event, until
 * the window has passed; the budget is kept in the node's record, so supervisors sharing a store share it; a restart that fails is tried again after a pause that doubles each time. Every finding
 * goes to the client's {@link VmListener#onHa}. Not thread-safe: one supervisor, one thread.
 */
public final class HaSupervisor {
  private final Supervised client;
  private final int budget;
  private final Duration window;
  private final Duration firstPause;
  private final Duration maxPause;
  private final Map<String, Instant> notBefore = new HashMap<>();
  private final Map<String, Integer> failures = new HashMap<>();

  /** What a supervisor needs of its client: the clock, the records, the listener, the VMs, and start. */
  record Supervised(java.time.Clock clock, dev.flotilla.vm.store.NodeStore store, VmListener listener,
      java.util.function.Supplier<List<Instance>> list,
      java.util.function.Function<java.util.Collection<Node>, List<Instance>> starter) {
    List<Instance> start(java.util.Collection<Node> nodes) {
      return starter.apply(nodes);
    }
  }

  private HaSupervisor(Supervised client, int budget, Duration window, Duration firstPause, Duration maxPause) {
    this.client = client;
    this.budget = budget;
    this.window = window;
    this.firstPause = firstPause;
    this.maxPause = maxPause;
  }

  /** A supervisor with a budget of 3 restarts per node per hour, and pauses from 30 s to 10 minutes. */
  public static HaSupervisor of(VmClient client) {
    return new HaSupervisor(client.supervised(), 3, Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofMinutes(10));
  }

  /** This supervisor with another restart budget: at most {@code restarts} per node within {@code per}. */
  public HaSupervisor budget(int restarts, Duration per) {
    return new HaSupervisor(client, restarts, per, firstPause, maxPause);
  }

  /** This supervisor pausing {@code first} after a failed restart, doubling each time up to {@code max}. */
  public HaSupervisor pauses(Duration first, Duration max) {
    return new HaSupervisor(client, budget, window, first, max);
  }

  /**
   * One look at every HA node: restarts those found stopped or gone that no Flotilla call stopped, in one
   * start call, and reports each finding to the listener.
   *
   * @return what it found and did, one event per node it acted on or left
   */
  public List<HaEvent> check() {
    Instant now = client.clock().instant();
    Map<String, Instance> vms = new HashMap<>();
    List<Node> watched = client.store().list().stream()
        .filter(n -> n.ha() && n.stoppedAt().isEmpty() && n.removedAt().isEmpty())
        .filter(n -> n.leaseOfVm().filter(l -> l.expiredAt(now)).isEmpty()) // an expired VM is the reaper's
        .toList();
    if (watched.stream().anyMatch(Node::isBound)) {
      client.list().get().forEach(vm -> vms.put(vm.id(), vm));
    }
    List<HaEvent> events = new ArrayList<>();
    List<Node> down = new ArrayList<>();
    for (Node n : watched) {
      String vmId = n.vmId().orElse(null);
      Instance vm = vmId == null ? null : vms.get(vmId);
      State state = vm == null ? null : vm.state();
      if (state == State.RUNNING || state != null && !state.isSettled()) {
        continue; // up, or on its way somewhere
      }
      if (state == State.ERROR) {
        events.add(event(n, vmId, HaEvent.Kind.NEEDS_ATTENTION, "the VM is in ERROR" + vm.fault().map(f -> ": " + f)
            .orElse("") + "; destroy it (vm rm " + n.name() + ") and start the node"));
        continue;
      }
      if (now.isBefore(notBefore.getOrDefault(n.name(), Instant.MIN))) {
        continue;
      }
      Grant grant = spend(n.name(), now);
      if (grant == Grant.NOT_WATCHED) {
        continue; // stopped, removed or unwatched since the look: the user's word wins
      }
      if (grant == Grant.SPENT) {
        events.add(event(n, vmId, HaEvent.Kind.BUDGET_SPENT, budget + " restarts within " + window
            + "; start it by hand once it is mended"));
        continue;
      }
      down.add(n);
      events.add(event(n, vmId, HaEvent.Kind.RESTARTING, vm == null ? "its VM is gone" : "found " + vm.providerState()
          + ", and no Flotilla call stopped it"));
    }
    if (!down.isEmpty()) {
      events.addAll(restart(down, now));
    }
    return events;
  }

  private enum Grant { RESTART, SPENT, NOT_WATCHED }

  /**
   * Takes one restart of node {@code name}'s budget, in its record and in one update, so that supervisors
   * sharing a store spend one budget between them; none when the record no longer asks to be watched.
   */
  private Grant spend(String name, Instant now) {
    Grant[] grant = {Grant.NOT_WATCHED};
    client.store().update(name, old -> {
      grant[0] = Grant.NOT_WATCHED;
      if (old == null || !old.ha() || old.stoppedAt().isPresent() || old.removedAt().isPresent()) {
        return old;
      }
      List<Instant> recent = new ArrayList<>(old.haRestarts().stream().filter(t -> t.isAfter(now.minus(window))).toList());
      if (recent.size() >= budget) {
        grant[0] = Grant.SPENT;
        return recent.equals(old.haRestarts()) ? old : old.recording(r -> r.haRestarts(recent));
      }
      grant[0] = Grant.RESTART;
      recent.add(now);
      return old.recording(r -> r.haRestarts(recent));
    });
    return grant[0];
  }

  private List<HaEvent> restart(List<Node> down, Instant now) {
    List<HaEvent> events = new ArrayList<>();
    try {
      List<Instance> up = client.start(down);
      for (int i = 0; i < down.size(); i++) {
        failures.remove(down.get(i).name());
        events.add(event(down.get(i), up.get(i).id(), HaEvent.Kind.RESTARTED, up.get(i).state().name().toLowerCase(
            java.util.Locale.ROOT)));
      }
    } catch (VmException e) {
      for (Node n : down) {
        int failed = failures.merge(n.name(), 1, Integer::sum);
        Duration pause = firstPause.multipliedBy(1L << Math.min(failed - 1, 20));
        pause = pause.compareTo(maxPause) > 0 ? maxPause : pause;
        notBefore.put(n.name(), now.plus(pause));
        events.add(event(n, n.vmId().orElse(null), HaEvent.Kind.FAILED, e.getMessage() + "; tried again in "
            + pause.toSeconds() + " s"));
      }
    }
    return events;
  }

  private HaEvent event(Node n, String vmId, HaEvent.Kind kind, String message) {
    HaEvent e = new HaEvent(n.name(), vmId, kind, message);
    client.listener().onHa(e);
    return e;
  }

  /** The nodes watched now: those whose records say {@code "ha": true}. */
  public List<String> watched() {
    return client.store().list().stream().filter(Node::ha).map(Node::name).toList();
  }

  /** When the node {@code name} may be restarted next after failures, if it is waiting. */
  public Optional<Instant> pausedUntil(String name) {
    return Optional.ofNullable(notBefore.get(name));
  }
}
