package dev.flotilla.vm;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One observation of a live VM: its id, the node it belongs to (from its tags), its portable state and
 * the provider's own word for it, its addresses, type, image, zone, launch time and tags. A newer
 * observation is a new {@code Instance}.
 */
public final class Instance {
  /** The tag that names the node a VM was created for: LEAP's {@code node_name}, so LEAP's VMs are recognised. */
  public static final String NODE_TAG = "node_name";
  /** The tag that names the profile a VM was created with. */
  public static final String PROFILE_TAG = "flotilla:profile";
  /**
   * The tag that carries the idempotency token of the create that made the VM, set at launch, so a client
   * that crashed before recording the VM finds it by its {@link CreateIntent}.
   */
  public static final String TOKEN_TAG = "flotilla:token";

  private final String id;
  private final Lifecycle.State state;
  private final String providerState;
  private final String publicAddress;
  private final String privateAddress;
  private final String type;
  private final String image;
  private final String zone;
  private final Instant launchTime;
  private final Map<String, String> tags;
  private final String fault;

  private Instance(Builder b) {
    this.id = Objects.requireNonNull(Values.blankToNull(b.id), "an Instance needs an id");
    this.state = Objects.requireNonNull(b.state, "an Instance needs a state");
    this.providerState = b.providerState == null ? b.state.name() : b.providerState;
    this.publicAddress = address(id, "public", b.publicAddress);
    this.privateAddress = address(id, "private", b.privateAddress);
    this.type = Values.blankToNull(b.type);
    this.image = Values.blankToNull(b.image);
    this.zone = Values.blankToNull(b.zone);
    this.launchTime = b.launchTime;
    this.tags = Values.copy(b.tags, "tags");
    this.fault = Values.blankToNull(b.fault);
  }

  /**
   * {@code value} when it is an IP address or a host name; otherwise none, with a warning: what a cloud
   * answers as an address is untrusted, and an address is what ssh is given.
   */
  private static String address(String id, String which, String value) {
    String v = Values.blankToNull(value);
    if (v == null) {
      return null;
    }
    java.util.Optional<String> problem = AddressSyntax.problem(v);
    if (problem.isPresent()) {
      org.slf4j.LoggerFactory.getLogger(Instance.class).warn("VM {}: its {} address '{}' was left out: {}", id, which,
          Values.quoted(v), problem.get());
      return null;
    }
    return v;
  }

  /** A builder for an observation of VM {@code id} in {@code state}. */
  public static Builder builder(String id, Lifecycle.State state) {
    return new Builder(id, state);
  }

  /** A builder holding this observation, to derive a newer one. */
  public Builder toBuilder() {
    return new Builder(id, state).providerState(providerState).publicAddress(publicAddress)
        .privateAddress(privateAddress).type(type).image(image).zone(zone).launchTime(launchTime).tags(tags)
        .fault(fault);
  }

  /** The provider's id for the VM. */
  public String id() {
    return id;
  }

  /** The node it was created for, from its {@value #NODE_TAG} tag (an empty tag counts as none). */
  public Optional<String> nodeName() {
    return Optional.ofNullable(Values.blankToNull(tags.get(NODE_TAG)));
  }

  /** The portable state. */
  public Lifecycle.State state() {
    return state;
  }

  /** The provider's own word for the state, such as {@code shutting-down}, {@code SHUTOFF} or {@code Done}. */
  public String providerState() {
    return providerState;
  }

  /** The public address. */
  public Optional<String> publicAddress() {
    return Optional.ofNullable(publicAddress);
  }

  /** The private address. */
  public Optional<String> privateAddress() {
    return Optional.ofNullable(privateAddress);
  }

  /** The instance type or flavor. */
  public Optional<String> type() {
    return Optional.ofNullable(type);
  }

  /** The image it booted from. */
  public Optional<String> image() {
    return Optional.ofNullable(image);
  }

  /** The availability zone or host group. */
  public Optional<String> zone() {
    return Optional.ofNullable(zone);
  }

  /** When it was launched. */
  public Optional<Instant> launchTime() {
    return Optional.ofNullable(launchTime);
  }

  /** The cloud's key/value tags (metadata). */
  public Map<String, String> tags() {
    return tags;
  }

  /** The provider's explanation of an ERROR state, such as Nova's fault message. */
  public Optional<String> fault() {
    return Optional.ofNullable(fault);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Instance i)) {
      return false;
    }
    return id.equals(i.id) && state == i.state && providerState.equals(i.providerState)
        && Objects.equals(publicAddress, i.publicAddress) && Objects.equals(privateAddress, i.privateAddress)
        && Objects.equals(type, i.type) && Objects.equals(image, i.image) && Objects.equals(zone, i.zone)
        && Objects.equals(launchTime, i.launchTime) && tags.equals(i.tags) && Objects.equals(fault, i.fault);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, state, providerState, publicAddress, privateAddress, type, image, zone, launchTime, tags,
        fault);
  }

  @Override
  public String toString() {
    return "Instance{" + id + nodeName().map(n -> " (" + n + ")").orElse("") + ", " + state
        + (providerState.equals(state.name()) ? "" : " '" + providerState + "'")
        + (publicAddress == null ? "" : ", public=" + publicAddress)
        + (privateAddress == null ? "" : ", private=" + privateAddress)
        + (type == null ? "" : ", type=" + type) + (image == null ? "" : ", image=" + image)
        + (zone == null ? "" : ", zone=" + zone) + (fault == null ? "" : ", fault=" + fault) + "}";
  }

  /** Builds an {@link Instance}. */
  public static final class Builder {
    private final String id;
    private Lifecycle.State state;
    private String providerState;
    private String publicAddress;
    private String privateAddress;
    private String type;
    private String image;
    private String zone;
    private Instant launchTime;
    private Map<String, String> tags = Map.of();
    private String fault;

    private Builder(String id, Lifecycle.State state) {
      this.id = id;
      this.state = state;
    }

    /** The portable state, as the builder was made with or as this says now. */
    public Builder state(Lifecycle.State value) {
      this.state = value;
      return this;
    }

    /** The provider's own state word; defaults to the portable state's name. */
    public Builder providerState(String value) {
      this.providerState = value;
      return this;
    }

    /** The public address. */
    public Builder publicAddress(String value) {
      this.publicAddress = value;
      return this;
    }

    /** The private address. */
    public Builder privateAddress(String value) {
      this.privateAddress = value;
      return this;
    }

    /** The instance type. */
    public Builder type(String value) {
      this.type = value;
      return this;
    }

    /** The image. */
    public Builder image(String value) {
      this.image = value;
      return this;
    }

    /** The zone. */
    public Builder zone(String value) {
      this.zone = value;
      return this;
    }

    /** The launch time. */
    public Builder launchTime(Instant value) {
      this.launchTime = value;
      return this;
    }

    /** The cloud's tags. */
    public Builder tags(Map<String, String> value) {
      this.tags = value == null ? Map.of() : value;
      return this;
    }

    /** The provider's explanation of an ERROR state. */
    public Builder fault(String value) {
      this.fault = value;
      return this;
    }

    /** The observation. */
    public Instance build() {
      return new Instance(this);
    }
  }
}
