package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.InstanceType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds a {@link FakeCloud}. */
public final class FakeCloudBuilder {
  String api = "fake";
  Clock clock = Clock.systemUTC();
  // every capability; without() takes some away
  final Set<Capability> capabilities = EnumSet.allOf(Capability.class);
  List<InstanceType> types = FakeCloud.STRATUSLAB_TYPES;
  List<Image> images = FakeCloud.IMAGES;
  String defaultImage = "debian-12";
  String zone = "fake-zone-1";
  /** How many live VMs the cloud, or a zone of it, holds: by zone, "" for the whole cloud. */
  final Map<String, Integer> capacity = new java.util.HashMap<>();
  boolean capacityAtBoot;
  String idPrefix = "vm-";
  Duration bootTime = Duration.ZERO;
  Duration stopTime = Duration.ZERO;
  Duration rebootTime = Duration.ZERO;
  Duration terminateTime = Duration.ZERO;
  Duration snapshotTime = Duration.ZERO;
  Duration terminatedRetention = Duration.ofHours(1);
  int maxSnapshots;
  final List<FakeCloud.Host> hosts = new ArrayList<>();
  long seed = 42;
  boolean ignoreClientTokens;

  FakeCloudBuilder() {}

  /**
   * Makes a cloud that ignores create tokens, as some EC2-compatible services do: a repeated create
   * makes new VMs. Idempotent create is still declared, since such clouds say they have it.
   */
  public FakeCloudBuilder ignoreClientTokens() {
    this.ignoreClientTokens = true;
    return this;
  }

  /** The api id it answers to; {@code fake} by default. */
  public FakeCloudBuilder api(String value) {
    this.api = value;
    return this;
  }

  /** The clock state changes happen on; a {@link VirtualClock} in tests of waiting. */
  public FakeCloudBuilder clock(Clock value) {
    this.clock = value;
    return this;
  }

  /** How long VMs take to boot (create and start). */
  public FakeCloudBuilder bootTime(Duration value) {
    this.bootTime = value;
    return this;
  }

  /** How long a graceful stop takes. */
  public FakeCloudBuilder stopTime(Duration value) {
    this.stopTime = value;
    return this;
  }

  /** How long a reboot takes. */
  public FakeCloudBuilder rebootTime(Duration value) {
    this.rebootTime = value;
    return this;
  }

  /** How long destroying takes. */
  public FakeCloudBuilder terminateTime(Duration value) {
    this.terminateTime = value;
    return this;
  }

  /** How long a snapshot takes to be ready. */
  public FakeCloudBuilder snapshotTime(Duration value) {
    this.snapshotTime = value;
    return this;
  }

  /** How long terminated VMs stay listed (EC2 keeps them about an hour). */
  public FakeCloudBuilder terminatedRetention(Duration value) {
    this.terminatedRetention = value;
    return this;
  }

  /** The most snapshots a VM keeps; more remove the oldest. 0 (the default) for no limit. */
  public FakeCloudBuilder maxSnapshots(int value) {
    this.maxSnapshots = value;
    return this;
  }

  /** Adds {@code count} hosts of {@code cpus} CPUs and {@code memoryMb} MB; without hosts capacity is unlimited. */
  public FakeCloudBuilder hosts(int count, int cpus, int memoryMb) {
    for (int i = 0; i < count; i++) {
      hosts.add(new FakeCloud.Host("host-" + (hosts.size() + 1), cpus, memoryMb));
    }
    return this;
  }

  /**
   * How many live VMs the cloud holds at once; a create beyond that fails with CAPACITY, in EC2's words
   * ({@code InsufficientInstanceCapacity}). 0 is a full cloud; unlimited unless set.
   */
  public FakeCloudBuilder capacity(int vms) {
    return capacity("", vms);
  }

  /** As {@link #capacity(int)}, for the VMs made in zone {@code zone} (the node's, else the cloud's own). */
  public FakeCloudBuilder capacity(String zone, int vms) {
    if (vms < 0) {
      throw new IllegalArgumentException("capacity " + vms + ": give 0 (full) or more");
    }
    this.capacity.put(zone, vms);
    return this;
  }

  /**
   * Whether a create beyond the capacity is taken, and its VMs fail as they boot (ERROR, "no host has room"),
   * as Nova and CloudStack tell a full cloud, instead of being refused at once, as EC2 does.
   */
  public FakeCloudBuilder capacityFailsAtBoot(boolean value) {
    this.capacityAtBoot = value;
    return this;
  }

  /** What its VM ids begin with ({@code vm-} by default), so that two fake clouds never share an id. */
  public FakeCloudBuilder idPrefix(String value) {
    this.idPrefix = java.util.Objects.requireNonNull(value, "idPrefix");
    return this;
  }

  /** Replaces the instance types. */
  public FakeCloudBuilder types(List<InstanceType> value) {
    this.types = List.copyOf(value);
    return this;
  }

  /** Replaces the images. */
  public FakeCloudBuilder images(List<Image> value) {
    this.images = List.copyOf(value);
    return this;
  }

  /** The image of nodes that name none. */
  public FakeCloudBuilder defaultImage(String value) {
    this.defaultImage = value;
    return this;
  }

  /** Removes capabilities, to test how callers cope without them. */
  public FakeCloudBuilder without(Capability... values) {
    for (Capability c : values) {
      capabilities.remove(c);
    }
    return this;
  }

  /** The seed of the throttling draws. */
  public FakeCloudBuilder seed(long value) {
    this.seed = value;
    return this;
  }

  /** The cloud. */
  public FakeCloud build() {
    return new FakeCloud(this);
  }
}
