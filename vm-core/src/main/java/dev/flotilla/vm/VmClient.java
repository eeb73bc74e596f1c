package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.internal.DriftCheck;
import dev.flotilla.vm.internal.ProviderRegistry;
import dev.flotilla.vm.internal.Waiter;
import dev.flotilla.vm.spi.Capabilities;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The one entry point: start, stop, reboot, snapshot and destroy the VMs of nodes, on any provider.
 *
 * <pre>{@code
 * VmClient client = VmClient.builder().profile(awsProfile).build();
 * Instance vm = client.start(Node.builder("web1").image("ami-123").type("t3.small").build());
 * }</pre>
 *
 * <p>Blocking calls return once every VM is in the settled state asked for, waiting by the {@link
 * WaitPolicy}: one batched describe per provider per poll round, backoff with jitter, a deadline, and an
 * immediate failure when a VM goes to ERROR. The {@code *Async} variants do the same on the client's
 * executor. Calls for many nodes send one request per provider and launch specification, not one per node.
 *
 * <p>The client remembers which VM each node is bound to in its {@link NodeStore}, writing the binding
 * right after the create call returns and before waiting. Thread-safe; close it to release the providers
 * it opened.
 */
public final class VmClient implements AutoCloseable {
  private final Engine engine;
  private final CreatePath creates;
  private final Reconciler reconciler;

  private VmClient(Builder b) {
    this.engine = new Engine(b);
    this.creates = new CreatePath(engine);
    this.reconciler = new Reconciler(engine);
  }

  /** A builder for a client. */
  public static Builder builder() {
    return new Builder();
  }

  // ---- lifecycle of one node ------------------------------------------------------------------------------

  /**
   * Makes {@code node} run: creates its VM when it has none (or its VM is gone), starts it when stopped,
   * and does nothing when it already runs. Waits until RUNNING.
   *
   * @return the VM, observed running
   * @throws ForbiddenTransitionException when the VM is in a state start cannot leave, such as ERROR
   */
  public Instance start(Node node) {
    return start(List.of(node)).get(0);
  }

  /** Stops the VM of {@code node} gracefully and waits until STOPPED; a stopped VM is left as it is. */
  public Instance stop(Node node) {
    return stop(List.of(node)).get(0);
  }

  /** Powers off the VM of {@code node} at once and waits until STOPPED. */
  public Instance forceStop(Node node) {
    return forceStop(List.of(node)).get(0);
  }

  /** Reboots the VM of {@code node} and waits until RUNNING. */
  public Instance reboot(Node node) {
    return reboot(List.of(node)).get(0);
  }

  /**
   * Resets the VM of {@code node} without asking its guest (OpenStack's {@code reboot --hard}) and waits
   * until RUNNING.
   *
   * @throws UnsupportedCapabilityException when the provider has no hard reboot
   */
  public Instance forceReboot(Node node) {
    Engine.facet(engine.providerFor(node), Capability.HARD_REBOOT, Provider::hardReboot);
    Engine.Batch batch = engine.observe(List.of(node));
    engine.act(Engine.toAct(batch, Action.REBOOT), Action.REBOOT, (provider, ids) -> Engine.facet(provider, Capability.HARD_REBOOT,
        Provider::hardReboot).reboot(ids));
    return engine.awaitAndRecord(batch, State.RUNNING).get(0);
  }

  /**
   * Destroys the VM of {@code node}, with its snapshots, waits until it is gone, and clears the node's
   * binding. A node with no VM, or whose VM is already gone, is left as it is.
   */
  public void destroy(Node node) {
    destroy(List.of(node));
  }

  // ---- lifecycle of many nodes ----------------------------------------------------------------------------

