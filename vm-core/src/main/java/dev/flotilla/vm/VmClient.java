package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.internal.Backoff;
import dev.flotilla.vm.internal.DriftCheck;
import dev.flotilla.vm.internal.Failpoints;
import dev.flotilla.vm.internal.ProviderRegistry;
import dev.flotilla.vm.internal.Parallel;
import dev.flotilla.vm.internal.Tokens;
import dev.flotilla.vm.internal.Waiter;
import dev.flotilla.vm.spi.Addresses;
import dev.flotilla.vm.spi.Capabilities;
import dev.flotilla.vm.spi.Console;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.ImageSaving;
import dev.flotilla.vm.spi.Keys;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.Snapshots;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(VmClient.class);

  private final Map<String, Profile> profiles;
  private final Map<String, Provider> explicitProviders;
  private final String explicitProfile;
  private final NodeStore store;
  private final Clock clock;
  private final VmListener listener;
  private final Backoff backoff;
  private final Waiter waiter;
  private final Executor executor;
  private final ProviderRegistry registry;
  private final boolean force;
  private final java.time.Duration lockWait;
  private final java.time.Duration confirmGoneAfter;
  private final Map<String, Provider> opened = new ConcurrentHashMap<>();

  private VmClient(Builder b) {
    this.profiles = Map.copyOf(b.profiles);
    this.explicitProviders = Map.copyOf(b.providers);
    this.explicitProfile = b.explicitProfile;
    this.store = b.store;
    this.clock = b.clock;
    this.listener = b.listener;
    this.backoff = new Backoff(b.clock, b.sleeper, b.retryPolicy, b.waitPolicy.jitter(), b.random);
    this.waiter = new Waiter(b.clock, backoff, b.waitPolicy, b.listener);
    this.executor = b.executor;
    this.registry = b.registry;
    this.force = b.force;
    this.lockWait = b.lockWait;
    this.confirmGoneAfter = b.confirmGoneAfter;
    if (explicitProfile != null && !knows(explicitProfile)) {
      throw new ConfigurationException(null, "profile", "'" + explicitProfile + "' is not one of the profiles "
          + names() + ". Choose one of these, or add that profile to cloud.json.");
    }
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
    facet(providerFor(node), Capability.HARD_REBOOT, Provider::hardReboot);
    Batch batch = observe(List.of(node));
    act(toAct(batch, Action.REBOOT), Action.REBOOT, (provider, ids) -> facet(provider, Capability.HARD_REBOOT,
        Provider::hardReboot).reboot(ids));
    return awaitAndRecord(batch, State.RUNNING).get(0);
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
    Batch batch = observe(nodes);
    List<Target> toCreate = new ArrayList<>();
    List<Target> toStart = new ArrayList<>();
    for (Target t : batch.targets) {
      Action step = stepToRunning(t);
      if (step == Action.CREATE) {
        toCreate.add(t);
      } else if (step == Action.START) {
        toStart.add(t);
      }
    }
    toStart.addAll(create(toCreate));
    for (Target t : batch.targets) {
      if (t.node.stoppedAt().isPresent()) { // wanted running again: the HA supervisor may restart it from now
        store.update(t.node.name(), old -> old == null ? null : old.toBuilder().stoppedAt(null).build());
      }
    }
    act(toStart, Action.START, (p, ids) -> p.start(ids));
    return awaitAndRecord(batch, State.RUNNING);
  }

  /**
   * Marks the records of the bound nodes of {@code batch} as stopped on purpose, before the call that stops or
   * destroys their VMs: the HA supervisor ({@link HaSupervisor}) leaves such nodes alone.
   */
  private List<Target> markStopped(Batch batch) {
    java.time.Instant now = clock.instant();
    List<Target> marked = new ArrayList<>();
    for (Target t : batch.targets) {
      if (t.node.isBound() && t.node.stoppedAt().isEmpty()) {
        stoppedAt(t, now);
        marked.add(t);
      }
    }
    return marked;
  }

  /** Sets (or with null clears) the stop mark of {@code t}'s record, if the record still holds its VM. */
  private void stoppedAt(Target t, java.time.Instant at) {
    store.update(t.node.name(), old -> old == null || !old.vmId().equals(t.node.vmId()) ? old
        : old.toBuilder().stoppedAt(at).build());
  }

  /** CREATE, START, or null when the VM runs or is on its way there. */
  private static Action stepToRunning(Target t) {
    List<Action> plan = Lifecycle.plan(t.state, State.RUNNING).orElse(List.of(Action.DESTROY));
    if (plan.contains(Action.DESTROY)) {
      throw new ForbiddenTransitionException(t.subject(), t.node.name(), t.state, Action.START);
    }
    return plan.isEmpty() ? null : plan.get(0);
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
    Batch batch = settledFor(observe(nodes), action);
    List<Target> marked = markStopped(batch);
    try {
      act(toAct(batch, action), action, (p, ids) -> p.stop(ids, action == Action.FORCE_STOP));
      return awaitAndRecord(batch, State.STOPPED);
    } catch (RuntimeException failed) {
      marked.forEach(t -> stoppedAt(t, null)); // only a stop that succeeded speaks for the user
      throw failed;
    }
  }

  /** {@link #reboot(Node)} for many nodes at once. */
  public List<Instance> reboot(Collection<Node> nodes) {
    Batch batch = settledFor(observe(nodes), Action.REBOOT);
    act(toAct(batch, Action.REBOOT), Action.REBOOT, (p, ids) -> p.reboot(ids));
    return awaitAndRecord(batch, State.RUNNING);
  }

  /**
   * The batch with the VMs that are on their way (PENDING, REBOOTING...) to a state where {@code action}
   * may be taken waited for until they get there, by the wait policy, so that one booting VM does not
   * stop a batch: a stop of a VM still booting stops it once it runs.
   */
  private Batch settledFor(Batch batch, Action action) {
    Map<Provider, Map<String, String>> passing = new LinkedHashMap<>();
    for (Target t : batch.targets) {
      if (t.node.isBound() && !t.state.isSettled() && !t.state.allows(action) && !Lifecycle.isNoOp(t.state, action)) {
        passing.computeIfAbsent(t.provider, p -> new LinkedHashMap<>()).put(t.vmId(), t.node.name());
      }
    }
    if (passing.isEmpty()) {
      return batch;
    }
    List<Waiter.Group> groups = new ArrayList<>();
    passing.forEach((p, vms) -> groups.add(new Waiter.Group(p, vms, Set.of())));
    List<Map<String, Instance>> seen = waiter.await(groups, State::isSettled, "settled");
    Map<String, Instance> byId = new java.util.HashMap<>();
    seen.forEach(byId::putAll);
    for (Target t : batch.targets) {
      Instance vm = t.node.isBound() ? byId.get(t.vmId()) : null;
      if (vm != null) {
        t.state = vm.state();
      }
    }
    return batch;
  }

  /**
   * {@link #destroy(Node)} for many nodes at once. A node whose create did not finish has the VM that
   * create made destroyed too.
   */
  public void destroy(Collection<Node> nodes) {
    Batch batch = observe(nodes);
    List<Target> unfinished = batch.targets.stream().filter(t -> !t.node.isBound() && t.node.createIntent().isPresent())
        .toList();
    if (!unfinished.isEmpty()) {
      try (NodeStore.Lock lock = store.lock(names(unfinished), lockWait)) {
        adoptExisting(boundMeanwhile(unfinished, null), null, Look.FOR_DESTROY);
      }
    }
    markStopped(batch);
    act(toAct(batch, Action.DESTROY), Action.DESTROY, (p, ids) -> p.terminate(ids));
    awaitAndRecord(batch, State.TERMINATED);
    java.time.Instant now = clock.instant();
    for (Target t : batch.targets) {
      if (t.node.isBound()) {
        store.update(t.node.name(), old -> old != null && old.vmId().equals(t.node.vmId()) ? old.removed(now) : old);
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
    return CompletableFuture.supplyAsync(call, executor);
  }

  // ---- observing and binding ------------------------------------------------------------------------------

  /** The VM of {@code node} as the cloud sees it now; empty when the node has no VM or its VM is gone. */
  public Optional<Instance> status(Node node) {
    Node record = withRecord(node);
    if (!record.isBound()) {
      return Optional.empty();
    }
    Provider p = providerFor(record);
    List<Instance> seen = backoff.retry(() -> p.describe(List.of(record.vmId().get())));
    return seen.stream().filter(i -> i.id().equals(record.vmId().get())).findFirst();
  }

  /** Every VM of every provider this client uses, tagged by Flotilla or not. */
  public List<Instance> list() {
    List<Instance> all = new ArrayList<>();
    listByProfile().values().forEach(all::addAll);
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
    Provider p = providerFor(node);
    Instance vm = backoff.retry(() -> p.describe(List.of(vmId))).stream().filter(i -> i.id().equals(vmId))
        .findFirst().orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND, p.api(), null,
            "no VM '" + vmId + "' to bind node '" + node.name() + "' to; status lists the VMs"));
    checkOwner(node.name(), vm);
    Optional<Node> holder = boundTo(vmId).filter(r -> !r.name().equals(node.name()));
    if (holder.isPresent()) {
      String other = holder.get().name();
      if (!force) {
        throw new OwnershipException(node.name(), vmId, other, "VM " + vmId + " is node " + other + "'s: " + other
            + "'s record is bound to it. Unbind " + other + " first, or bind with force to move the VM to "
            + node.name() + ".");
      }
      store.update(other, old -> old != null && old.vmId().equals(Optional.of(vmId)) ? old.unbind() : old);
    }
    if (Capabilities.has(p, Capability.TAGS)) {
      backoff.retry(() -> p.tag(vmId, Map.of(Instance.NODE_TAG, node.name(), Instance.PROFILE_TAG, profileName(node))));
    }
    return store.update(node.name(), old -> (old == null ? node : old).bind(vmId, vm.publicAddress().orElse(null),
        vm.privateAddress().orElse(null))).orElseThrow();
  }

  /**
   * Forgets the VM {@code node}'s record is bound to, and any create intent it holds, without touching
   * the VM: for a record that names another node's VM. The next start makes (or adopts) the node's own.
   *
   * @return the record as it is now, if there is one
   */
  public Optional<Node> unbind(Node node) {
    return store.update(node.name(), old -> old == null ? null : old.unbind().intending(null));
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
    Optional<Node> holder = boundTo(vmId);
    if (holder.isPresent()) {
      String node = holder.get().name();
      throw new OwnershipException(null, vmId, node, "VM " + vmId + " is node " + node + "'s: its record is bound to"
          + " it. Destroy node " + node + " instead (vm rm " + node + "), which also clears the record.");
    }
    for (String profile : names()) {
      Provider p = provider(profile);
      List<Instance> seen;
      try {
        seen = backoff.retry(() -> p.describe(List.of(vmId)));
      } catch (CloudException e) {
        if (e.kind() == CloudException.Kind.NOT_FOUND || e.kind() == CloudException.Kind.INVALID_REQUEST) {
          continue; // not an id of this cloud
        }
        throw e;
      }
      Optional<Instance> vm = seen.stream().filter(i -> i.id().equals(vmId) && DriftCheck.live(i)).findFirst();
      if (vm.isPresent()) {
        Optional<String> owner = claimant(profile, vm.get());
        List<String> locked = owner.filter(n -> store.get(n).isPresent()).map(List::of).orElse(List.of());
        // the claimant's lock: no create of it can be between its call and its record while this runs
        try (NodeStore.Lock lock = store.lock(locked, lockWait)) {
          Optional<String> still = claimant(profile, vm.get());
          if (still.isPresent() && !force) {
            throw new OwnershipException(still.get(), vmId, still.get(), "VM " + vmId + " may be node " + still.get()
                + "'s (" + claim(vm.get(), still.get()) + "); nothing was done to it. Remove node "
                + still.get() + " instead (vm rm " + still.get() + "), or give --force if the VM is no node's.");
          }
          backoff.retry(() -> p.terminate(List.of(vmId)));
        }
        waiter.await(List.of(new Waiter.Group(p, Map.of(vmId, vm.get().nodeName().orElse("-")), Set.of())),
            State.TERMINATED);
        return;
      }
    }
    throw new CloudException(CloudException.Kind.NOT_FOUND, String.join(", ", names()), null, "no live VM '" + vmId
        + "' on any profile; status lists the VMs");
  }

  /**
   * The node that {@code vm} on {@code profile} may belong to, though no record is bound to it: the node its
   * tag names, when that node has a record bound to no other VM (one bound elsewhere makes this VM a
   * duplicate, which 'vm status' advises removing by id); or a node whose create is open on that profile,
   * when the VM carries that create's token or no node name at all (it may be what the create made).
   */
  private Optional<String> claimant(String profile, Instance vm) {
    Optional<String> tagged = vm.nodeName().filter(n -> store.get(n).filter(r -> !r.isBound()).isPresent());
    if (tagged.isPresent()) {
      return tagged;
    }
    String token = vm.tags().get(Instance.TOKEN_TAG);
    return store.list().stream().filter(r -> r.createIntent().isPresent() && onProfile(r, profile))
        .filter(r -> vm.nodeName().isEmpty() || r.createIntent().get().token().equals(token))
        .map(Node::name).findFirst();
  }

  private static String claim(Instance vm, String node) {
    return vm.nodeName().filter(node::equals).isPresent() ? "its " + Instance.NODE_TAG + " tag names it"
        : "node " + node + "'s create is unfinished, and the VM " + (vm.tags().containsKey(Instance.TOKEN_TAG)
            ? "carries that create's token" : "carries no node name");
  }

  private Optional<Node> boundTo(String vmId) {
    return store.list().stream().filter(r -> r.vmId().equals(Optional.of(vmId))).findFirst();
  }

  /**
   * Compares the node records with every VM of every profile and reports each disagreement with the
   * command and call that fix it. Errors listing a cloud are thrown, never read as "no VMs".
   */
  public StatusReport status() {
    // the records are read while the clouds answer: a report waits for the slower, not for both
    Parallel.Both<List<Node>, Map<String, List<Instance>>> read = Parallel.both("flotilla-records", store::list,
        this::listByProfile);
    Map<String, List<Instance>> vms = read.second();
    List<Instance> all = new ArrayList<>();
    vms.values().forEach(all::addAll);
    return new StatusReport(all, DriftCheck.check(read.first(), vms, this::profileName));
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
    Map<String, List<Instance>> vms = listByProfile();
    Map<String, List<Instance>> tagged = new java.util.HashMap<>();
    vms.values().forEach(list -> list.stream().filter(DriftCheck::live)
        .forEach(vm -> vm.nodeName().ifPresent(n -> tagged.computeIfAbsent(n, k -> new ArrayList<>()).add(vm))));
    List<Node> records = store.list();
    Set<String> boundIds = new java.util.HashSet<>();
    records.forEach(r -> r.vmId().ifPresent(boundIds::add));
    List<String> applied = new ArrayList<>();
    List<Node> seemGone = new ArrayList<>();
    for (Node r : records) {
      String profile = profileName(r);
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
          store.update(r.name(), old -> old != null && old.vmId().equals(Optional.of(id)) ? old.unbind() : old);
          applied.add("cleared node " + r.name() + "'s binding to VM " + id + ", which is node " + owner.get() + "'s");
        }
        continue;
      }
      if (live.nodeName().isEmpty() && mine.isEmpty() && Capabilities.has(provider(profile), Capability.TAGS)) {
        Provider p = provider(profile);
        backoff.retry(() -> p.tag(id, Map.of(Instance.NODE_TAG, r.name(), Instance.PROFILE_TAG, profile)));
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
        store.update(r.name(), old -> old != null && old.vmId().equals(Optional.of(id)) ? old.unbind() : old);
        applied.add("cleared node " + r.name() + "'s binding to VM " + id + ", which is gone");
      }
    }
    return new Reconciliation(applied, status().drift());
  }

  /**
   * The records among {@code suspects} whose VM is gone for sure: missing (or terminated) in a describe
   * made {@link Builder#confirmGoneAfter} after the listing that first missed it.
   */
  private List<Node> confirmGone(List<Node> suspects) {
    if (suspects.isEmpty()) {
      return List.of();
    }
    backoff.pause(confirmGoneAfter);
    List<Node> gone = new ArrayList<>();
    Map<String, List<Node>> byProfile = new LinkedHashMap<>();
    suspects.forEach(r -> byProfile.computeIfAbsent(profileName(r), k -> new ArrayList<>()).add(r));
    byProfile.forEach((profile, records) -> {
      Provider p = provider(profile);
      List<String> ids = records.stream().map(r -> r.vmId().get()).toList();
      Set<String> live = new java.util.HashSet<>();
      backoff.retry(() -> p.describe(ids)).stream().filter(DriftCheck::live).forEach(i -> live.add(i.id()));
      records.stream().filter(r -> !live.contains(r.vmId().get())).forEach(gone::add);
    });
    return gone;
  }

  /**
   * Ends the create intent of {@code r}, whose create made nothing the cloud lists under its name, unless
   * VMs nothing attributes might be what it made, or a create holds its lock right now.
   */
  private void endUnfinished(Node r, List<Instance> vms, Set<String> boundIds, List<String> applied) {
    CreateIntent intent = r.createIntent().get();
    if (!DriftCheck.unattributed(vms, intent, boundIds).isEmpty()) {
      return; // a person must say whose those VMs are: status reports them
    }
    try (NodeStore.Lock lock = store.lock(List.of(r.name()), java.time.Duration.ZERO)) {
      Optional<Node> now = store.update(r.name(), old -> old != null && !old.isBound()
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
  private void rebind(Node record, String expected, Instance vm, String what, List<String> applied) {
    Optional<Node> now = store.update(record.name(), old -> {
      if (old == null || !java.util.Objects.equals(old.vmId().orElse(null), expected)) {
        return old;
      }
      return old.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
    });
    if (now.isPresent() && now.get().vmId().equals(Optional.of(vm.id()))) {
      applied.add(what);
    }
  }

  private Map<String, List<Instance>> listByProfile() {
    // each cloud is asked at once: a status of three clouds waits for the slowest, not for the sum
    List<String> names = names();
    List<List<Instance>> lists = Parallel.map(names, names.size(), "flotilla-list",
        name -> backoff.retry(provider(name)::list)).orThrow();
    Map<String, List<Instance>> out = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      out.put(names.get(i), lists.get(i));
    }
    return out;
  }

  /** The store of records, for the supervisor in this package. */
  NodeStore store() {
    return store;
  }

  /** The client's clock, for the supervisor in this package. */
  Clock clock() {
    return clock;
  }

  /** The client's listener, for the supervisor in this package. */
  VmListener listener() {
    return listener;
  }

  /** The record the client keeps of {@code name}: its properties and binding. */
  public Optional<Node> record(String name) {
    return store.get(name);
  }

  /** What the provider of {@code node} can do: the facets it has and the traits it declares. */
  public Set<Capability> capabilities(Node node) {
    return Capabilities.of(providerFor(node));
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
    Target t = single(node, "resize", Action.RESIZE);
    dev.flotilla.vm.spi.Resizing resizing = facet(t.provider, Capability.RESIZE, Provider::resizing);
    if (!(t.state == State.RUNNING && resizing.live())) {
      check(t, Action.RESIZE);
    }
    backoff.retry(() -> {
      resizing.resize(t.vmId(), type);
      return null;
    });
    Instance vm = waiter.await(List.of(t.group()), st -> st.isSettled() && st != State.TERMINATED, "settled").get(0)
        .get(t.vmId());
    store.update(t.node.name(), old -> old == null || !old.vmId().equals(t.node.vmId()) ? old
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
    Batch batch = observe(nodes);
    List<Target> toCreate = new ArrayList<>();
    for (Target t : batch.targets) {
      if (stepToRunning(t) == Action.CREATE) {
        facet(t.provider, Capability.CREATE_STOPPED, Provider::stoppedCreation);
        toCreate.add(t);
      }
    }
    create(toCreate, true);
    return awaitAndRecord(batch, st -> st.isSettled(), "settled");
  }

  /** The instance types of the client's profile (the explicit one, or the only one). */
  public List<InstanceType> types() {
    String profile = profileName(null);
    Provider p = provider(profile);
    return withProfileDefault(backoff.retry(p::types), profiles.get(profile));
  }

  /**
   * The types with the profile's default marked, where its {@code default_options} name one ({@code
   * InstanceType}, as LEAP's cloud.json does): that is the type nodes get that name none.
   */
  private static List<InstanceType> withProfileDefault(List<InstanceType> types, Profile profile) {
    String chosen = profile == null ? null : profile.defaultOptions().get(TYPE_OPTION);
    if (chosen == null || types.stream().noneMatch(t -> t.name().equals(chosen))) {
      return types;
    }
    return types.stream().map(t -> new InstanceType(t.name(), t.cpus(), t.memoryMb(), t.swapMb(),
        t.name().equals(chosen), t.diskGb(), t.highAvailability())).toList();
  }

  /** The option of LEAP's {@code default_options} that names the default instance type. */
  private static final String TYPE_OPTION = "InstanceType";

  /** The images of the client's profile (the explicit one, or the only one). */
  public List<Image> images() {
    Provider p = provider(profileName(null));
    return backoff.retry(p::images);
  }

  /** Registers an SSH public key with the client's profile (LEAP's {@code vm key-register}). */
  public KeyPair registerKey(String name, String publicKey) {
    Keys keys = facet(provider(profileName(null)), Capability.KEY_IMPORT, Provider::keys);
    return backoff.retry(() -> keys.importKey(name, publicKey));
  }

  /** The SSH keys registered with the client's profile (LEAP's {@code vm key-list}). */
  public List<KeyPair> keys() {
    return backoff.retry(facet(provider(profileName(null)), Capability.KEY_IMPORT, Provider::keys)::list);
  }

  /** The instance types of the provider of {@code node}. */
  public List<InstanceType> types(Node node) {
    String profile = profileName(node);
    return withProfileDefault(backoff.retry(provider(profile)::types), profiles.get(profile));
  }

  /** The images of the provider of {@code node}. */
  public List<Image> images(Node node) {
    Provider p = providerFor(node);
    return backoff.retry(p::images);
  }

  /**
   * What the VM of {@code node} printed on its console: boot messages and cloud-init's output.
   *
   * @throws UnsupportedCapabilityException when the provider cannot read consoles
   */
  public String consoleOutput(Node node) {
    Target t = single(node, "read the console of", null);
    Console console = facet(t.provider, Capability.CONSOLE_OUTPUT, Provider::console);
    return backoff.retry(() -> console.output(t.vmId()));
  }

  // ---- floating addresses ---------------------------------------------------------------------------------

  /** The floating addresses of the client's profile (the explicit one, or the only one), free or in use. */
  public List<FloatingAddress> addresses() {
    return addresses(null);
  }

  /** The floating addresses of the profile of {@code node}, free or in use. */
  public List<FloatingAddress> addresses(Node node) {
    return backoff.retry(floating(providerFor(node))::list);
  }

  /**
   * Allocates a floating address on the profile of {@code node}, from {@code pool} or, when it is
   * {@code null}, from the cloud's default pool.
   */
  public FloatingAddress allocateAddress(Node node, String pool) {
    Addresses addresses = floating(providerFor(node));
    return backoff.retry(() -> addresses.allocate(pool));
  }

  /**
   * Points a floating address at the VM of {@code node} and records it as the node's public address.
   *
   * @return the VM as observed after the change
   */
  public Instance associateAddress(Node node, String address) {
    Target t = single(node, "give a floating address to", null);
    Addresses addresses = floating(t.provider);
    addressFor(t.provider, address, t.node);
    backoff.retry(() -> addresses.associate(address, t.vmId()));
    // The cloud may list the address a moment later; the record has it now.
    store.update(t.node.name(), old -> (old == null ? t.node : old).bind(t.vmId(), address,
        t.node.privateAddress().orElse(null)));
    return status(t.node).orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND, t.provider.api(), null,
        "VM " + t.vmId() + " of node " + t.node.name() + " vanished while its address was set", null));
  }

  /**
   * Takes a floating address off the VM of {@code node}; the address stays allocated, and the node's
   * record no longer names it (it names the VM's own public address, if it has one).
   */
  public void disassociateAddress(Node node, String address) {
    Target t = single(node, "take a floating address off", null);
    Addresses addresses = floating(t.provider);
    addressFor(t.provider, address, t.node);
    backoff.retry(() -> addresses.disassociate(address, t.vmId()));
    String own = backoff.retry(() -> t.provider.describe(List.of(t.vmId()))).stream()
        .filter(i -> i.id().equals(t.vmId())).findFirst().flatMap(Instance::publicAddress)
        .filter(a -> !a.equals(address)).orElse(null);
    store.update(t.node.name(), old -> old != null && old.vmId().equals(t.node.vmId())
        && old.publicAddress().equals(Optional.of(address)) ? old.bind(t.vmId(), own, old.privateAddress().orElse(null))
        : old);
  }

  /** Gives a floating address of the profile of {@code node} back to its pool. */
  public void releaseAddress(Node node, String address) {
    Provider p = providerFor(node);
    Addresses addresses = floating(p);
    addressFor(p, address, node == null ? null : store.get(node.name()).orElse(node));
    backoff.retry(() -> addresses.release(address));
  }

  /**
   * Mine before I act, for addresses: {@code address} as the cloud lists it now, refused (unless the client
   * forces) when it points at a VM that is not {@code node}'s: moving or releasing it would take another
   * node's address away.
   */
  private FloatingAddress addressFor(Provider p, String address, Node node) {
    FloatingAddress found = backoff.retry(floating(p)::list).stream().filter(a -> a.address().equals(address)).findFirst()
        .orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND, p.api(), null, "the profile has no"
            + " floating address " + dev.flotilla.vm.internal.Values.quoted(address) + "; 'vm ip-list' lists them"));
    Optional<String> at = found.vm().filter(vm -> node == null || !node.vmId().equals(Optional.of(vm)));
    if (at.isPresent() && !force) {
      String holder = boundTo(at.get()).map(Node::name).orElse(null);
      throw new OwnershipException(node == null ? null : node.name(), at.get(), holder, "floating address " + address
          + " points at VM " + at.get() + (holder == null ? "" : ", node " + holder + "'s") + "; nothing was done to"
          + " it. Take it off that VM first (vm ip-rm " + (holder == null ? "NODE" : holder) + " " + address
          + "), or give --force.");
    }
    return found;
  }

  private static Addresses floating(Provider p) {
    return facet(p, Capability.FLOATING_IP, Provider::addresses);
  }

  // ---- snapshots ------------------------------------------------------------------------------------------

  /**
   * Takes a snapshot of the VM of {@code node} and waits until it is ready. It becomes the current
   * snapshot, a child of the one that was current.
   *
   * @throws UnsupportedCapabilityException when the provider has no snapshots, or none with memory and
   *     {@code options.memory()} was asked
   */
  public Snapshot snapshot(Node node, String name, SnapshotOptions options) {
    Target t = single(node, "snapshot", Action.SNAPSHOT);
    Snapshots snapshots = snapshotsOf(t);
    if (options.memory() && !Capabilities.has(t.provider, Capability.SNAPSHOT_MEMORY)) {
      throw new UnsupportedCapabilityException(Capability.SNAPSHOT_MEMORY, t.provider.api());
    }
    check(t, Action.SNAPSHOT);
    Snapshot taken = backoff.retry(() -> snapshots.take(t.vmId(), name, options));
    return awaitSnapshot(t, snapshots, taken.id());
  }

  /** Takes a disk-only snapshot; see {@link #snapshot(Node, String, SnapshotOptions)}. */
  public Snapshot snapshot(Node node, String name) {
    return snapshot(node, name, SnapshotOptions.DISK);
  }

  /** The snapshot chain of the VM of {@code node}. */
  public SnapshotChain snapshots(Node node) {
    Target t = single(node, "list the snapshots of", null);
    return chain(t, snapshotsOf(t));
  }

  /**
   * Reverts the VM of {@code node} to a snapshot, named by id or name, and waits until the VM settles.
   * The snapshot becomes current, so the next snapshot starts a new branch.
   *
   * @return the VM after the revert: running for a memory snapshot, usually stopped otherwise
   */
  public Instance revert(Node node, String snapshot) {
    Target t = single(node, "revert", Action.REVERT);
    Snapshots snapshots = snapshotsOf(t);
    check(t, Action.REVERT);
    Snapshot s = find(t, snapshots, snapshot);
    backoff.retry(() -> snapshots.revert(t.vmId(), s.id()));
    // A memory snapshot resumes running; a disk-only one settles where the provider leaves it.
    List<Map<String, Instance>> seen = s.includesMemory() ? waiter.await(List.of(t.group()), State.RUNNING)
        : waiter.await(List.of(t.group()), st -> st.isSettled() && st != State.ERROR && st != State.TERMINATED, "settled");
    return seen.get(0).get(t.vmId());
  }

  /** Deletes a snapshot, named by id or name; its children move to its parent. */
  public void deleteSnapshot(Node node, String snapshot) {
    Target t = single(node, "delete a snapshot of", null);
    Snapshots snapshots = snapshotsOf(t);
    Snapshot s = find(t, snapshots, snapshot);
    backoff.retry(() -> snapshots.delete(t.vmId(), s.id()));
  }

  /**
   * Saves the VM of {@code node} as an image that new nodes can name as theirs, and waits until the image
   * can boot them.
   *
   * @throws UnsupportedCapabilityException when the provider cannot save VMs as images
   */
  public Image saveImage(Node node, String name) {
    Target t = single(node, "save an image of", null);
    ImageSaving saving = facet(t.provider, Capability.SNAPSHOT_TO_IMAGE, Provider::imageSaving);
    // some clouds stop the VM to copy its disk (CloudStack) or reboot it (EC2): while the save lasts, its
    // record says a Flotilla call stopped it, so an HA supervisor does not start it in the middle of the copy
    boolean marked = t.node.stoppedAt().isEmpty();
    if (marked) {
      stoppedAt(t, clock.instant());
    }
    try {
      return saved(t, saving, name);
    } finally {
      if (marked) {
        stoppedAt(t, null);
      }
    }
  }

  private Image saved(Target t, ImageSaving saving, String name) {
    Map<String, String> tags = Map.of(Image.SAVED_FROM_TAG, t.node.name(), Instance.PROFILE_TAG, t.profile);
    Image image = backoff.retry(() -> saving.save(t.vmId(), name, tags));
    Map<String, String> lastSeen = new LinkedHashMap<>();
    try {
      return waiter.until(() -> {
        Optional<Snapshot.Status> status = backoff.retry(() -> saving.status(image.id()));
        lastSeen.put(image.id(), status.map(Enum::name).orElse("not listed"));
        if (status.isEmpty() || status.get() == Snapshot.Status.ERROR) {
          throw new CloudException(CloudException.Kind.UNKNOWN, t.provider.api(), null, "image '" + name + "' ("
              + image.id() + ") of " + t.subject() + " is " + lastSeen.get(image.id()));
        }
        return status.filter(s -> s == Snapshot.Status.READY).map(s -> image);
      }, elapsed -> new WaitTimeoutException("image READY", lastSeen, elapsed));
    } catch (VmException failed) {
      throw withoutImage(saving, image, failed);
    }
  }

  /**
   * A failed save leaves no image behind: the image it began is deleted, or, when that fails too, the error
   * says how to delete it.
   */
  private VmException withoutImage(ImageSaving saving, Image image, VmException failed) {
    try {
      backoff.retry(() -> saving.delete(image.id()));
      return new VmException(failed.getMessage() + "; the unfinished image " + image.id() + " was deleted", failed);
    } catch (CloudException e) {
      if (e.kind() == CloudException.Kind.NOT_FOUND) {
        return new VmException(failed.getMessage() + "; the cloud no longer has image " + image.id(), failed);
      }
      return new VmException(failed.getMessage() + "; image " + image.id() + " may be left: delete it with"
          + " 'vm image-rm " + image.id() + "' [in code: VmClient.deleteImage]", failed);
    }
  }

  /**
   * Deletes an image made by {@link #saveImage}, on the client's profile (the explicit one, or the only one).
   *
   * @throws VmException when the image carries no {@link Image#SAVED_FROM_TAG}: it is not Flotilla's to delete
   */
  public void deleteImage(String imageId) {
    deleteImage(null, imageId, false);
  }

  /**
   * Deletes an image on the provider of {@code node} (the client's profile when {@code null}). Only an image
   * {@link #saveImage} made is deleted, one that carries {@link Image#SAVED_FROM_TAG}, unless {@code force}
   * says that the caller has made sure it is theirs.
   *
   * @throws CloudException of kind NOT_FOUND when the cloud has no such image
   * @throws VmException when the image is not one Flotilla saved and {@code force} is false
   */
  public void deleteImage(Node node, String imageId, boolean force) {
    Provider p = providerFor(node);
    ImageSaving saving = facet(p, Capability.SNAPSHOT_TO_IMAGE, Provider::imageSaving);
    Image image = backoff.retry(() -> saving.image(imageId)).orElseThrow(() -> new CloudException(
        CloudException.Kind.NOT_FOUND, p.api(), null, "the cloud has no image " + imageId + "; 'vm images' lists"
        + " those it has [in code: VmClient.images]"));
    if (!force && image.savedFrom().isEmpty()) {
      throw new VmException("image " + imageId + " ('" + image.name() + "') was not saved by Flotilla (it has no "
          + Image.SAVED_FROM_TAG + " tag), so it is not deleted; if it is yours to delete, add --force"
          + " [in code: VmClient.deleteImage(node, id, true)]");
    }
    backoff.retry(() -> saving.delete(imageId));
  }

  private Snapshot find(Target t, Snapshots snapshots, String idOrName) {
    SnapshotChain chain = chain(t, snapshots);
    return chain.find(idOrName).orElseThrow(() -> new ConfigurationException(null, "snapshot", "node '"
        + t.node.name() + "' has no snapshot '" + idOrName + "'; it has "
        + chain.snapshots().stream().map(Snapshot::name).toList()));
  }

  private Snapshot awaitSnapshot(Target t, Snapshots snapshots, String snapshotId) {
    Map<String, String> lastSeen = new LinkedHashMap<>();
    return waiter.until(() -> {
      Optional<Snapshot> s = chain(t, snapshots).get(snapshotId);
      lastSeen.put(snapshotId, s.map(x -> x.status().name()).orElse("not listed"));
      if (s.isPresent() && s.get().status() == Snapshot.Status.ERROR) {
        throw new CloudException(CloudException.Kind.UNKNOWN, t.provider.api(), null, "snapshot '" + s.get().name()
            + "' of " + t.subject() + " failed; delete it with 'vm snapshot-rm " + t.node.name() + " " + s.get().name()
            + "' and try again [in code: VmClient.deleteSnapshot]");
      }
      return s.filter(x -> x.status() == Snapshot.Status.READY);
    }, elapsed -> new WaitTimeoutException("snapshot READY", lastSeen, elapsed));
  }

  private SnapshotChain chain(Target t, Snapshots snapshots) {
    return backoff.retry(() -> snapshots.chain(t.vmId()));
  }

  private static Snapshots snapshotsOf(Target t) {
    return facet(t.provider, Capability.SNAPSHOTS, Provider::snapshots);
  }

  /** The facet of {@code p} that has {@code capability}: where it has none, the one error every caller gives. */
  private static <F> F facet(Provider p, Capability capability, java.util.function.Function<Provider, Optional<F>> facet) {
    return facet.apply(p).orElseThrow(() -> new UnsupportedCapabilityException(capability, p.api()));
  }

  // ---- the machinery --------------------------------------------------------------------------------------

  /** A node of a batch, with its record merged in, its provider, and the state its VM was seen in. */
  private final class Target {
    private Node node;
    private final String profile;
    private final Provider provider;
    private State state = State.TERMINATED;
    private boolean justCreated;

    private Target(Node node) {
      this.node = node;
      this.profile = profileName(node);
      this.provider = provider(profile);
    }

    String vmId() {
      return node.vmId().orElse(null);
    }

    String subject() {
      return node.isBound() ? "VM " + vmId() + " of node " + node.name() : "node " + node.name() + " (no VM)";
    }

    Waiter.Group group() {
      return new Waiter.Group(provider, Map.of(vmId(), node.name()), justCreated ? Set.of(vmId()) : Set.of());
    }
  }

  /** The targets of one call, and when the call began (what other calls did since, it defers to). */
  private record Batch(List<Target> targets, java.time.Instant began) {}

  /** The target of one node that must have a VM for the call ({@code doing} it, as the error says). */
  private Target single(Node node, String doing, Action action) {
    Target t = observe(List.of(node)).targets.get(0);
    if (!t.node.isBound()) {
      throw noVm(t, doing, action);
    }
    return t;
  }

  private static ForbiddenTransitionException noVm(Target t, String doing, Action action) {
    String name = t.node.name();
    return new ForbiddenTransitionException(State.TERMINATED, action, "Cannot " + doing + " node " + name + ": it has no"
        + " VM (it was removed, or never made). Start it first: vm start " + name + " [in code: VmClient.start]");
  }

  /** Whether {@code action} is to be taken on {@code t}'s VM (false: a no-op); a forbidden one is refused. */
  private static boolean check(Target t, Action action) {
    if (Lifecycle.isNoOp(t.state, action)) {
      return false;
    }
    if (!t.state.allows(action)) {
      throw new ForbiddenTransitionException(t.subject(), t.node.name(), t.state, action);
    }
    return true;
  }

  /**
   * Merges each node with its record and observes the bound VMs with one describe per provider. A VM that
   * carries another node's name is refused (unless the client forces), since every call on a batch acts on
   * its VMs.
   */
  private Batch observe(Collection<Node> nodes) {
    java.time.Instant began = clock.instant();
    List<Target> targets = new ArrayList<>(nodes.size());
    Set<String> seenNames = new java.util.HashSet<>();
    for (Node n : nodes) {
      if (!seenNames.add(n.name())) {
        throw new ConfigurationException(null, "nodes", "node '" + n.name() + "' appears twice in one call");
      }
      targets.add(new Target(withRecord(n)));
    }
    describeBound(targets);
    return new Batch(targets, began);
  }

  /** Sets the state of each bound target from one describe per provider; a VM left out counts as gone. */
  private void describeBound(List<Target> targets) {
    for (Map.Entry<Provider, List<Target>> e : byProvider(targets, t -> t.node.isBound()).entrySet()) {
      List<String> ids = e.getValue().stream().map(Target::vmId).toList();
      Map<String, Instance> seen = new java.util.HashMap<>();
      for (Instance i : backoff.retry(() -> e.getKey().describe(ids))) {
        seen.put(i.id(), i);
      }
      for (Target t : e.getValue()) {
        Instance vm = seen.get(t.vmId());
        if (vm != null) {
          checkOwner(t.node.name(), vm);
        }
        t.state = vm == null ? State.TERMINATED : vm.state();
      }
    }
  }

  /** Refuses {@code vm} for {@code node} when the VM carries another node's name, unless the client forces. */
  private void checkOwner(String node, Instance vm) {
    Optional<String> owner = vm.nodeName().filter(o -> !o.equals(node));
    if (owner.isPresent() && !force) {
      String other = owner.get();
      boolean copied = store.get(other).flatMap(Node::vmId).filter(vm.id()::equals).isPresent();
      throw new OwnershipException(node, vm.id(), other, "node " + node + " records VM " + vm.id() + ", but that VM"
          + " belongs to node " + other + " (its " + Instance.NODE_TAG + " tag" + (copied ? ", and node " + other
          + "'s record" : "") + "); nothing was done to it. " + (copied ? "Node " + node + "'s record looks copied"
          + " from " + other + "'s: reconcile clears " + node + "'s binding, then start " + node + " makes its own VM."
          : "If it is " + node + "'s, bind it to " + node + " with force; otherwise unbind " + node + "."));
    }
  }

  /** The targets whose state allows {@code action}; no-ops are skipped; forbidden ones fail the call. */
  private static List<Target> toAct(Batch batch, Action action) {
    List<Target> out = new ArrayList<>();
    for (Target t : batch.targets) {
      if (!t.node.isBound() && action == Action.DESTROY) {
        continue;
      }
      if (!t.node.isBound()) {
        throw noVm(t, ForbiddenTransitionException.word(action), action);
      }
      if (check(t, action)) {
        out.add(t);
      }
    }
    return out;
  }

  private interface Call {
    void run(Provider provider, List<String> ids);
  }

  private void act(List<Target> targets, Action action, Call call) {
    for (Map.Entry<Provider, List<Target>> e : byProvider(targets, t -> true).entrySet()) {
      List<String> ids = e.getValue().stream().map(Target::vmId).toList();
      LOG.debug("{} {} VM(s) on {}", action, ids.size(), e.getKey().api());
      backoff.retry(() -> call.run(e.getKey(), ids));
    }
  }

  /**
   * Gives each target a VM, holding the targets' locks from the first look to the last record: VMs another
   * client bound meanwhile are taken as they are, VMs that carry a target's name (an earlier create that
   * did not finish, a record that lost its id) are adopted, and only for the rest is the cloud asked to
   * create, one call per provider and launch specification, with the intent written before the call and
   * the binding right after it. Never held while VMs boot.
   *
   * @return the targets that turned out to have a stopped VM, to be started
   */
  private List<Target> create(List<Target> targets) {
    return create(targets, false);
  }

  /** Makes the VMs of {@code targets}, stopped or not; returns those found stopped that a start should start. */
  private List<Target> create(List<Target> targets, boolean stopped) {
    if (targets.isEmpty()) {
      return List.of();
    }
    List<Target> toStart = new ArrayList<>();
    try (NodeStore.Lock lock = store.lock(names(targets), lockWait)) {
      List<Target> rest = adoptExisting(boundMeanwhile(targets, toStart), toStart, Look.BEFORE_CREATE);
      Map<List<Object>, List<Target>> bySpec = new LinkedHashMap<>();
      for (Target t : rest) {
        bySpec.computeIfAbsent(List.of(t.provider, t.profile, Tokens.spec(withDefaults(t.node, t.profile))),
            k -> new ArrayList<>()).add(t);
      }
      for (Map.Entry<List<Object>, List<Target>> e : bySpec.entrySet()) {
        launch(e.getValue(), (Node) e.getKey().get(2), toStart, stopped);
      }
    }
    return toStart;
  }

  /**
   * {@code node} with its profile's default options under its own (LEAP's {@code default_options}): the
   * node's win, the profile's fill in, and the adapter's defaults apply to what neither sets.
   */
  private Node withDefaults(Node node, String profile) {
    Profile p = profiles.get(profile);
    if (p == null || p.defaultOptions().isEmpty()) {
      return node;
    }
    Map<String, String> merged = new LinkedHashMap<>(p.defaultOptions());
    merged.putAll(node.options());
    Node.Builder b = node.toBuilder().options(merged);
    if (node.type().isEmpty() && merged.containsKey(TYPE_OPTION)) {
      b.type(merged.get(TYPE_OPTION)); // the type vm types marks as the default, on every cloud
    }
    return b.build();
  }

  private static List<String> names(List<Target> targets) {
    return targets.stream().map(t -> t.node.name()).toList();
  }

  /**
   * Re-reads the records under the lock. A target another client bound since it was observed takes that
   * binding (its VM may be too new to be listed, so a VM not seen counts as being created), and joins
   * {@code toStart} (when given) if that VM is stopped; the others take their record's create intent, and
   * are returned.
   */
  private List<Target> boundMeanwhile(List<Target> targets, List<Target> toStart) {
    List<Target> rest = new ArrayList<>();
    List<Target> rebound = new ArrayList<>();
    for (Target t : targets) {
      Node now = store.get(t.node.name()).orElse(null);
      if (now != null && now.isBound() && !now.vmId().equals(t.node.vmId())) {
        t.node = t.node.bind(now.vmId().get(), now.publicAddress().orElse(null), now.privateAddress().orElse(null));
        rebound.add(t);
      } else {
        t.node = t.node.intending(now == null ? null : now.createIntent().orElse(null));
        rest.add(t);
      }
    }
    describeBound(rebound);
    for (Target t : rebound) {
      if (t.state == State.TERMINATED) {
        t.state = State.PENDING;
        t.justCreated = true;
      } else if (toStart != null && stepToRunning(t) == Action.START) {
        toStart.add(t);
      }
    }
    return rest;
  }

  /** Why the client looks for the VMs of nodes that have none recorded. */
  private enum Look {
    /**
     * Before creating: a VM that carries the node's name but is not its unfinished create's is refused
     * (it may be another client's node of the same name), and so is a node whose create did not finish
     * while VMs nothing attributes (no node name, no record) might be what that create made.
     */
    BEFORE_CREATE,
    /** After a create call failed: it may have made some VMs before it did. */
    AFTER_FAILED_CREATE,
    /** Before destroying: an unfinished create that made nothing (and nothing unattributed) is ended. */
    FOR_DESTROY
  }

  /**
   * Adopts, for each target whose create did not finish, the live VM that create made: the one that
   * carries the node's name and the create's token (or the VM the record is bound to, where a describe
   * missed it). One list call per provider.
   *
   * @return the targets that still have no VM
   */
  private List<Target> adoptExisting(List<Target> targets, List<Target> toStart, Look why) {
    List<Target> out = new ArrayList<>();
    for (Map.Entry<Provider, List<Target>> e : byProvider(targets, t -> true).entrySet()) {
      List<Instance> all = backoff.retry(e.getKey()::list);
      Map<String, List<Instance>> byNode = new java.util.HashMap<>();
      all.stream().filter(DriftCheck::live)
          .forEach(vm -> vm.nodeName().ifPresent(n -> byNode.computeIfAbsent(n, k -> new ArrayList<>()).add(vm)));
      List<String> bound = null;
      for (Target t : e.getValue()) {
        String name = t.node.name();
        Optional<CreateIntent> intent = t.node.createIntent();
        List<Instance> named = byNode.getOrDefault(name, List.of());
        // the VM the record is bound to, if the describe before missed it; else what the unfinished create made
        Optional<Instance> made = named.stream().filter(vm -> t.node.vmId().equals(Optional.of(vm.id()))).findFirst()
            .or(() -> named.stream()
                .filter(vm -> intent.isPresent() && intent.get().token().equals(vm.tags().get(Instance.TOKEN_TAG)))
                .min(java.util.Comparator.comparing((Instance vm) -> vm.launchTime().orElse(java.time.Instant.MAX))
                    .thenComparing(Instance::id)));
        if (made.isPresent()) {
          record(t, made.get());
          t.state = made.get().state();
          LOG.debug("adopted VM {} of node {}'s unfinished create", made.get().id(), name);
          if (toStart != null && stepToRunning(t) == Action.START) {
            toStart.add(t);
          }
          continue;
        }
        if (bound == null) {
          bound = store.list().stream().flatMap(n -> n.vmId().stream()).toList();
        }
        List<String> boundIds = bound;
        List<String> others = named.stream().map(Instance::id).filter(id -> !boundIds.contains(id)).toList();
        if (why == Look.BEFORE_CREATE && !others.isEmpty()) {
          throw new VmException("VM(s) " + others + " carry node " + name + "'s name, but no record is bound to them"
              + " and no create of " + name + " that this client knows of made them; nothing was created. If one"
              + " is " + name + "'s, bind it to " + name + "; if not, remove it by id or give this node another name.");
        }
        if (intent.isPresent() && why != Look.AFTER_FAILED_CREATE) {
          List<String> stray = DriftCheck.unattributed(all, intent.get(), bound);
          if (why == Look.BEFORE_CREATE && !stray.isEmpty()) {
            throw new VmException("node " + name + "'s create of " + intent.get().since() + " did not finish, and"
                + " VM(s) " + stray + " carry no node name: they may be what it made; nothing was created. If one is "
                + name + "'s, bind it to " + name + "; remove the others by id. Then start " + name + " again.");
          }
          if (why == Look.FOR_DESTROY && stray.isEmpty()) {
            clearIntent(t); // it made nothing, and the node is not wanted
          }
        }
        out.add(t);
      }
    }
    return out;
  }

  /** Binds {@code t}'s record to {@code vm}, which ends its create intent, keeping what else it holds. */
  private void record(Target t, Instance vm) {
    t.node = t.node.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
    store.update(t.node.name(), old -> (old == null ? t.node : old).bind(vm.id(), vm.publicAddress().orElse(null),
        vm.privateAddress().orElse(null)));
  }

  /**
   * Creates the VMs of targets that share a launch specification in one call: first the create intent in
   * every record (a repeat of the same create keeps its token, so a cloud that keeps tokens answers with
   * what the first try made), then the call, then each binding.
   */
  private void launch(List<Target> group, Node spec, List<Target> toStart, boolean stopped) {
    Target first = group.get(0);
    String digest = Tokens.digest(first.profile, spec);
    List<Target> pending = new ArrayList<>(group);
    Failpoints.hit("before-intent");
    String token = repeatedToken(pending, digest);
    java.time.Instant started = clock.instant();
    Set<String> mine = new java.util.HashSet<>(names(group));
    List<Node> records = store.list();
    sameHostName(mine, records);
    // ids are the cloud's: only records of the same profile can hold the same VM
    Set<String> taken = records.stream().filter(n -> !mine.contains(n.name()) && n.isBound())
        .filter(n -> onProfile(n, first.profile)).map(n -> n.vmId().get())
        .collect(java.util.stream.Collectors.toSet());
    for (int attempt = 1; ; attempt++) {
      List<String> names = names(pending);
      if (token == null) {
        token = Tokens.random();
      }
      CreateIntent intent = new CreateIntent(token, first.profile, digest, names, clock.instant());
      for (Target t : pending) {
        t.node = t.node.intending(intent);
        store.update(t.node.name(), old -> (old == null ? t.node : old).intending(intent));
      }
      Failpoints.hit("after-intent");
      Map<String, String> tags = Map.of(Instance.PROFILE_TAG, first.profile, Instance.TOKEN_TAG, token);
      CreateRequest request = new CreateRequest(spec, names, token, tags, taken);
      List<Instance> made;
      try {
        made = stopped ? first.provider.stoppedCreation().orElseThrow().createStopped(request)
            : first.provider.create(request);
      } catch (CloudException failure) {
        boolean again = failure.retryable() && backoff.again(attempt, started);
        if (again) {
          backoff.pause(backoff.delay(attempt));
        }
        // the call may have made some VMs before it failed: adopt those, then try again or give up
        int before = pending.size();
        try {
          pending = adoptExisting(pending, toStart, Look.AFTER_FAILED_CREATE);
        } catch (CloudException lookFailed) {
          failure.addSuppressed(lookFailed);
          throw failure; // the intents stay: the next start looks again
        }
        if (pending.isEmpty()) {
          return;
        }
        if (!again) {
          if (failure.kind() != CloudException.Kind.UNKNOWN && failure.kind() != CloudException.Kind.TRANSIENT) {
            pending.forEach(this::clearIntent); // the cloud refused the request: nothing of it exists
          }
          throw failure;
        }
        token = pending.size() == before ? token : null; // a smaller request needs a token of its own
        continue;
      }
      if (made.size() != pending.size()) {
        throw new CloudException(CloudException.Kind.UNKNOWN, first.provider.api(), null, "asked for " + pending.size()
            + " VMs and got " + made.size() + "; the nodes keep their create intent, and 'status' lists what exists");
      }
      if (made.stream().anyMatch(vm -> vm.state() == State.TERMINATED || vm.state() == State.TERMINATING)) {
        token = null; // the token's VMs were destroyed since: a new create, with a new token
        continue;
      }
      checkMade(request, first.provider.api(), made);
      Failpoints.hit("after-create");
      for (int i = 0; i < pending.size(); i++) {
        Target t = pending.get(i);
        record(t, made.get(i));
        t.justCreated = true;
        t.state = made.get(i).state();
      }
      Failpoints.hit("after-record");
      LOG.debug("created {} VM(s) on {} for {}", made.size(), first.provider.api(), names);
      return;
    }
  }

  /**
   * Refuses to make VMs for nodes whose names differ only in case from another record's: both would get
   * one host name (DNS names are case-insensitive), and two VMs would answer to it.
   */
  private static void sameHostName(Set<String> names, List<Node> records) {
    Map<String, List<String>> byHostName = new java.util.HashMap<>();
    records.forEach(r -> byHostName.computeIfAbsent(r.name().toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>())
        .add(r.name()));
    for (String n : names) {
      String other = byHostName.getOrDefault(n.toLowerCase(java.util.Locale.ROOT), List.of()).stream()
          .filter(o -> !o.equals(n)).findFirst().orElse(n);
      if (!other.equals(n)) {
        throw new ConfigurationException(null, "name", "node " + n + " and node " + other + " would have one"
            + " host name (host names ignore case); nothing was created. Rename or remove one of them.");
      }
    }
  }

  /**
   * Mine before I bind: the VMs a create answered must be new and this create's. An id that another
   * node's record is bound to, that the answer names twice, or a VM whose tags name another node or
   * another create's token is refused; the nodes keep their intents, and nothing is bound.
   */
  private static void checkMade(CreateRequest request, String api, List<Instance> made) {
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < made.size(); i++) {
      Instance vm = made.get(i);
      String name = request.nodeNames().get(i);
      request.checkNew(api, vm.id(), name);
      Optional<String> owner = vm.nodeName().filter(o -> !request.nodeNames().contains(o));
      String token = vm.tags().get(Instance.TOKEN_TAG);
      if (!seen.add(vm.id()) || owner.isPresent() || (token != null && !token.equals(request.clientToken()))) {
        throw new CloudException(CloudException.Kind.UNKNOWN, api, "ForeignId", "the create of node " + name
            + " was answered with VM " + vm.id() + ", which " + (owner.isPresent() ? "belongs to node " + owner.get()
            : token != null && !token.equals(request.clientToken()) ? "another create made" : "it answered twice")
            + "; refused: nothing was bound, and the nodes keep their create intent ('vm status' shows what exists)");
      }
    }
  }

  /** The token of the create these targets repeat exactly, if they all hold its intent; else null. */
  private static String repeatedToken(List<Target> group, String digest) {
    List<String> names = names(group);
    Optional<CreateIntent> intent = group.get(0).node.createIntent();
    boolean repeat = intent.isPresent() && group.stream().allMatch(t -> t.node.createIntent().equals(intent))
        && intent.get().repeatedBy(group.get(0).profile, digest, names);
    return repeat ? intent.get().token() : null;
  }

  private void clearIntent(Target t) {
    t.node = t.node.intending(null);
    store.update(t.node.name(), old -> old == null ? null : old.intending(null));
  }

  private List<Instance> awaitAndRecord(Batch batch, State target) {
    return awaitAndRecord(batch, st -> st == target, target.name(), target);
  }

  private List<Instance> awaitAndRecord(Batch batch, java.util.function.Predicate<State> wanted, String label) {
    return awaitAndRecord(batch, wanted, label, null);
  }

  private List<Instance> awaitAndRecord(Batch batch, java.util.function.Predicate<State> wanted, String label,
      State target) {
    List<Waiter.Group> groups = new ArrayList<>();
    Map<Provider, Integer> groupOf = new java.util.HashMap<>();
    for (Map.Entry<Provider, List<Target>> e : byProvider(batch.targets, t -> t.node.isBound()).entrySet()) {
      Map<String, String> nodeByVm = new LinkedHashMap<>();
      Set<String> fresh = new java.util.HashSet<>();
      for (Target t : e.getValue()) {
        nodeByVm.put(t.vmId(), t.node.name());
        if (t.justCreated) {
          fresh.add(t.vmId());
        }
      }
      groupOf.put(e.getKey(), groups.size());
      groups.add(new Waiter.Group(e.getKey(), nodeByVm, fresh, target == State.RUNNING
          ? id -> stoppedOrRemovedSince(nodeByVm.get(id), id, batch.began()) : id -> false));
    }
    List<Map<String, Instance>> seen = waiter.await(groups, wanted, label);
    List<Instance> out = new ArrayList<>(batch.targets.size());
    for (Target t : batch.targets) {
      if (!t.node.isBound()) {
        continue;
      }
      Instance vm = seen.get(groupOf.get(t.provider)).get(t.vmId());
      if (t.justCreated && vm.nodeName().isEmpty() && DriftCheck.live(vm)) {
        vm = tagLate(t, vm);
      }
      out.add(vm);
      if (target != State.TERMINATED) {
        Node bound = t.node.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
        if (!bound.equals(t.node)) {
          // the addresses it now has, unless another client has bound the record elsewhere meanwhile
          store.update(t.node.name(), old -> old == null ? bound : old.vmId().equals(bound.vmId())
              ? old.bind(bound.vmId().get(), bound.publicAddress().orElse(null), bound.privateAddress().orElse(null))
              : old);
        }
      }
    }
    return out;
  }

  /**
   * Whether another call stopped or removed node {@code node}'s VM {@code vmId} on purpose since {@code since}
   * (its record says so: stop and rm mark it before they act), so that a wait for it to run ends there
   * instead of waiting for its deadline on a VM that will not run.
   */
  private boolean stoppedOrRemovedSince(String node, String vmId, java.time.Instant since) {
    return store.get(node).filter(r -> r.vmId().filter(vmId::equals).isPresent())
        .map(r -> java.util.stream.Stream.of(r.stoppedAt(), r.removedAt()).flatMap(Optional::stream)
            .anyMatch(at -> !at.isBefore(since))).orElse(false);
  }

  /**
   * Tags a new VM that came up without its node's name (a cloud that ignored the tags of the create): its
   * record is bound already, so a failure here is only logged; reconcile tags it later.
   */
  private Instance tagLate(Target t, Instance vm) {
    if (!Capabilities.has(t.provider, Capability.TAGS)) {
      return vm;
    }
    Map<String, String> tags = Map.of(Instance.NODE_TAG, t.node.name(), Instance.PROFILE_TAG, t.profile);
    try {
      backoff.retry(() -> t.provider.tag(vm.id(), tags));
    } catch (CloudException e) {
      LOG.warn("VM {} of node {} carries no node name and could not be tagged ({}); reconcile tags it", vm.id(),
          t.node.name(), e.getMessage());
      return vm;
    }
    Map<String, String> all = new LinkedHashMap<>(vm.tags());
    all.putAll(tags);
    return vm.toBuilder().tags(all).build();
  }

  private static Map<Provider, List<Target>> byProvider(List<Target> targets, java.util.function.Predicate<Target> keep) {
    Map<Provider, List<Target>> out = new LinkedHashMap<>();
    for (Target t : targets) {
      if (keep.test(t)) {
        out.computeIfAbsent(t.provider, k -> new ArrayList<>()).add(t);
      }
    }
    return out;
  }

  /**
   * The node as given, with the binding and create intent of its record when the node itself carries no
   * binding.
   */
  private Node withRecord(Node node) {
    if (node.isBound()) {
      return node;
    }
    return store.get(node.name())
        .map(r -> r.isBound() ? node.bind(r.vmId().get(), r.publicAddress().orElse(null), r.privateAddress().orElse(null))
            .intending(r.createIntent().orElse(null)).toBuilder().stoppedAt(r.stoppedAt().orElse(null)).build()
            : node.intending(r.createIntent().orElse(null)))
        .orElse(node);
  }

  // ---- profiles and providers -----------------------------------------------------------------------------

  private Provider providerFor(Node node) {
    return provider(profileName(node));
  }

  /**
   * The profile a node runs on, as LEAP chooses: the client's explicit profile ({@code --auth}) wins, then
   * the node's own ({@code vm.auth}), then the only profile there is.
   */
  /** Whether {@code node}'s record is on profile {@code profile}; a record that names no known profile is not. */
  private boolean onProfile(Node node, String profile) {
    try {
      return profileName(node).equals(profile);
    } catch (ConfigurationException unknownProfile) {
      return false;
    }
  }

  private String profileName(Node node) {
    if (explicitProfile != null) {
      return explicitProfile;
    }
    if (node != null && node.profile().isPresent()) {
      String name = node.profile().get();
      if (!knows(name)) {
        throw new ConfigurationException(null, "vm.auth", "node '" + node.name() + "' names profile '" + name
            + "', which is not one of " + names() + ". Fix the node's vm.auth, or add that profile to cloud.json.");
      }
      return name;
    }
    List<String> all = names();
    if (all.size() == 1) {
      return all.get(0);
    }
    throw new ConfigurationException(null, "profile", all.isEmpty()
        ? "there is no profile; add one to cloud.json, or export AWS_* or OS_* variables [in code:"
            + " VmClient.builder().profile(..) or .provider(..)]"
        : (node == null ? "there are several profiles: " : "node '" + node.name()
            + "' names no profile and there are several: ") + all + ". Choose one with --auth NAME"
            + (node == null ? "" : ", or set the node's vm.auth") + " [in code: VmClient.builder().useProfile(name)].");
  }

  private boolean knows(String name) {
    return profiles.containsKey(name) || explicitProviders.containsKey(name);
  }

  private List<String> names() {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(explicitProviders.keySet());
    all.addAll(profiles.keySet());
    return List.copyOf(all);
  }

  private Provider provider(String name) {
    Provider explicit = explicitProviders.get(name);
    if (explicit != null) {
      return explicit;
    }
    return opened.computeIfAbsent(name, n -> {
      Profile p = profiles.get(n);
      LOG.debug("opening provider '{}' for profile '{}'", p.api(), n);
      return registry.get(p.api()).open(p);
    });
  }

  /** Closes the providers this client opened from profiles; providers passed in stay open. */
  @Override
  public void close() {
    for (Provider p : opened.values()) {
      p.close();
    }
    opened.clear();
  }

  /** Builds a {@link VmClient}. */
  public static final class Builder {
    private final Map<String, Profile> profiles = new LinkedHashMap<>();
    private final Map<String, Provider> providers = new LinkedHashMap<>();
    private String explicitProfile;
    private NodeStore store = new InMemoryNodeStore();
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();
    private WaitPolicy waitPolicy = WaitPolicy.DEFAULT;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private VmListener listener = new VmListener() {};
    private Executor executor = ForkJoinPool.commonPool();
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    private ProviderRegistry registry;
    private ClassLoader classLoader = VmClient.class.getClassLoader();
    private boolean force;
    private java.time.Duration lockWait = java.time.Duration.ofMinutes(5);
    private java.time.Duration confirmGoneAfter = java.time.Duration.ofSeconds(5);

    private Builder() {}

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
