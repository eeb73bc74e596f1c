package dev.flotilla.vm;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a node's VM is made or lives: a profile (a cloud account and region) and, where the profile lists
 * {@code zones}, one of them. A profile's {@code fallback} and {@code zones} give a node an order of places,
 * tried in turn when a cloud answers that it has no capacity ({@link CloudException.Kind#CAPACITY}).
 *
 * @param profile the profile
 * @param zone the zone, or null for the profile's own choice
 */
public record Place(String profile, String zone) {
  /** Checks the values. */
  public Place {
    Objects.requireNonNull(profile, "profile");
    zone = Values.blankToNull(zone);
  }

  /** The zone, if one was chosen. */
  public Optional<String> zoneIfAny() {
    return Optional.ofNullable(zone);
  }

  /** As people read it: {@code b} or {@code a/us-east-1b}. */
  @Override
  public String toString() {
    return zone == null ? profile : profile + "/" + zone;
  }
}
