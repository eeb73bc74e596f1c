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
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.internal.FakeVm;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
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
    /** {@link FakeCloud#resize}. */
    RESIZE,
    /** {@link FakeCloud#tag}. */
    TAG,
    /** {@link FakeCloud#types()}. */
    TYPES,
    /** {@link FakeCloud#images()}. */
    IMAGES,
    /** {@link FakeCloud#snapshot}. */
    SNAPSHOT,
    /** {@link FakeCloud#snapshots}. */
    SNAPSHOTS,
    /** {@link FakeCloud#revert}. */
    REVERT,
    /** {@link FakeCloud#deleteSnapshot}. */
    DELETE_SNAPSHOT,
    /** {@link FakeCloud#importKey}. */
    IMPORT_KEY,
    /** {@link FakeCloud#keys()}. */
    KEYS,
    /** {@link FakeCloud#createImage}. */
    CREATE_IMAGE,
    /** {@link FakeCloud#deleteImage}. */
    DELETE_IMAGE,
    /** {@link FakeCloud#consoleOutput}. */
    CONSOLE_OUTPUT,
    /** {@link FakeCloud#addresses()}. */
    ADDRESSES,
    /** {@link FakeCloud#allocateAddress}. */
    ALLOCATE_ADDRESS,
    /** {@link FakeCloud#associateAddress}. */
    ASSOCIATE_ADDRESS,
    /** {@link FakeCloud#disassociateAddress}. */
    DISASSOCIATE_ADDRESS,
    /** {@link FakeCloud#releaseAddress}. */
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

  private static final int CALL_LOG_LIMIT = 100_000;

  private final String api;
  private final Clock clock;
  private final Set<Capability> capabilities;
  private final Map<String, InstanceType> types;
  private final Map<String, Image> images;
  private final String defaultImage;
  private final String zone;
  private final Duration bootTime;
  private final Duration stopTime;
  private final Duration rebootTime;
  private final Duration terminateTime;
  private final Duration snapshotTime;
  private final Duration terminatedRetention;
  private final int maxSnapshots;
  private final List<Host> hosts;

  private final Object lock = new Object();
  private final Map<String, FakeVm> vms = new LinkedHashMap<>();
  private final Map<String, List<String>> tokens = new HashMap<>();
  private final Map<String, dev.flotilla.vm.KeyPair> keys = new java.util.TreeMap<>();
  /** Floating addresses of the pool {@code public} (203.0.113.0/24), and the VM each points at. */
  private final Map<String, String> floating = new LinkedHashMap<>();
  private final Map<Op, Long> callCounts = new EnumMap<>(Op.class);
  private final Deque<Call> calls = new ArrayDeque<>();
  private final Map<Op, Deque<Kind>> failures = new EnumMap<>(Op.class);
  private final Random random;
  private double throttleShare;
  private double garbageShare;
  private final boolean ignoreClientTokens;
  private Duration hideNewFor = Duration.ZERO;
  private final Deque<String> failingBoots = new ArrayDeque<>();
  private long nextVm = 1;
  private long nextSnapshot = 1;

  private FakeCloud(Builder b) {
    this.api = b.api;
    this.clock = b.clock;
    this.capabilities = Set.copyOf(b.capabilities);
    this.types = new LinkedHashMap<>();
    b.types.forEach(t -> types.put(t.name(), t));
    this.images = new LinkedHashMap<>();
    b.images.forEach(i -> images.put(i.id(), i));
    this.defaultImage = b.defaultImage;
    this.zone = b.zone;
    this.bootTime = b.bootTime;
    this.stopTime = b.stopTime;
    this.rebootTime = b.rebootTime;
    this.terminateTime = b.terminateTime;
    this.snapshotTime = b.snapshotTime;
    this.terminatedRetention = b.terminatedRetention;
    this.maxSnapshots = b.maxSnapshots;
    this.hosts = List.copyOf(b.hosts);
    this.random = new Random(b.seed);
    this.ignoreClientTokens = b.ignoreClientTokens;
  }

  /** A fake cloud on the system clock whose VMs change state at once. */
  public static FakeCloud create() {
    return builder().build();
  }

  /** A builder, to set the clock, durations, hosts, types and capabilities. */
  public static Builder builder() {
    return new Builder();
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

  // ---- fault injection ------------------------------------------------------------------------------------

  /** Fails the next {@code count} calls of {@code op} with a {@link CloudException} of {@code kind}. */
  public FakeCloud failNext(Op op, int count, Kind kind) {
    synchronized (lock) {
      Deque<Kind> queue = failures.computeIfAbsent(op, k -> new ArrayDeque<>());
      for (int i = 0; i < count; i++) {
        queue.add(kind);
      }
    }
    return this;
  }

  /** Answers a share (0 to 1) of all calls, drawn with the builder's seed, with THROTTLED. 0 stops it. */
  public FakeCloud throttle(double share) {
    if (share < 0 || share > 1) {
      throw new IllegalArgumentException("the throttled share is from 0 to 1, got " + share);
    }
    synchronized (lock) {
      this.throttleShare = share;
    }
    return this;
  }

  /**
   * Answers a share (0 to 1) of calls, drawn with the builder's seed, with an answer the adapter cannot
   * read, as a cloud behind a broken proxy does: describe and list fail before they answer, create fails
   * after it made the VMs. The adapter's error is of kind UNKNOWN. 0 stops it.
   */
  public FakeCloud garbage(double share) {
    if (share < 0 || share > 1) {
      throw new IllegalArgumentException("the garbage share is from 0 to 1, got " + share);
    }
    synchronized (lock) {
      this.garbageShare = share;
    }
    return this;
  }

  /** Hides VMs created from now on from describe and list for {@code d} after launch (eventual consistency). */
  public FakeCloud hideNewVms(Duration d) {
    synchronized (lock) {
      this.hideNewFor = d;
    }
    return this;
  }

  /** Sends the next {@code count} VMs that boot to ERROR with {@code fault} instead of RUNNING. */
  public FakeCloud failNextBoots(int count, String fault) {
    synchronized (lock) {
      for (int i = 0; i < count; i++) {
        failingBoots.add(fault);
      }
    }
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
    synchronized (lock) {
      return callCounts.getOrDefault(op, 0L);
    }
  }

  /** How many calls it received in all. */
  public long callCount() {
    synchronized (lock) {
      return callCounts.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** The calls it received, oldest first (the last {@value #CALL_LOG_LIMIT}). */
  public List<Call> calls() {
    synchronized (lock) {
      return List.copyOf(calls);
    }
  }

  /** Forgets the calls received so far. */
  public void clearCalls() {
    synchronized (lock) {
      calls.clear();
      callCounts.clear();
    }
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

  /** {@code facet} when the cloud has {@code capability} (see {@link Builder#without}), else empty. */
  private <F> java.util.Optional<F> facet(Capability capability, F facet) {
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

  /** Gives a stopped VM another instance type, with its CPUs and memory. */
  public void resize(String id, String type) {
    synchronized (lock) {
      receive(Op.RESIZE, List.of(id));
      FakeVm vm = existing(id);
      vm.settle(clock.instant());
      checkAllowed(vm, Action.RESIZE);
      InstanceType t = types.get(type);
      if (t == null) {
        throw error(Kind.INVALID_REQUEST, "InvalidInstanceType", "no instance type '" + type + "'; types: "
            + types.keySet());
      }
      vm.type = t.name();
      vm.cpus = t.cpus();
      vm.memoryMb = t.memoryMb();
    }
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    return facet(Capability.RESIZE, this::resize);
  }

  private List<Instance> create(CreateRequest request, boolean start) {
    synchronized (lock) {
      receive(Op.CREATE, List.of());
      Instant now = clock.instant();
      List<String> earlier = tokens.get(request.clientToken());
      if (earlier != null && capabilities.contains(Capability.IDEMPOTENT_CREATE) && !ignoreClientTokens) {
        return earlier.stream().map(id -> observe(vms.get(id), now)).toList();
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
      String group = spec.antiAffinityGroup().orElse(null);
      List<String> placement = place(request.count(), cpus, memory, group);
      List<String> ids = new ArrayList<>();
      List<Instance> out = new ArrayList<>();
      for (int i = 0; i < request.count(); i++) {
        long n = nextVm++;
        FakeVm vm = new FakeVm(String.format("vm-%06d", n), type.name(), imageId, spec.zone().orElse(zone), cpus, memory,
            group, now, "10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255),
            "100." + (64 + (n >> 16 & 63)) + "." + (n >> 8 & 255) + "." + (n & 255), SnapshotChain.empty(maxSnapshots));
        vm.host = placement.get(i);
        vm.tags.putAll(request.tagsFor(request.nodeNames().get(i)));
        vm.hiddenUntil = now.plus(hideNewFor);
        if (start) {
          boot(vm, now);
        } else {
          vm.state = State.STOPPED;
          vm.providerState = "stopped";
        }
        vms.put(vm.id, vm);
        ids.add(vm.id);
        out.add(withFloating(vm.observe()));
      }
      tokens.put(request.clientToken(), List.copyOf(ids));
      garbled(Op.CREATE);
      return out;
    }
  }

  @Override
  public List<Instance> describe(Collection<String> ids) {
    synchronized (lock) {
      receive(Op.DESCRIBE, ids);
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
      receive(Op.LIST, List.of());
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
    return facet(Capability.CONSOLE_OUTPUT, this::consoleOutput);
  }

  /** What a booted Debian with cloud-init prints, with the VM's name and how much user data it got. */
  private String consoleOutput(String id) {
    synchronized (lock) {
      receive(Op.CONSOLE_OUTPUT, List.of(id));
      FakeVm vm = existing(id);
      vm.settle(clock.instant());
      String name = vm.tags.getOrDefault(Instance.NODE_TAG, vm.id);
      StringBuilder out = new StringBuilder("[    0.000000] Linux version 6.1.0-fake (" + vm.image + ")\n");
      if (vm.state == State.RUNNING || vm.state == State.STOPPING || vm.state == State.STOPPED) {
        out.append("cloud-init: finished, datasource fake\n").append(name).append(" login: \n");
      }
      return out.toString();
    }
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Addresses> addresses() {
    return facet(Capability.FLOATING_IP, new dev.flotilla.vm.spi.Addresses() {
      @Override
      public List<dev.flotilla.vm.FloatingAddress> list() {
        return listAddresses();
      }

      @Override
      public dev.flotilla.vm.FloatingAddress allocate(String pool) {
        return allocateAddress(pool);
      }

      @Override
      public void associate(String address, String id) {
        associateAddress(address, id);
      }

      @Override
      public void disassociate(String address, String id) {
        disassociateAddress(address, id);
      }

      @Override
      public void release(String address) {
        releaseAddress(address);
      }
    });
  }

  private List<dev.flotilla.vm.FloatingAddress> listAddresses() {
    synchronized (lock) {
      receive(Op.ADDRESSES, List.of());
      return floating.entrySet().stream().map(e -> new dev.flotilla.vm.FloatingAddress(e.getKey(), "public",
          e.getValue())).toList();
    }
  }

  private dev.flotilla.vm.FloatingAddress allocateAddress(String pool) {
    synchronized (lock) {
      receive(Op.ALLOCATE_ADDRESS, List.of());
      if (pool != null && !pool.equals("public")) {
        throw error(Kind.NOT_FOUND, "FloatingIpPoolNotFound", "no floating IP pool '" + pool + "'; the pool is public");
      }
      for (int i = 1; i < 255; i++) {
        String address = "203.0.113." + i;
        if (!floating.containsKey(address)) {
          floating.put(address, null);
          return new dev.flotilla.vm.FloatingAddress(address, "public", null);
        }
      }
      throw error(Kind.CAPACITY, "FloatingIpLimitExceeded", "all 254 floating addresses are allocated");
    }
  }

  private void associateAddress(String address, String id) {
    synchronized (lock) {
      receive(Op.ASSOCIATE_ADDRESS, List.of(id));
      allocated(address);
      existing(id);
      floating.put(address, id);
    }
  }

  private void disassociateAddress(String address, String id) {
    synchronized (lock) {
      receive(Op.DISASSOCIATE_ADDRESS, List.of(id));
      if (!id.equals(allocated(address))) {
        throw error(Kind.INVALID_REQUEST, "FloatingIpNotAssociated", address + " does not point at VM " + id);
      }
      floating.put(address, null);
    }
  }

  private void releaseAddress(String address) {
    synchronized (lock) {
      receive(Op.RELEASE_ADDRESS, List.of());
      allocated(address);
      floating.remove(address);
    }
  }

  private String allocated(String address) {
    if (!floating.containsKey(address)) {
      throw error(Kind.NOT_FOUND, "FloatingIpNotFound", "no floating address " + address + " is allocated");
    }
    return floating.get(address);
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
      receive(Op.TAG, List.of(id));
      existing(id).tags.putAll(tags);
    }
  }

  @Override
  public List<InstanceType> types() {
    synchronized (lock) {
      receive(Op.TYPES, List.of());
      return List.copyOf(types.values());
    }
  }

  @Override
  public List<Image> images() {
    synchronized (lock) {
      receive(Op.IMAGES, List.of());
      return List.copyOf(images.values());
    }
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.ImageSaving> imageSaving() {
    return facet(Capability.SNAPSHOT_TO_IMAGE, new dev.flotilla.vm.spi.ImageSaving() {
      @Override
      public Image save(String id, String name, Map<String, String> tags) {
        return createImage(id, name, tags);
      }

      @Override
      public java.util.Optional<Image> image(String imageId) {
        synchronized (lock) {
          receive(Op.IMAGES, List.of());
          return java.util.Optional.ofNullable(images.get(imageId));
        }
      }

      @Override
      public void delete(String imageId) {
        deleteImage(imageId);
      }
    });
  }

  private Image createImage(String id, String name, Map<String, String> tags) {
    synchronized (lock) {
      receive(Op.CREATE_IMAGE, List.of(id));
      existing(id);
      Image image = new Image("img-" + String.format("%06d", nextSnapshot++), name, "self", tags);
      images.put(image.id(), image);
      return image;
    }
  }

  private void deleteImage(String imageId) {
    synchronized (lock) {
      receive(Op.DELETE_IMAGE, List.of());
      if (images.remove(imageId) == null) {
        throw error(Kind.NOT_FOUND, "InvalidAMIID.NotFound", "no image '" + imageId + "'");
      }
    }
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Keys> keys() {
    return facet(Capability.KEY_IMPORT, new dev.flotilla.vm.spi.Keys() {
      @Override
      public dev.flotilla.vm.KeyPair importKey(String name, String publicKey) {
        return FakeCloud.this.importKey(name, publicKey);
      }

      @Override
      public List<dev.flotilla.vm.KeyPair> list() {
        return listKeys();
      }
    });
  }

  private dev.flotilla.vm.KeyPair importKey(String name, String publicKey) {
    synchronized (lock) {
      receive(Op.IMPORT_KEY, List.of());
      if (keys.containsKey(name)) {
        throw error(Kind.INVALID_REQUEST, "InvalidKeyPair.Duplicate", "a key named '" + name + "' is already registered");
      }
      String fingerprint = dev.flotilla.vm.support.SshKeys.md5(publicKey).orElseThrow(() -> error(Kind.INVALID_REQUEST,
          "InvalidKey.Format", "not an OpenSSH public key; give the one line of an id_*.pub file"));
      dev.flotilla.vm.KeyPair key = new dev.flotilla.vm.KeyPair(name, fingerprint);
      keys.put(name, key);
      return key;
    }
  }

  private List<dev.flotilla.vm.KeyPair> listKeys() {
    synchronized (lock) {
      receive(Op.KEYS, List.of());
      return List.copyOf(keys.values());
    }
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Snapshots> snapshots() {
    return facet(Capability.SNAPSHOTS, new dev.flotilla.vm.spi.Snapshots() {
      @Override
      public Snapshot take(String id, String name, SnapshotOptions options) {
        return snapshot(id, name, options);
      }

      @Override
      public SnapshotChain chain(String id) {
        return snapshots(id);
      }

      @Override
      public void revert(String id, String snapshotId) {
        FakeCloud.this.revert(id, snapshotId);
      }

      @Override
      public void delete(String id, String snapshotId) {
        deleteSnapshot(id, snapshotId);
      }
    });
  }

  private Snapshot snapshot(String id, String name, SnapshotOptions options) {
    synchronized (lock) {
      receive(Op.SNAPSHOT, List.of(id));
      if (options.memory()) {
        require(Capability.SNAPSHOT_MEMORY);
      }
      Instant now = clock.instant();
      FakeVm vm = existing(id);
      vm.settle(now);
      checkAllowed(vm, Action.SNAPSHOT);
      Snapshot.Status status = snapshotTime.isZero() ? Snapshot.Status.READY : Snapshot.Status.CREATING;
      Snapshot s = Snapshot.of("snap-" + nextSnapshot++, name, null, options.memory(), now, status);
      vm.snapshots = vm.snapshots.add(s);
      if (status == Snapshot.Status.CREATING) {
        vm.snapshotReadyAt.put(s.id(), now.plus(snapshotTime));
      }
      vm.snapshotReadyAt.keySet().retainAll(ids(vm.snapshots));
      return vm.snapshots.get(s.id()).orElseThrow();
    }
  }

  private SnapshotChain snapshots(String id) {
    synchronized (lock) {
      receive(Op.SNAPSHOTS, List.of(id));
      FakeVm vm = existing(id);
      settleSnapshots(vm, clock.instant());
      return vm.snapshots;
    }
  }

  private void revert(String id, String snapshotId) {
    synchronized (lock) {
      receive(Op.REVERT, List.of(id));
      Instant now = clock.instant();
      FakeVm vm = existing(id);
      vm.settle(now);
      settleSnapshots(vm, now);
      checkAllowed(vm, Action.REVERT);
      Snapshot s = snapshotOf(vm, snapshotId);
      if (s.status() != Snapshot.Status.READY) {
        throw error(Kind.INVALID_REQUEST, "SnapshotNotReady", "snapshot " + snapshotId + " is " + s.status());
      }
      vm.snapshots = vm.snapshots.revertTo(snapshotId);
      // As CloudStack does: a memory snapshot comes back running, a disk-only one stopped.
      vm.state = s.includesMemory() ? State.RUNNING : State.STOPPED;
      vm.providerState = vm.state.name().toLowerCase(Locale.ROOT);
    }
  }

  private void deleteSnapshot(String id, String snapshotId) {
    synchronized (lock) {
      receive(Op.DELETE_SNAPSHOT, List.of(id));
      FakeVm vm = existing(id);
      snapshotOf(vm, snapshotId);
      vm.snapshots = vm.snapshots.delete(snapshotId);
      vm.snapshotReadyAt.remove(snapshotId);
    }
  }

  /** The VMs, tokens and counters as JSON, for {@link FileBackedFakeCloud}. */
  com.google.gson.JsonObject saveState() {
    synchronized (lock) {
      com.google.gson.JsonObject o = new com.google.gson.JsonObject();
      o.addProperty("nextVm", nextVm);
      o.addProperty("nextSnapshot", nextSnapshot);
      com.google.gson.JsonArray list = new com.google.gson.JsonArray();
      vms.values().forEach(vm -> list.add(dev.flotilla.vm.testkit.internal.FakeState.write(vm)));
      o.add("vms", list);
      com.google.gson.JsonObject t = new com.google.gson.JsonObject();
      tokens.forEach((token, ids) -> {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        ids.forEach(a::add);
        t.add(token, a);
      });
      o.add("tokens", t);
      com.google.gson.JsonObject k = new com.google.gson.JsonObject();
      keys.values().forEach(key -> k.addProperty(key.name(), key.fingerprint()));
      o.add("keys", k);
      com.google.gson.JsonObject f = new com.google.gson.JsonObject();
      floating.forEach((address, owner) -> f.addProperty(address, owner == null ? "" : owner)); // "" = free
      o.add("floating", f);
      com.google.gson.JsonArray saved = new com.google.gson.JsonArray();
      images.values().stream().filter(i -> "self".equals(i.owner())).forEach(i -> {
        com.google.gson.JsonObject image = new com.google.gson.JsonObject();
        image.addProperty("id", i.id());
        image.addProperty("name", i.name());
        com.google.gson.JsonObject tags = new com.google.gson.JsonObject();
        i.tags().forEach(tags::addProperty);
        image.add("tags", tags);
        saved.add(image);
      });
      o.add("savedImages", saved);
      return o;
    }
  }

  /**
   * Replaces the VMs, tokens and counters with those of {@link #saveState()}, read from {@code in} one VM at a
   * time: a cloud of 10,000 VMs is never one tree in memory.
   */
  void restoreState(com.google.gson.stream.JsonReader in) throws java.io.IOException {
    synchronized (lock) {
      vms.clear();
      tokens.clear();
      keys.clear();
      floating.clear();
      images.values().removeIf(i -> "self".equals(i.owner()));
      Long vmCounter = null;
      Long snapshotCounter = null;
      in.beginObject();
      while (in.hasNext()) {
        String field = in.nextName();
        if (field.equals("vms")) {
          in.beginArray();
          while (in.hasNext()) {
            FakeVm vm = dev.flotilla.vm.testkit.internal.FakeState.read(
                com.google.gson.JsonParser.parseReader(in).getAsJsonObject());
            vms.put(vm.id, vm);
          }
          in.endArray();
          continue;
        }
        com.google.gson.JsonElement value = com.google.gson.JsonParser.parseReader(in);
        switch (field) {
          case "nextVm" -> vmCounter = value.getAsLong();
          case "nextSnapshot" -> snapshotCounter = value.getAsLong();
          case "savedImages" -> value.getAsJsonArray().forEach(e -> {
            com.google.gson.JsonObject i = e.getAsJsonObject();
            Map<String, String> tags = new LinkedHashMap<>();
            if (i.has("tags")) {
              i.getAsJsonObject("tags").entrySet().forEach(t -> tags.put(t.getKey(), t.getValue().getAsString()));
            }
            String id = i.get("id").getAsString();
            images.put(id, new Image(id, i.get("name").getAsString(), "self", tags));
          });
          case "floating" -> value.getAsJsonObject().entrySet().forEach(e -> floating.put(e.getKey(),
              e.getValue().getAsString().isEmpty() ? null : e.getValue().getAsString()));
          case "keys" -> value.getAsJsonObject().entrySet().forEach(e -> keys.put(e.getKey(),
              new dev.flotilla.vm.KeyPair(e.getKey(), e.getValue().getAsString())));
          case "tokens" -> value.getAsJsonObject().entrySet().forEach(e -> {
            List<String> ids = new ArrayList<>();
            e.getValue().getAsJsonArray().forEach(id -> ids.add(id.getAsString()));
            tokens.put(e.getKey(), List.copyOf(ids));
          });
          default -> { } // a field a later version added
        }
      }
      in.endObject();
      if (vmCounter == null || snapshotCounter == null) {
        throw new IllegalStateException("no counters");
      }
      nextVm = vmCounter;
      nextSnapshot = snapshotCounter;
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
      receive(op, ids);
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
    String fault = failingBoots.poll();
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

  private void settleSnapshots(FakeVm vm, Instant now) {
    var it = vm.snapshotReadyAt.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (!now.isBefore(e.getValue())) {
        vm.snapshots.get(e.getKey()).ifPresent(s -> vm.snapshots = vm.snapshots.replace(s.withStatus(Snapshot.Status.READY)));
        it.remove();
      }
    }
  }

  private static Set<String> ids(SnapshotChain chain) {
    Set<String> out = new HashSet<>();
    chain.snapshots().forEach(s -> out.add(s.id()));
    return out;
  }

  private Snapshot snapshotOf(FakeVm vm, String snapshotId) {
    return vm.snapshots.get(snapshotId).orElseThrow(() -> error(Kind.NOT_FOUND, "SnapshotNotFound",
        "VM " + vm.id + " has no snapshot " + snapshotId));
  }

  /** Hosts for {@code count} VMs, all or none; anti-affinity puts each VM of a group on a host of its own. */
  private List<String> place(int count, int cpus, int memory, String group) {
    if (hosts.isEmpty()) {
      return group == null ? java.util.Collections.nCopies(count, null) : unlimitedAntiAffinity(count, group);
    }
    List<String> out = new ArrayList<>(count);
    Map<String, int[]> used = new HashMap<>();
    Set<String> groupHosts = new HashSet<>();
    for (FakeVm vm : vms.values()) {
      vm.settle(clock.instant());
      if (vm.host != null) {
        int[] u = used.computeIfAbsent(vm.host, k -> new int[2]);
        u[0] += vm.cpus;
        u[1] += vm.memoryMb;
        if (group != null && group.equals(vm.antiAffinityGroup)) {
          groupHosts.add(vm.host);
        }
      }
    }
    for (int i = 0; i < count; i++) {
      String chosen = null;
      for (Host h : hosts) {
        int[] u = used.computeIfAbsent(h.name(), k -> new int[2]);
        if (u[0] + cpus <= h.cpus() && u[1] + memory <= h.memoryMb() && !groupHosts.contains(h.name())) {
          chosen = h.name();
          u[0] += cpus;
          u[1] += memory;
          if (group != null) {
            groupHosts.add(h.name());
          }
          break;
        }
      }
      if (chosen == null) {
        throw error(Kind.CAPACITY, "InsufficientInstanceCapacity", "no host has room for " + count + " VM(s) of "
            + cpus + " CPU and " + memory + " MB" + (group == null ? "" : " in anti-affinity group '" + group + "'"));
      }
      out.add(chosen);
    }
    return out;
  }

  private List<String> unlimitedAntiAffinity(int count, String group) {
    Set<String> taken = new HashSet<>();
    for (FakeVm vm : vms.values()) {
      if (vm.host != null && group.equals(vm.antiAffinityGroup)) {
        taken.add(vm.host);
      }
    }
    List<String> out = new ArrayList<>(count);
    for (int i = 0; out.size() < count; i++) {
      if (!taken.contains("host-" + i)) {
        out.add("host-" + i);
      }
    }
    return out;
  }

  private String defaultType() {
    return types.values().stream().filter(InstanceType::isDefault).map(InstanceType::name).findFirst()
        .orElse(types.keySet().iterator().next());
  }

  private void checkAllowed(FakeVm vm, Action action) {
    if (!vm.state.allows(action)) {
      throw error(Kind.INVALID_REQUEST, "IncorrectInstanceState", "VM " + vm.id + " is " + vm.state + " and cannot "
          + action + "; it allows " + vm.state.allowedActions());
    }
  }

  private void require(Capability c) {
    if (!capabilities.contains(c)) {
      throw new dev.flotilla.vm.UnsupportedCapabilityException(c, api);
    }
  }

  private FakeVm existing(String id) {
    FakeVm vm = vms.get(id);
    if (vm == null || !visible(vm, clock.instant())) {
      throw error(Kind.NOT_FOUND, "InvalidInstanceID.NotFound", "no VM '" + id + "'");
    }
    return vm;
  }

  /** Counts and logs a call, then fails it if a fault is queued or the throttle says so. */
  private void receive(Op op, Collection<String> ids) {
    callCounts.merge(op, 1L, Long::sum);
    if (calls.size() == CALL_LOG_LIMIT) {
      calls.removeFirst();
    }
    calls.addLast(new Call(op, List.copyOf(ids), clock.instant()));
    Deque<Kind> queued = failures.get(op);
    Kind kind = queued == null ? null : queued.poll();
    if (kind == null && throttleShare > 0 && random.nextDouble() < throttleShare) {
      kind = Kind.THROTTLED;
    }
    if (kind != null) {
      throw error(kind, codeOf(kind), "injected fault on " + op.label());
    }
    if (op == Op.DESCRIBE || op == Op.LIST) {
      garbled(op);
    }
  }

  /** Fails the call as an adapter fails on an answer it cannot read, when the garbage draw says so. */
  private void garbled(Op op) {
    if (garbageShare > 0 && random.nextDouble() < garbageShare) {
      throw error(Kind.UNKNOWN, null, "the answer to " + op.label() + " could not be read (injected garbage: HTTP 200"
          + " with an HTML body); nothing was concluded from it");
    }
  }

  private static String codeOf(Kind kind) {
    switch (kind) {
      case THROTTLED:
        return "RequestLimitExceeded";
      case TRANSIENT:
        return "InternalError";
      case AUTHENTICATION:
        return "AuthFailure";
      case NOT_FOUND:
        return "NotFound";
      case CAPACITY:
        return "InsufficientInstanceCapacity";
      case INVALID_REQUEST:
        return "InvalidParameterValue";
      default:
        return "Unknown";
    }
  }

  private CloudException error(Kind kind, String code, String message) {
    return new CloudException(kind, api, code, message);
  }

  /**
   * A host of the fake cloud.
   *
   * @param name its name
   * @param cpus the CPUs it offers
   * @param memoryMb the memory it offers
   */
  public record Host(String name, int cpus, int memoryMb) {}

  /** Builds a {@link FakeCloud}. */
  public static final class Builder {
    private String api = "fake";
    private Clock clock = Clock.systemUTC();
    // everything but RESIZE, which no provider and no VmClient call offers yet
    private final Set<Capability> capabilities = EnumSet.allOf(Capability.class);
    private List<InstanceType> types = STRATUSLAB_TYPES;
    private List<Image> images = IMAGES;
    private String defaultImage = "debian-12";
    private String zone = "fake-zone-1";
    private Duration bootTime = Duration.ZERO;
    private Duration stopTime = Duration.ZERO;
    private Duration rebootTime = Duration.ZERO;
    private Duration terminateTime = Duration.ZERO;
    private Duration snapshotTime = Duration.ZERO;
    private Duration terminatedRetention = Duration.ofHours(1);
    private int maxSnapshots;
    private final List<Host> hosts = new ArrayList<>();
    private long seed = 42;
    private boolean ignoreClientTokens;

    private Builder() {}

    /**
     * Makes a cloud that ignores create tokens, as some EC2-compatible services do: a repeated create
     * makes new VMs. Idempotent create is still declared, since such clouds say they have it.
     */
    public Builder ignoreClientTokens() {
      this.ignoreClientTokens = true;
      return this;
    }

    /** The api id it answers to; {@code fake} by default. */
    public Builder api(String value) {
      this.api = value;
      return this;
    }

    /** The clock state changes happen on; a {@link VirtualClock} in tests of waiting. */
    public Builder clock(Clock value) {
      this.clock = value;
      return this;
    }

    /** How long VMs take to boot (create and start). */
    public Builder bootTime(Duration value) {
      this.bootTime = value;
      return this;
    }

    /** How long a graceful stop takes. */
    public Builder stopTime(Duration value) {
      this.stopTime = value;
      return this;
    }

    /** How long a reboot takes. */
    public Builder rebootTime(Duration value) {
      this.rebootTime = value;
      return this;
    }

    /** How long destroying takes. */
    public Builder terminateTime(Duration value) {
      this.terminateTime = value;
      return this;
    }

    /** How long a snapshot takes to be ready. */
    public Builder snapshotTime(Duration value) {
      this.snapshotTime = value;
      return this;
    }

    /** How long terminated VMs stay listed (EC2 keeps them about an hour). */
    public Builder terminatedRetention(Duration value) {
      this.terminatedRetention = value;
      return this;
    }

    /** The most snapshots a VM keeps; more remove the oldest. 0 (the default) for no limit. */
    public Builder maxSnapshots(int value) {
      this.maxSnapshots = value;
      return this;
    }

    /** Adds {@code count} hosts of {@code cpus} CPUs and {@code memoryMb} MB; without hosts capacity is unlimited. */
    public Builder hosts(int count, int cpus, int memoryMb) {
      for (int i = 0; i < count; i++) {
        hosts.add(new Host("host-" + (hosts.size() + 1), cpus, memoryMb));
      }
      return this;
    }

    /** Replaces the instance types. */
    public Builder types(List<InstanceType> value) {
      this.types = List.copyOf(value);
      return this;
    }

    /** Replaces the images. */
    public Builder images(List<Image> value) {
      this.images = List.copyOf(value);
      return this;
    }

    /** The image of nodes that name none. */
    public Builder defaultImage(String value) {
      this.defaultImage = value;
      return this;
    }

    /** Removes capabilities, to test how callers cope without them. */
    public Builder without(Capability... values) {
      for (Capability c : values) {
        capabilities.remove(c);
      }
      return this;
    }

    /** The seed of the throttling draws. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** The cloud. */
    public FakeCloud build() {
      return new FakeCloud(this);
    }
  }
}
