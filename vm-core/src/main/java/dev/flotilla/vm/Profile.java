package dev.flotilla.vm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Named credentials and settings for one cloud account, like one entry of LEAP's {@code cloud.json}:
 * the api id that picks the provider ({@code aws}, {@code openstack}, {@code stratuslab}, {@code fake}),
 * vendor, region, endpoint, identity and secret, the default image, default provider options, and
 * provider settings (such as an OpenStack project or domain).
 *
 * <p>The secret and any setting whose value is a {@link Secret} never appear in {@link #toString()}.
 */
public final class Profile {
  private final String name;
  private final String api;
  private final String vendor;
  private final String region;
  private final String endpoint;
  private final String identity;
  private final Secret secret;
  private final String defaultImage;
  private final java.time.Duration defaultLease;
  private final List<String> fallback;
  private final List<String> zones;
  private final Map<String, String> defaultOptions;
  private final Map<String, String> settings;
  private final Map<String, Secret> secretSettings;

  private Profile(Builder b) {
    this.name = requireName(b.name);
    this.api = require(b.api, "api", "name the provider, such as aws, openstack, stratuslab or fake");
    this.vendor = Values.blankToNull(b.vendor);
    this.region = Values.blankToNull(b.region);
    this.endpoint = Values.blankToNull(b.endpoint);
    this.identity = Values.blankToNull(b.identity);
    this.secret = b.secret;
    this.defaultImage = Values.blankToNull(b.defaultImage);
    this.defaultLease = b.defaultLease;
    this.fallback = Values.copy(b.fallback, "fallback");
    this.zones = Values.copy(b.zones, "zones");
    if (fallback.contains(name)) {
      throw new ConfigurationException(null, "profiles." + name + ".fallback", "names the profile itself; list the"
          + " other profiles to try when this one has no capacity");
    }
    this.defaultOptions = Values.copy(b.defaultOptions, "defaultOptions");
    this.settings = Values.copy(b.settings, "settings");
    this.secretSettings = Values.copy(b.secretSettings, "secretSettings");
  }

  private static String requireName(String name) {
    if (name == null || name.isBlank()) {
      throw new ConfigurationException(null, "name", "a profile needs a name, such as 'aws-prod'");
    }
    return name;
  }

  private String require(String value, String field, String hint) {
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(null, "profiles." + name + "." + field, "is missing; " + hint);
    }
    return value;
  }

  /** A builder for a profile called {@code name} using the provider with api id {@code api}. */
  public static Builder builder(String name, String api) {
    return new Builder(name, api);
  }

  /** A builder holding every property of this profile. */
  public Builder toBuilder() {
    Builder b = new Builder(name, api);
    b.vendor = vendor;
    b.region = region;
    b.endpoint = endpoint;
    b.identity = identity;
    b.secret = secret;
    b.defaultImage = defaultImage;
    b.defaultLease = defaultLease;
    b.fallback = fallback;
    b.zones = zones;
    b.defaultOptions.putAll(defaultOptions);
    b.settings.putAll(settings);
    b.secretSettings.putAll(secretSettings);
    return b;
  }

  /** The profile's name, as nodes refer to it. */
  public String name() {
    return name;
  }

  /** The api id of the provider, such as {@code aws}. */
  public String api() {
    return api;
  }

  /** The vendor, such as {@code aws} or {@code canfar}; informative. */
  public Optional<String> vendor() {
    return Optional.ofNullable(vendor);
  }

  /** The region. */
  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  /** The endpoint URL, when not the provider's default. */
  public Optional<String> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  /** The identity: an access key id, a user name. Not secret. */
  public Optional<String> identity() {
    return Optional.ofNullable(identity);
  }

  /** The secret that goes with the identity. */
  public Optional<Secret> secret() {
    return Optional.ofNullable(secret);
  }

  /** The image nodes boot when they name none. */
  public Optional<String> defaultImage() {
    return Optional.ofNullable(defaultImage);
  }

  /** The lease of VMs made for nodes of this profile that ask for none ({@code default_lease}). */
  public Optional<java.time.Duration> defaultLease() {
    return Optional.ofNullable(defaultLease);
  }

  /** Provider options every node of this profile gets, unless the node sets its own. */
  public Map<String, String> defaultOptions() {
    return defaultOptions;
  }

  /** Provider settings that are not secret, such as {@code project} or {@code user_domain_name}. */
  public Map<String, String> settings() {
    return settings;
  }

  /** Provider settings that are secret, such as a key store password. */
  public Map<String, Secret> secretSettings() {
    return secretSettings;
  }

  /** One setting, if present. */
  public Optional<String> setting(String key) {
    return Optional.ofNullable(settings.get(key));
  }

  /**
   * A setting that is a whole number from 1 to {@code max}, if present.
   *
   * @throws ConfigurationException naming the setting ({@code profiles.NAME.auth.KEY}) when it is another value
   */
  public java.util.OptionalInt number(String key, int max) {
    String v = settings.get(key);
    if (v == null) {
      return java.util.OptionalInt.empty();
    }
    if (v.trim().matches("[0-9]{1,9}") && Integer.parseInt(v.trim()) >= 1 && Integer.parseInt(v.trim()) <= max) {
      return java.util.OptionalInt.of(Integer.parseInt(v.trim()));
    }
    throw new ConfigurationException(null, "profiles." + name + ".auth." + key, "is '" + Values.quoted(v)
        + "'; give a whole number from 1 to " + max);
  }

  /**
   * The profiles to try, in order, when this one answers that it has no capacity ({@code fallback}); any
   * cloud. Empty when a full cloud is an error.
   */
  public List<String> fallback() {
    return fallback;
  }

  /**
   * The zones to try, in order, for nodes that name none, moving on when one has no capacity ({@code zones});
   * empty to leave the zone to the profile's settings or the cloud.
   */
  public List<String> zones() {
    return zones;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Profile p)) {
      return false;
    }
    return name.equals(p.name) && api.equals(p.api) && Objects.equals(vendor, p.vendor)
        && Objects.equals(region, p.region) && Objects.equals(endpoint, p.endpoint)
        && Objects.equals(identity, p.identity) && Objects.equals(secret, p.secret)
        && Objects.equals(defaultImage, p.defaultImage) && Objects.equals(defaultLease, p.defaultLease)
        && fallback.equals(p.fallback) && zones.equals(p.zones) && defaultOptions.equals(p.defaultOptions)
        && settings.equals(p.settings) && secretSettings.equals(p.secretSettings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, api, vendor, region, endpoint, identity, secret, defaultImage, defaultLease, fallback, zones,
        defaultOptions, settings, secretSettings);
  }

  /** Every property but secrets, which show as {@code ****}. */
  @Override
  public String toString() {
    return "Profile{" + name + ", api=" + api + (vendor == null ? "" : ", vendor=" + vendor)
        + (region == null ? "" : ", region=" + region) + (endpoint == null ? "" : ", endpoint=" + endpoint)
        + (identity == null ? "" : ", identity=" + identity) + (secret == null ? "" : ", secret=" + secret)
        + (defaultImage == null ? "" : ", defaultImage=" + defaultImage)
        + (defaultLease == null ? "" : ", defaultLease=" + Lease.words(defaultLease))
        + (fallback.isEmpty() ? "" : ", fallback=" + fallback) + (zones.isEmpty() ? "" : ", zones=" + zones)
        + (defaultOptions.isEmpty() ? "" : ", defaultOptions=" + defaultOptions)
        + (settings.isEmpty() ? "" : ", settings=" + settings)
        + (secretSettings.isEmpty() ? "" : ", secretSettings=" + secretSettings) + "}";
  }

  /** Builds a {@link Profile}. */
  public static final class Builder {
    private final String name;
    private final String api;
    private String vendor;
    private String region;
    private String endpoint;
    private String identity;
    private Secret secret;
    private java.time.Duration defaultLease;
    private List<String> fallback = List.of();
    private List<String> zones = List.of();
    private String defaultImage;
    private final Map<String, String> defaultOptions = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, Secret> secretSettings = new LinkedHashMap<>();

    private Builder(String name, String api) {
      this.name = name;
      this.api = api;
    }

    /** The vendor. */
    public Builder vendor(String value) {
      this.vendor = value;
      return this;
    }

    /** The region. */
    public Builder region(String value) {
      this.region = value;
      return this;
    }

    /** The endpoint URL. */
    public Builder endpoint(String value) {
      this.endpoint = value;
      return this;
    }

    /** The identity and its secret. */
    public Builder credentials(String identityValue, Secret secretValue) {
      this.identity = identityValue;
      this.secret = secretValue;
      return this;
    }

    /** The default image. */
    public Builder defaultImage(String value) {
      this.defaultImage = value;
      return this;
    }

    /** The lease of VMs whose nodes ask for none; null for none. */
    public Builder defaultLease(java.time.Duration value) {
      this.defaultLease = value;
      return this;
    }

    /** The profiles to try, in order, when this one has no capacity. */
    public Builder fallback(List<String> value) {
      this.fallback = value == null ? List.of() : value;
      return this;
    }

    /** The zones to try, in order, for nodes that name none. */
    public Builder zones(List<String> value) {
      this.zones = value == null ? List.of() : value;
      return this;
    }

    /** Sets one default provider option. */
    public Builder defaultOption(String key, String value) {
      this.defaultOptions.put(key, value);
      return this;
    }

    /** Sets one provider setting that is not secret. */
    public Builder setting(String key, String value) {
      this.settings.put(key, value);
      return this;
    }

    /** Sets one provider setting that is secret. */
    public Builder secretSetting(String key, Secret value) {
      this.secretSettings.put(key, value);
      return this;
    }

    /**
     * The profile.
     *
     * @throws ConfigurationException when the name or api is missing
     */
    public Profile build() {
      return new Profile(this);
    }
  }
}
