package dev.flotilla.vm;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Small helpers for immutable values: defensive copies that keep order and refuse nulls. */
final class Values {
  private Values() {}

  /** An unmodifiable, order-keeping copy; {@code null} becomes empty. Null keys or values are refused. */
  static <K, V> Map<K, V> copy(Map<K, V> map, String what) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    Map<K, V> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(
        Objects.requireNonNull(k, () -> what + " has a null key"),
        Objects.requireNonNull(v, () -> what + " has a null value for key '" + k + "'")));
    return java.util.Collections.unmodifiableMap(out);
  }

  /** An unmodifiable copy; {@code null} becomes empty. Null elements are refused. */
  static <T> List<T> copy(Collection<T> list, String what) {
    if (list == null || list.isEmpty()) {
      return List.of();
    }
    for (T t : list) {
      Objects.requireNonNull(t, () -> what + " has a null element");
    }
    return List.copyOf(list);
  }

  /** An unmodifiable, order-keeping set copy; {@code null} becomes empty. */
  static <T> Set<T> copySet(Collection<T> set, String what) {
    if (set == null || set.isEmpty()) {
      return Set.of();
    }
    for (T t : set) {
      Objects.requireNonNull(t, () -> what + " has a null element");
    }
    return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(set));
  }

  /** Blank strings are treated as absent. */
  static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** How much of an untrusted value a message quotes. */
  static final int QUOTED_CHARS = 120;

  /** {@code s} as a message may quote it: control characters escaped, at most {@link #QUOTED_CHARS} of it. */
  static String quoted(String s) {
    return cut(escaped(s), QUOTED_CHARS);
  }

  /** {@code s} with control characters (ESC, BEL, CR, line feeds...) shown as {@code \x1b} and the like. */
  static String escaped(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** At most {@code max} characters of {@code s}, saying how many more there were. */
  static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "... (" + (s.length() - max) + " more characters cut)";
  }
}
