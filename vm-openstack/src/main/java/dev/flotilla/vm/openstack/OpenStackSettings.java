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
    return number("max_parallel", 8, 64);
  }

  /** The most servers or images one listing may hold before it is refused as endless; 20,000 unless set. */
  int maxListItems() {
    return number("max_list_items", 20_000, 10_000_000);
  }

  private int number(String key, int fallback, int max) {
    return profile.number(key, max).orElse(fallback);
  }

  /** Where a setting lives in cloud.json, for messages. */
  String at(String key) {
    return "profiles." + profile.name() + ".auth." + key;
  }
}
