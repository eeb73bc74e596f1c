package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.internal.DriftCheck;
import dev.flotilla.vm.support.Parallel;
import dev.flotilla.vm.spi.Capabilities;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.NodeStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Status and reconcile: the records against every VM of every profile, and the safe fixes. */
final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(VmClient.class);

  private final Engine engine;

  Reconciler(Engine engine) {
    this.engine = engine;
  }

  /** {@link VmClient#status()}. */
  StatusReport status() {
    // the records are read while the clouds answer: a report waits for the slower, not for both
    Parallel.Both<List<Node>, Map<String, List<Instance>>> read = Parallel.both("flotilla-records", engine.store::list,
        engine::listByProfile);
    Map<String, List<Instance>> vms = read.second();
    List<Instance> all = new ArrayList<>();
    vms.values().forEach(all::addAll);
    List<Drift> drift = new ArrayList<>(DriftCheck.check(read.first().stream().filter(engine::usesProfileOf).toList(),
        vms, engine::profileName));
    for (Node r : read.first()) {
      if (!engine.usesProfileOf(r)) {
        String profile = r.placeOfVm().get().profile();
        drift.add(new Drift(Drift.Kind.ON_OTHER_PROFILE, r.name(), r.vmId().get(), "node " + r.name() + "'s VM "
            + r.vmId().get() + " is on profile '" + profile + "', which this call does not use: nothing of it was"
            + " checked.", "vm --auth " + profile + " status " + r.name(), "a client of profile " + profile
            + ": client.status()"));
      }
    }
    return new StatusReport(all, drift);
  }

  /** {@link VmClient#reconcile()}. */
  Reconciliation reconcile() {
    Map<String, List<Instance>> vms = engine.listByProfile();
    Map<String, List<Instance>> tagged = new java.util.HashMap<>();
    vms.values().forEach(list -> list.stream().filter(DriftCheck::live)
        .forEach(vm -> vm.nodeName().ifPresent(n -> tagged.computeIfAbsent(n, k -> new ArrayList<>()).add(vm))));
    List<Node> records = engine.store.list();
    Set<String> boundIds = new java.util.HashSet<>();
    records.forEach(r -> r.vmId().ifPresent(boundIds::add));
    List<String> applied = new ArrayList<>();
    List<Node> seemGone = new ArrayList<>();
    for (Node r : records) {
      if (!engine.usesProfileOf(r)) {
        continue; // its VM is on a profile this client does not use: nothing here to compare it with
      }
      String profile = engine.profileName(r);
      List<Instance> mine = tagged.getOrDefault(r.name(), List.of());
      if (!r.isBound()) {
        if (r.removedAt().isPresent()) {
          continue; // removed by the user: what still carries its name is on its way out, never adopted
        }
        if (mine.size() == 1) {
          rebind(r, null, mine.get(0), "adopted VM " + mine.get(0).id() + " for node " + r.name(), applied);
        } else if (mine.isEmpty() && r.createIntent().isPresent()) {
          endUnfinished(r, vms.getOrDefault(profile, List.of()), boundIds, applied);
        }
        continue;
      }
      String id = r.vmId().get();
      Optional<Instance> vm = vms.getOrDefault(profile, List.of()).stream().filter(i -> i.id().equals(id)).findFirst()
          .filter(DriftCheck::live);
      if (vm.isEmpty()) {
        seemGone.add(r);
        continue;
      }
      Instance live = vm.get();
      Optional<String> owner = live.nodeName().filter(n -> !n.equals(r.name()));
      if (owner.isPresent()) {
        boolean copied = records.stream().anyMatch(o -> o.name().equals(owner.get()) && o.vmId().equals(Optional.of(id)));
        if (copied) {
          engine.store.update(r.name(), old -> old != null && old.vmId().equals(Optional.of(id)) ? old.unbind() : old);
          applied.add("cleared node " + r.name() + "'s binding to VM " + id + ", which is node " + owner.get() + "'s");
        }
        continue;
      }
      if (live.nodeName().isEmpty() && mine.isEmpty() && Capabilities.has(engine.provider(profile), Capability.TAGS)) {
        Provider p = engine.provider(profile);
        engine.backoff.retry(() -> p.tag(id, Map.of(Instance.NODE_TAG, r.name(), Instance.PROFILE_TAG, profile)));
        applied.add("tagged VM " + id + " with node name " + r.name());
      }
      if (live.state() == State.RUNNING && !live.publicAddress().equals(r.publicAddress())) {
        rebind(r, id, live, "recorded address " + live.publicAddress().orElse("none") + " for node " + r.name(), applied);
      }
    }
    for (Node r : confirmGone(seemGone)) {
      String id = r.vmId().get();
      List<Instance> others = tagged.getOrDefault(r.name(), List.of()).stream().filter(i -> !i.id().equals(id)).toList();
      if (others.size() == 1) {
        rebind(r, id, others.get(0), "rebound node " + r.name() + " from VM " + id + ", which is gone, to VM "
            + others.get(0).id() + ", which carries its name", applied);
      } else if (others.isEmpty()) {
        engine.store.update(r.name(), old -> old != null && old.vmId().equals(Optional.of(id)) ? old.unbind() : old);
        applied.add("cleared node " + r.name() + "'s binding to VM " + id + ", which is gone");
      }
    }
    return new Reconciliation(applied, status().drift());
  }

  /**
   * The records among {@code suspects} whose VM is gone for sure: missing (or terminated) in a describe
   * made {@link Builder#confirmGoneAfter} after the listing that first missed it.
   */
  List<Node> confirmGone(List<Node> suspects) {
    if (suspects.isEmpty()) {
      return List.of();
    }
    engine.backoff.pause(engine.confirmGoneAfter);
    List<Node> gone = new ArrayList<>();
    Map<String, List<Node>> byProfile = new LinkedHashMap<>();
    suspects.forEach(r -> byProfile.computeIfAbsent(engine.profileName(r), k -> new ArrayList<>()).add(r));
    byProfile.forEach((profile, records) -> {
      Provider p = engine.provider(profile);
      List<String> ids = records.stream().map(r -> r.vmId().get()).toList();
      Set<String> live = new java.util.HashSet<>();
      engine.backoff.retry(() -> p.describe(ids)).stream().filter(DriftCheck::live).forEach(i -> live.add(i.id()));
      records.stream().filter(r -> !live.contains(r.vmId().get())).forEach(gone::add);
    });
    return gone;
  }

  /**
   * Ends the create intent of {@code r}, whose create made nothing the cloud lists under its name, unless
   * VMs nothing attributes might be what it made, or a create holds its lock right now.
   */
  void endUnfinished(Node r, List<Instance> vms, Set<String> boundIds, List<String> applied) {
    CreateIntent intent = r.createIntent().get();
    if (!DriftCheck.unattributed(vms, intent, boundIds).isEmpty()) {
      return; // a person must say whose those VMs are: status reports them
    }
    try (NodeStore.Lock lock = engine.store.lock(List.of(r.name()), java.time.Duration.ZERO)) {
      Optional<Node> now = engine.store.update(r.name(), old -> old != null && !old.isBound()
          && old.createIntent().equals(Optional.of(intent)) ? old.intending(null) : old);
      if (now.isPresent() && now.get().createIntent().isEmpty()) {
        applied.add("ended node " + r.name() + "'s unfinished create of " + intent.since() + ", which made no VM");
      }
    } catch (NodeLockedException busy) {
      // a create is running for it right now: leave it to finish
    }
  }

  /**
   * Binds {@code record} to {@code vm}, if the record is still bound to {@code expected} (null: unbound)
   * when the write happens; a client that changed it meanwhile wins.
   */
  void rebind(Node record, String expected, Instance vm, String what, List<String> applied) {
    Optional<Node> now = engine.store.update(record.name(), old -> {
      if (old == null || !java.util.Objects.equals(old.vmId().orElse(null), expected)) {
        return old;
      }
      return old.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
    });
    if (now.isPresent() && now.get().vmId().equals(Optional.of(vm.id()))) {
      applied.add(what);
    }
  }
}
