package dev.flotilla.vm;

import java.util.Optional;

/**
 * An error answered by a cloud, classified so that callers (and Flotilla's own retry policy) can tell
 * what to do about it. The provider's own error code is kept.
 */
public class CloudException extends VmException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure a cloud error is. */
  public enum Kind {
    /** The resource does not exist (or is not visible yet). */
    NOT_FOUND(false),
    /** Too many requests; retry later, slower. */
    THROTTLED(true),
    /** A passing fault of the cloud or the network; retry. */
    TRANSIENT(true),
    /** The credentials were refused or lack permission; retrying will not help. */
    AUTHENTICATION(false),
    /** The request was malformed or named something that cannot be used. */
    INVALID_REQUEST(false),
    /** The cloud has no room (hosts, quota, addresses) for what was asked. */
    CAPACITY(false),
    /**
     * The endpoint cannot be reached: the connection was refused, the host is unknown or there is no
     * route to it. Trying again at once will not help; the profile's endpoint, or the network, needs fixing.
     */
    UNREACHABLE(false),
    /** Anything else. */
    UNKNOWN(false);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }

    /** Whether the same request may succeed if sent again later. */
    public boolean retryable() {
      return retryable;
    }
  }

  /**
   * {@code text} that a cloud, a proxy or a file said, as a message may quote it: control characters shown as
   * {@code \x1b} and the like, at most 120 characters of it. For adapters that put
   * what a cloud answered into an error.
   */
  public static String quoted(String text) {
    return Values.quoted(text);
  }

  /** The most of a message a cloud error keeps: a cloud's error text is a line or two, an attacker's is megabytes. */
  public static final int MAX_MESSAGE = 4000;

  private final Kind kind;
  private final String provider;
  private final String code;

  /**
   * @param kind the classification
   * @param provider the api id of the provider that answered
   * @param code the provider's own error code (such as {@code InvalidInstanceID.NotFound}), or {@code null}
   * @param message what happened, free of secrets
   */
  public CloudException(Kind kind, String provider, String code, String message) {
    this(kind, provider, code, message, null);
  }

  /** As {@link #CloudException(Kind, String, String, String)}, with the cause. */
  public CloudException(Kind kind, String provider, String code, String message, Throwable cause) {
    super(provider + " answered " + kind + (code == null ? "" : " (" + Values.quoted(code) + ")")
        + ": " + Values.cut(String.valueOf(message), MAX_MESSAGE), cause);
    this.kind = kind;
    this.provider = provider;
    this.code = code;
  }

  /** The classification. */
  public Kind kind() {
    return kind;
  }

  /** Whether the same request may succeed if sent again later. */
  public boolean retryable() {
    return kind.retryable();
  }

  /** The api id of the provider that answered. */
  public String provider() {
    return provider;
  }

  /** The provider's own error code, when it gave one. */
  public Optional<String> code() {
    return Optional.ofNullable(code);
  }
}
