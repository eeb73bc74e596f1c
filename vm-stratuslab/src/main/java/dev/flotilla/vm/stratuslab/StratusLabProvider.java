package dev.flotilla.vm.stratuslab;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.UnsupportedCapabilityException;
import dev.flotilla.vm.support.Parallel;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.Snapshots;
import dev.flotilla.vm.stratuslab.internal.OneApi;
import dev.flotilla.vm.stratuslab.internal.OneSnapshots;
import dev.flotilla.vm.stratuslab.internal.OneTemplate;
import dev.flotilla.vm.stratuslab.internal.OneVm;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A StratusLab (OpenNebula) cloud account. Creating N machines is N {@code one.vm.allocate} calls, sent
 * concurrently up to a bound; describing few VMs is {@code one.vm.info} each, many is one
 * {@code one.vmpool.infoset} (OpenNebula 6 and later) or one pool call. Kill, shutdown, stop and start use the action names of the server's OpenNebula
 * version. Snapshots are OpenNebula system snapshots (they hold memory); their parent/child chain is kept
 * in the VM's user template, so the adapter itself keeps no state.
 */
final class StratusLabProvider implements Provider {
  /** Up to this many ids, describe asks for each; above, it lists the pool once. */
  static final int INFO_LIMIT = 2;
  /** How a VM on hold shows (OpenNebula's STATE 2). */
  private static final String HOLD = "Hold";

  private final OneApi one;
  private final StratusLabSettings settings;
  /** The profile's placement_timeout, read once: every VM of every answer is measured against it. */
  private final java.util.Optional<java.time.Duration> placementTimeout;

  StratusLabProvider(OneApi one, StratusLabSettings settings) {
    this.one = one;
    this.settings = settings;
    this.placementTimeout = settings.placementTimeout();
  }

  @Override
  public String api() {
    return StratusLabProviderFactory.ID;
  }

  /** Stop and start, tags and memory snapshots come with OpenNebula 4 (its poweroff and user template). */
  @Override
  public Set<Capability> traits() {
    Set<Capability> traits = EnumSet.of(Capability.REBOOT, Capability.USER_DATA);
    if (one.version().atLeast(4, 0)) {
      traits.addAll(List.of(Capability.STOP_START, Capability.SNAPSHOT_MEMORY, Capability.TAGS));
    }
    return traits;
  }

  /**
   * one.vm.resize (OpenNebula 4.4 and later) with the CPU, VCPU and MEMORY of the instance type, for a VM that
   * is powered off; the type's name goes in the user template, where the VM shows it.
   */
  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    if (!one.version().atLeast(4, 4)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of((id, typeName) -> {
      InstanceType t = settings.type(typeName);
      one.resize(id, "CPU = " + t.cpus() + "\nVCPU = " + t.cpus() + "\nMEMORY = " + t.memoryMb() + "\n");
      one.updateUserTemplate(id, Map.of("INSTANCE_TYPE", t.name()));
    });
  }

  private void require(Capability c) {
    if (!traits().contains(c)) {
      throw new UnsupportedCapabilityException(c, api() + " (OpenNebula " + one.version() + ")");
    }
  }

  @Override
  public List<Instance> create(CreateRequest request) {
    return create(request, false);
  }

