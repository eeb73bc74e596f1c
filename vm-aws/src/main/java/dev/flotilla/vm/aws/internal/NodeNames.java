package dev.flotilla.vm.aws.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node names of one launch as a single tag value, set at launch for every instance: each instance
 * finds its name by its {@code amiLaunchIndex}. Names such as web1..web100 are written {@code web{1..100}}
 * (n001..n100 as {@code n{001..100}}); other lists are comma-separated when they fit EC2's 256-character
 * tag values, and longer ones are launched in as few chunks as fit.
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

  /**
   * {@code names} split, in order, into as few runs as each fit one tag value: one run for a range or a
   * short list, more for long lists of unrelated names.
   */
  public static List<List<String>> chunks(List<String> names) {
    List<List<String>> out = new ArrayList<>();
    int start = 0;
    while (start < names.size()) {
      int end = start + 1; // one name always fits: host names are at most 253 characters
      while (end < names.size() && encode(names.subList(start, end + 1)).isPresent()) {
        end++;
      }
      out.add(List.copyOf(names.subList(start, end)));
      start = end;
    }
    return out;
  }

  private static Optional<String> range(List<String> names) {
    Matcher first = NUMBERED.matcher(names.get(0));
    if (names.size() < 2 || !first.matches()) {
      return Optional.empty();
    }
    String prefix = first.group(1);
    String digits = first.group(2);
    int width = digits.startsWith("0") && digits.length() > 1 ? digits.length() : 0; // zero-padded: n001
    long start = Long.parseLong(digits);
    for (int i = 0; i < names.size(); i++) {
      if (!names.get(i).equals(prefix + number(start + i, width))) {
        return Optional.empty();
      }
    }
    String value = prefix + "{" + number(start, width) + ".." + number(start + names.size() - 1, width) + "}";
    return value.length() <= MAX_TAG_VALUE ? Optional.of(value) : Optional.empty();
  }

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
    List<String> names = new ArrayList<>(List.of(encoded.split(",")));
    return index >= 0 && index < names.size() ? Optional.of(names.get(index)) : Optional.empty();
  }
}
