package dev.flotilla.vm.testkit;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.ProviderFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a {@link FakeCloud} for a profile whose api is {@code fake}, so that code which builds its client
 * from profiles can run on the fake cloud unchanged. Each profile opened gets a cloud of its own.
 */
public final class FakeCloudFactory implements ProviderFactory {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FakeCloudFactory.class);
  private static final Map<String, String> SETTINGS = new LinkedHashMap<>();

  static {
    SETTINGS.put("boot_seconds", "seconds a VM takes to boot (default 0)");
    SETTINGS.put("stop_seconds", "seconds a graceful stop takes (default 0)");
    SETTINGS.put("snapshot_seconds", "seconds a snapshot takes to be ready (default 0)");
    SETTINGS.put("max_snapshots", "the most snapshots a VM keeps, oldest removed first (default 0: no limit)");
    SETTINGS.put("capacity", "how many live VMs it holds at once; beyond, creates fail as EC2's do"
        + " (InsufficientInstanceCapacity); 0 is a full cloud (default: no limit)");
    SETTINGS.put("zone_capacity", "the same by zone, such as 'zone-a=0, zone-b=10'");
    SETTINGS.put("capacity_fails", "'create' (default) refuses a create beyond the capacity, as EC2 does; 'boot'"
        + " takes it and fails its VMs as they boot, as Nova and CloudStack do");
    SETTINGS.put("id_prefix", "what its VM ids begin with (default vm-), so that two fake clouds never share an id");
    SETTINGS.put("state_file", "a file to keep the cloud in, so that successive processes share its VMs");
    SETTINGS.put("access_key", "an identity, accepted like a real cloud's, to rehearse credential handling");
    SETTINGS.put("secret_key", "a secret, accepted and never shown, to rehearse credential handling");
  }

  @Override
  public String id() {
    return "fake";
  }

  @Override
  public String description() {
    return "the in-memory fake cloud of dev.flotilla:vm-testkit";
  }

  @Override
  public Map<String, String> settings() {
    return SETTINGS;
  }

  @Override
  public Provider open(Profile profile) {
    LOG.debug("opening a fake cloud for {}", profile);
    FakeCloudBuilder b = FakeCloud.builder();
    profile.defaultImage().ifPresent(b::defaultImage);
    b.bootTime(seconds(profile, "boot_seconds"));
    b.stopTime(seconds(profile, "stop_seconds"));
    b.snapshotTime(seconds(profile, "snapshot_seconds"));
    b.maxSnapshots((int) number(profile, "max_snapshots"));
    if (profile.setting("capacity").isPresent()) {
      b.capacity((int) Math.min(Integer.MAX_VALUE, number(profile, "capacity")));
    }
    profile.setting("zone_capacity").ifPresent(text -> zoneCapacity(profile, text).forEach(b::capacity));
    String fails = profile.setting("capacity_fails").orElse("create").trim();
    if (!fails.equals("create") && !fails.equals("boot")) {
      throw new ConfigurationException(null, "profiles." + profile.name() + ".capacity_fails", "is 'create' or"
          + " 'boot', got '" + fails + "'");
    }
    b.capacityFailsAtBoot(fails.equals("boot"));
    profile.setting("id_prefix").ifPresent(b::idPrefix);
    return profile.setting("state_file").<Provider>map(f -> FileBackedFakeCloud.open(java.nio.file.Path.of(f), b))
        .orElseGet(b::build);
  }

  private static Map<String, Integer> zoneCapacity(Profile profile, String text) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      String[] kv = part.split("=", 2);
      try {
        int n = kv.length == 2 ? Integer.parseInt(kv[1].trim()) : -1;
        if (n >= 0 && !kv[0].isBlank()) {
          out.put(kv[0].trim(), n);
          continue;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ConfigurationException(null, "profiles." + profile.name() + ".zone_capacity", "'" + part.trim()
          + "' is not ZONE=COUNT; write it as 'zone-a=0, zone-b=10'");
    }
    return out;
  }

  private static Duration seconds(Profile profile, String key) {
    return Duration.ofSeconds(number(profile, key));
  }

  private static long number(Profile profile, String key) {
    String value = profile.setting(key).orElse("0");
    try {
      long n = Long.parseLong(value.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigurationException(null, "profiles." + profile.name() + "." + key, "must be a whole number of 0"
        + " or more, got '" + value + "'");
  }
}
