package dev.flotilla.vm;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node store keeps about a node beside the user's spec: the VM it is bound to and that VM's addresses
 * as last recorded, the place it was made in when a placement order chose it, a create that has not finished, when a Flotilla call removed or stopped it on purpose, and
 * its HA restarts. {@link VmClient} writes it, and reads it from its store only: a binding on a {@link Node} a
 * caller passes is never taken, so no VM can be claimed by building a node. Node stores restore it with
 * {@link Node#withRecord}. Immutable.
 */
public final class NodeRecord {
  /** No binding, no create under way, no bookkeeping: a node that never had a VM. */
  public static final NodeRecord NONE = builder().build();

  private final String vmId;
  private final String publicAddress;
  private final String privateAddress;
  private final CreateIntent createIntent;
  private final Instant removedAt;
  private final Instant stoppedAt;
  private final List<Instant> haRestarts;
  private final Lease lease;
  private final Place place;

  private NodeRecord(Builder b) {
    this.vmId = Values.blankToNull(b.vmId);
    this.publicAddress = address(b.publicAddress, "ip_address");
    this.privateAddress = address(b.privateAddress, "vm.private_ip_address");
    this.createIntent = b.createIntent;
    this.removedAt = b.removedAt;
    this.stoppedAt = b.stoppedAt;
    this.haRestarts = Values.copy(b.haRestarts, "haRestarts");
    this.lease = b.lease;
    this.place = b.place;
  }

  /** An address as a record may hold it: an IP or a host name, since ssh is given it (never an option). */
  private static String address(String value, String field) {
    String v = Values.blankToNull(value);
    Optional<String> problem = v == null ? Optional.empty() : AddressSyntax.problem(v);
    if (problem.isPresent()) {
      throw new ConfigurationException(null, field, "address '" + Values.quoted(v) + "': " + problem.get()
          + ". Give an IP address such as 192.0.2.10, or remove the field and run 'vm reconcile'.");
    }
    return v;
  }

  /** A builder, for node stores reading a record back. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this record. */
  public Builder toBuilder() {
    return builder().vmId(vmId).publicAddress(publicAddress).privateAddress(privateAddress)
        .createIntent(createIntent).removedAt(removedAt).stoppedAt(stoppedAt).haRestarts(haRestarts).lease(lease)
        .place(place);
  }

  /** Bound to VM {@code id} with these addresses (either may be null): a create intent held is done with. */
  NodeRecord bind(String id, String publicAddr, String privateAddr) {
    return toBuilder().vmId(id).publicAddress(publicAddr).privateAddress(privateAddr).createIntent(null)
        .removedAt(null).build();
  }

  /** No binding, as after its VM was destroyed; a create intent held stays (that create may still run). */
  NodeRecord unbind() {
    return toBuilder().vmId(null).publicAddress(null).privateAddress(null).lease(null).place(null).build();
  }

  /** The id of the VM the node is bound to (LEAP's {@code vm.id}). */
  public Optional<String> vmId() {
    return Optional.ofNullable(vmId);
  }

  /** Whether the node is bound to a VM. */
  public boolean isBound() {
    return vmId != null;
  }

  /** The VM's public address, as last recorded (LEAP's {@code ip_address}). */
  public Optional<String> publicAddress() {
    return Optional.ofNullable(publicAddress);
  }

  /** The VM's private address, as last recorded. */
  public Optional<String> privateAddress() {
    return Optional.ofNullable(privateAddress);
  }

  /** The create in flight for the node, written before the create call and ended by its binding. */
  public Optional<CreateIntent> createIntent() {
    return Optional.ofNullable(createIntent);
  }

  /** When a Flotilla call destroyed the node's VM on purpose; empty when it has one again. */
  public Optional<Instant> removedAt() {
    return Optional.ofNullable(removedAt);
  }

  /** When a Flotilla call stopped the node's VM on purpose; empty when it was not, or was started since. */
  public Optional<Instant> stoppedAt() {
    return Optional.ofNullable(stoppedAt);
  }

  /** When the HA supervisor restarted the node lately, oldest first. */
  public List<Instant> haRestarts() {
    return haRestarts;
  }

  /** The lease of the bound VM, as its create gave it or a renewal set it; empty for a VM without one. */
  public Optional<Lease> lease() {
    return Optional.ofNullable(lease);
  }

  /**
   * The place the bound VM was made in, when a placement order ({@code fallback}, {@code zones}) chose it:
   * the node's calls go there, whatever profile the node names. Empty for a VM on the node's own profile.
   */
  public Optional<Place> place() {
    return Optional.ofNullable(place);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeRecord r && Objects.equals(vmId, r.vmId) && Objects.equals(publicAddress, r.publicAddress)
        && Objects.equals(privateAddress, r.privateAddress) && Objects.equals(createIntent, r.createIntent)
        && Objects.equals(removedAt, r.removedAt) && Objects.equals(stoppedAt, r.stoppedAt)
        && haRestarts.equals(r.haRestarts) && Objects.equals(lease, r.lease)
        && Objects.equals(place, r.place);
  }

  @Override
  public int hashCode() {
    return Objects.hash(vmId, publicAddress, privateAddress, createIntent, removedAt, stoppedAt, haRestarts, lease,
        place);
  }

  /** The fields that are set, as {@code , key=value} pairs ({@link Node#toString()} ends with them). */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    append(sb, "vmId", vmId);
    append(sb, "publicAddress", publicAddress);
    append(sb, "privateAddress", privateAddress);
    append(sb, "createIntent", createIntent == null ? null : createIntent.token());
    append(sb, "removedAt", removedAt);
    append(sb, "stoppedAt", stoppedAt);
    append(sb, "haRestarts", haRestarts.isEmpty() ? null : haRestarts);
    append(sb, "place", place);
    append(sb, "lease", lease == null ? null : lease.expiresAt() + " " + lease.onExpiry().word() + " " + lease.session());
    return sb.toString();
  }

  static void append(StringBuilder sb, String key, Object value) {
    if (value != null) {
      sb.append(", ").append(key).append('=').append(value);
    }
  }

  /** Builds a {@link NodeRecord}; every setter takes {@code null} for unset. */
  public static final class Builder {
    private String vmId;
    private String publicAddress;
    private String privateAddress;
    private CreateIntent createIntent;
    private Instant removedAt;
    private Instant stoppedAt;
    private List<Instant> haRestarts = List.of();
    private Lease lease;
    private Place place;

    private Builder() {}

    /** The id of the VM the node is bound to. */
    public Builder vmId(String value) {
      this.vmId = value;
      return this;
    }

    /** The VM's public address. */
    public Builder publicAddress(String value) {
      this.publicAddress = value;
      return this;
    }

    /** The VM's private address. */
    public Builder privateAddress(String value) {
      this.privateAddress = value;
      return this;
    }

    /** The create in flight, written before the create call. */
    public Builder createIntent(CreateIntent value) {
      this.createIntent = value;
      return this;
    }

    /** When its VM was destroyed on purpose. */
    public Builder removedAt(Instant value) {
      this.removedAt = value;
      return this;
    }

    /** When a Flotilla call stopped its VM on purpose. */
    public Builder stoppedAt(Instant value) {
      this.stoppedAt = value;
      return this;
    }

    /** When the HA supervisor restarted it lately, oldest first. */
    public Builder haRestarts(List<Instant> value) {
      this.haRestarts = value == null ? List.of() : value;
      return this;
    }

    /** The lease of the bound VM. */
    public Builder lease(Lease value) {
      this.lease = value;
      return this;
    }

    /** The place the bound VM was made in, when a placement order chose it. */
    public Builder place(Place value) {
      this.place = value;
      return this;
    }

    /**
     * The record.
     *
     * @throws ConfigurationException when an address is not an IP address or host name
     */
    public NodeRecord build() {
      return new NodeRecord(this);
    }
  }
}
