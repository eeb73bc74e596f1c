package dev.flotilla.vm;

import java.util.Optional;

/** RFC 1123 host names: what a node may be called, since the name becomes the VM's host name. */
final class HostNames {
  private static final int MAX_LABEL = 63;
  private static final int MAX_NAME = 253;

  private HostNames() {}

  /** Why {@code name} is not a valid host name, or empty when it is. */
  static Optional<String> problem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("it is empty");
    }
    if (name.length() > MAX_NAME) {
      return Optional.of("it is " + name.length() + " characters long; at most " + MAX_NAME + " are allowed");
    }
    int start = 0;
    for (String label : name.split("\\.", -1)) {
      Optional<String> p = labelProblem(label, start);
      if (p.isPresent()) {
        return p;
      }
      start += label.length() + 1;
    }
    return Optional.empty();
  }

  private static Optional<String> labelProblem(String label, int offset) {
    if (label.isEmpty()) {
      return Optional.of("it has an empty label at position " + offset + " (two dots in a row, or a dot at an end)");
    }
    if (label.length() > MAX_LABEL) {
      return Optional.of("its label '" + label + "' is " + label.length() + " characters long; at most "
          + MAX_LABEL + " are allowed between dots");
    }
    if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
      return Optional.of("its label '" + label + "' starts or ends with '-'");
    }
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) {
        return Optional.of("it contains '" + c + "' at position " + (offset + i)
            + "; only letters a-z, digits 0-9, '-' and '.' between labels are allowed");
      }
    }
    return Optional.empty();
  }
}
