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

  /**
   * VMs of one provider to wait on: VM id to node name, which of them were just created, and what their
   * records want meanwhile.
   */
  public record Group(Provider provider, Map<String, String> nodeByVmId, Set<String> justCreated, Wish wish) {
    /** A group whose wait no other call can overrule. */
    public Group(Provider provider, Map<String, String> nodeByVmId, Set<String> justCreated) {
      this(provider, nodeByVmId, justCreated, Wish.FIXED);
    }
  }

  /**
   * What the node records want of the VMs of a wait, read as it goes: calls that race this one (a stop while a
   * start waits) change it, and their acts may land before or after this call's.
   */
  public interface Wish {
    /** A wait for what it was asked, whatever the records say. */
    Wish FIXED = new Wish() {
      @Override
      public boolean overruled(String id) {
        return false;
      }

      @Override
      public void askAgain(List<String> ids) {}
    };

    /** Whether VM {@code id}'s record now wants something else: its wait ends where the VM settles. */
    boolean overruled(String id);

    /**
     * Asks the cloud again for what is awaited, for VMs that settled elsewhere though their records still want
     * it: a racing call whose act landed after this call's undid it. Failures are the implementation's to tell.
     */
    void askAgain(List<String> ids);
  }

  /**
   * Waits until every VM of {@code groups} is in {@code target}. A VM missing from the answers counts as
   * TERMINATED; while it was just created and the grace period lasts, it counts as not yet visible.
   *
   * @return for each group, in order, the last observation of each of its VMs by id
   * @throws InstanceFailedException when a VM went to ERROR (or vanished while it should run), once the others
   *     are where they should be
   * @throws WaitTimeoutException when the deadline passes first
   */
  public List<Map<String, Instance>> await(List<Group> groups, State target) {
    return await(groups, s -> s == target, target.name());
  }

  /** How often a wait in which nothing changes still says how far it has come. */
  static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

  /**
   * Waits until every VM of {@code groups} is in a state {@code wanted} accepts, such as any settled state.
   *
   * @param label what is awaited, for progress and messages, such as {@code RUNNING} or {@code settled}
   */
  public List<Map<String, Instance>> await(List<Group> groups, Predicate<State> wanted, String label) {
    Instant start = clock.instant();
    List<Watch> watches = groups.stream().map(Watch::new).toList();
    int total = watches.stream().mapToInt(w -> w.remaining.size()).sum();
    int[] reported = {-1};
    Duration[] reportedAt = {Duration.ZERO};
    return until(() -> {
      Duration elapsed = Duration.between(start, clock.instant());
      int done = 0;
      for (Watch w : watches) {
        if (!w.remaining.isEmpty()) {
          poll(w, wanted, elapsed);
        }
        done += w.done.size();
      }
      // told when it changes, and at least every PROGRESS_EVERY while nothing does (as Poni's --wait)
      if (done != reported[0] || elapsed.minus(reportedAt[0]).compareTo(PROGRESS_EVERY) >= 0) {
        reported[0] = done;
        reportedAt[0] = elapsed;
        listener.onProgress(new VmListener.Progress(label, done, total, elapsed));
      }
      int failed = watches.stream().mapToInt(w -> w.failed.size()).sum();
      if (done + failed == total && failed > 0) {
        throw new InstanceFailedException(watches.stream().flatMap(w -> w.failed.stream()).toList(),
            watches.stream().flatMap(w -> w.done.values().stream()).toList());
      }
      if (done == total) {
        return Optional.of(watches.stream().map(w -> w.done).toList());
      }
      if (policy.noWait()) { // asked not to wait: the VMs as they are now
        return Optional.of(watches.stream().map(Watch::latest).toList());
      }
      return Optional.<List<Map<String, Instance>>>empty();
    }, () -> settlesIn(watches), elapsed -> {
      Map<String, String> stuck = new LinkedHashMap<>();
      watches.forEach(w -> w.remaining.forEach(id -> stuck.put(id, String.valueOf(w.lastSeen.get(id)))));
      return new WaitTimeoutException(label, stuck, elapsed);
    });
  }

  /** What is known of one group's VMs during a wait. */
  private static final class Watch {
    final Group group;
    final Set<String> remaining;
    final Map<String, Instance> done = new HashMap<>();
    final Map<String, State> lastSeen = new HashMap<>();
    final Map<String, Instance> seen = new HashMap<>();
    /** When each VM was first seen settled where its record does not want it, in this spell. */
    final Map<String, Instant> astraySince = new HashMap<>();
    /** VMs that went to ERROR or vanished: no longer waited for, told when the others are settled. */
    final List<Instance> failed = new ArrayList<>();

    Watch(Group group) {
      this.group = group;
      this.remaining = new LinkedHashSet<>(group.nodeByVmId().keySet());
    }

    /** The last observation of every VM: done or not; a VM never seen yet shows as PENDING. */
    Map<String, Instance> latest() {
      Map<String, Instance> out = new HashMap<>(seen);
      for (String id : group.nodeByVmId().keySet()) {
        out.putIfAbsent(id, Instance.builder(id, State.PENDING).providerState("not visible yet")
            .tags(Map.of(Instance.NODE_TAG, group.nodeByVmId().get(id))).build());
      }
      return out;
    }
  }

  /**
   * Calls {@code round} until it answers, pausing between calls with backoff and jitter.
   *
   * @param round one poll: the result when the wait is over, empty to go on
   * @param timeout the exception to throw when the deadline passes, given the time waited
   */
  public <T> T until(Supplier<Optional<T>> round, Function<Duration, WaitTimeoutException> timeout) {
    return until(round, Optional::empty, timeout);
  }

  /** The shortest pause a provider's {@link Provider#settlesIn} hint can ask for. */
  static final Duration SHORTEST_HINTED = Duration.ofMillis(200);

  /**
   * As {@link #until(Supplier, Function)}, pausing for {@code hint} when it has one (no shorter than {@link
   * #SHORTEST_HINTED}, no longer than the policy's longest pause), before the first round too: when the
   * cloud's work should be done.
   */
  public <T> T until(Supplier<Optional<T>> round, Supplier<Optional<Duration>> hint,
      Function<Duration, WaitTimeoutException> timeout) {
    Instant start = clock.instant();
    // work the cloud is known to be at (a job just sent) is first asked about when it should be done
    if (!policy.noWait()) {
      hint.get().map(d -> d.compareTo(policy.maxDelay()) > 0 ? policy.maxDelay() : d)
          .map(d -> d.compareTo(policy.timeout()) > 0 ? policy.timeout() : d).ifPresent(backoff::pause);
    }
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
      Optional<Duration> hinted = hint.get();
      Duration pause = hinted.isEmpty() ? policy.delay(n, backoff.draw())
          : hinted.get().compareTo(SHORTEST_HINTED) < 0 ? SHORTEST_HINTED
          : hinted.get().compareTo(policy.maxDelay()) > 0 ? policy.maxDelay() : hinted.get();
      backoff.pause(pause.compareTo(left) < 0 ? pause : left);
    }
  }

  /** The soonest any provider expects news of the VMs still waited on; empty if none can tell. */
  private static Optional<Duration> settlesIn(List<Watch> watches) {
    Optional<Duration> soonest = Optional.empty();
    for (Watch w : watches) {
      if (w.remaining.isEmpty()) {
        continue;
      }
      Optional<Duration> d = w.group.provider().settlesIn(List.copyOf(w.remaining));
      if (d.isEmpty()) {
        return Optional.empty(); // a provider that cannot tell is paced by the backoff
      }
      soonest = soonest.isEmpty() || d.get().compareTo(soonest.get()) < 0 ? d : soonest;
    }
    return soonest;
  }

  private void poll(Watch w, Predicate<State> wanted, Duration elapsed) {
    Group group = w.group;
    List<Instance> seen;
    try {
      seen = group.provider().describe(new ArrayList<>(w.remaining));
    } catch (CloudException e) {
      if (e.retryable()) {
        return; // a throttled or failed poll is just a round without news
      }
      throw e;
    }
    Set<String> missing = new HashSet<>(w.remaining);
    List<String> again = new ArrayList<>();
    Instant now = clock.instant();
    for (Instance vm : seen) {
      if (!missing.remove(vm.id())) {
        continue;
      }
      observe(w, vm);
      boolean astray = !wanted.test(vm.state()) && vm.state().isSettled() && vm.state() != State.ERROR
          && vm.state() != State.TERMINATED;
      if (wanted.test(vm.state()) || astray && group.wish().overruled(vm.id())) {
        // what was waited for, or a state another call asked for meanwhile (a stop while this start
        // waited), which no longer waiting would change
        w.done.put(vm.id(), vm);
        w.remaining.remove(vm.id());
      } else if (vm.state() == State.ERROR || vm.state() == State.TERMINATED) {
        w.failed.add(vm.toBuilder().tags(withNode(vm, group)).build());
        w.remaining.remove(vm.id());
      } else if (astray) {
        // settled elsewhere though still wanted here: once answers had time to catch up with this call's own
        // act (the grace a cloud's answers may lag), a racing call undid it, and the cloud is asked again
        Instant since = w.astraySince.computeIfAbsent(vm.id(), id -> now);
        if (Duration.between(since, now).compareTo(policy.visibilityGrace()) >= 0) {
          again.add(vm.id());
          w.astraySince.put(vm.id(), now);
        }
      } else {
        w.astraySince.remove(vm.id());
      }
    }
    if (!again.isEmpty()) {
      group.wish().askAgain(again);
    }
    for (String id : missing) {
      boolean mayBeHidden = group.justCreated().contains(id) && elapsed.compareTo(policy.visibilityGrace()) < 0;
      if (mayBeHidden) {
        continue;
      }
      Instance gone = Instance.builder(id, State.TERMINATED).providerState("gone")
          .tags(Map.of(Instance.NODE_TAG, group.nodeByVmId().get(id))).build();
      observe(w, gone);
      if (!wanted.test(State.TERMINATED)) {
        w.failed.add(gone.toBuilder().fault("the cloud no longer knows this VM").build());
        w.remaining.remove(id);
        continue;
      }
      w.done.put(id, gone);
      w.remaining.remove(id);
    }
  }

  private static Map<String, String> withNode(Instance vm, Group group) {
    Map<String, String> tags = new LinkedHashMap<>(vm.tags());
    tags.putIfAbsent(Instance.NODE_TAG, group.nodeByVmId().get(vm.id()));
    return tags;
  }

  private void observe(Watch w, Instance vm) {
    w.seen.put(vm.id(), vm);
    State before = w.lastSeen.put(vm.id(), vm.state());
    if (before != vm.state()) {
      listener.onTransition(new VmListener.Transition(w.group.nodeByVmId().get(vm.id()), vm.id(), before, vm.state(),
          vm.providerState()));
    }
  }
}