  /**
   * {@link #start(Node)} for many nodes at once; the VMs come back in the order of the nodes. Nodes that
   * need a VM are locked while it is made (see {@link NodeStore#lock}): a node whose earlier create did not
   * finish, or whose VM some client made meanwhile, gets that VM, never a second one.
   */
  public List<Instance> start(Collection<Node> nodes) {
    Engine.Batch batch = engine.observe(nodes);
    // a VM an earlier start left failed for capacity (its run was killed, or gave up) goes as that start's would
    List<Engine.Target> unplaced = batch.targets().stream().filter(t -> t.state == State.ERROR && t.seen != null
        && t.provider.failedForCapacity(t.seen) && engine.nextPlace(t).isPresent()).toList();
    if (!unplaced.isEmpty()) {
      creates.replace(unplaced, t -> t.seen);
    }
    List<Engine.Target> toCreate = new ArrayList<>();
    List<Engine.Target> toStart = new ArrayList<>();
    for (Engine.Target t : batch.targets()) {
      Action step = Engine.stepToRunning(t);
      if (step == Action.CREATE) {
        toCreate.add(t);
      } else if (step == Action.START) {
        toStart.add(t);
      }
    }
    CloudException refused = null;
    try {
      toStart.addAll(creates.create(toCreate));
    } catch (CloudException e) {
      if (toCreate.stream().noneMatch(t -> t.node.isBound())) {
        throw e; // nothing was made: the refusal is the whole answer
      }
      refused = e; // some nodes got VMs before the cloud refused the others: those are started all the same
      batch = new Engine.Batch(batch.targets().stream().filter(t -> t.node.isBound()).toList());
      batch.targets().stream().filter(t -> Engine.stepToRunning(t) == Action.START && !toStart.contains(t))
          .forEach(toStart::add);
    }
    for (Engine.Target t : batch.targets()) {
      if (t.node.stoppedAt().isPresent()) { // wanted running again: the HA supervisor may restart it from now
        engine.store.update(t.node.name(), old -> old == null ? null : old.recording(r -> r.stoppedAt(null)));
      }
    }
    try {
      engine.act(toStart, Action.START, (p, ids) -> p.start(ids));
      List<Instance> vms = awaitPlaced(batch);
      if (refused != null) {
        throw new IncompleteBatchException(refused, vms, toCreate.stream().filter(t -> !t.node.isBound())
            .map(t -> t.node.name()).toList());
      }
      return vms;
    } catch (VmException e) {
      if (refused != null && e != refused && !(e instanceof IncompleteBatchException)) {
        e.addSuppressed(refused);
      }
      throw e;
    }
  }

  /**
   * Waits for the VMs of {@code batch} to run. A VM just made that failed for want of capacity (a cloud that
   * tells it only once the VM exists: Nova, CloudStack, OpenNebula) is destroyed, proven gone, and its node
   * made again in the next place of its order; the others are waited for meanwhile.
   */
  private List<Instance> awaitPlaced(Engine.Batch batch) {
    while (true) {
      try {
        return engine.awaitAndRecord(batch, State.RUNNING);
      } catch (InstanceFailedException failed) {
        Map<String, Engine.Target> byVm = new java.util.HashMap<>();
        batch.targets().stream().filter(t -> t.justCreated && t.node.isBound()).forEach(t -> byVm.put(t.vmId(), t));
        List<Engine.Target> full = failed.failed().stream().filter(vm -> byVm.containsKey(vm.id()))
            .filter(vm -> byVm.get(vm.id()).provider.failedForCapacity(vm))
            .map(vm -> byVm.get(vm.id())).filter(t -> engine.nextPlace(t).isPresent()).toList();
        if (full.isEmpty()) {
          throw failed;
        }
        Map<String, Instance> failedById = new java.util.HashMap<>();
        failed.failed().forEach(vm -> failedById.put(vm.id(), vm));
        creates.replace(full, t -> failedById.get(t.vmId()));
        List<Engine.Target> toStart = creates.create(full);
        engine.act(toStart, Action.START, (p, ids) -> p.start(ids));
      }
    }
  }

  /** {@link #stop(Node)} for many nodes at once. */
  public List<Instance> stop(Collection<Node> nodes) {
    return stopAll(nodes, Action.STOP);
  }

  /** {@link #forceStop(Node)} for many nodes at once. */
  public List<Instance> forceStop(Collection<Node> nodes) {
    return stopAll(nodes, Action.FORCE_STOP);
  }

