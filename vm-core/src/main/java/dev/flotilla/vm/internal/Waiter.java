package dev.flotilla.vm.internal;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceFailedException;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.VmListener;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.WaitTimeoutException;
import dev.flotilla.vm.spi.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for many VMs at once: each round sends one describe per provider for every VM still waited on,
 * then pauses with exponential backoff and jitter, until all are there, one fails, or the deadline passes.
 */
public final class Waiter {
  private final Clock clock;
  private final Backoff backoff;
  private final WaitPolicy policy;
  private final VmListener listener;

  /** A waiter on {@code clock}, pausing with {@code backoff}, by {@code policy}, telling {@code listener}. */
  public Waiter(Clock clock, Backoff backoff, WaitPolicy policy, VmListener listener) {
    this.clock = clock;
    this.backoff = backoff;
    this.policy = policy;
    this.listener = listener;
  }

  /** VMs of one provider to wait on: VM id to node name, and which of them were just created. */
  public record Group(Provider provider, Map<String, String> nodeByVmId, Set<String> justCreated) {}

  /**
   * Waits until every VM of {@code groups} is in {@code target}. A VM missing from the answers counts as
   * TERMINATED; while it was just created and the grace period lasts, it counts as not yet visible.
   *
   * @return the last observation of every VM, by id
   * @throws InstanceFailedException at once when a VM goes to ERROR (or vanishes while it should run)
   * @throws WaitTimeoutException when the deadline passes first
   */
  public Map<String, Instance> await(List<Group> groups, State target) {
    return await(groups, s -> s == target, target.name());
  }

  /**
   * Waits until every VM of {@code groups} is in a state {@code wanted} accepts, such as any settled state.
   *
   * @param label what is awaited, for progress and messages, such as {@code RUNNING} or {@code settled}
   */
  public Map<String, Instance> await(List<Group> groups, Predicate<State> wanted, String label) {
    Instant start = clock.instant();
    Map<String, Instance> done = new HashMap<>();
    Map<String, State> lastSeen = new LinkedHashMap<>();
    Map<Group, Set<String>> remaining = new LinkedHashMap<>();
    int total = 0;
    for (Group g : groups) {
      if (!g.nodeByVmId().isEmpty()) {
        remaining.put(g, new LinkedHashSet<>(g.nodeByVmId().keySet()));
        total += g.nodeByVmId().size();
      }
    }
    int all = total;
    int[] reported = {-1};
    return until(() -> {
      Duration elapsed = Duration.between(start, clock.instant());
      for (Map.Entry<Group, Set<String>> e : remaining.entrySet()) {
        poll(e.getKey(), e.getValue(), wanted, elapsed, done, lastSeen);
      }
      remaining.values().removeIf(Set::isEmpty);
      if (done.size() != reported[0]) {
        reported[0] = done.size();
        listener.onProgress(new VmListener.Progress(label, reported[0], all));
      }
      return remaining.isEmpty() ? Optional.of(done) : Optional.empty();
    }, elapsed -> {
      Map<String, String> stuck = new LinkedHashMap<>();
      remaining.values().forEach(ids -> ids.forEach(id -> stuck.put(id, String.valueOf(lastSeen.get(id)))));
      return new WaitTimeoutException(label, stuck, elapsed);
    });
  }

  /**
   * Calls {@code round} until it answers, pausing between calls with backoff and jitter.
   *
   * @param round one poll: the result when the wait is over, empty to go on
   * @param timeout the exception to throw when the deadline passes, given the time waited
   */
  public <T> T until(Supplier<Optional<T>> round, Function<Duration, WaitTimeoutException> timeout) {
    Instant start = clock.instant();
    for (int n = 0; ; n++) {
      Optional<T> result = round.get();
      if (result.isPresent()) {
        return result.get();
      }
      Duration elapsed = Duration.between(start, clock.instant());
      Duration left = policy.timeout().minus(elapsed);
      if (left.isNegative() || left.isZero()) {
        throw timeout.apply(elapsed);
      }
      Duration pause = policy.delay(n, backoff.draw());
      backoff.pause(pause.compareTo(left) < 0 ? pause : left);
    }
  }

  private void poll(Group group, Set<String> ids, Predicate<State> wanted, Duration elapsed, Map<String, Instance> done,
      Map<String, State> lastSeen) {
    List<Instance> seen;
    try {
      seen = group.provider().describe(new ArrayList<>(ids));
    } catch (CloudException e) {
      if (e.retryable()) {
        return; // a throttled or failed poll is just a round without news
      }
      throw e;
    }
    Set<String> missing = new HashSet<>(ids);
    for (Instance vm : seen) {
      if (!missing.remove(vm.id())) {
        continue;
      }
      observe(group, vm, lastSeen);
      if (wanted.test(vm.state())) {
        done.put(vm.id(), vm);
        ids.remove(vm.id());
      } else if (vm.state() == State.ERROR || vm.state() == State.TERMINATED) {
        throw new InstanceFailedException(vm.toBuilder().tags(withNode(vm, group)).build());
      }
    }
    for (String id : missing) {
      boolean mayBeHidden = group.justCreated().contains(id) && elapsed.compareTo(policy.visibilityGrace()) < 0;
      if (mayBeHidden) {
        continue;
      }
      Instance gone = Instance.builder(id, State.TERMINATED).providerState("gone")
          .tags(Map.of(Instance.NODE_TAG, group.nodeByVmId().get(id))).build();
      observe(group, gone, lastSeen);
      if (!wanted.test(State.TERMINATED)) {
        throw new InstanceFailedException(gone.toBuilder().fault("the cloud no longer knows this VM").build());
      }
      done.put(id, gone);
      ids.remove(id);
    }
  }

  private static Map<String, String> withNode(Instance vm, Group group) {
    Map<String, String> tags = new LinkedHashMap<>(vm.tags());
    tags.putIfAbsent(Instance.NODE_TAG, group.nodeByVmId().get(vm.id()));
    return tags;
  }

  private void observe(Group group, Instance vm, Map<String, State> lastSeen) {
    State before = lastSeen.put(vm.id(), vm.state());
    if (before != vm.state()) {
      listener.onTransition(new VmListener.Transition(group.nodeByVmId().get(vm.id()), vm.id(), before, vm.state(),
          vm.providerState()));
    }
  }
}
