package dev.flotilla.vm;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a VM may live: when its lease ends, what then happens to it, and the session (a client's run)
 * that made it. A node that asks for a lease ({@link Node#lease()}) gets one with its VM, written on the VM
 * as tags by the create itself, so that a {@link Reaper} finds an expired VM by its tags alone, also when
 * no record of it is left. Immutable.
 *
 * @param expiresAt when the lease ends
 * @param onExpiry what a reaper does to the VM then
 * @param session the session that made the VM, such as a CI run
 */
public record Lease(Instant expiresAt, Expiry onExpiry, String session) {
  /** The tag with the end of the lease, an ISO-8601 instant. */
  public static final String EXPIRES_TAG = "flotilla:expires";
  /** The tag with what happens at the end of the lease: {@code destroy} or {@code stop}. */
  public static final String ON_EXPIRY_TAG = "flotilla:on_expiry";
  /** The tag with the session that made the VM. */
  public static final String SESSION_TAG = "flotilla:session";
  /** The longest lease: a year. */
  public static final Duration LONGEST = Duration.ofDays(366);

  /** What a reaper does to a VM whose lease has ended. */
  public enum Expiry {
    /** Destroys it: the default, for what a test or a CI job left behind. */
    DESTROY,
    /** Stops it, to be started again: a developer's box at night. */
    STOP;

    /** Its word in tags and files: {@code destroy}, {@code stop}. */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The expiry a word names.
     *
     * @throws ConfigurationException naming {@code field} when it is neither word
     */
    public static Expiry of(String word, String field) {
      for (Expiry e : values()) {
        if (e.word().equals(word == null ? null : word.trim().toLowerCase(Locale.ROOT))) {
          return e;
        }
      }
      throw new ConfigurationException(null, field, "is '" + Values.quoted(String.valueOf(word)) + "'; give destroy"
          + " (the default) or stop");
    }
  }

  /** Checks the values. */
  public Lease {
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(onExpiry, "onExpiry");
    Objects.requireNonNull(session, "session");
    if (!SESSION.matcher(session).matches()) {
      throw new ConfigurationException(null, "session", "'" + Values.quoted(session) + "' is not a session id; use"
          + " 1 to 64 letters, digits, '.', '_' and '-'");
    }
  }

  private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Whether it has ended at {@code now}. */
  public boolean expiredAt(Instant now) {
    return !now.isBefore(expiresAt);
  }

  /** This lease ending at {@code when}. */
  public Lease until(Instant when) {
    return new Lease(when, onExpiry, session);
  }

  /** This lease with {@code value} as what happens at its end. */
  public Lease withOnExpiry(Expiry value) {
    return new Lease(expiresAt, value, session);
  }

  /** The tags that carry it on a VM. */
  public Map<String, String> tags() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(EXPIRES_TAG, expiresAt.toString());
    out.put(ON_EXPIRY_TAG, onExpiry.word());
    out.put(SESSION_TAG, session);
    return out;
  }

  /**
   * The lease a VM's tags carry; empty when they carry none, or one a cloud or a person garbled (a VM whose
   * lease cannot be read is never reaped).
   */
  public static Optional<Lease> fromTags(Map<String, String> tags) {
    String expires = tags.get(EXPIRES_TAG);
    if (expires == null || expires.length() > 40) {
      return Optional.empty();
    }
    try {
      Expiry onExpiry = Expiry.of(tags.getOrDefault(ON_EXPIRY_TAG, "destroy"), ON_EXPIRY_TAG);
      return Optional.of(new Lease(Instant.parse(expires), onExpiry, tags.getOrDefault(SESSION_TAG, "unknown")));
    } catch (DateTimeParseException | ConfigurationException e) {
      return Optional.empty();
    }
  }

  private static final Pattern DURATION = Pattern.compile("\\+?(\\d{1,6})\\s*(s|m|h|d)");

  /**
   * A duration as operators write it: {@code 90s}, {@code 15m}, {@code 2h}, {@code 7d} (a leading {@code +} is
   * allowed), at most {@link #LONGEST}.
   *
   * @throws ConfigurationException naming {@code field} when it is not one
   */
  public static Duration duration(String text, String field) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      if (!d.isZero() && d.compareTo(LONGEST) <= 0) {
        return d;
      }
    }
    throw new ConfigurationException(null, field, "is '" + Values.quoted(String.valueOf(text)) + "'; give a duration"
        + " such as 90s, 15m, 2h or 7d, at most 366d");
  }

  /** A duration as {@link #duration} reads it, in its largest whole unit: {@code 2h}, {@code 90s}. */
  public static String words(Duration d) {
    long s = d.getSeconds();
    return s % 86_400 == 0 ? s / 86_400 + "d" : s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
