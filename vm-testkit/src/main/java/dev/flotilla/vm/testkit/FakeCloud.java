package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Lifecycle;
import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.internal.FakeVm;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * An in-memory cloud behind the provider SPI, for tests: yours and ours. It keeps VMs with real state
 * changes on a clock (boot, stop, reboot and snapshot take the time you set), the StratusLab instance
 * types, a few images, optional hosts with CPU and memory (so anti-affinity and "insufficient capacity"
 * are real), full snapshot chains, idempotent create tokens, and fault injection: fail the next calls of
 * an operation, throttle a share of all calls, hide new VMs from describe for a while, send VMs to ERROR.
 * It records every call it receives.
 *
 * <pre>{@code
 * FakeCloud cloud = FakeCloud.create();
 * VmClient client = VmClient.builder().provider(cloud).build();
 * }</pre>
 *
 * <p>{@link #create()} uses the system clock and instant state changes. For tests of waiting, build one
 * on a {@link VirtualClock} with durations, and get a client that sleeps on that clock from {@link
 * #clientBuilder()}. Thread-safe.
 */
public final class FakeCloud implements Provider {
  /** The operations of the fake, as counted by {@link #callCount}. */
  public enum Op {
    /** {@link FakeCloud#create(CreateRequest)}. */
    CREATE,
    /** {@link FakeCloud#describe}. */
    DESCRIBE,
    /** {@link FakeCloud#list()}. */
    LIST,
    /** {@link FakeCloud#start}. */
    START,
    /** {@link FakeCloud#stop}. */
    STOP,
    /** {@link FakeCloud#reboot}. */
    REBOOT,
    /** {@link FakeCloud#terminate}. */
    TERMINATE,
    /** {@link dev.flotilla.vm.spi.Resizing#resize}. */
    RESIZE,
    /** {@link FakeCloud#tag}. */
    TAG,
    /** {@link FakeCloud#types()}. */
    TYPES,
    /** {@link FakeCloud#images()}. */
    IMAGES,
    /** {@link dev.flotilla.vm.spi.Snapshots#take}. */
    SNAPSHOT,
    /** {@link dev.flotilla.vm.spi.Snapshots#chain}. */
    SNAPSHOTS,
    /** {@link dev.flotilla.vm.spi.Snapshots#revert}. */
    REVERT,
    /** {@link dev.flotilla.vm.spi.Snapshots#delete}. */
    DELETE_SNAPSHOT,
    /** {@link dev.flotilla.vm.spi.Keys#importKey}. */
    IMPORT_KEY,
    /** {@link dev.flotilla.vm.spi.Keys#list}. */
    KEYS,
    /** {@link dev.flotilla.vm.spi.ImageSaving#save}. */
    CREATE_IMAGE,
    /** {@link dev.flotilla.vm.spi.ImageSaving#delete}. */
    DELETE_IMAGE,
    /** {@link dev.flotilla.vm.spi.Console#output}. */
    CONSOLE_OUTPUT,
    /** {@link dev.flotilla.vm.spi.Addresses#list}. */
    ADDRESSES,
    /** {@link dev.flotilla.vm.spi.Addresses#allocate}. */
    ALLOCATE_ADDRESS,
    /** {@link dev.flotilla.vm.spi.Addresses#associate}. */
    ASSOCIATE_ADDRESS,
    /** {@link dev.flotilla.vm.spi.Addresses#disassociate}. */
    DISASSOCIATE_ADDRESS,
    /** {@link dev.flotilla.vm.spi.Addresses#release}. */
    RELEASE_ADDRESS;

    /** The operation's name in lower camel case, as assertions take it: {@code describe}, {@code deleteSnapshot}. */
    public String label() {
      String[] parts = name().toLowerCase(Locale.ROOT).split("_");
      StringBuilder sb = new StringBuilder(parts[0]);
      for (int i = 1; i < parts.length; i++) {
        sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
      }
      return sb.toString();
    }

    /** The operation with this label or name. */
    public static Op of(String labelOrName) {
      for (Op op : values()) {
        if (op.label().equals(labelOrName) || op.name().equalsIgnoreCase(labelOrName)) {
          return op;
        }
      }
      throw new IllegalArgumentException("no fake cloud operation '" + labelOrName + "'; the operations are "
          + java.util.Arrays.stream(values()).map(Op::label).toList());
    }
  }

  /**
   * One call the fake received.
   *
   * @param op the operation
   * @param ids the VM ids it named (empty for create, list, types, images)
   * @param at when, on the cloud's clock
   */
  public record Call(Op op, List<String> ids, Instant at) {}

  /** The StratusLab instance types (CPU, RAM MB, swap MB), m1.small the default. */
  public static final List<InstanceType> STRATUSLAB_TYPES = InstanceType.STRATUSLAB_GUIDE;

  /** The images every fake cloud has. */
  public static final List<Image> IMAGES = List.of(
      new Image("debian-12", "Debian 12 (bookworm)", "public"),
      new Image("debian-11", "Debian 11 (bullseye)", "public"),
      new Image("ubuntu-24.04", "Ubuntu 24.04 LTS", "public"),
      new Image("alpine-3.20", "Alpine Linux 3.20", "public"));


  private final String api;
  final Clock clock;
  private final Set<Capability> capabilities;
  final Map<String, InstanceType> types;
  final Map<String, Image> images;
  private final String defaultImage;
  private final String zone;
  /** How many live VMs the cloud (key "") or a zone holds; changed at run time by {@link #capacity}. */
  private final Map<String, Integer> capacity;
  private final boolean capacityAtBoot;
  private final String idPrefix;
  /** The fault of a VM that found no room as it booted; {@link #failedForCapacity} knows it. */
  static final String NO_ROOM = "no host has room for it (InsufficientInstanceCapacity)";
  private final Duration bootTime;
  private final Duration stopTime;
  private final Duration rebootTime;
  private final Duration terminateTime;
  final Duration snapshotTime;
  private final Duration terminatedRetention;
  private final int maxSnapshots;
  private final FakeHosts hosts;

  /** Guards everything below, and the faults. */
  final Object lock = new Object();
  final FakeFaults faults;
  private final FakeCloudFacets facets = new FakeCloudFacets(this);
  final Map<String, FakeVm> vms = new LinkedHashMap<>();
  /** The VM each create made for each node, by "token/node": what a repeated create answers where tokens are kept. */
  final Map<String, List<String>> tokens = new HashMap<>();
  final Map<String, dev.flotilla.vm.KeyPair> keys = new java.util.TreeMap<>();
  /** Floating addresses of the pool {@code public} (203.0.113.0/24), and the VM each points at. */
  final Map<String, String> floating = new LinkedHashMap<>();
  private final boolean ignoreClientTokens;
  long nextVm = 1;
  long nextSnapshot = 1;

  FakeCloud(FakeCloudBuilder b) {
    this.api = b.api;
    this.clock = b.clock;
    this.capabilities = Set.copyOf(b.capabilities);
    this.types = new LinkedHashMap<>();
    b.types.forEach(t -> types.put(t.name(), t));
    this.images = new LinkedHashMap<>();
    b.images.forEach(i -> images.put(i.id(), i));
    this.defaultImage = b.defaultImage;
    this.zone = b.zone;
    this.capacity = new HashMap<>(b.capacity);
    this.capacityAtBoot = b.capacityAtBoot;
    this.idPrefix = b.idPrefix;
    this.bootTime = b.bootTime;
    this.stopTime = b.stopTime;
    this.rebootTime = b.rebootTime;
    this.terminateTime = b.terminateTime;
    this.snapshotTime = b.snapshotTime;
    this.terminatedRetention = b.terminatedRetention;
    this.maxSnapshots = b.maxSnapshots;
    this.hosts = new FakeHosts(api, b.hosts);
    this.faults = new FakeFaults(api, clock, new Random(b.seed), lock);
    this.ignoreClientTokens = b.ignoreClientTokens;
  }

  /** A fake cloud on the system clock whose VMs change state at once. */
  public static FakeCloud create() {
    return builder().build();
  }

  /** A builder, to set the clock, durations, hosts, types and capabilities. */
  public static FakeCloudBuilder builder() {
    return new FakeCloudBuilder();
  }

  /**
   * A client builder wired to this cloud: this cloud as its provider and, when the cloud runs on a {@link
   * VirtualClock}, that clock as the client's clock and sleeper, so waiting takes no real time.
   */
  public VmClient.Builder clientBuilder() {
    VmClient.Builder b = VmClient.builder().provider(this);
    if (clock instanceof VirtualClock v) {
      b.clock(v).sleeper(v).random(() -> 0.5).waitPolicy(WaitPolicy.DEFAULT);
    }
    return b;
  }

  /** The cloud's clock. */
  public Clock clock() {
    return clock;
  }

  // ---- fault injection (see FakeFaults) -------------------------------------------------------------------

  /** Fails the next {@code count} calls of {@code op} with a {@link CloudException} of {@code kind}. */
  public FakeCloud failNext(Op op, int count, Kind kind) {
    faults.failNext(op, count, kind);
    return this;
  }

  /** Answers a share (0 to 1) of all calls, drawn with the builder's seed, with THROTTLED. 0 stops it. */
  public FakeCloud throttle(double share) {
    faults.throttle(share);
    return this;
  }

  /**
   * Answers a share (0 to 1) of calls, drawn with the builder's seed, with an answer the adapter cannot
   * read, as a cloud behind a broken proxy does: describe and list fail before they answer, create fails
   * after it made the VMs. The adapter's error is of kind UNKNOWN. 0 stops it.
   */
  public FakeCloud garbage(double share) {
    faults.garbage(share);
    return this;
  }

  /** Hides VMs created from now on from describe and list for {@code d} after launch (eventual consistency). */
  public FakeCloud hideNewVms(Duration d) {
    faults.hideNewVms(d);
    return this;
  }

  /** Sends the next {@code count} VMs that boot to ERROR with {@code fault} instead of RUNNING. */
  public FakeCloud failNextBoots(int count, String fault) {
    faults.failNextBoots(count, fault);
    return this;
  }

  /** Sends VM {@code id} to ERROR now, with {@code fault}. */
  public FakeCloud breakVm(String id, String fault) {
    synchronized (lock) {
      FakeVm vm = existing(id);
      vm.state = State.ERROR;
      vm.providerState = "error";
      vm.fault = fault;
    }
    return this;
  }

  // ---- what it received -----------------------------------------------------------------------------------

  /** How many calls of {@code op} it received (failed ones included). */
  public long callCount(Op op) {
    return faults.callCount(op);
  }

  /** How many calls it received in all. */
  public long callCount() {
    return faults.callCount();
  }

  /** The calls it received, oldest first (the last {@value FakeFaults#CALL_LOG_LIMIT}). */
  public List<Call> calls() {
    return faults.calls();
  }

  /** Forgets the calls received so far. */
  public void clearCalls() {
    faults.clearCalls();
  }

  /** How many VMs it holds that are not terminated. */
  public int liveCount() {
    synchronized (lock) {
      Instant now = clock.instant();
      int n = 0;
      for (FakeVm vm : vms.values()) {
        vm.settle(now);
        n += vm.state == State.TERMINATED ? 0 : 1;
      }
      return n;
    }
  }

  /** The host VM {@code id} runs on, when the cloud has hosts. */
  public String hostOf(String id) {
    synchronized (lock) {
      return existing(id).host;
    }
  }

  // ---- the provider ---------------------------------------------------------------------------------------

  @Override
  public String api() {
    return api;
  }

  @Override
  public Set<Capability> traits() {
    return capabilities.stream().filter(c -> !c.operation()).collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /** {@code facet} when the cloud has {@code capability} (see {@link FakeCloudBuilder#without}), else empty. */
  <F> java.util.Optional<F> facet(Capability capability, F facet) {
    return capabilities.contains(capability) ? java.util.Optional.of(facet) : java.util.Optional.empty();
  }

  @Override
  public List<Instance> create(CreateRequest request) {
    return create(request, true);
  }

  /** Makes the VMs of {@code request} and leaves them STOPPED, as CloudStack's {@code startvm=false} does. */
  public List<Instance> createStopped(CreateRequest request) {
    return create(request, false);
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.StoppedCreation> stoppedCreation() {
    return facet(Capability.CREATE_STOPPED, this::createStopped);
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    return facets.resizing();
  }

  private List<Instance> create(CreateRequest request, boolean start) {
    synchronized (lock) {
      faults.receive(Op.CREATE, List.of());
      Instant now = clock.instant();
      // a token kept is kept per node: the node's VM of that create, whatever other nodes the request names
      boolean keepsTokens = capabilities.contains(Capability.IDEMPOTENT_CREATE) && !ignoreClientTokens;
      Map<String, String> earlier = new HashMap<>();
      for (String name : request.nodeNames()) {
        List<String> made = keepsTokens ? tokens.get(request.clientToken() + "/" + name) : null;
        if (made != null && vms.containsKey(made.get(0))) {
          earlier.put(name, made.get(0));
        }
      }
      if (earlier.size() == request.count()) {
        return request.nodeNames().stream().map(n -> observe(vms.get(earlier.get(n)), now)).toList();
      }
      Node spec = request.spec();
      String imageId = spec.image().orElse(defaultImage);
      if (imageId == null || !images.containsKey(imageId)) {
        throw error(Kind.INVALID_REQUEST, "InvalidImage", "no image '" + imageId + "'; images: " + images.keySet());
      }
      InstanceType type = types.get(spec.type().orElse(defaultType()));
      if (type == null) {
        throw error(Kind.INVALID_REQUEST, "InvalidInstanceType", "no instance type '" + spec.type().orElse("")
            + "'; types: " + types.keySet());
      }
      if (spec.userData().isPresent() && !capabilities.contains(Capability.USER_DATA)) {
        throw error(Kind.INVALID_REQUEST, "UserDataUnsupported", "this cloud takes no user data");
      }
      int cpus = spec.cpus().orElse(type.cpus());
      int memory = spec.memoryMb().orElse(type.memoryMb());
      String vmZone = spec.zone().orElse(zone);
      boolean noRoom = !hasRoom(request.count() - earlier.size(), type.name(), vmZone);
      String group = spec.antiAffinityGroup().orElse(null);
      List<String> placement = hosts.place(vms.values(), clock.instant(), request.count() - earlier.size(), cpus,
          memory, group);
      List<Instance> out = new ArrayList<>();
      for (int i = 0, placed = 0; i < request.count(); i++) {
        String name = request.nodeNames().get(i);
        if (earlier.containsKey(name)) {
          out.add(observe(vms.get(earlier.get(name)), now));
          continue;
        }
        long n = nextVm++;
        FakeVm vm = new FakeVm(idPrefix + String.format("%06d", n), type.name(), imageId, vmZone, cpus, memory,
            group, now, "10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255),
            "100." + (64 + (n >> 16 & 63)) + "." + (n >> 8 & 255) + "." + (n & 255), SnapshotChain.empty(maxSnapshots));
        vm.host = placement.get(placed++);
        vm.tags.putAll(request.tagsFor(name));
        vm.hiddenUntil = now.plus(faults.hideNewFor());
        if (noRoom) { // taken, and failed as it boots
          vm.moveTo(State.PENDING, State.ERROR, now.plus(bootTime));
          vm.fault = NO_ROOM;
        } else if (start) {
          boot(vm, now);
        } else {
          vm.state = State.STOPPED;
          vm.providerState = "stopped";
        }
        vms.put(vm.id, vm);
        tokens.put(request.clientToken() + "/" + name, List.of(vm.id));
        out.add(withFloating(vm.observe()));
      }
      faults.garbled(Op.CREATE);
      return out;
    }
  }

  @Override
  public boolean failedForCapacity(Instance vm) {
    return vm.fault().filter(NO_ROOM::equals).isPresent();
  }

  /**
   * Whether {@code count} more VMs of {@code type} fit in {@code vmZone}: when the cloud or the zone is full,
   * false where the cloud fails them as they boot, else the create is refused.
   */
  private boolean hasRoom(int count, String type, String vmZone) {
    long live = vms.values().stream().filter(vm -> vm.state != State.TERMINATED).count();
    long inZone = vms.values().stream().filter(vm -> vm.state != State.TERMINATED && vmZone.equals(vm.zone)).count();
    if (live + count > capacity.getOrDefault("", Integer.MAX_VALUE)
        || inZone + count > capacity.getOrDefault(vmZone, Integer.MAX_VALUE)) {
      if (capacityAtBoot) {
        return false;
      }
      throw error(Kind.CAPACITY, "InsufficientInstanceCapacity", "We currently do not have sufficient " + type
          + " capacity in the Availability Zone you requested (" + vmZone + ").");
    }
    return true;
  }

  /**
   * Sets how many live VMs the cloud ({@code zone} "") or a zone holds from now on, as {@link
   * FakeCloudBuilder#capacity(String, int)}; a negative count lifts the limit.
   */
  public FakeCloud capacity(String zone, int vms) {
    synchronized (lock) {
      if (vms < 0) {
        capacity.remove(zone);
      } else {
        capacity.put(zone, vms);
      }
      return this;
    }
  }

  @Override
  public List<Instance> describe(Collection<String> ids) {
    synchronized (lock) {
      faults.receive(Op.DESCRIBE, ids);
      Instant now = clock.instant();
      List<Instance> out = new ArrayList<>(ids.size());
      for (String id : ids) {
        FakeVm vm = vms.get(id);
        if (vm != null && visible(vm, now)) {
          out.add(observe(vm, now));
        }
      }
      return out;
    }
  }

  @Override
  public List<Instance> list() {
    synchronized (lock) {
      faults.receive(Op.LIST, List.of());
      Instant now = clock.instant();
      List<Instance> out = new ArrayList<>();
      for (FakeVm vm : vms.values()) {
        if (visible(vm, now)) {
          out.add(observe(vm, now));
        }
      }
      return out;
    }
  }

  @Override
  public void start(Collection<String> ids) {
    act(Op.START, ids, Action.START, Capability.STOP_START, (vm, now) -> boot(vm, now));
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    Action action = force ? Action.FORCE_STOP : Action.STOP;
    act(Op.STOP, ids, action, Capability.STOP_START,
        (vm, now) -> vm.moveTo(State.STOPPING, State.STOPPED, now.plus(force ? Duration.ZERO : stopTime)));
  }

  @Override
  public void reboot(Collection<String> ids) {
    act(Op.REBOOT, ids, Action.REBOOT, Capability.REBOOT,
        (vm, now) -> vm.moveTo(State.REBOOTING, State.RUNNING, now.plus(rebootTime)));
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.HardReboot> hardReboot() {
    return facet(Capability.HARD_REBOOT, ids -> reboot(ids, true));
  }

  private void reboot(Collection<String> ids, boolean hard) {
    act(Op.REBOOT, ids, Action.REBOOT, hard ? Capability.HARD_REBOOT : Capability.REBOOT,
        (vm, now) -> vm.moveTo(State.REBOOTING, State.RUNNING, now.plus(hard ? Duration.ZERO : rebootTime)));
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Console> console() {
    return facets.console();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Addresses> addresses() {
    return facets.addresses();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.ImageSaving> imageSaving() {
    return facets.imageSaving();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Keys> keys() {
    return facets.keys();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Snapshots> snapshots() {
    return facets.snapshots();
  }

  @Override
  public void terminate(Collection<String> ids) {
    act(Op.TERMINATE, ids, Action.DESTROY, null, (vm, now) -> {
      vm.moveTo(State.TERMINATING, State.TERMINATED, now.plus(terminateTime));
      vm.host = null;
      floating.replaceAll((address, owner) -> vm.id.equals(owner) ? null : owner); // as Nova does on delete
      vm.snapshots = vm.snapshots.cleared();
      vm.snapshotReadyAt.clear();
    });
  }

  @Override
  public void tag(String id, Map<String, String> tags) {
    synchronized (lock) {
      faults.receive(Op.TAG, List.of(id));
      existing(id).tags.putAll(tags);
    }
  }

  @Override
  public List<InstanceType> types() {
    synchronized (lock) {
      faults.receive(Op.TYPES, List.of());
      return List.copyOf(types.values());
    }
  }

  @Override
  public List<Image> images() {
    synchronized (lock) {
      faults.receive(Op.IMAGES, List.of());
      return List.copyOf(images.values());
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "FakeCloud{api=" + api + ", " + vms.size() + " VMs, clock=" + clock.instant() + "}";
    }
  }

  // ---- the machinery --------------------------------------------------------------------------------------

  private interface Change {
    void apply(FakeVm vm, Instant now);
  }

  /** Applies {@code action} to every VM of {@code ids}, all or nothing: the state checks come first. */
  private void act(Op op, Collection<String> ids, Action action, Capability needed, Change change) {
    synchronized (lock) {
      faults.receive(op, ids);
      if (needed != null) {
        require(needed);
      }
      Instant now = clock.instant();
      List<FakeVm> targets = new ArrayList<>(ids.size());
      for (String id : ids) {
        FakeVm vm = existing(id);
        vm.settle(now);
        if (!Lifecycle.isNoOp(vm.state, action)) {
          checkAllowed(vm, action);
          targets.add(vm);
        }
      }
      for (FakeVm vm : targets) {
        change.apply(vm, now);
      }
    }
  }

  private void boot(FakeVm vm, Instant now) {
    String fault = faults.nextBootFault();
    vm.moveTo(State.PENDING, fault == null ? State.RUNNING : State.ERROR, now.plus(bootTime));
    vm.fault = fault;
  }

  private Instance observe(FakeVm vm, Instant now) {
    vm.settle(now);
    return withFloating(vm.observe());
  }

  /** A VM a floating address points at answers at that address. */
  private Instance withFloating(Instance vm) {
    return floating.entrySet().stream().filter(e -> vm.id().equals(e.getValue()) && vm.state() != State.TERMINATED)
        .findFirst().map(e -> vm.toBuilder().publicAddress(e.getKey()).build()).orElse(vm);
  }

  private boolean visible(FakeVm vm, Instant now) {
    vm.settle(now);
    if (now.isBefore(vm.hiddenUntil)) {
      return false;
    }
    return vm.terminatedAt == null || now.isBefore(vm.terminatedAt.plus(terminatedRetention));
  }

  private String defaultType() {
    return types.values().stream().filter(InstanceType::isDefault).map(InstanceType::name).findFirst()
        .orElse(types.keySet().iterator().next());
  }

  void checkAllowed(FakeVm vm, Action action) {
    if (!vm.state.allows(action)) {
      throw error(Kind.INVALID_REQUEST, "IncorrectInstanceState", "VM " + vm.id + " is " + vm.state + " and cannot "
          + action + "; it allows " + vm.state.allowedActions());
    }
  }

  void require(Capability c) {
    if (!capabilities.contains(c)) {
      throw new dev.flotilla.vm.UnsupportedCapabilityException(c, api);
    }
  }

  FakeVm existing(String id) {
    FakeVm vm = vms.get(id);
    if (vm == null || !visible(vm, clock.instant())) {
      throw error(Kind.NOT_FOUND, "InvalidInstanceID.NotFound", "no VM '" + id + "'");
    }
    return vm;
  }


  CloudException error(Kind kind, String code, String message) {
    return FakeFaults.error(api, kind, code, message);
  }

  /**
   * A host of the fake cloud.
   *
   * @param name its name
   * @param cpus the CPUs it offers
   * @param memoryMb the memory it offers
   */
  public record Host(String name, int cpus, int memoryMb) {}
}
