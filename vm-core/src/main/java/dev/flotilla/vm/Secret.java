package dev.flotilla.vm;

import java.util.Objects;

/**
 * A secret value (a password, a secret access key) that never shows itself: {@link #toString()} prints
 * {@code ****}. Only {@link #reveal()} gives the value, and only adapters should call it.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "secret value");
  }

  /** Wraps a secret value. */
  public static Secret of(String value) {
    return new Secret(value);
  }

  /**
   * The value itself: pass it to the cloud, never to a log or a message. A revealed value is remembered
   * (in this JVM) so that log and error text that would carry it is masked.
   */
  public String reveal() {
    dev.flotilla.vm.support.Redact.remember(value);
    return value;
  }

  /** Whether the value is empty. */
  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && value.equals(s.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** Always {@code ****}. */
  @Override
  public String toString() {
    return "****";
  }
}
