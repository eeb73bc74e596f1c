package dev.flotilla.vm;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A secret value (a password, a secret access key) that never shows itself: {@link #toString()} prints
 * {@code ****}. Only {@link #reveal()} gives the value, and only adapters should call it.
 */
public final class Secret {
  private static final int SHORTEST = 4; // shorter "secrets" would mask ordinary text
  private static final Set<String> REVEALED = ConcurrentHashMap.newKeySet();

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
    if (value.length() >= SHORTEST) {
      REVEALED.add(value);
    }
    return value;
  }

  /**
   * {@code text} with every secret value this JVM has revealed shown as {@code ****}: the last line of
   * defence for text bound for a log or a terminal.
   */
  public static String maskRevealed(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String s : REVEALED) {
      if (out.contains(s)) {
        out = out.replace(s, "****");
      }
    }
    return out;
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