  private List<Instance> stopAll(Collection<Node> nodes, Action action) {
    Engine.Batch batch = engine.settledFor(engine.observe(nodes), action);
    List<Engine.Target> marked = engine.markStopped(batch);
    try {
      engine.act(Engine.toAct(batch, action), action, (p, ids) -> p.stop(ids, action == Action.FORCE_STOP));
      return engine.awaitAndRecord(batch, State.STOPPED);
    } catch (RuntimeException failed) {
      marked.forEach(t -> engine.stoppedAt(t, null)); // only a stop that succeeded speaks for the user
      throw failed;
    }
  }

  /** {@link #reboot(Node)} for many nodes at once. */
  public List<Instance> reboot(Collection<Node> nodes) {
    Engine.Batch batch = engine.settledFor(engine.observe(nodes), Action.REBOOT);
    engine.act(Engine.toAct(batch, Action.REBOOT), Action.REBOOT, (p, ids) -> p.reboot(ids));
    return engine.awaitAndRecord(batch, State.RUNNING);
  }

  /**
   * {@link #destroy(Node)} for many nodes at once. A node whose create did not finish has the VM that
   * create made destroyed too.
   */
  public void destroy(Collection<Node> nodes) {
    Engine.Batch batch = engine.observe(nodes);
    List<Engine.Target> unfinished = batch.targets().stream().filter(t -> !t.node.isBound() && t.node.createIntent().isPresent())
        .toList();
    if (!unfinished.isEmpty()) {
      try (NodeStore.Lock lock = engine.store.lock(Engine.names(unfinished), engine.lockWait)) {
        creates.adoptExisting(creates.boundMeanwhile(unfinished, null), null, CreatePath.Look.FOR_DESTROY);
      }
    }
    engine.markStopped(batch);
    java.time.Instant asked = engine.clock.instant();
    for (Engine.Target t : batch.targets()) { // removal under way: status and HA read it so while the VM goes
      if (t.node.isBound()) {
        engine.store.update(t.node.name(), old -> old != null && old.vmId().equals(t.node.vmId())
            ? old.recording(r -> r.removedAt(asked)) : old);
      }
    }
    engine.act(Engine.toAct(batch, Action.DESTROY), Action.DESTROY, (p, ids) -> p.terminate(ids));
    engine.awaitAndRecord(batch, State.TERMINATED);
    java.time.Instant now = engine.clock.instant();
    for (Engine.Target t : batch.targets()) {
      if (t.node.isBound()) {
        engine.store.update(t.node.name(), old -> old != null && old.vmId().equals(t.node.vmId()) ? old.removed(now) : old);
      }
    }
  }

  // ---- async ----------------------------------------------------------------------------------------------

  /** {@link #start(Node)} on the client's executor. */
  public CompletableFuture<Instance> startAsync(Node node) {
    return async(() -> start(node));
  }

  /** {@link #start(Collection)} on the client's executor. */
  public CompletableFuture<List<Instance>> startAsync(Collection<Node> nodes) {
    return async(() -> start(nodes));
  }

  /** {@link #stop(Node)} on the client's executor. */
  public CompletableFuture<Instance> stopAsync(Node node) {
    return async(() -> stop(node));
  }

  /** {@link #stop(Collection)} on the client's executor. */
  public CompletableFuture<List<Instance>> stopAsync(Collection<Node> nodes) {
    return async(() -> stop(nodes));
  }

  /** {@link #reboot(Node)} on the client's executor. */
  public CompletableFuture<Instance> rebootAsync(Node node) {
    return async(() -> reboot(node));
  }

  /** {@link #destroy(Collection)} on the client's executor. */
  public CompletableFuture<Void> destroyAsync(Collection<Node> nodes) {
    return async(() -> {
      destroy(nodes);
      return null;
    });
  }

