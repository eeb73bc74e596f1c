package dev.flotilla.vm.support;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import java.time.Duration;
import java.util.List;

/**
 * How long a request to a cloud may take, per profile: to connect, between two bytes of the answer, and
 * in all. Every adapter applies all three, so no server, however slow or silent, holds a call longer than
 * {@link #request()}.
 *
 * @param connect the longest wait for a connection ({@code connect_timeout}, seconds; 5 by default)
 * @param idle the longest wait for the next byte of an answer ({@code idle_timeout}; 20 by default)
 * @param request the longest a whole request may take ({@code request_timeout}; 60 by default)
 */
public record Transport(Duration connect, Duration idle, Duration request) {
  /** The profile settings, in seconds. */
  public static final List<String> SETTINGS = List.of("connect_timeout", "idle_timeout", "request_timeout");

  /** The defaults: 5 s to connect, 20 s between bytes, 60 s in all. */
  public static final Transport DEFAULT = new Transport(Duration.ofSeconds(5), Duration.ofSeconds(20),
      Duration.ofSeconds(60));

  /** The deadlines {@code profile} sets, the defaults for those it leaves out. */
  public static Transport of(Profile profile) {
    return new Transport(seconds(profile, "connect_timeout", DEFAULT.connect),
        seconds(profile, "idle_timeout", DEFAULT.idle), seconds(profile, "request_timeout", DEFAULT.request));
  }

  private static Duration seconds(Profile profile, String key, Duration fallback) {
    String v = profile.setting(key).orElse(null);
    if (v == null) {
      return fallback;
    }
    try {
      double s = Double.parseDouble(v.trim());
      if (s > 0 && s <= 86_400) {
        return Duration.ofMillis((long) (s * 1000));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigurationException(null, "profiles." + profile.name() + ".auth." + key, "is '" + v + "'; give a"
        + " number of seconds from 0.001 to 86400, such as 30");
  }
}
