package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.internal.Backoff;
import dev.flotilla.vm.internal.DriftCheck;
import dev.flotilla.vm.internal.ProviderRegistry;
import dev.flotilla.vm.support.Parallel;
import dev.flotilla.vm.internal.Waiter;
import dev.flotilla.vm.spi.Capabilities;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.NodeStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every call of a {@link VmClient} stands on: the profiles and providers, the store, the clock, retries
 * and waits, and the safety machinery (observe before acting, mine before acting, one describe per provider,
 * waits that record what they see). Not API; {@link CreatePath} and {@link Reconciler} build on it.
 */
final class Engine {
  private static final Logger LOG = LoggerFactory.getLogger(VmClient.class);

  /** The option of LEAP's {@code default_options} that names the default instance type. */
  static final String TYPE_OPTION = "InstanceType";

  final Map<String, Profile> profiles;
  final Map<String, Provider> explicitProviders;
  final String explicitProfile;
  final NodeStore store;
  final Clock clock;
  final VmListener listener;
  final Backoff backoff;
  final Waiter waiter;
  final Executor executor;
  final ProviderRegistry registry;
  final boolean force;
  final java.time.Duration lockWait;
  final java.time.Duration confirmGoneAfter;
  final String session;
  final Map<String, Provider> opened = new ConcurrentHashMap<>();

  Engine(VmClient.Builder b) {
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
    this.session = b.session;
    if (explicitProfile != null && !knows(explicitProfile)) {
      throw new ConfigurationException(null, "profile", "'" + explicitProfile + "' is not one of the profiles "
          + names() + ". Choose one of these, or add that profile to cloud.json.");
    }
  }

  /**
   * A node of a batch, with its record merged in, its place (profile, provider, zone), and the state its VM
   * was seen in. A node without a VM whose create finds no capacity moves on along its placement order.
   */
  final class Target {
    Node node;
    String profile;
    Provider provider;
    /** The zone its placement order chose, or null. */
    String zone;
    State state = State.TERMINATED;
    /** Its VM as the batch's first look saw it; null when it has none or it was not seen. */
    Instance seen;
    boolean justCreated;

    Target(Node node) {
      this.node = node;
      moveTo(startPlace(node));
    }

    void moveTo(Place place) {
      this.profile = place.profile();
      this.provider = provider(profile);
      this.zone = place.zone();
    }

    Place place() {
      return new Place(profile, zone);
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

  /** The targets of one call. */
  record Batch(List<Target> targets) {}

  /** The target of one node that must have a VM for the call ({@code doing} it, as the error says). */
  Target single(Node node, String doing, Action action) {
    Target t = observe(List.of(node)).targets().get(0);
    if (!t.node.isBound()) {
      throw noVm(t, doing, action);
    }
    return t;
  }

  /** The actions {@code p}'s cloud can take at all: what a refusal may offer instead. */
  static java.util.function.Predicate<Action> possible(Provider p) {
    Set<Capability> can = dev.flotilla.vm.spi.Capabilities.of(p);
    return a -> switch (a) {
      case START, STOP, FORCE_STOP -> can.contains(Capability.STOP_START);
      case REBOOT -> can.contains(Capability.REBOOT);
      case SNAPSHOT, REVERT -> can.contains(Capability.SNAPSHOTS);
      case RESIZE -> can.contains(Capability.RESIZE);
      default -> true;
    };
  }

  static ForbiddenTransitionException noVm(Target t, String doing, Action action) {
    String name = t.node.name();
    return new ForbiddenTransitionException(State.TERMINATED, action, "Cannot " + doing + " node " + name + ": it has no"
        + " VM (it was removed, or never made). Start it first: vm start " + name + " [in code: VmClient.start]");
  }

  /** Whether {@code action} is to be taken on {@code t}'s VM (false: a no-op); a forbidden one is refused. */
  static boolean check(Target t, Action action) {
    if (Lifecycle.isNoOp(t.state, action)) {
      return false;
    }
    if (!t.state.allows(action)) {
      throw new ForbiddenTransitionException(t.subject(), t.node.name(), t.state, action, possible(t.provider));
    }
    return true;
  }

  /**
   * Merges each node with its record and observes the bound VMs with one describe per provider. A VM that
   * carries another node's name is refused (unless the client forces), since every call on a batch acts on
   * its VMs.
   */
  Batch observe(Collection<Node> nodes) {
    List<Target> targets = new ArrayList<>(nodes.size());
    Set<String> seenNames = new java.util.LinkedHashSet<>();
    for (Node n : nodes) {
      if (!seenNames.add(n.name())) {
        throw new ConfigurationException(null, "nodes", "node '" + n.name() + "' appears twice in one call");
      }
    }
    Map<String, Node> records = store.get(seenNames); // the batch's records in one read where the store can
    for (Node n : nodes) {
      targets.add(new Target(n.withRecord(Optional.ofNullable(records.get(n.name())).map(Node::record)
          .orElse(NodeRecord.NONE))));
    }
    describeBound(targets);
    return new Batch(targets);
  }

  /** Sets the state of each bound target from one describe per provider; a VM left out counts as gone. */
  void describeBound(List<Target> targets) {
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
        t.seen = vm;
      }
    }
  }

