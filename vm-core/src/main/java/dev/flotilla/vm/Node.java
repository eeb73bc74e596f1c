package dev.flotilla.vm;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A machine as the user wants it: its name, where it runs and what it is made of. Immutable; build with
 * {@link #builder(String)}, change with {@link #toBuilder()}, and define a node like another one with
 * {@link #derive(String)} (Poni's {@code -i parent -c}).
 *
 * <p>A node read from a store also carries its {@link #record()}: the VM it is bound to and the store's
 * bookkeeping, which {@link VmClient} writes. The builder sets none of it, and the client takes a node's
 * record from its own store only, never from the node it is given.
 *
 * <p>Resource overrides (cpus, memory, swap) win over the values of the instance type. Provider options
 * are passed through to the adapter untouched, like LEAP's {@code vm.options}. User data may hold
 * secrets, so {@link #toString()} shows only its size.
 */
public final class Node {
  private final String name;
  private final String profile;
  private final String image;
  private final String type;
  private final Integer cpus;
  private final Integer memoryMb;
  private final Integer swapMb;
  private final String region;
  private final String zone;
  private final String keyPair;
  private final String loginUser;
  private final Set<String> tags;
  private final Set<String> services;
  private final String parent;
  private final String group;
  private final String displayName;
  private final String userData;
  private final List<String> securityGroups;
  private final String antiAffinityGroup;
  private final Map<String, String> options;
  private final boolean ha;
  private final java.time.Duration lease;
  private final Lease.Expiry onExpiry;
  private final NodeRecord record;

  private Node(Builder b) {
    this.name = validName(b.name);
    this.profile = Values.blankToNull(b.profile);
    this.image = Values.blankToNull(b.image);
    this.type = Values.blankToNull(b.type);
    this.cpus = positive(b.cpus, "cpus");
    this.memoryMb = positive(b.memoryMb, "memoryMb");
    this.swapMb = nonNegative(b.swapMb, "swapMb");
    this.region = Values.blankToNull(b.region);
    this.zone = Values.blankToNull(b.zone);
    this.keyPair = Values.blankToNull(b.keyPair);
    this.loginUser = loginUser(b.loginUser);
    this.tags = Values.copySet(b.tags, "tags");
    this.services = Values.copySet(b.services, "services");
    this.parent = Values.blankToNull(b.parent);
    this.group = Values.blankToNull(b.group);
    this.displayName = Values.blankToNull(b.displayName);
    this.userData = b.userData;
    this.securityGroups = Values.copy(b.securityGroups, "securityGroups");
    this.antiAffinityGroup = Values.blankToNull(b.antiAffinityGroup);
    this.options = Values.copy(b.options, "options");
    this.ha = b.ha;
    this.lease = b.lease;
    if (lease != null && (lease.isNegative() || lease.isZero() || lease.compareTo(Lease.LONGEST) > 0)) {
      throw new ConfigurationException(null, "vm.lease", "node '" + name + "' asks for a lease of " + lease + "; give"
          + " one from a second to 366 days, or none");
    }
    this.onExpiry = b.onExpiry;
    this.record = b.record;
  }

  private static String validName(String name) {
    Optional<String> problem = HostNames.problem(name);
    if (problem.isPresent()) {
      throw new ConfigurationException(null, "name", "node name '" + name + "' is not a valid host name: "
          + problem.get() + ". Use letters, digits and '-', such as 'web1' or 'db-2'.");
    }
    return name;
  }

  private String loginUser(String value) {
    String v = Values.blankToNull(value);
    if (v != null && !LOGIN_USER.matcher(v).matches()) {
      throw new ConfigurationException(null, "vm.login_user", "node '" + name + "' has login user '" + Values.quoted(v)
          + "', which is not a user name; use letters, digits, '_', '.' and '-', starting with a letter or '_'"
          + " (such as 'ubuntu' or 'root')");
    }
    return v;
  }

  private static final java.util.regex.Pattern LOGIN_USER = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}");

  private Integer positive(Integer value, String field) {
    if (value != null && value <= 0) {
      throw new ConfigurationException(null, field, "node '" + name + "' asks for " + value + "; use a number above 0,"
          + " or leave it unset to take the instance type's value");
    }
    return value;
  }

  private Integer nonNegative(Integer value, String field) {
    if (value != null && value < 0) {
      throw new ConfigurationException(null, field, "node '" + name + "' asks for " + value + "; use 0 or more, or"
          + " leave it unset to take the instance type's value");
    }
    return value;
  }

  /** A builder for a node called {@code name}, which must be a valid RFC 1123 host name. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A builder holding every property of this node, binding included. */
  public Builder toBuilder() {
    Builder b = copyProperties(name);
    b.parent = parent;
    b.displayName = displayName;
    b.record = record;
    return b;
  }

  /**
   * A builder for a new node called {@code childName} that has every property of this one except its
   * name, display name and binding, and names this node as its parent (Poni's {@code node add -i
   * parent -c}). Setters override what it inherits.
   */
  public Builder derive(String childName) {
    Builder b = copyProperties(childName);
    b.parent = name;
    return b;
  }

  private Builder copyProperties(String newName) {
    Builder b = new Builder(newName);
    b.profile = profile;
    b.image = image;
    b.type = type;
    b.cpus = cpus;
    b.memoryMb = memoryMb;
    b.swapMb = swapMb;
    b.region = region;
    b.zone = zone;
    b.keyPair = keyPair;
    b.loginUser = loginUser;
    b.tags.addAll(tags);
    b.services.addAll(services);
    b.group = group;
    b.userData = userData;
    b.securityGroups = securityGroups;
    b.antiAffinityGroup = antiAffinityGroup;
    b.options.putAll(options);
    b.ha = ha;
    b.lease = lease;
    b.onExpiry = onExpiry;
    return b;
  }

  /**
   * This node with {@code record} as what its store keeps about it (its binding and bookkeeping): for node
   * stores reading a record back. {@link VmClient} takes a node's record from its own store only.
   */
  public Node withRecord(NodeRecord record) {
    Builder b = toBuilder();
    b.record = Objects.requireNonNull(record, "record");
    return b.build();
  }

  /** What the node's store keeps about it beside its spec; {@link NodeRecord#NONE} for a node never bound. */
  public NodeRecord record() {
    return record;
  }

  /** This node with its record changed by {@code change}. */
  Node recording(java.util.function.UnaryOperator<NodeRecord.Builder> change) {
    return withRecord(change.apply(record.toBuilder()).build());
  }

  /** This node bound to VM {@code id} with these addresses (either may be null); its create intent is done. */
  Node bind(String id, String publicAddr, String privateAddr) {
    return withRecord(record.bind(id, publicAddr, privateAddr));
  }

  /** This node with its VM destroyed on purpose at {@code when}: unbound, and status need not ask for a VM. */
  Node removed(java.time.Instant when) {
    return withRecord(record.unbind().toBuilder().removedAt(when).build());
  }

  /** This node with a create in flight: {@code intent} written, not bound yet. */
  Node intending(CreateIntent intent) {
    return withRecord(record.toBuilder().createIntent(intent).build());
  }

  /** This node with {@code lease} as its VM's (null for none). */
  Node leased(Lease lease) {
    return withRecord(record.toBuilder().lease(lease).build());
  }

  Node placed(Place place) {
    return withRecord(record.toBuilder().place(place).build());
  }

  /** This node with no binding, as after its VM was destroyed; a create intent it holds stays. */
  Node unbind() {
    return withRecord(record.unbind());
  }

  /** The node's name: a host name, unique among the nodes of one store. */
  public String name() {
    return name;
  }

  /** The profile (cloud account) it runs on; empty means the client's default. LEAP's {@code vm.auth}. */
  public Optional<String> profile() {
    return Optional.ofNullable(profile);
  }

  /** The image to boot (AMI id, Glance image, Marketplace id); empty means the profile's default. */
  public Optional<String> image() {
    return Optional.ofNullable(image);
  }

  /** The instance type or flavor, such as {@code m1.small}; empty means the provider's default. */
  public Optional<String> type() {
    return Optional.ofNullable(type);
  }

  /** CPUs, overriding the type's. */
  public OptionalInt cpus() {
    return cpus == null ? OptionalInt.empty() : OptionalInt.of(cpus);
  }

  /** Memory in MB, overriding the type's. */
  public OptionalInt memoryMb() {
    return memoryMb == null ? OptionalInt.empty() : OptionalInt.of(memoryMb);
  }

  /** Swap in MB, overriding the type's. */
  public OptionalInt swapMb() {
    return swapMb == null ? OptionalInt.empty() : OptionalInt.of(swapMb);
  }

  /** The region, overriding the profile's. */
  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  /** The availability zone. */
  public Optional<String> zone() {
    return Optional.ofNullable(zone);
  }

  /** The name of the cloud key pair to install. */
  public Optional<String> keyPair() {
    return Optional.ofNullable(keyPair);
  }

  /** The user to log in as, such as {@code debian}. */
  public Optional<String> loginUser() {
    return Optional.ofNullable(loginUser);
  }

  /** Labels, such as {@code seattle} or {@code production} (LEAP's {@code tags}). */
  public Set<String> tags() {
    return tags;
  }

  /** The services it runs, such as {@code webapp} or {@code couchdb} (LEAP's {@code services}). */
  public Set<String> services() {
    return services;
  }

  /** The node this one was derived from and inherits unset properties of (Poni's parent). */
  public Optional<String> parent() {
    return Optional.ofNullable(parent);
  }

  /** A group several nodes share, such as {@code web}. */
  public Optional<String> group() {
    return Optional.ofNullable(group);
  }

  /** A human-friendly name shown by clouds that have one. */
  public Optional<String> displayName() {
    return Optional.ofNullable(displayName);
  }

  /** Cloud-init user data, passed to the VM unchanged. */
  public Optional<String> userData() {
    return Optional.ofNullable(userData);
  }

  /** Security groups, in order. */
  public List<String> securityGroups() {
    return securityGroups;
  }

  /** The anti-affinity group: VMs of one group are placed on different hosts. */
  public Optional<String> antiAffinityGroup() {
    return Optional.ofNullable(antiAffinityGroup);
  }

  /** Provider options passed through to the adapter (LEAP's {@code vm.options}). */
  public Map<String, String> options() {
    return options;
  }

  /** The id of the VM this node is bound to. */
  public Optional<String> vmId() {
    return record.vmId();
  }

  /** Whether the node is bound to a VM. */
  public boolean isBound() {
    return record.isBound();
  }

  /** The VM's public address, as last recorded (LEAP's {@code ip_address}). */
  public Optional<String> publicAddress() {
    return record.publicAddress();
  }

  /** The VM's private address, as last recorded. */
  public Optional<String> privateAddress() {
    return record.privateAddress();
  }

  /**
   * The create that was asked for this node and has not been bound to a VM yet: empty once the node is
   * bound, and in every record a finished create left. See {@link CreateIntent}.
   */
  public Optional<CreateIntent> createIntent() {
    return record.createIntent();
  }

  /** When its VM was destroyed on purpose ({@code vm rm}), while it has no other; empty otherwise. */
  public Optional<java.time.Instant> removedAt() {
    return record.removedAt();
  }

  /**
   * Whether the high-availability supervisor ({@code vm watch}) keeps this node running: it restarts its VM
   * when it is found stopped or gone and no Flotilla call stopped or removed it (CloudStack's HA, opt-in).
   */
  public boolean ha() {
    return ha;
  }

  /**
   * How long each VM made for the node may live: its create gives it a {@link Lease} that long, which a
   * {@link Reaper} ends; empty for VMs that live until removed.
   */
  public Optional<java.time.Duration> lease() {
    return Optional.ofNullable(lease);
  }

  /** What happens to its VM when the lease ends: {@link Lease.Expiry#DESTROY} unless it says stop. */
  public Lease.Expiry onExpiry() {
    return onExpiry == null ? Lease.Expiry.DESTROY : onExpiry;
  }

  /** The lease of its VM, as its record keeps it; empty for a VM without one. */
  public Optional<Lease> leaseOfVm() {
    return record.lease();
  }

  /** Where its VM was made, when a placement order chose the place (see {@link NodeRecord#place()}). */
  public Optional<Place> placeOfVm() {
    return record.place();
  }

  /** When a Flotilla call stopped its VM on purpose, while it stays stopped; empty otherwise. */
  public Optional<java.time.Instant> stoppedAt() {
    return record.stoppedAt();
  }

  /**
   * When the HA supervisor restarted it lately, oldest first: the restart budget, kept in the record so that
   * every supervisor sharing the store spends the same one.
   */
  public List<java.time.Instant> haRestarts() {
    return record.haRestarts();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Node n)) {
      return false;
    }
    return name.equals(n.name) && Objects.equals(profile, n.profile) && Objects.equals(image, n.image)
        && Objects.equals(type, n.type) && Objects.equals(cpus, n.cpus) && Objects.equals(memoryMb, n.memoryMb)
        && Objects.equals(swapMb, n.swapMb) && Objects.equals(region, n.region) && Objects.equals(zone, n.zone)
        && Objects.equals(keyPair, n.keyPair) && Objects.equals(loginUser, n.loginUser) && tags.equals(n.tags) && services.equals(n.services)
        && Objects.equals(parent, n.parent)
        && Objects.equals(group, n.group) && Objects.equals(displayName, n.displayName)
        && Objects.equals(userData, n.userData) && securityGroups.equals(n.securityGroups)
        && Objects.equals(antiAffinityGroup, n.antiAffinityGroup) && options.equals(n.options)
        && ha == n.ha && Objects.equals(lease, n.lease) && Objects.equals(onExpiry, n.onExpiry)
        && record.equals(n.record);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, profile, image, type, cpus, memoryMb, swapMb, region, zone, keyPair, loginUser, tags,
        services, parent, group, displayName, userData, securityGroups, antiAffinityGroup, options, ha, lease, onExpiry, record);
  }

  /** The node's properties; user data appears only as its size, since it may hold secrets. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Node{").append(name);
    append(sb, "profile", profile);
    append(sb, "image", image);
    append(sb, "type", type);
    append(sb, "cpus", cpus);
    append(sb, "memoryMb", memoryMb);
    append(sb, "swapMb", swapMb);
    append(sb, "region", region);
    append(sb, "zone", zone);
    append(sb, "keyPair", keyPair);
    append(sb, "loginUser", loginUser);
    append(sb, "tags", tags.isEmpty() ? null : tags);
    append(sb, "services", services.isEmpty() ? null : services);
    append(sb, "parent", parent);
    append(sb, "group", group);
    append(sb, "displayName", displayName);
    append(sb, "userData", userData == null ? null : "<" + userData.length() + " chars>");
    append(sb, "securityGroups", securityGroups.isEmpty() ? null : securityGroups);
    append(sb, "antiAffinityGroup", antiAffinityGroup);
    append(sb, "options", options.isEmpty() ? null : options);
    if (ha) {
      sb.append(", ha");
    }
    append(sb, "lease", lease == null ? null : Lease.words(lease));
    append(sb, "onExpiry", onExpiry == null ? null : onExpiry.word());
    return sb.append(record).append('}').toString();
  }

  private static void append(StringBuilder sb, String key, Object value) {
    if (value != null) {
      sb.append(", ").append(key).append('=').append(value);
    }
  }

  /** Builds a {@link Node}; every setter accepts {@code null} to leave a property unset. */
  public static final class Builder {
    private String name;
    private String profile;
    private String image;
    private String type;
    private Integer cpus;
    private Integer memoryMb;
    private Integer swapMb;
    private String region;
    private String zone;
    private String keyPair;
    private String loginUser;
    private final Set<String> tags = new LinkedHashSet<>();
    private final Set<String> services = new LinkedHashSet<>();
    private String parent;
    private String group;
    private String displayName;
    private String userData;
    private List<String> securityGroups = List.of();
    private String antiAffinityGroup;
    private final Map<String, String> options = new LinkedHashMap<>();
    private boolean ha;
    private java.time.Duration lease;
    private Lease.Expiry onExpiry;
    private NodeRecord record = NodeRecord.NONE;

    private Builder(String name) {
      this.name = name;
    }

    /** Renames the node. */
    public Builder name(String value) {
      this.name = value;
      return this;
    }

    /** The profile to run on (LEAP's {@code vm.auth}). */
    public Builder profile(String value) {
      this.profile = value;
      return this;
    }

    /** The image to boot. */
    public Builder image(String value) {
      this.image = value;
      return this;
    }

    /** The instance type or flavor. */
    public Builder type(String value) {
      this.type = value;
      return this;
    }

    /** CPUs, overriding the type's. */
    public Builder cpus(Integer value) {
      this.cpus = value;
      return this;
    }

    /** Memory in MB, overriding the type's. */
    public Builder memoryMb(Integer value) {
      this.memoryMb = value;
      return this;
    }

    /** Swap in MB, overriding the type's. */
    public Builder swapMb(Integer value) {
      this.swapMb = value;
      return this;
    }

    /** The region, overriding the profile's. */
    public Builder region(String value) {
      this.region = value;
      return this;
    }

    /** The availability zone. */
    public Builder zone(String value) {
      this.zone = value;
      return this;
    }

    /** The cloud key pair to install. */
    public Builder keyPair(String value) {
      this.keyPair = value;
      return this;
    }

    /** The user to log in as. */
    public Builder loginUser(String value) {
      this.loginUser = value;
      return this;
    }

    /** Replaces the labels. */
    public Builder tags(Collection<String> values) {
      this.tags.clear();
      if (values != null) {
        this.tags.addAll(values);
      }
      return this;
    }

    /** Adds labels. */
    public Builder tag(String... values) {
      this.tags.addAll(List.of(values));
      return this;
    }

    /** Replaces the services. */
    public Builder services(Collection<String> values) {
      this.services.clear();
      if (values != null) {
        this.services.addAll(values);
      }
      return this;
    }

    /** Adds services. */
    public Builder service(String... values) {
      this.services.addAll(List.of(values));
      return this;
    }

    /** The node this one inherits unset properties from. */
    public Builder parent(String value) {
      this.parent = value;
      return this;
    }

    /** The group several nodes share. */
    public Builder group(String value) {
      this.group = value;
      return this;
    }

    /** A human-friendly name. */
    public Builder displayName(String value) {
      this.displayName = value;
      return this;
    }

    /** Cloud-init user data, passed unchanged. */
    public Builder userData(String value) {
      this.userData = value;
      return this;
    }

    /** Security groups, in order. */
    public Builder securityGroups(Collection<String> values) {
      this.securityGroups = values == null ? List.of() : List.copyOf(values);
      return this;
    }

    /** Security groups, in order. */
    public Builder securityGroups(String... values) {
      return securityGroups(List.of(values));
    }

    /** The anti-affinity group. */
    public Builder antiAffinityGroup(String value) {
      this.antiAffinityGroup = value;
      return this;
    }

    /** Replaces the provider options. */
    public Builder options(Map<String, String> values) {
      this.options.clear();
      if (values != null) {
        this.options.putAll(values);
      }
      return this;
    }

    /** Sets one provider option; a {@code null} value removes it. */
    public Builder option(String key, String value) {
      if (value == null) {
        this.options.remove(key);
      } else {
        this.options.put(key, value);
      }
      return this;
    }

    /** Whether the high-availability supervisor keeps the node running (see {@link Node#ha()}). */
    public Builder ha(boolean value) {
      this.ha = value;
      return this;
    }

    /** How long each VM made for the node may live (see {@link Node#lease()}); null for no lease. */
    public Builder lease(java.time.Duration value) {
      this.lease = value;
      return this;
    }

    /** What happens to its VM when the lease ends; null for the default, destroy. */
    public Builder onExpiry(Lease.Expiry value) {
      this.onExpiry = value;
      return this;
    }

    /**
     * The node.
     *
     * @throws ConfigurationException when the name is not a valid host name or a number is out of range;
     *     the message says which field and why
     */
    public Node build() {
      return new Node(this);
    }
  }
}
