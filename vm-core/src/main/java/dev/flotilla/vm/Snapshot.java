package dev.flotilla.vm;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One VM snapshot, as CloudStack and OpenNebula keep them: an id, a name, the snapshot it was taken on
 * top of (its parent), whether it holds the VM's memory, and whether it is ready to revert to.
 */
public final class Snapshot {
  /** Where a snapshot is in its own life. */
  public enum Status {
    /** Still being taken. */
    CREATING,
    /** Ready to revert to. */
    READY,
    /** Taking it failed. */
    ERROR
  }

  private final String id;
  private final String name;
  private final String parentId;
  private final boolean includesMemory;
  private final Instant createdAt;
  private final Status status;

  private Snapshot(String id, String name, String parentId, boolean includesMemory, Instant createdAt,
      Status status) {
    this.id = requireText(id, "id");
    this.name = requireText(name, "name");
    this.parentId = parentId;
    this.includesMemory = includesMemory;
    this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
    this.status = Objects.requireNonNull(status, "status");
  }

  private static String requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(null, "snapshot." + field, "must not be empty");
    }
    return value;
  }

  /**
   * A snapshot.
   *
   * @param id the provider's id for it
   * @param name the name the user gave it
   * @param parentId the id of the snapshot it was taken on top of, or {@code null} for a first snapshot
   * @param includesMemory whether it holds the VM's memory (CloudStack's DiskAndMemory)
   * @param createdAt when it was taken
   * @param status whether it is ready
   */
  public static Snapshot of(String id, String name, String parentId, boolean includesMemory, Instant createdAt,
      Status status) {
    return new Snapshot(id, name, parentId, includesMemory, createdAt, status);
  }

  /** The provider's id. */
  public String id() {
    return id;
  }

  /** The name the user gave it. */
  public String name() {
    return name;
  }

  /** The snapshot this one was taken on top of; empty for a root. */
  public Optional<String> parentId() {
    return Optional.ofNullable(parentId);
  }

  /** Whether it holds the VM's memory, so reverting to it leaves the VM running. */
  public boolean includesMemory() {
    return includesMemory;
  }

  /** When it was taken. */
  public Instant createdAt() {
    return createdAt;
  }

  /** Whether it is ready to revert to. */
  public Status status() {
    return status;
  }

  /** This snapshot with another parent (used when its parent is deleted). */
  public Snapshot withParent(String newParentId) {
    return new Snapshot(id, name, newParentId, includesMemory, createdAt, status);
  }

  /** This snapshot with another status. */
  public Snapshot withStatus(Status newStatus) {
    return new Snapshot(id, name, parentId, includesMemory, createdAt, newStatus);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Snapshot s && id.equals(s.id) && name.equals(s.name) && Objects.equals(parentId, s.parentId)
        && includesMemory == s.includesMemory && createdAt.equals(s.createdAt) && status == s.status;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, name, parentId, includesMemory, createdAt, status);
  }

  @Override
  public String toString() {
    return "Snapshot{" + id + " '" + name + "', parent=" + parentId + ", memory=" + includesMemory
        + ", " + status + ", " + createdAt + "}";
  }
}
