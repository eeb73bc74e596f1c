package dev.flotilla.vm.openstack;

import dev.flotilla.vm.Profile;
import java.util.Optional;

/** What a profile says beyond the login: region, default image and flavor, networks, floating IP pool. */
record OpenStackSettings(Profile profile) {
  Optional<String> region() {
    return profile.region();
  }

  Optional<String> defaultImage() {
    return profile.defaultImage();
  }

  Optional<String> defaultFlavor() {
    return profile.setting("flavor");
  }

  /** Network ids, comma separated; without them Nova attaches the project's only network. */
  Optional<String> networks() {
    return profile.setting("network");
  }

  Optional<String> floatingIpPool() {
    return profile.setting("floating_ip_pool");
  }

  /** How many per-server requests (create, start, stop, delete) go at once; 8 unless the profile says. */
  int maxParallel() {
    String v = profile.setting("max_parallel").orElse("8");
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= 64) {
        return n;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new dev.flotilla.vm.ConfigurationException(null, at("max_parallel"), "is '" + v + "'; give a number from"
        + " 1 to 64");
  }

  /** Where a setting lives in cloud.json, for messages. */
  String at(String key) {
    return "profiles." + profile.name() + ".auth." + key;
  }
}
