package dev.flotilla.vm.aws.internal;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node names that Flotilla before 0.9 wrote for a whole launch in one {@code flotilla:nodes} tag value
 * ({@code web{1..100}}, {@code n{001..100}}, or comma-separated), each instance finding its own by its
 * {@code amiLaunchIndex}. Flotilla now launches each node's instance on its own, with its own Name and
 * node_name; this reads the tags of instances made before.
 */
public final class NodeNames {
  private static final Pattern RANGE = Pattern.compile("(.*)\\{(\\d+)\\.\\.(\\d+)\\}");

  private NodeNames() {}

  private static String number(long n, int width) {
    String s = Long.toString(n);
    return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
  }

  /** The name at launch index {@code index} of an encoded value, if it holds one. */
  public static Optional<String> at(String encoded, int index) {
    Matcher m = RANGE.matcher(encoded);
    if (m.matches()) {
      long start = Long.parseLong(m.group(2));
      long end = Long.parseLong(m.group(3));
      int width = m.group(2).startsWith("0") && m.group(2).length() > 1 ? m.group(2).length() : 0;
      return index >= 0 && start + index <= end ? Optional.of(m.group(1) + number(start + index, width))
          : Optional.empty();
    }
    List<String> names = List.of(encoded.split(","));
    return index >= 0 && index < names.size() ? Optional.of(names.get(index)) : Optional.empty();
  }
}
