package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.internal.Backoff;
import dev.flotilla.vm.internal.DriftCheck;
import dev.flotilla.vm.internal.ProviderRegistry;
import dev.flotilla.vm.internal.Tokens;
import dev.flotilla.vm.internal.Waiter;
import dev.flotilla.vm.spi.CreateRequest;
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
  private final Backoff backoff;
  private final Waiter waiter;
  private final Executor executor;
  private final ProviderRegistry registry;
  private final Map<String, Provider> opened = new ConcurrentHashMap<>();

  private VmClient(Builder b) {
    this.profiles = Map.copyOf(b.profiles);
    this.explicitProviders = Map.copyOf(b.providers);
    this.explicitProfile = b.explicitProfile;
    this.store = b.store;
    this.clock = b.clock;
    this.backoff = new Backoff(b.sleeper, b.retryPolicy, b.waitPolicy.jitter(), b.random);
    this.waiter = new Waiter(b.clock, backoff, b.waitPolicy, b.listener);
    this.executor = b.executor;
    this.registry = b.registry;
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
    Provider p = providerFor(node);
    if (!p.capabilities().contains(Capability.HARD_REBOOT)) {
      throw new UnsupportedCapabilityException(Capability.HARD_REBOOT, p.api());
    }
    Batch batch = observe(List.of(node));
    act(toAct(batch, Action.REBOOT), Action.REBOOT, (provider, ids) -> provider.reboot(ids, true));
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

  /** {@link #start(Node)} for many nodes at once; the VMs come back in the order of the nodes. */
  public List<Instance> start(Collection<Node> nodes) {
    Batch batch = observe(nodes);
    List<Target> toCreate = new ArrayList<>();
    List<Target> toStart = new ArrayList<>();
    for (Target t : batch.targets) {
      List<Action> plan = Lifecycle.plan(t.state, State.RUNNING).orElse(List.of(Action.DESTROY));
      if (plan.contains(Action.DESTROY)) {
        throw new ForbiddenTransitionException(t.subject(), t.state, Action.START);
      }
      if (plan.equals(List.of(Action.CREATE))) {
        toCreate.add(t);
      } else if (plan.equals(List.of(Action.START))) {
        toStart.add(t);
      }
    }
    create(toCreate);
    act(toStart, Action.START, (p, ids) -> p.start(ids));
    return awaitAndRecord(batch, State.RUNNING);
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
    Batch batch = observe(nodes);
    act(toAct(batch, action), action, (p, ids) -> p.stop(ids, action == Action.FORCE_STOP));
    return awaitAndRecord(batch, State.STOPPED);
  }

  /** {@link #reboot(Node)} for many nodes at once. */
  public List<Instance> reboot(Collection<Node> nodes) {
    Batch batch = observe(nodes);
    act(toAct(batch, Action.REBOOT), Action.REBOOT, (p, ids) -> p.reboot(ids));
    return awaitAndRecord(batch, State.RUNNING);
  }

  /** {@link #destroy(Node)} for many nodes at once. */
  public void destroy(Collection<Node> nodes) {
    Batch batch = observe(nodes);
    act(toAct(batch, Action.DESTROY), Action.DESTROY, (p, ids) -> p.terminate(ids));
    awaitAndRecord(batch, State.TERMINATED);
    for (Target t : batch.targets) {
      store.update(t.node.name(), old -> (old == null ? t.node : old).unbind());
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
   * profile where the provider has tags, and records the binding.
   *
   * @return the node as recorded, bound
   * @throws CloudException with kind NOT_FOUND when the cloud has no VM {@code vmId}
   */
  public Node bind(Node node, String vmId) {
    Provider p = providerFor(node);
    Instance vm = backoff.retry(() -> p.describe(List.of(vmId))).stream().filter(i -> i.id().equals(vmId))
        .findFirst().orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND, p.api(), null,
            "no VM '" + vmId + "' to bind node '" + node.name() + "' to; list the VMs with VmClient.list()"));
    if (p.capabilities().contains(Capability.TAGS)) {
      backoff.retry(() -> p.tag(vmId, Map.of(Instance.NODE_TAG, node.name(), Instance.PROFILE_TAG, profileName(node))));
    }
    Node bound = node.bind(vmId, vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
    store.put(bound);
    return bound;
  }

  /**
   * Compares the node records with every VM of every profile and reports each disagreement with the
   * command and call that fix it. Errors listing a cloud are thrown, never read as "no VMs".
   */
  public StatusReport status() {
    Map<String, List<Instance>> vms = listByProfile();
    List<Instance> all = new ArrayList<>();
    vms.values().forEach(all::addAll);
    return new StatusReport(all, DriftCheck.check(store.list(), vms, this::profileName));
  }

  /**
   * Applies the safe fixes of {@link #status()}: adopts the one VM that carries the name of a node whose
   * record lost its id, rebinds a node whose VM is gone to the VM carrying its name, clears bindings to VMs
   * that are gone (after asking the cloud about the id once more), tags a node's VM that carries no node
   * name, and records changed addresses. VMs it cannot attribute are reported, never destroyed. An error
   * from a cloud stops it before it changes anything it is unsure of.
   */
  public Reconciliation reconcile() {
    Map<String, List<Instance>> vms = listByProfile();
    Map<String, List<Instance>> tagged = new java.util.HashMap<>();
    vms.values().forEach(list -> list.stream().filter(DriftCheck::live)
        .forEach(vm -> vm.nodeName().ifPresent(n -> tagged.computeIfAbsent(n, k -> new ArrayList<>()).add(vm))));
    List<String> applied = new ArrayList<>();
    for (Node r : store.list()) {
      String profile = profileName(r);
      List<Instance> mine = tagged.getOrDefault(r.name(), List.of());
      if (!r.isBound()) {
        if (mine.size() == 1) {
          rebind(r, mine.get(0), "adopted VM " + mine.get(0).id() + " for node " + r.name(), applied);
        }
        continue;
      }
      String id = r.vmId().get();
      Optional<Instance> vm = vms.getOrDefault(profile, List.of()).stream().filter(i -> i.id().equals(id)).findFirst()
          .filter(DriftCheck::live);
      if (vm.isEmpty()) {
        Provider p = provider(profile);
        boolean reallyGone = backoff.retry(() -> p.describe(List.of(id))).stream()
            .noneMatch(i -> i.id().equals(id) && DriftCheck.live(i));
        if (!reallyGone) {
          continue; // the listing was behind; leave it for the next look
        }
        List<Instance> others = mine.stream().filter(i -> !i.id().equals(id)).toList();
        if (others.size() == 1) {
          rebind(r, others.get(0), "rebound node " + r.name() + " from VM " + id + ", which is gone, to VM "
              + others.get(0).id() + ", which carries its name", applied);
        } else if (others.isEmpty()) {
          store.update(r.name(), old -> old == null ? null : old.unbind());
          applied.add("cleared node " + r.name() + "'s binding to VM " + id + ", which is gone");
        }
        continue;
      }
      Instance live = vm.get();
      if (live.nodeName().isEmpty() && mine.isEmpty() && provider(profile).capabilities().contains(Capability.TAGS)) {
        Provider p = provider(profile);
        backoff.retry(() -> p.tag(id, Map.of(Instance.NODE_TAG, r.name(), Instance.PROFILE_TAG, profile)));
        applied.add("tagged VM " + id + " with node name " + r.name());
      }
      if (live.state() == State.RUNNING && !live.publicAddress().equals(r.publicAddress())) {
        rebind(r, live, "recorded address " + live.publicAddress().orElse("none") + " for node " + r.name(), applied);
      }
    }
    return new Reconciliation(applied, status().drift());
  }

  private void rebind(Node record, Instance vm, String what, List<String> applied) {
    store.update(record.name(), old -> (old == null ? record : old).bind(vm.id(), vm.publicAddress().orElse(null),
        vm.privateAddress().orElse(null)));
    applied.add(what);
  }

  private Map<String, List<Instance>> listByProfile() {
    Map<String, List<Instance>> out = new LinkedHashMap<>();
    for (String name : names()) {
      Provider p = provider(name);
      out.put(name, backoff.retry(p::list));
    }
    return out;
  }

  /** The record the client keeps of {@code name}: its properties and binding. */
  public Optional<Node> record(String name) {
    return store.get(name);
  }

  /** What the provider of {@code node} can do. */
  public Set<Capability> capabilities(Node node) {
    return providerFor(node).capabilities();
  }

  /** The instance types of the client's profile (the explicit one, or the only one). */
  public List<InstanceType> types() {
    Provider p = provider(profileName(null));
    return backoff.retry(p::types);
  }

  /** The images of the client's profile (the explicit one, or the only one). */
  public List<Image> images() {
    Provider p = provider(profileName(null));
    return backoff.retry(p::images);
  }

  /** Registers an SSH public key with the client's profile (LEAP's {@code vm key-register}). */
  public KeyPair registerKey(String name, String publicKey) {
    Provider p = provider(profileName(null));
    if (!p.capabilities().contains(Capability.KEY_IMPORT)) {
      throw new UnsupportedCapabilityException(Capability.KEY_IMPORT, p.api());
    }
    return backoff.retry(() -> p.importKey(name, publicKey));
  }

  /** The SSH keys registered with the client's profile (LEAP's {@code vm key-list}). */
  public List<KeyPair> keys() {
    Provider p = provider(profileName(null));
    if (!p.capabilities().contains(Capability.KEY_IMPORT)) {
      throw new UnsupportedCapabilityException(Capability.KEY_IMPORT, p.api());
    }
    return backoff.retry(p::keys);
  }

  /** The instance types of the provider of {@code node}. */
  public List<InstanceType> types(Node node) {
    Provider p = providerFor(node);
    return backoff.retry(p::types);
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
    Target t = single(node);
    require(t, Capability.CONSOLE_OUTPUT);
    return backoff.retry(() -> t.provider.consoleOutput(t.vmId()));
  }

  // ---- floating addresses ---------------------------------------------------------------------------------

  /** The floating addresses of the client's profile (the explicit one, or the only one), free or in use. */
  public List<FloatingAddress> addresses() {
    return addresses(null);
  }

  /** The floating addresses of the profile of {@code node}, free or in use. */
  public List<FloatingAddress> addresses(Node node) {
    Provider p = floating(node);
    return backoff.retry(p::addresses);
  }

  /**
   * Allocates a floating address on the profile of {@code node}, from {@code pool} or, when it is
   * {@code null}, from the cloud's default pool.
   */
  public FloatingAddress allocateAddress(Node node, String pool) {
    Provider p = floating(node);
    return backoff.retry(() -> p.allocateAddress(pool));
  }

  /**
   * Points a floating address at the VM of {@code node} and records it as the node's public address.
   *
   * @return the VM as observed after the change
   */
  public Instance associateAddress(Node node, String address) {
    Target t = single(node);
    require(t, Capability.FLOATING_IP);
    backoff.retry(() -> t.provider.associateAddress(address, t.vmId()));
    // The cloud may list the address a moment later; the record has it now.
    store.update(t.node.name(), old -> (old == null ? t.node : old).bind(t.vmId(), address,
        t.node.privateAddress().orElse(null)));
    return status(t.node).orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND, t.provider.api(), null,
        "VM " + t.vmId() + " of node " + t.node.name() + " vanished while its address was set", null));
  }

  /** Takes a floating address off the VM of {@code node}; the address stays allocated. */
  public void disassociateAddress(Node node, String address) {
    Target t = single(node);
    require(t, Capability.FLOATING_IP);
    backoff.retry(() -> t.provider.disassociateAddress(address, t.vmId()));
  }

  /** Gives a floating address of the profile of {@code node} back to its pool. */
  public void releaseAddress(Node node, String address) {
    Provider p = floating(node);
    backoff.retry(() -> p.releaseAddress(address));
  }

  private Provider floating(Node node) {
    Provider p = providerFor(node);
    if (!p.capabilities().contains(Capability.FLOATING_IP)) {
      throw new UnsupportedCapabilityException(Capability.FLOATING_IP, p.api());
    }
    return p;
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
    Target t = single(node);
    require(t, Capability.SNAPSHOTS);
    if (options.memory()) {
      require(t, Capability.SNAPSHOT_MEMORY);
    }
    Lifecycle.check(t.subject(), t.state, Action.SNAPSHOT);
    Snapshot taken = backoff.retry(() -> t.provider.snapshot(t.vmId(), name, options));
    return awaitSnapshot(t, taken.id());
  }

  /** Takes a disk-only snapshot; see {@link #snapshot(Node, String, SnapshotOptions)}. */
  public Snapshot snapshot(Node node, String name) {
    return snapshot(node, name, SnapshotOptions.DISK);
  }

  /** The snapshot chain of the VM of {@code node}. */
  public SnapshotChain snapshots(Node node) {
    Target t = single(node);
    require(t, Capability.SNAPSHOTS);
    return backoff.retry(() -> t.provider.snapshots(t.vmId()));
  }

  /**
   * Reverts the VM of {@code node} to a snapshot, named by id or name, and waits until the VM settles.
   * The snapshot becomes current, so the next snapshot starts a new branch.
   *
   * @return the VM after the revert: running for a memory snapshot, usually stopped otherwise
   */
  public Instance revert(Node node, String snapshot) {
    Target t = single(node);
    require(t, Capability.SNAPSHOTS);
    Lifecycle.check(t.subject(), t.state, Action.REVERT);
    Snapshot s = find(t, snapshot);
    backoff.retry(() -> t.provider.revert(t.vmId(), s.id()));
    // A memory snapshot resumes running; a disk-only one settles where the provider leaves it.
    List<Map<String, Instance>> seen = s.includesMemory() ? waiter.await(List.of(t.group()), State.RUNNING)
        : waiter.await(List.of(t.group()), st -> st.isSettled() && st != State.ERROR && st != State.TERMINATED, "settled");
    return seen.get(0).get(t.vmId());
  }

  /** Deletes a snapshot, named by id or name; its children move to its parent. */
  public void deleteSnapshot(Node node, String snapshot) {
    Target t = single(node);
    require(t, Capability.SNAPSHOTS);
    Snapshot s = find(t, snapshot);
    backoff.retry(() -> t.provider.deleteSnapshot(t.vmId(), s.id()));
  }

  /**
   * Saves the VM of {@code node} as an image that new nodes can name as theirs, and waits until the image
   * can boot them.
   *
   * @throws UnsupportedCapabilityException when the provider cannot save VMs as images
   */
  public Image saveImage(Node node, String name) {
    Target t = single(node);
    require(t, Capability.SNAPSHOT_TO_IMAGE);
    Image image = backoff.retry(() -> t.provider.createImage(t.vmId(), name));
    Map<String, String> lastSeen = new LinkedHashMap<>();
    return waiter.until(() -> {
      Optional<Snapshot.Status> status = backoff.retry(() -> t.provider.imageStatus(image.id()));
      lastSeen.put(image.id(), status.map(Enum::name).orElse("not listed"));
      if (status.isEmpty() || status.get() == Snapshot.Status.ERROR) {
        throw new CloudException(CloudException.Kind.UNKNOWN, t.provider.api(), null, "image '" + name + "' ("
            + image.id() + ") of " + t.subject() + " is " + lastSeen.get(image.id()) + "; delete it with"
            + " VmClient.deleteImage and try again");
      }
      return status.filter(s -> s == Snapshot.Status.READY).map(s -> image);
    }, elapsed -> new WaitTimeoutException("image READY", lastSeen, elapsed));
  }

  /** Deletes an image made by {@link #saveImage}, on the provider of {@code node}. */
  public void deleteImage(Node node, String imageId) {
    Provider p = providerFor(node);
    if (!p.capabilities().contains(Capability.SNAPSHOT_TO_IMAGE)) {
      throw new UnsupportedCapabilityException(Capability.SNAPSHOT_TO_IMAGE, p.api());
    }
    backoff.retry(() -> p.deleteImage(imageId));
  }

  private Snapshot find(Target t, String idOrName) {
    SnapshotChain chain = backoff.retry(() -> t.provider.snapshots(t.vmId()));
    return chain.find(idOrName).orElseThrow(() -> new ConfigurationException(null, "snapshot", "node '"
        + t.node.name() + "' has no snapshot '" + idOrName + "'; it has "
        + chain.snapshots().stream().map(Snapshot::name).toList()));
  }

  private Snapshot awaitSnapshot(Target t, String snapshotId) {
    Map<String, String> lastSeen = new LinkedHashMap<>();
    return waiter.until(() -> {
      Optional<Snapshot> s = backoff.retry(() -> t.provider.snapshots(t.vmId())).get(snapshotId);
      lastSeen.put(snapshotId, s.map(x -> x.status().name()).orElse("not listed"));
      if (s.isPresent() && s.get().status() == Snapshot.Status.ERROR) {
        throw new CloudException(CloudException.Kind.UNKNOWN, t.provider.api(), null, "snapshot '" + s.get().name()
            + "' of " + t.subject() + " failed; delete it with VmClient.deleteSnapshot and try again");
      }
      return s.filter(x -> x.status() == Snapshot.Status.READY);
    }, elapsed -> new WaitTimeoutException("snapshot READY", lastSeen, elapsed));
  }

  private static void require(Target t, Capability c) {
    if (!t.provider.capabilities().contains(c)) {
      throw new UnsupportedCapabilityException(c, t.provider.api());
    }
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

  private record Batch(List<Target> targets) {}

  private Target single(Node node) {
    Target t = observe(List.of(node)).targets.get(0);
    if (!t.node.isBound()) {
      throw new ForbiddenTransitionException(t.subject(), State.TERMINATED, Action.SNAPSHOT);
    }
    return t;
  }

  /** Merges each node with its record and observes the bound VMs with one describe per provider. */
  private Batch observe(Collection<Node> nodes) {
    List<Target> targets = new ArrayList<>(nodes.size());
    Map<String, String> seenNames = new java.util.HashMap<>();
    for (Node n : nodes) {
      if (seenNames.put(n.name(), n.name()) != null) {
        throw new ConfigurationException(null, "nodes", "node '" + n.name() + "' appears twice in one call");
      }
      targets.add(new Target(withRecord(n)));
    }
    for (Map.Entry<Provider, List<Target>> e : byProvider(targets, t -> t.node.isBound()).entrySet()) {
      List<String> ids = e.getValue().stream().map(Target::vmId).toList();
      Map<String, Instance> seen = new java.util.HashMap<>();
      for (Instance i : backoff.retry(() -> e.getKey().describe(ids))) {
        seen.put(i.id(), i);
      }
      for (Target t : e.getValue()) {
        Instance vm = seen.get(t.vmId());
        t.state = vm == null ? State.TERMINATED : vm.state();
      }
    }
    return new Batch(targets);
  }

  /** The targets whose state allows {@code action}; no-ops are skipped; forbidden ones fail the call. */
  private static List<Target> toAct(Batch batch, Action action) {
    List<Target> out = new ArrayList<>();
    for (Target t : batch.targets) {
      if (!t.node.isBound() && action == Action.DESTROY) {
        continue;
      }
      if (!t.node.isBound()) {
        throw new ForbiddenTransitionException(t.subject(), State.TERMINATED, action);
      }
      if (Lifecycle.check(t.subject(), t.state, action)) {
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
   * Creates VMs: one request per provider and launch specification. Each binding is saved as soon as the
   * create call returns, before waiting, so a crash cannot make the client forget a VM.
   */
  private void create(List<Target> targets) {
    Map<List<Object>, List<Target>> bySpec = new LinkedHashMap<>();
    for (Target t : targets) {
      bySpec.computeIfAbsent(List.of(t.provider, t.profile, Tokens.spec(t.node)), k -> new ArrayList<>()).add(t);
    }
    for (Map.Entry<List<Object>, List<Target>> entry : bySpec.entrySet()) {
      List<Target> group = entry.getValue();
      Target first = group.get(0);
      List<String> names = group.stream().map(t -> t.node.name()).toList();
      Node spec = (Node) entry.getKey().get(2);
      Map<String, String> tags = Map.of(Instance.PROFILE_TAG, first.profile);
      String salt = "";
      List<Instance> made;
      while (true) {
        CreateRequest request = new CreateRequest(spec, names, Tokens.create(first.profile, spec, names, salt), tags);
        made = backoff.retry(() -> first.provider.create(request));
        if (made.size() != group.size()) {
          throw new CloudException(CloudException.Kind.UNKNOWN, first.provider.api(), null, "asked for "
              + group.size() + " VMs and got " + made.size() + "; check the cloud with VmClient.list()");
        }
        // A token already spent on VMs since destroyed answers with those VMs: launch anew with a new token.
        if (made.stream().noneMatch(i -> i.state() == State.TERMINATED || i.state() == State.TERMINATING)) {
          break;
        }
        salt = salt + made.stream().map(Instance::id).toList();
      }
      for (int i = 0; i < group.size(); i++) {
        Target t = group.get(i);
        Instance vm = made.get(i);
        t.node = t.node.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
        t.justCreated = true;
        t.state = vm.state();
        store.put(t.node);
      }
      LOG.debug("created {} VM(s) on {} for {}", made.size(), first.provider.api(), names);
    }
  }

  private List<Instance> awaitAndRecord(Batch batch, State target) {
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
      groups.add(new Waiter.Group(e.getKey(), nodeByVm, fresh));
    }
    List<Map<String, Instance>> seen = waiter.await(groups, target);
    List<Instance> out = new ArrayList<>(batch.targets.size());
    for (Target t : batch.targets) {
      if (!t.node.isBound()) {
        continue;
      }
      Instance vm = seen.get(groupOf.get(t.provider)).get(t.vmId());
      out.add(vm);
      if (target != State.TERMINATED) {
        Node bound = t.node.bind(vm.id(), vm.publicAddress().orElse(null), vm.privateAddress().orElse(null));
        if (!bound.equals(t.node)) {
          store.put(bound);
        }
      }
    }
    return out;
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

  /** The node as given, with the binding from its record when the node itself carries none. */
  private Node withRecord(Node node) {
    if (node.isBound()) {
      return node;
    }
    return store.get(node.name()).filter(Node::isBound)
        .map(r -> node.bind(r.vmId().get(), r.publicAddress().orElse(null), r.privateAddress().orElse(null)))
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
        ? "there is no profile; add one to cloud.json, export AWS_* or OS_* variables, or give the client one with"
            + " VmClient.builder().profile(..) or .provider(..)"
        : (node == null ? "there are several profiles: " : "node '" + node.name()
            + "' names no profile and there are several: ") + all + ". Choose one with --auth"
            + " NAME (VmClient.builder().useProfile(name))" + (node == null ? "." : ", or set the node's vm.auth."));
  }

  private boolean knows(String name) {
    return profiles.containsKey(name) || explicitProviders.containsKey(name);
  }

  private List<String> names() {
    List<String> all = new ArrayList<>(explicitProviders.keySet());
    all.addAll(profiles.keySet());
    all.sort(null);
    return all;
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

    private Builder() {}

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
