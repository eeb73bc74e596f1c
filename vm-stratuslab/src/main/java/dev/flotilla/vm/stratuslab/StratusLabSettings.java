package dev.flotilla.vm.stratuslab;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Profile;
import java.util.ArrayList;
import java.util.List;

/** What a StratusLab profile says beyond its endpoint and credentials. */
final class StratusLabSettings {
  /** The instance types of the StratusLab seed guide: CPU, RAM MB, swap MB; m1.small is the default. */
  static final List<InstanceType> GUIDE_TYPES = InstanceType.STRATUSLAB_GUIDE;

  static final String MARKETPLACE = "https://marketplace.stratuslab.eu/metadata/";

  private final Profile profile;
  private final List<InstanceType> types;

  StratusLabSettings(Profile profile) {
    this.profile = profile;
    this.types = profile.setting("instance_types").map(v -> parseTypes(profile, v)).orElse(GUIDE_TYPES);
    String network = network();
    if (network.isBlank() || network.chars().anyMatch(Character::isISOControl)) {
      throw new ConfigurationException(null, "profiles." + profile.name() + ".network", "'" + network
          + "' is not a virtual network; give its name or id (StratusLab: public, local or private), or none");
    }
  }

  /**
   * Instance types from a setting such as {@code "m1.small 1 128 1024 *, m1.large 2 512 1024"}: name, CPU,
   * RAM MB, swap MB, and {@code *} for the default.
   */
  static List<InstanceType> parseTypes(Profile profile, String value) {
    List<InstanceType> out = new ArrayList<>();
    for (String entry : value.split(",")) {
      String[] f = entry.trim().split("\\s+");
      try {
        if (f.length < 4 || f.length > 5 || f.length == 5 && !f[4].equals("*")) {
          throw new NumberFormatException();
        }
        out.add(new InstanceType(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
            f.length == 5));
      } catch (NumberFormatException e) {
        throw new ConfigurationException(null, "profiles." + profile.name() + ".instance_types", "entry '"
            + entry.trim() + "' is not 'NAME CPU RAM_MB SWAP_MB' with an optional '*' for the default, such as"
            + " 'm1.small 1 128 1024 *'");
      }
    }
    if (out.stream().filter(InstanceType::isDefault).count() != 1) {
      throw new ConfigurationException(null, "profiles." + profile.name() + ".instance_types", "mark exactly one type"
          + " as the default with '*'");
    }
    return List.copyOf(out);
  }

  List<InstanceType> types() {
    return types;
  }

  /** The type called {@code name}, or the default when null. */
  InstanceType type(String name) {
    for (InstanceType t : types) {
      if (name == null ? t.isDefault() : t.name().equals(name)) {
        return t;
      }
    }
    throw new ConfigurationException(null, "type", "'" + name + "' is not an instance type here; the types are "
        + types.stream().map(InstanceType::name).toList() + " (see 'vm types')");
  }

  String defaultImage() {
    return profile.defaultImage().orElse(null);
  }

  String network() {
    return profile.setting("network").orElse("public");
  }

  String publicKey() {
    return profile.setting("public_key").orElse(null);
  }

  String marketplace() {
    String m = profile.setting("marketplace").orElse(MARKETPLACE);
    return m.endsWith("/") ? m : m + "/";
  }

  /**
   * How long a VM may stay PENDING (no host has room) before it counts as failed for capacity, so that a node
   * with another place goes there ({@code placement_timeout}, seconds); empty, the default, waits for oned.
   */
  java.util.Optional<java.time.Duration> placementTimeout() {
    return profile.setting("placement_timeout").map(v -> java.time.Duration.ofSeconds(number("placement_timeout", 0)));
  }

  int maxParallel() {
    return number("max_parallel", 8);
  }

  int maxAnswerBytes() {
    return number("max_answer_bytes", 32 << 20);
  }

  boolean gracefulDestroy() {
    String d = profile.setting("destroy").orElse("kill");
    if (!d.equals("kill") && !d.equals("shutdown")) {
      throw new ConfigurationException(null, "profiles." + profile.name() + ".destroy", "'" + d + "' is neither kill"
          + " (at once) nor shutdown (graceful)");
    }
    return d.equals("shutdown");
  }

  private int number(String key, int fallback) {
    String v = profile.setting(key).orElse(null);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigurationException(null, "profiles." + profile.name() + "." + key, "must be a whole number above 0,"
        + " got '" + v + "'");
  }
}
