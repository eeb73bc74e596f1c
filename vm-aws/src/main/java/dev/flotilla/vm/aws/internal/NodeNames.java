package dev.flotilla.vm.aws.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node names of one launch as a single tag value, so that N machines cost one CreateTags: each
 * instance finds its name by its {@code amiLaunchIndex}. Names such as web1..web100 are written
 * {@code web{1..100}}; other lists are comma-separated when they fit EC2's 256-character tag values.
 */
public final class NodeNames {
  private static final int MAX_TAG_VALUE = 256;
  private static final Pattern NUMBERED = Pattern.compile("(.*?)(\\d+)");
  private static final Pattern RANGE = Pattern.compile("(.*)\\{(\\d+)\\.\\.(\\d+)\\}");

  private NodeNames() {}

  /** One tag value for all {@code names}, in launch order; empty when they cannot fit one value. */
  public static Optional<String> encode(List<String> names) {
    Optional<String> range = range(names);
    if (range.isPresent()) {
      return range;
    }
    String joined = String.join(",", names);
    return joined.length() <= MAX_TAG_VALUE ? Optional.of(joined) : Optional.empty();
  }

  private static Optional<String> range(List<String> names) {
    Matcher first = NUMBERED.matcher(names.get(0));
    if (names.size() < 2 || !first.matches() || first.group(2).startsWith("0") && first.group(2).length() > 1) {
      return Optional.empty();
    }
    String prefix = first.group(1);
    long start = Long.parseLong(first.group(2));
    for (int i = 0; i < names.size(); i++) {
      if (!names.get(i).equals(prefix + (start + i))) {
        return Optional.empty();
      }
    }
    String value = prefix + "{" + start + ".." + (start + names.size() - 1) + "}";
    return value.length() <= MAX_TAG_VALUE ? Optional.of(value) : Optional.empty();
  }

  /** The name at launch index {@code index} of an encoded value, if it holds one. */
  public static Optional<String> at(String encoded, int index) {
    Matcher m = RANGE.matcher(encoded);
    if (m.matches()) {
      long start = Long.parseLong(m.group(2));
      long end = Long.parseLong(m.group(3));
      return index >= 0 && start + index <= end ? Optional.of(m.group(1) + (start + index)) : Optional.empty();
    }
    List<String> names = new ArrayList<>(List.of(encoded.split(",")));
    return index >= 0 && index < names.size() ? Optional.of(names.get(index)) : Optional.empty();
  }
}