  /** Refuses {@code vm} for {@code node} when the VM carries another node's name, unless the client forces. */
  void checkOwner(String node, Instance vm) {
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
  static List<Target> toAct(Batch batch, Action action) {
    List<Target> out = new ArrayList<>();
    for (Target t : batch.targets()) {
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

  interface Call {
    void run(Provider provider, List<String> ids);
  }

  void act(List<Target> targets, Action action, Call call) {
    for (Map.Entry<Provider, List<Target>> e : byProvider(targets, t -> true).entrySet()) {
      List<String> ids = e.getValue().stream().map(Target::vmId).toList();
      LOG.debug("{} {} VM(s) on {}", action, ids.size(), e.getKey().api());
      backoff.retry(() -> call.run(e.getKey(), ids));
    }
  }

  /** Binds {@code t}'s record to {@code vm}, which ends its create intent, keeping what else it holds. */
  void record(Target t, Instance vm) {
    // what the create wrote on the VM, or, for a VM found without it (a cloud that tags after it makes, a
    // client killed between the two), the node's lease, written on the VM now
    Lease lease = Lease.fromTags(vm.tags()).orElseGet(() -> leaseLate(t, vm));
    // where a placement order chose the place, the record says which: the node's calls go there from now on
    Place place = recordsPlace(t.node) ? new Place(t.profile, vm.zone().orElse(t.zone)) : null;
    t.node = t.node.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null)).leased(lease)
        .placed(place);
    store.update(t.node.name(), old -> (old == null ? t.node : old).bind(vm.id(), vm.publicAddress().orElse(null),
        vm.privateAddress().orElse(null)).leased(lease).placed(place));
  }

  void clearIntent(Target t) {
    t.node = t.node.intending(null);
    store.update(t.node.name(), old -> old == null ? null : old.intending(null));
  }

  /**
   * Marks the records of the bound nodes of {@code batch} as stopped on purpose, before the call that stops or
   * destroys their VMs: the HA supervisor ({@link HaSupervisor}) leaves such nodes alone.
   */
  List<Target> markStopped(Batch batch) {
    java.time.Instant now = clock.instant();
    List<Target> marked = new ArrayList<>();
    for (Target t : batch.targets()) {
      if (t.node.isBound() && t.node.stoppedAt().isEmpty()) {
        stoppedAt(t, now);
        marked.add(t);
      }
    }
    return marked;
  }

  /** Sets (or with null clears) the stop mark of {@code t}'s record, if the record still holds its VM. */
  void stoppedAt(Target t, java.time.Instant at) {
    store.update(t.node.name(), old -> old == null || !old.vmId().equals(t.node.vmId()) ? old
        : old.recording(r -> r.stoppedAt(at)));
  }

  /** CREATE, START, or null when the VM runs or is on its way there. */
  static Action stepToRunning(Target t) {
    List<Action> plan = Lifecycle.plan(t.state, State.RUNNING).orElse(List.of(Action.DESTROY));
    if (plan.contains(Action.DESTROY)) {
      throw new ForbiddenTransitionException(t.subject(), t.node.name(), t.state, Action.START);
    }
    return plan.isEmpty() ? null : plan.get(0);
  }

  /**
   * The batch with the VMs that are on their way (PENDING, REBOOTING...) to a state where {@code action}
   * may be taken waited for until they get there, by the wait policy, so that one booting VM does not
   * stop a batch: a stop of a VM still booting stops it once it runs.
   */
  Batch settledFor(Batch batch, Action action) {
    Map<Provider, Map<String, String>> passing = new LinkedHashMap<>();
    for (Target t : batch.targets()) {
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
    for (Target t : batch.targets()) {
      Instance vm = t.node.isBound() ? byId.get(t.vmId()) : null;
      if (vm != null) {
        t.state = vm.state();
      }
    }
    return batch;
  }

  List<Instance> awaitAndRecord(Batch batch, State target) {
    return awaitAndRecord(batch, st -> st == target, target.name(), target);
  }

  List<Instance> awaitAndRecord(Batch batch, java.util.function.Predicate<State> wanted, String label) {
    return awaitAndRecord(batch, wanted, label, null);
  }

  List<Instance> awaitAndRecord(Batch batch, java.util.function.Predicate<State> wanted, String label,
      State target) {
    List<Waiter.Group> groups = new ArrayList<>();
    Map<Provider, Integer> groupOf = new java.util.HashMap<>();
    for (Map.Entry<Provider, List<Target>> e : byProvider(batch.targets(), t -> t.node.isBound()).entrySet()) {
      Map<String, String> nodeByVm = new LinkedHashMap<>();
      Set<String> fresh = new java.util.HashSet<>();
      for (Target t : e.getValue()) {
        nodeByVm.put(t.vmId(), t.node.name());
        if (t.justCreated) {
          fresh.add(t.vmId());
        }
      }
      groupOf.put(e.getKey(), groups.size());
      groups.add(new Waiter.Group(e.getKey(), nodeByVm, fresh, target == State.RUNNING || target == State.STOPPED
          ? new RecordedWish(e.getKey(), nodeByVm, target) : Waiter.Wish.FIXED));
    }
    List<Map<String, Instance>> seen;
    try {
      seen = waiter.await(groups, wanted, label);
    } catch (InstanceFailedException failed) {
      // the others got where they should: their records say so before the failure is told
      Map<String, Target> byVm = new java.util.HashMap<>();
      batch.targets().stream().filter(t -> t.node.isBound()).forEach(t -> byVm.put(t.vmId(), t));
      failed.settled().forEach(vm -> Optional.ofNullable(byVm.get(vm.id())).ifPresent(t -> recordSeen(t, vm, target)));
      throw failed;
    }
    List<Instance> out = new ArrayList<>(batch.targets().size());
    for (Target t : batch.targets()) {
      if (t.node.isBound()) {
        out.add(recordSeen(t, seen.get(groupOf.get(t.provider)).get(t.vmId()), target));
      }
    }
    return out;
  }

  /** {@code t}'s VM as a wait last saw it, tagged if it was made untagged; its addresses recorded. */
  private Instance recordSeen(Target t, Instance seen, State target) {
    Instance vm = seen;
    if (t.justCreated && vm.nodeName().isEmpty() && DriftCheck.live(vm)) {
      vm = tagLate(t, vm);
    }
    if (target != State.TERMINATED) {
      Node bound = t.node.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
      if (!bound.equals(t.node)) {
        // the addresses it now has, unless another client has bound the record elsewhere meanwhile
        store.update(t.node.name(), old -> old == null ? bound : old.vmId().equals(bound.vmId())
            ? old.bind(bound.vmId().get(), bound.publicAddress().orElse(null), bound.privateAddress().orElse(null))
            : old);
      }
    }
    return vm;
  }

  /**
   * What the records want of VMs a start or stop waits for. Stop and rm mark a record before they act, start
   * clears the mark before it acts; so a mark that appears while a start waits, or goes while a stop waits, is
   * another call's, and that call may act before or after this one: a VM that settles elsewhere ends the wait
   * if its record wants it there, and is asked again if its record still wants what this call wants.
   */
  private final class RecordedWish implements Waiter.Wish {
    private final Provider provider;
    private final Map<String, String> nodeByVm;
    private final State target;

    RecordedWish(Provider provider, Map<String, String> nodeByVm, State target) {
      this.provider = provider;
      this.nodeByVm = nodeByVm;
      this.target = target;
    }

    /** The record of VM {@code id}'s node, if it still holds that VM. */
    private Optional<Node> record(String id) {
      return store.get(nodeByVm.get(id)).filter(r -> r.vmId().filter(id::equals).isPresent());
    }

    private boolean wantsStopped(Node r) {
      return r.stoppedAt().isPresent();
    }

    @Override
    public boolean overruled(String id) {
      return record(id).map(r -> r.removedAt().isPresent() || wantsStopped(r) != (target == State.STOPPED))
          .orElse(false);
    }

    @Override
    public void askAgain(List<String> ids) {
      List<String> still = ids.stream().filter(id -> record(id).filter(r -> r.removedAt().isEmpty()
          && wantsStopped(r) == (target == State.STOPPED)).isPresent()).toList();
      if (still.isEmpty() || !Capabilities.has(provider, Capability.STOP_START)) {
        return;
      }
      LOG.info("VM(s) {} settled elsewhere while their records want them {}: another call raced this one; asking"
          + " the cloud again", still, target);
      try {
        backoff.retry(() -> {
          if (target == State.RUNNING) {
            provider.start(still);
          } else {
            provider.stop(still, false);
          }
        });
      } catch (CloudException e) { // the wait goes on: the next spell asks again, or its deadline tells
        LOG.warn("asking again for VM(s) {} to be {} failed: {}", still, target, e.getMessage());
      }
    }
  }

  /**
   * The lease of node {@code t}'s VM {@code vm}, found without lease tags: counted from the VM's launch, and
   * written on it where the cloud has tags (a failure is only logged: the record holds the lease, and {@code
   * vm lease} writes it again). Null when the node asks for no lease.
   */
  private Lease leaseLate(Target t, Instance vm) {
    Node spec = withDefaults(t.node, t.profile);
    if (spec.lease().isEmpty()) {
      return null;
    }
    Lease lease = new Lease(vm.launchTime().orElse(clock.instant()).plus(spec.lease().get())
        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS), spec.onExpiry(), session);
    if (Capabilities.has(t.provider, Capability.TAGS)) {
      try {
        backoff.retry(() -> t.provider.tag(vm.id(), lease.tags()));
      } catch (CloudException e) {
        LOG.warn("VM {} of node {} could not be given its lease tags ({}); 'vm lease {} +1m' writes them",
            vm.id(), t.node.name(), e.getMessage(), t.node.name());
      }
    }
    return lease;
  }

  /**
   * Tags a new VM that came up without its node's name (a cloud that ignored the tags of the create): its
   * record is bound already, so a failure here is only logged; reconcile tags it later.
   */
  Instance tagLate(Target t, Instance vm) {
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

  static Map<Provider, List<Target>> byProvider(List<Target> targets, java.util.function.Predicate<Target> keep) {
    Map<Provider, List<Target>> out = new LinkedHashMap<>();
    for (Target t : targets) {
      if (keep.test(t)) {
        out.computeIfAbsent(t.provider, k -> new ArrayList<>()).add(t);
      }
    }
    return out;
  }

  /** The VM of {@code node} as the cloud sees it now; empty when the node has no VM or its VM is gone. */
  Optional<Instance> status(Node node) {
    Node record = withRecord(node);
    if (!record.isBound()) {
      return Optional.empty();
    }
    Provider p = providerFor(record);
    List<Instance> seen = backoff.retry(() -> p.describe(List.of(record.vmId().get())));
    return seen.stream().filter(i -> i.id().equals(record.vmId().get())).findFirst();
  }

  /**
   * The node as given, with the record its store keeps: a binding the node itself carries is never taken
   * (it may be stale, copied, or made up), so the client acts only on VMs its store says are the node's.
   */
  Node withRecord(Node node) {
    return node.withRecord(store.get(node.name()).map(Node::record).orElse(NodeRecord.NONE));
  }

  Optional<Node> boundTo(String vmId) {
    return store.list().stream().filter(r -> r.vmId().equals(Optional.of(vmId))).findFirst();
  }

  /** The facet of {@code p} that has {@code capability}: where it has none, the one error every caller gives. */
  static <F> F facet(Provider p, Capability capability, java.util.function.Function<Provider, Optional<F>> facet) {
    return facet.apply(p).orElseThrow(() -> new UnsupportedCapabilityException(capability, p.api()));
  }

  Map<String, List<Instance>> listByProfile() {
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

  Provider providerFor(Node node) {
    return provider(profileName(node));
  }

  /**
   * The profile a node runs on, as LEAP chooses: the client's explicit profile ({@code --auth}) wins, then
   * the node's own ({@code vm.auth}), then the only profile there is.
   */
  /** Whether {@code node}'s record is on profile {@code profile}; a record that names no known profile is not. */
  boolean onProfile(Node node, String profile) {
    try {
      return profileName(node).equals(profile);
    } catch (ConfigurationException unknownProfile) {
      return false;
    }
  }

  /**
   * Where a node's calls go first: a bound VM's place; the place of an unfinished create (which is resolved
   * there before any other is tried); else the first of its placement order.
   */
  Place startPlace(Node node) {
    if (node.isBound()) {
      return new Place(profileName(node), node.placeOfVm().map(Place::zone).orElse(null));
    }
    List<Place> order = placements(node);
    String at = profileName(node); // an unfinished create's, else the node's own
    return order.stream().filter(p -> p.profile().equals(at)).findFirst().orElse(new Place(at, null));
  }

  /**
   * Whether a record names the place of its VM: where the client has several profiles (which one a node's
   * VM is on must not depend on the {@code --auth} of the call) or the node has a placement order.
   */
  boolean recordsPlace(Node node) {
    return names().size() > 1 || placements(node).size() > 1;
  }

  /**
   * The places a node's VM may be made in, in order: its profile, in each of the profile's {@code zones} when
   * the node names no zone; then the profiles of its {@code fallback}, and theirs, each once.
   */
  List<Place> placements(Node node) {
    List<Place> out = new ArrayList<>();
    java.util.ArrayDeque<String> next = new java.util.ArrayDeque<>(List.of(profileName(node.withRecord(NodeRecord.NONE))));
    Set<String> seen = new java.util.HashSet<>();
    while (!next.isEmpty()) {
      String name = next.poll();
      if (!seen.add(name)) {
        continue;
      }
      Profile p = profiles.get(name);
      List<String> zones = p == null || node.zone().isPresent() ? List.of() : p.zones();
      if (zones.isEmpty()) {
        out.add(new Place(name, null));
      }
      zones.forEach(z -> out.add(new Place(name, z)));
      if (p != null) {
        next.addAll(p.fallback());
      }
    }
    return out;
  }

  /**
   * The place after {@code t}'s in its node's placement order, if any. A place of the order that names no zone
   * is {@code t}'s whatever zone the cloud chose there (a VM's record names the zone it got).
   */
  Optional<Place> nextPlace(Target t) {
    List<Place> order = placements(t.node);
    for (int i = 0; i + 1 < order.size(); i++) {
      Place p = order.get(i);
      if (p.profile().equals(t.profile) && (p.zone() == null || p.zone().equals(t.zone))) {
        return Optional.of(order.get(i + 1));
      }
    }
    return Optional.empty();
  }

  /** {@code t}'s launch specification: the node with its profile's defaults and the zone its place chose. */
  Node specOf(Target t) {
    Node spec = withDefaults(t.node, t.profile);
    return t.zone == null ? spec : spec.toBuilder().zone(t.zone).build();
  }

  /** Whether {@code node}'s VM is on a profile this client uses; a record placed elsewhere is not its to check. */
  boolean usesProfileOf(Node node) {
    return !node.isBound() || node.placeOfVm().map(p -> knows(p.profile())).orElse(true);
  }

  String profileName(Node node) {
    if (node != null && node.isBound() && node.placeOfVm().isPresent()) {
      String placed = node.placeOfVm().get().profile();
      if (!knows(placed)) {
        throw new ConfigurationException(null, "vm.placed", "node '" + node.name() + "''s VM was made on profile '"
            + placed + "', which is not one of " + names() + ". Add that profile to cloud.json again, or unbind "
            + node.name() + ".");
      }
      return placed;
    }
    // a create that did not finish is resolved where it was sent, whatever profile this call names
    if (node != null && !node.isBound() && node.createIntent().filter(i -> knows(i.profile())).isPresent()) {
      return node.createIntent().get().profile();
    }
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

  boolean knows(String name) {
    return profiles.containsKey(name) || explicitProviders.containsKey(name);
  }

  List<String> names() {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(explicitProviders.keySet());
    all.addAll(profiles.keySet());
    return List.copyOf(all);
  }

  Provider provider(String name) {
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
  public void close() {
    for (Provider p : opened.values()) {
      p.close();
    }
    opened.clear();
  }

  static List<String> names(List<Target> targets) {
    return targets.stream().map(t -> t.node.name()).toList();
  }

  /**
   * {@code node} with its profile's default options under its own (LEAP's {@code default_options}): the
   * node's win, the profile's fill in, and the adapter's defaults apply to what neither sets.
   */
  Node withDefaults(Node node, String profile) {
    Profile p = profiles.get(profile);
    if (p != null && node.lease().isEmpty() && p.defaultLease().isPresent()) {
      node = node.toBuilder().lease(p.defaultLease().get()).build();
    }
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
}