  /**
   * one.vm.allocate on hold (OpenNebula 4 and later): the VM is made and waits in HOLD, which reads as
   * STOPPED, until {@link #start} releases it.
   */
  @Override
  public java.util.Optional<dev.flotilla.vm.spi.StoppedCreation> stoppedCreation() {
    if (!one.version().atLeast(4, 0)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(request -> create(request, true));
  }

  private List<Instance> create(CreateRequest request, boolean hold) {
    Node spec = request.spec();
    InstanceType type = settings.type(spec.type().orElse(null));
    String image = spec.image().orElse(settings.defaultImage());
    String publicKey = spec.options().getOrDefault("public_key", settings.publicKey());
    Node withoutKey = spec.toBuilder().option("public_key", null).build();
    List<String> templates = new ArrayList<>();
    for (String name : request.nodeNames()) {
      templates.add(OneTemplate.build(name, withoutKey, type, image, settings.marketplace(), settings.network(), publicKey,
          request.tagsFor(name), one.version()));
    }
    Parallel.Outcome<String> made = concurrently(templates, template -> one.allocate(template, hold));
    if (made.failure() != null) {
      throw undo(made.succeeded(), made.failure() instanceof CloudException c ? c
          : new CloudException(Kind.UNKNOWN, api(), null, String.valueOf(made.failure()), made.failure()));
    }
    return describeAll(made.results());
  }

  /** Runs {@code call} on every item, at most {@code max_parallel} at a time. */
  private <T> Parallel.Outcome<String> concurrently(List<T> items, Function<T, String> call) {
    return Parallel.map(items, settings.maxParallel(), "stratuslab-call", call);
  }

  /** Kills the VMs a failed batch made, so a failed create leaves nothing behind; returns the failure. */
  private CloudException undo(List<String> made, CloudException failure) {
    for (String id : made) {
      if (id != null && id.matches("\\d+")) {
        try {
          one.action(one.killAction(), id);
        } catch (CloudException ignored) {
          // reported below with the failure; the VM carries its node's tags for reconcile
        }
      }
    }
    return failure;
  }

  @Override
  public List<Instance> describe(Collection<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    if (ids.size() <= INFO_LIMIT) {
      List<Instance> out = new ArrayList<>();
      for (String id : ids) {
        one.info(id).ifPresent(vm -> out.add(seen(vm)));
      }
      return out;
    }
    Set<String> wanted = Set.copyOf(ids);
    List<OneVm> vms = one.infoSet(wanted).orElseGet(one::pool);
    return vms.stream().map(this::seen).filter(i -> wanted.contains(i.id())).toList();
  }

  private List<Instance> describeAll(List<String> ids) {
    Map<String, Instance> seen = new LinkedHashMap<>();
    describe(ids).forEach(i -> seen.put(i.id(), i));
    List<Instance> out = new ArrayList<>();
    for (String id : ids) {
      out.add(seen.getOrDefault(id, Instance.builder(id, State.PENDING).providerState("Pending").build()));
    }
    return out;
  }

  @Override
  public List<Instance> list() {
    return one.pool().stream().map(this::seen).toList();
  }

  /** The VM as Flotilla shows it; PENDING past the profile's placement_timeout, failed for capacity. */
  private Instance seen(OneVm vm) {
    Instance i = vm.toInstance();
    if (placementTimeout.isEmpty() || !vm.pendingSince(java.time.Instant.now().minus(placementTimeout.get()))) {
      return i;
    }
    return i.toBuilder().state(State.ERROR).providerState("PENDING past placement_timeout").fault(UNPLACED + " ("
        + placementTimeout.get().toSeconds() + " s): no host has room for it").build();
  }

  private static final String UNPLACED = "OpenNebula placed it on no host within placement_timeout";

  @Override
  public boolean failedForCapacity(Instance vm) {
    return vm.fault().filter(f -> f.startsWith(UNPLACED)).isPresent();
  }

  /** resume for a powered-off VM; release for one made on hold (one describe tells which is which). */
  @Override
  public void start(Collection<String> ids) {
    require(Capability.STOP_START);
    Set<String> held = new java.util.HashSet<>();
    describe(ids).stream().filter(vm -> vm.providerState().equals(HOLD)).forEach(vm -> held.add(vm.id()));
    if (!held.isEmpty()) {
      act(held, "release");
    }
    act(ids.stream().filter(id -> !held.contains(id)).toList(), "resume");
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    require(Capability.STOP_START);
    act(ids, force && one.version().atLeast(5, 0) ? "poweroff-hard" : "poweroff");
  }

  @Override
  public void reboot(Collection<String> ids) {
    act(ids, "reboot");
  }

  /** reboot-hard, OpenNebula 5 and later. */
  @Override
  public java.util.Optional<dev.flotilla.vm.spi.HardReboot> hardReboot() {
    return one.version().atLeast(5, 0) ? java.util.Optional.of(ids -> act(ids, "reboot-hard"))
        : java.util.Optional.empty();
  }

  @Override
  public void terminate(Collection<String> ids) {
    String action = settings.gracefulDestroy() ? one.shutdownAction() : one.killAction();
    concurrently(new ArrayList<>(ids), id -> {
      try {
        one.action(action, id);
      } catch (CloudException e) {
        // Destroying what is already gone, or going (oned refuses terminate-hard in EPILOG), is not an error.
        boolean gone = e.kind() == Kind.NOT_FOUND || one.info(id).map(vm -> vm.toInstance().state())
            .map(st -> st == State.TERMINATED || st == State.TERMINATING).orElse(true);
        if (!gone) {
          throw e;
        }
      }
      return id;
    }).orThrow();
  }

  private void act(Collection<String> ids, String action) {
    // a failed action on one VM fails the call once all have run; the VMs it did act on are left as they are
    concurrently(new ArrayList<>(ids), id -> {
      one.action(action, id);
      return id;
    }).orThrow();
  }

  @Override
  public void tag(String id, Map<String, String> tags) {
    require(Capability.TAGS);
    OneVm vm = vm(id);
    Map<String, String> merged = new LinkedHashMap<>(vm.toInstance().tags());
    merged.putAll(tags);
    one.updateUserTemplate(id, Map.of(OneVm.TAGS, OneVm.encode(merged)));
  }

  @Override
  public List<InstanceType> types() {
    return settings.types();
  }

  @Override
  public List<Image> images() {
    return one.images();
  }

  // ---- snapshots: OpenNebula system snapshots (OpenNebula 4 and later) -------------------------------------

  @Override
  public java.util.Optional<Snapshots> snapshots() {
    return one.version().atLeast(4, 0) ? java.util.Optional.of(new SystemSnapshots()) : java.util.Optional.empty();
  }

  /** OpenNebula system snapshots, their chain kept in the user template. */
  private final class SystemSnapshots implements Snapshots {
    @Override
    public Snapshot take(String id, String name, SnapshotOptions options) {
      OneVm before = vm(id);
      String parent = OneSnapshots.chain(before).current().map(Snapshot::id).orElse(null);
      String snapId = one.snapshotCreate(id, name);
      OneVm after = vm(id);
      Map<String, String> parents = OneSnapshots.parents(after);
      parents.remove(snapId); // an id oned reused after a delete starts afresh
      if (parent != null) {
        parents.put(snapId, parent);
      }
      one.updateUserTemplate(id, OneSnapshots.record(after, parents, snapId));
      Snapshot taken = OneSnapshots.chain(after).get(snapId).orElse(null);
      return Snapshot.of(snapId, name, parent, true, taken == null ? java.time.Instant.now() : taken.createdAt(),
          taken == null ? Snapshot.Status.CREATING : taken.status());
    }

    @Override
    public SnapshotChain chain(String id) {
      return OneSnapshots.chain(vm(id));
    }

    @Override
    public void revert(String id, String snapshotId) {
      one.snapshotRevert(id, snapshotId);
      OneVm vm = vm(id);
      one.updateUserTemplate(id, OneSnapshots.record(vm, OneSnapshots.parents(vm), snapshotId));
    }

    @Override
    public void delete(String id, String snapshotId) {
      SnapshotChain chain = chain(id).delete(snapshotId);
      one.snapshotDelete(id, snapshotId);
      awaitGone(id, snapshotId);
      Map<String, String> parents = new LinkedHashMap<>();
      chain.snapshots().forEach(s -> s.parentId().ifPresent(p -> parents.put(s.id(), p)));
      one.updateUserTemplate(id, OneSnapshots.record(vm(id), parents, chain.current().map(Snapshot::id).orElse(null)));
    }
  }

  /**
   * Waits until oned no longer lists snapshot {@code snapshotId} of VM {@code id}: it deletes a system snapshot
   * after it answers the call (the VM in HOTPLUG_SNAPSHOT meanwhile), and a chain read before then still has it.
   */
  private void awaitGone(String id, String snapshotId) {
    long deadline = System.nanoTime() + java.time.Duration.ofMinutes(2).toNanos();
    for (long pause = 100; OneSnapshots.chain(vm(id)).get(snapshotId).isPresent(); pause = Math.min(
        pause * 2, 1000)) {
      if (System.nanoTime() > deadline) {
        throw new CloudException(Kind.TRANSIENT, api(), "Timeout", "snapshot " + snapshotId + " of VM " + id
            + " was still listed 2 minutes after oned was asked to delete it; see 'onevm show " + id
            + "' for what oned is doing, and run the snapshot-rm again once the VM is RUNNING or POWEROFF");
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CloudException(Kind.TRANSIENT, api(), null, "interrupted while snapshot " + snapshotId
            + " of VM " + id + " was being deleted", e);
      }
    }
  }

  private OneVm vm(String id) {
    return one.info(id).orElseThrow(() -> notFound(id));
  }

  private CloudException notFound(String id) {
    return new CloudException(Kind.NOT_FOUND, api(), "0x400", "no VM " + id);
  }

  @Override
  public String toString() {
    return "StratusLabProvider{" + one.endpoint() + "}";
  }
}