  private <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call, engine.executor);
  }

  // ---- observing and binding ------------------------------------------------------------------------------

  /** The VM of {@code node} as the cloud sees it now; empty when the node has no VM or its VM is gone. */
  public Optional<Instance> status(Node node) {
    return engine.status(node);
  }

  /** Every VM of every provider this client uses, tagged by Flotilla or not. */
  public List<Instance> list() {
    List<Instance> all = new ArrayList<>();
    engine.listByProfile().values().forEach(all::addAll);
    return all;
  }

  /**
   * Binds {@code node} to an existing VM (LEAP's {@code vm bind}): tags the VM with the node's name and
   * profile where the provider has tags, and records the binding in the node's record (made from
   * {@code node} when it has none), which ends any create intent it held.
   *
   * @return the node as recorded, bound
   * @throws CloudException with kind NOT_FOUND when the cloud has no VM {@code vmId}
   * @throws OwnershipException when the VM carries another node's name or another node's record is bound
   *     to it, unless the client forces: then the other record's binding is cleared
   */
  public Node bind(Node node, String vmId) {
    // the VM is where the call says (its profile), else where the node's calls go
    String profile = engine.explicitProfile != null ? engine.explicitProfile : engine.profileName(node);
    Provider p = engine.provider(profile);
    Instance vm = engine.backoff.retry(() -> p.describe(List.of(vmId))).stream().filter(i -> i.id().equals(vmId))
        .findFirst().orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND, p.api(), null,
            "no VM '" + vmId + "' to bind node '" + node.name() + "' to; status lists the VMs"));
    engine.checkOwner(node.name(), vm);
    Optional<Node> holder = engine.boundTo(vmId).filter(r -> !r.name().equals(node.name()));
    if (holder.isPresent()) {
      String other = holder.get().name();
      if (!engine.force) {
        throw new OwnershipException(node.name(), vmId, other, "VM " + vmId + " is node " + other + "'s: " + other
            + "'s record is bound to it. Unbind " + other + " first, or bind with force to move the VM to "
            + node.name() + ".");
      }
      engine.store.update(other, old -> old != null && old.vmId().equals(Optional.of(vmId)) ? old.unbind() : old);
    }
    if (Capabilities.has(p, Capability.TAGS)) {
      engine.backoff.retry(() -> p.tag(vmId, Map.of(Instance.NODE_TAG, node.name(), Instance.PROFILE_TAG, profile)));
    }
    Place place = engine.recordsPlace(node) ? new Place(profile, vm.zone().orElse(null)) : null;
    return engine.store.update(node.name(), old -> (old == null ? node : old).bind(vmId, vm.publicAddress().orElse(null),
        vm.privateAddress().orElse(null)).placed(place)).orElseThrow();
  }

  /**
   * Forgets the VM {@code node}'s record is bound to, and any create intent it holds, without touching
   * the VM: for a record that names another node's VM. The next start makes (or adopts) the node's own.
   *
   * @return the record as it is now, if there is one
   */
  public Optional<Node> unbind(Node node) {
    return engine.store.update(node.name(), old -> old == null ? null : old.unbind().intending(null));
  }

  /**
   * Destroys the VM {@code vmId}, which no node is bound to (a duplicate, or a VM nothing claims, as
   * {@link #status()} reports them), looking for it on every profile of the client, and waits by the wait
   * policy until it is gone.
   *
   * @throws OwnershipException when a node's record is bound to it, when its tag names a node that has a
   *     record, or when it may be what an unfinished create made (unless the client forces)
   * @throws CloudException with kind NOT_FOUND when no profile has a live VM {@code vmId}
   */
  public void destroyVm(String vmId) {
    Optional<Node> holder = engine.boundTo(vmId);
    if (holder.isPresent()) {
      String node = holder.get().name();
      throw new OwnershipException(null, vmId, node, "VM " + vmId + " is node " + node + "'s: its record is bound to"
          + " it. Destroy node " + node + " instead (vm rm " + node + "), which also clears the record.");
    }
    for (String profile : engine.names()) {
      Provider p = engine.provider(profile);
      List<Instance> seen;
      try {
        seen = engine.backoff.retry(() -> p.describe(List.of(vmId)));
      } catch (CloudException e) {
        if (e.kind() == CloudException.Kind.NOT_FOUND || e.kind() == CloudException.Kind.INVALID_REQUEST) {
          continue; // not an id of this cloud
        }
        throw e;
      }
      Optional<Instance> vm = seen.stream().filter(i -> i.id().equals(vmId) && DriftCheck.live(i)).findFirst();
      if (vm.isPresent()) {
        Optional<String> owner = claimant(profile, vm.get());
        List<String> locked = owner.filter(n -> engine.store.get(n).isPresent()).map(List::of).orElse(List.of());
        // the claimant's lock: no create of it can be between its call and its record while this runs
        try (NodeStore.Lock lock = engine.store.lock(locked, engine.lockWait)) {
          Optional<String> still = claimant(profile, vm.get());
          if (still.isPresent() && !engine.force) {
            throw new OwnershipException(still.get(), vmId, still.get(), "VM " + vmId + " may be node " + still.get()
                + "'s (" + claim(vm.get(), still.get()) + "); nothing was done to it. Remove node "
                + still.get() + " instead (vm rm " + still.get() + "), or give --force if the VM is no node's.");
          }
          engine.backoff.retry(() -> p.terminate(List.of(vmId)));
        }
        engine.waiter.await(List.of(new Waiter.Group(p, Map.of(vmId, vm.get().nodeName().orElse("-")), Set.of())),
            State.TERMINATED);
        return;
      }
    }
    throw new CloudException(CloudException.Kind.NOT_FOUND, String.join(", ", engine.names()), null, "no live VM '" + vmId
        + "' on any profile; status lists the VMs");
  }

  /**
   * The node that {@code vm} on {@code profile} may belong to, though no record is bound to it: the node its
   * tag names, when that node has a record bound to no other VM (one bound elsewhere makes this VM a
   * duplicate, which 'vm status' advises removing by id); or a node whose create is open on that profile,
   * when the VM carries that create's token or no node name at all (it may be what the create made).
   */
  private Optional<String> claimant(String profile, Instance vm) {
    Optional<String> tagged = vm.nodeName().filter(n -> engine.store.get(n).filter(r -> !r.isBound()).isPresent());
    if (tagged.isPresent()) {
      return tagged;
    }
    String token = vm.tags().get(Instance.TOKEN_TAG);
    return engine.store.list().stream().filter(r -> r.createIntent().isPresent() && engine.onProfile(r, profile))
        .filter(r -> vm.nodeName().isEmpty() || r.createIntent().get().madeVmTagged(token))
        .map(Node::name).findFirst();
  }

  private static String claim(Instance vm, String node) {
    return vm.nodeName().filter(node::equals).isPresent() ? "its " + Instance.NODE_TAG + " tag names it"
        : "node " + node + "'s create is unfinished, and the VM " + (vm.tags().containsKey(Instance.TOKEN_TAG)
            ? "carries that create's token" : "carries no node name");
  }

  /**
   * Compares the node records with every VM of every profile and reports each disagreement with the
   * command and call that fix it. Errors listing a cloud are thrown, never read as "no VMs".
   */
  public StatusReport status() {
    return reconciler.status();
  }

  /**
   * Applies the safe fixes of {@link #status()}: adopts the one VM that carries the name of a node whose
   * record has no id (its create did not finish, or the record lost the id), ends an unfinished create
   * that made nothing, rebinds a node whose VM is gone to the VM carrying its name, clears bindings to VMs
   * that are gone, clears a copied record's binding to another node's VM, tags a node's VM that carries no
   * node name, and records changed addresses. A VM is taken for gone only when two well-formed answers
   * some time apart lack it (see {@link Builder#confirmGoneAfter}). VMs it cannot attribute are reported,
   * never destroyed; an error from a cloud stops it before it changes anything it is unsure of.
   */
  public Reconciliation reconcile() {
    return reconciler.reconcile();
  }

  /** What an HA supervisor needs of this client, and nothing more. */
  HaSupervisor.Supervised supervised() {
    return new HaSupervisor.Supervised(engine.clock, engine.store, engine.listener, this::list, this::start);
  }

  /** The record the client keeps of {@code name}: its properties and binding. */
  public Optional<Node> record(String name) {
    return engine.store.get(name);
  }

  /** What the provider of {@code node} can do: the facets it has and the traits it declares. */
  public Set<Capability> capabilities(Node node) {
    return Capabilities.of(engine.providerFor(node));
  }

  /**
   * Moves the end of the lease of {@code node}'s VM to {@code until}, on the VM (its lease tags, which a
   * {@link Reaper} reads) and in its record, under the node's lock; a VM made without a lease gets one.
   *
   * @return the lease as it now is
   * @throws ConfigurationException when {@code until} has passed
   */
  public Lease renewLease(Node node, java.time.Instant until) {
    return renewLease(node, current -> until);
  }

  /**
   * Moves the end of the lease of {@code node}'s VM {@code by} on from where it is (from now, when it has
   * ended or there is none), as {@link #renewLease(Node, java.time.Instant)} does.
   */
  public Lease extendLease(Node node, java.time.Duration by) {
    return renewLease(node, current -> current.map(Lease::expiresAt).filter(engine.clock.instant()::isBefore)
        .orElse(engine.clock.instant()).plus(by));
  }

  private Lease renewLease(Node node, java.util.function.Function<Optional<Lease>, java.time.Instant> end) {
    try (NodeStore.Lock lock = engine.store.lock(List.of(node.name()), engine.lockWait)) {
      Engine.Target t = engine.single(node, "renew the lease of", null);
      java.time.Instant until = end.apply(t.node.leaseOfVm());
      if (!until.isAfter(engine.clock.instant())) {
        throw new ConfigurationException(null, "lease", "the lease of node " + node.name() + " would end at " + until
            + ", which has passed; give a time to come, such as +2h");
      }
      if (t.state == State.TERMINATED || t.state == State.TERMINATING) {
        throw Engine.noVm(t, "renew the lease of", null);
      }
      Lease lease = t.node.leaseOfVm().map(l -> l.until(until))
          .orElseGet(() -> new Lease(until, t.node.onExpiry(), engine.session));
      engine.backoff.retry(() -> t.provider.tag(t.vmId(), lease.tags()));
      engine.store.update(t.node.name(), old -> old == null || !old.vmId().equals(t.node.vmId()) ? old
          : old.leased(lease));
      return lease;
    }
  }

  /** Ends the leases that have run out, as {@link Reaper#reap()} does; a reaper for this client. */
  public Reaper reaper() {
    return new Reaper(engine);
  }

  /**
   * Changes the instance type of the VM of {@code node} (CloudStack's service offering, EC2's instance type),
   * waits until it settles, and records the new type as the node's. The VM must be stopped, unless the cloud
   * resizes running VMs.
   *
   * @throws UnsupportedCapabilityException when the provider cannot resize VMs
   * @throws ForbiddenTransitionException when the VM runs and the cloud resizes stopped VMs only
   */
  public Instance resize(Node node, String type) {
    Engine.Target t = engine.single(node, "resize", Action.RESIZE);
    dev.flotilla.vm.spi.Resizing resizing = Engine.facet(t.provider, Capability.RESIZE, Provider::resizing);
    if (!(t.state == State.RUNNING && resizing.live())) {
      Engine.check(t, Action.RESIZE);
    }
    engine.backoff.retry(() -> {
      resizing.resize(t.vmId(), type);
      return null;
    });
    Instance vm = engine.waiter.await(List.of(t.group()), st -> st.isSettled() && st != State.TERMINATED, "settled").get(0)
        .get(t.vmId());
    engine.store.update(t.node.name(), old -> old == null || !old.vmId().equals(t.node.vmId()) ? old
        : old.toBuilder().type(type).build());
    return vm;
  }

  /**
   * Makes the VM of {@code node} without starting it (CloudStack's {@code startvm=false}), with the same
   * guarantees as {@link #start(Node)}: one VM per node, recorded as soon as it is made. A node that has a
   * VM already keeps it as it is.
   *
   * @throws UnsupportedCapabilityException when the provider cannot make VMs without starting them
   */
  public Instance create(Node node) {
    return create(List.of(node)).get(0);
  }

  /** {@link #create(Node)} for many nodes at once; the VMs come back in the order of the nodes. */
  public List<Instance> create(Collection<Node> nodes) {
    Engine.Batch batch = engine.observe(nodes);
    List<Engine.Target> toCreate = new ArrayList<>();
    for (Engine.Target t : batch.targets()) {
      if (Engine.stepToRunning(t) == Action.CREATE) {
        Engine.facet(t.provider, Capability.CREATE_STOPPED, Provider::stoppedCreation);
        toCreate.add(t);
      }
    }
    creates.create(toCreate, true);
    return engine.awaitAndRecord(batch, st -> st.isSettled(), "settled");
  }

  /** The instance types of the client's profile (the explicit one, or the only one). */
  public List<InstanceType> types() {
    String profile = engine.profileName(null);
    Provider p = engine.provider(profile);
    return withProfileDefault(engine.backoff.retry(p::types), engine.profiles.get(profile));
  }

  /**
   * The types with the profile's default marked, where its {@code default_options} name one ({@code
   * InstanceType}, as LEAP's cloud.json does): that is the type nodes get that name none.
   */
  private static List<InstanceType> withProfileDefault(List<InstanceType> types, Profile profile) {
    String chosen = profile == null ? null : profile.defaultOptions().get(Engine.TYPE_OPTION);
    if (chosen == null || types.stream().noneMatch(t -> t.name().equals(chosen))) {
      return types;
    }
    return types.stream().map(t -> new InstanceType(t.name(), t.cpus(), t.memoryMb(), t.swapMb(),
        t.name().equals(chosen), t.diskGb(), t.highAvailability())).toList();
  }

  /** The instance types of the provider of {@code node}. */
  public List<InstanceType> types(Node node) {
    String profile = engine.profileName(node);
    return withProfileDefault(engine.backoff.retry(engine.provider(profile)::types), engine.profiles.get(profile));
  }

  // ---- what only some clouds have ------------------------------------------------------------------------

  /** The snapshots of the VM of {@code node}: take, list, revert, delete. */
  public Snapshots snapshots(Node node) {
    return new Snapshots(engine, java.util.Objects.requireNonNull(node, "node"));
  }

  /** The floating addresses of the profile of {@code node}, and of its VM. */
  public Addresses addresses(Node node) {
    return new Addresses(engine, java.util.Objects.requireNonNull(node, "node"));
  }

  /** The floating addresses of the client's profile (the explicit one, or the only one). */
  public Addresses addresses() {
    return new Addresses(engine, null);
  }

  /** The images of the profile of {@code node}, and those saved from its VM. */
  public Images images(Node node) {
    return new Images(engine, java.util.Objects.requireNonNull(node, "node"));
  }

  /** The images of the client's profile (the explicit one, or the only one). */
  public Images images() {
    return new Images(engine, null);
  }

  /** The SSH keys registered with the client's profile (the explicit one, or the only one). */
  public Keys keys() {
    return new Keys(engine);
  }

  /** The console of the VM of {@code node}. */
  public Console console(Node node) {
    return new Console(engine, java.util.Objects.requireNonNull(node, "node"));
  }

  /** Closes the providers this client opened from profiles; providers passed in stay open. */
  @Override
  public void close() {
    engine.close();
  }

  /** Builds a {@link VmClient}. */
  public static final class Builder {
    final Map<String, Profile> profiles = new LinkedHashMap<>();
    final Map<String, Provider> providers = new LinkedHashMap<>();
    String explicitProfile;
    NodeStore store = new InMemoryNodeStore();
    Clock clock = Clock.systemUTC();
    Sleeper sleeper = Sleeper.system();
    WaitPolicy waitPolicy = WaitPolicy.DEFAULT;
    RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    VmListener listener = new VmListener() {};
    Executor executor = ForkJoinPool.commonPool();
    DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    ProviderRegistry registry;
    ClassLoader classLoader = VmClient.class.getClassLoader();
    boolean force;
    java.time.Duration lockWait = java.time.Duration.ofMinutes(5);
    java.time.Duration confirmGoneAfter = java.time.Duration.ofSeconds(5);
    String session = defaultSession();

    private Builder() {}

    /** The environment's FLOTILLA_SESSION (a CI run's id), else a new random one. */
    private static String defaultSession() {
      String env = System.getenv("FLOTILLA_SESSION");
      return env != null && env.matches("[A-Za-z0-9._-]{1,64}") ? env
          : "s-" + java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(8)
              .putLong(new java.security.SecureRandom().nextLong()).array());
    }

    /**
     * The session the leased VMs this client makes are marked with (their {@value Lease#SESSION_TAG} tag), such
     * as a CI run's id; by default the environment's {@code FLOTILLA_SESSION}, else a random one per client.
     */
    public Builder session(String value) {
      new Lease(java.time.Instant.EPOCH, Lease.Expiry.DESTROY, value); // checks it
      this.session = value;
      return this;
    }

    /**
     * Acts on VMs that belong to another node (whose node tag names another node): stop, destroy, revert
     * or bind them anyway. Off by default, when such calls fail with {@link OwnershipException}.
     */
    public Builder force(boolean value) {
      this.force = value;
      return this;
    }

    /**
     * How long to wait for nodes another client is creating VMs for (see {@link NodeStore#lock}); five
     * minutes by default. A lock is held only across a create call, never while VMs boot.
     */
    public Builder lockWait(java.time.Duration value) {
      this.lockWait = java.util.Objects.requireNonNull(value, "lockWait");
      return this;
    }

    /**
     * How long {@link VmClient#reconcile()} waits before it looks a second time at a VM that seems gone;
     * only a VM missing from two well-formed answers this far apart has its binding cleared. Five seconds
     * by default.
     */
    public Builder confirmGoneAfter(java.time.Duration value) {
      this.confirmGoneAfter = java.util.Objects.requireNonNull(value, "confirmGoneAfter");
      return this;
    }

    /**
     * Uses {@code provider} directly, under a profile named after its api id (such as {@code fake}). The
     * usual way to plug in the test kit's {@code FakeCloud}.
     */
    public Builder provider(Provider provider) {
      return provider(provider.api(), provider);
    }

    /** Uses {@code provider} directly, for nodes whose profile is {@code profileName}. */
    public Builder provider(String profileName, Provider provider) {
      checkUnique(profileName);
      providers.put(profileName, provider);
      return this;
    }

    /** Adds a profile; its provider is found by api id with {@link java.util.ServiceLoader} on first use. */
    public Builder profile(Profile profile) {
      checkUnique(profile.name());
      profiles.put(profile.name(), profile);
      return this;
    }

    /**
     * Adds a profile whose provider is {@code provider} (a test kit's fake, say): the profile's defaults
     * (its {@code default_options}) apply to its nodes as they would with the provider it names.
     */
    public Builder profile(Profile profile, Provider provider) {
      checkUnique(profile.name());
      profiles.put(profile.name(), profile);
      providers.put(profile.name(), provider);
      return this;
    }

    /** Adds profiles. */
    public Builder profiles(Collection<Profile> values) {
      values.forEach(this::profile);
      return this;
    }

    private void checkUnique(String name) {
      if (profiles.containsKey(name) || providers.containsKey(name)) {
        throw new ConfigurationException(null, "profile", "profile '" + name + "' is given twice; give each profile"
            + " a name of its own");
      }
    }

    /** Runs every node on this profile, whatever the node names (LEAP's {@code --auth}). */
    public Builder useProfile(String name) {
      this.explicitProfile = name;
      return this;
    }

    /** Where to keep node records; in memory by default. */
    public Builder store(NodeStore value) {
      this.store = value;
      return this;
    }

    /** The clock deadlines are measured on; tests pass a virtual one. */
    public Builder clock(Clock value) {
      this.clock = value;
      return this;
    }

    /** How to pause between polls; tests pass a virtual clock's. */
    public Builder sleeper(Sleeper value) {
      this.sleeper = value;
      return this;
    }

    /** How to wait. */
    public Builder waitPolicy(WaitPolicy value) {
      this.waitPolicy = value;
      return this;
    }

    /** How to retry retryable cloud errors. */
    public Builder retryPolicy(RetryPolicy value) {
      this.retryPolicy = value;
      return this;
    }

    /** Who hears transitions and progress. */
    public Builder listener(VmListener value) {
      this.listener = value;
      return this;
    }

    /** Where the {@code *Async} calls run; the common pool by default. */
    public Builder executor(Executor value) {
      this.executor = value;
      return this;
    }

    /** The source of jitter draws in [0, 1); tests pass a fixed one. */
    public Builder random(DoubleSupplier value) {
      this.random = value;
      return this;
    }

    /** The class loader providers are looked up in. */
    public Builder classLoader(ClassLoader value) {
      this.classLoader = value;
      return this;
    }

    /** The client. Opens no provider and reaches no network. */
    public VmClient build() {
      registry = ProviderRegistry.load(classLoader);
      return new VmClient(this);
    }
  }
}
